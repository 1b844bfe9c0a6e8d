"""``did:jwk`` (spec: ``shared/specs/did-jwk.md``): a JWK, base64url-encoded, as a DID.

>>> from sceau.core.jose import generate_private_key, public_jwk
>>> did = did_jwk_from_jwk(public_jwk(generate_private_key()))
>>> resolve_did_jwk(did)["verificationMethod"][0]["id"] == did + "#0"
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sceau.core.dids.errors import InvalidDid, InvalidPublicKey
from sceau.core.encoding import b64url_decode, b64url_encode, json_dumps_compact, json_loads
from sceau.core.errors import InvalidInput, InvalidKey
from sceau.core.jose import PublicKey, public_key_from_jwk

__all__ = ["did_jwk_from_jwk", "jwk_from_did_jwk", "public_key_from_did_jwk", "resolve_did_jwk"]

_DID_JWK = re.compile(r"did:jwk:(?P<value>[A-Za-z0-9_-]+)")  # §DID Format
MAX_DID_JWK_LENGTH = 4096
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
JWS_2020_CONTEXT = "https://w3id.org/security/suites/jws-2020/v1"


def did_jwk_from_jwk(jwk: Mapping[str, Any]) -> str:
    """``did:jwk:`` + base64url(compact JSON of the public JWK); private JWKs are refused."""
    public_key_from_jwk(jwk)  # validates, rejects private members (§Security)
    return "did:jwk:" + b64url_encode(json_dumps_compact(dict(jwk)))


def jwk_from_did_jwk(did: str) -> dict[str, Any]:
    """§Read steps 1–4: the validated public JWK of a ``did:jwk`` (or of a DID URL ``...#0``)."""
    if not isinstance(did, str) or len(did) > MAX_DID_JWK_LENGTH:
        raise InvalidDid("not a did:jwk")
    base, _, fragment = did.partition("#")
    if fragment not in ("", "0"):  # §To create the DID URL: "#0 is the only valid value"
        raise InvalidDid("did:jwk has a single key, #0")
    m = _DID_JWK.fullmatch(base)
    if m is None:
        raise InvalidDid("not a did:jwk")
    try:
        jwk = json_loads(b64url_decode(m.group("value")), max_bytes=MAX_DID_JWK_LENGTH, max_depth=4)
    except InvalidInput as exc:  # bad base64url, bad or duplicate-member JSON
        raise InvalidDid("did:jwk value is not a base64url JSON object") from exc
    if not isinstance(jwk, dict):
        raise InvalidDid("did:jwk value is not a JSON object")
    try:
        public_key_from_jwk(jwk)
    except InvalidKey as exc:
        raise InvalidPublicKey("did:jwk holds no valid public key: " + exc.code) from exc
    return jwk


def public_key_from_did_jwk(did: str) -> PublicKey:
    return public_key_from_jwk(jwk_from_did_jwk(did))


def resolve_did_jwk(did: str) -> dict[str, Any]:
    """§Read step 5: the DID document (``use`` decides signature vs key-agreement relations)."""
    jwk = jwk_from_did_jwk(did)
    base = did.partition("#")[0]
    vm_id = f"{base}#0"
    doc: dict[str, Any] = {
        "@context": [DID_CONTEXT, JWS_2020_CONTEXT],
        "id": base,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey2020", "controller": base, "publicKeyJwk": jwk}
        ],
    }
    use = jwk.get("use")
    if use != "enc":
        for rel in ("assertionMethod", "authentication", "capabilityInvocation"):
            doc[rel] = [vm_id]
        doc["capabilityDelegation"] = [vm_id]
    if use != "sig":
        doc["keyAgreement"] = [vm_id]
    return doc
