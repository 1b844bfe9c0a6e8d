"""DIDs: did:key, did:jwk, did:web (URL mapping and document checks) and the resolver port.

>>> import asyncio
>>> from sceau.core.jose import generate_private_key
>>> key = generate_private_key().public_key()
>>> did = did_key_from_public_key(key)
>>> asyncio.run(resolve_verification_method(did)) == key
True
"""

from sceau.core.dids.did_jwk import (
    did_jwk_from_jwk,
    jwk_from_did_jwk,
    public_key_from_did_jwk,
    resolve_did_jwk,
)
from sceau.core.dids.did_key import (
    did_key_from_public_key,
    public_key_from_did_key,
    resolve_did_key,
)
from sceau.core.dids.did_web import did_web_from_parts, did_web_to_url, parse_did_web
from sceau.core.dids.document import (
    DidDocument,
    VerificationMethod,
    build_did_document,
    parse_did_document,
)
from sceau.core.dids.resolver import (
    DidResolver,
    resolve_did_document,
    resolve_local,
    resolve_verification_method,
    split_did_url,
)

__all__ = [
    "DidDocument",
    "DidResolver",
    "VerificationMethod",
    "build_did_document",
    "did_jwk_from_jwk",
    "did_key_from_public_key",
    "did_web_from_parts",
    "did_web_to_url",
    "jwk_from_did_jwk",
    "parse_did_document",
    "parse_did_web",
    "public_key_from_did_jwk",
    "public_key_from_did_key",
    "resolve_did_document",
    "resolve_did_jwk",
    "resolve_did_key",
    "resolve_local",
    "resolve_verification_method",
    "split_did_url",
]
