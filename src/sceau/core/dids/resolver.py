"""Resolving a DID URL to a public key: did:key and did:jwk locally, others through a port.

The :class:`DidResolver` port is implemented in the services (an https-only, SSRF-safe,
size- and time-bounded fetcher for did:web, using :func:`did_web_to_url`). This module stays pure:
it validates what the port returns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Protocol

from sceau.core.dids.did_jwk import resolve_did_jwk
from sceau.core.dids.did_key import resolve_did_key
from sceau.core.dids.did_web import parse_did_web
from sceau.core.dids.document import DidDocument, parse_did_document
from sceau.core.dids.errors import DidNotFound, InvalidDidUrl, MethodNotSupported
from sceau.core.jose import PublicKey

__all__ = [
    "DidResolver",
    "resolve_did_document",
    "resolve_local",
    "resolve_verification_method",
    "split_did_url",
]

_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._%:-]+")
_FRAGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/?%-]{1,256}")
MAX_DID_URL_LENGTH = 4096


class DidResolver(Protocol):
    """Fetches the DID document of a DID (for did:web: GET :func:`did_web_to_url`)."""

    async def resolve(self, did: str) -> Mapping[str, Any]: ...


def split_did_url(did_url: str) -> tuple[str, str | None]:
    """``(did, fragment)``; paths and queries are not supported (``invalidDidUrl``)."""
    if not isinstance(did_url, str) or len(did_url) > MAX_DID_URL_LENGTH:
        raise InvalidDidUrl("not a DID URL")
    did, sep, fragment = did_url.partition("#")
    if _DID.fullmatch(did) is None:
        raise InvalidDidUrl("not a DID URL (paths and queries are not supported)")
    if sep and _FRAGMENT.fullmatch(fragment) is None:
        raise InvalidDidUrl("DID URL fragment is invalid")
    return did, (fragment if sep else None)


def resolve_local(did: str) -> dict[str, Any]:
    """DID document of a self-describing DID (did:key with Multikey, did:jwk)."""
    if did.startswith("did:key:"):
        return resolve_did_key(did)
    if did.startswith("did:jwk:"):
        return resolve_did_jwk(did)
    raise MethodNotSupported("DID method needs a resolver")


# Documents of self-describing DIDs by DID: a pure function of the string (decoding a did:key's
# multibase and building its document is most of a did:key lookup), so memoised; bounded, cleared
# when full. Only documents that parsed are kept: an invalid DID is refused again every time.
_LOCAL_DOCUMENTS: dict[str, DidDocument] = {}
_LOCAL_DOCUMENTS_MAX: Final = 1024


def _local_document(did: str) -> DidDocument:
    doc = _LOCAL_DOCUMENTS.get(did)
    if doc is None:
        doc = parse_did_document(resolve_local(did), did=did)
        if len(_LOCAL_DOCUMENTS) >= _LOCAL_DOCUMENTS_MAX:
            _LOCAL_DOCUMENTS.clear()
        _LOCAL_DOCUMENTS[did] = doc
    return doc


async def resolve_did_document(did: str, resolver: DidResolver | None = None) -> DidDocument:
    """Resolve and validate a DID document. did:key/did:jwk never go to the resolver."""
    if did.startswith(("did:key:", "did:jwk:")):
        return _local_document(did)
    if did.startswith("did:web:"):
        parse_did_web(did)  # refuse unsafe did:web before the port sees it
    if resolver is None:
        raise MethodNotSupported("DID method needs a resolver")
    return parse_did_document(await resolver.resolve(did), did=did)


async def resolve_verification_method(
    did_url: str,
    resolver: DidResolver | None = None,
    *,
    relationship: str | None = "assertionMethod",
) -> PublicKey:
    """Public key of the verification method ``did_url`` authorised for ``relationship``.

    Without a fragment, the DID must have exactly one method for that relationship.
    """
    did, fragment = split_did_url(did_url)
    doc = await resolve_did_document(did, resolver)
    if fragment is None:
        candidates = doc.relationships.get(relationship or "", tuple(doc.methods))
        if len(candidates) != 1:
            raise DidNotFound("DID URL needs a fragment to pick a verification method")
        return doc.public_key(candidates[0], relationship)
    vm_id = f"{did}#{fragment}"
    if did.startswith("did:jwk:") and fragment != "0":
        raise DidNotFound("did:jwk has a single verification method, #0")
    return doc.public_key(vm_id, relationship)
