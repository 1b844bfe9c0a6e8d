"""JSON-LD contexts shipped with Sceau and the static document loader that serves them.

VC Data Integrity 1.0 §2.4 and §5.14: contexts a verifier relies on are treated as already resolved
and never fetched. The loader serves only the files in this package (pinned by SHA-256) plus
contexts the caller registers at runtime (for example a tenant's own vocabulary); every other URL
raises :class:`~sceau.core.errors.UnsupportedContext`. There is no network code path.

>>> loader = StaticDocumentLoader()
>>> loader.load("https://www.w3.org/ns/credentials/v2")["@context"]["@protected"]
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from sceau.core.errors import InvalidInput, UnsupportedContext

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
JWK_V1 = "https://w3id.org/security/jwk/v1"
BITSTRING_STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"

# url -> (file in this package, SHA-256 of the file): pins the shipped bytes (SECURITY W-02).
SHIPPED_CONTEXTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        CREDENTIALS_V2: (
            "credentials-v2.jsonld",
            "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
        ),
        CREDENTIALS_V1: (
            "credentials-v1.jsonld",
            "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
        ),
        EXAMPLES_V2: (
            "credentials-examples-v2.jsonld",
            "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
        ),
        DATA_INTEGRITY_V2: (
            "data-integrity-v2.jsonld",
            "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
        ),
        MULTIKEY_V1: (
            "multikey-v1.jsonld",
            "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
        ),
        JWK_V1: (
            "jwk-v1.jsonld",
            "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece",
        ),
        BITSTRING_STATUS_LIST_V1: (
            "bitstring-status-list-v1.jsonld",
            "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7",
        ),
    }
)

#: Largest context document accepted by :meth:`StaticDocumentLoader.register`.
MAX_CONTEXT_BYTES = 256 * 1024

_SHIPPED_CACHE: dict[str, dict[str, Any]] = {}


def _load_shipped(url: str) -> dict[str, Any]:
    cached = _SHIPPED_CACHE.get(url)
    if cached is not None:
        return cached
    filename, sha256 = SHIPPED_CONTEXTS[url]
    data = resources.files(__name__).joinpath(filename).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise UnsupportedContext(f"shipped context {url} does not match its pinned hash")
    document: dict[str, Any] = json.loads(data)
    _SHIPPED_CACHE[url] = document
    return document


class StaticDocumentLoader:
    """Serves shipped and registered JSON-LD contexts; refuses every other URL.

    Documents are parsed once and shared: callers must treat them as read-only (the JSON-LD layer
    keys its caches on their identity).
    """

    def __init__(self, extra: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._registered: dict[str, dict[str, Any]] = {}
        for url, document in (extra or {}).items():
            self.register(url, document)

    def register(self, url: str, document: Mapping[str, Any]) -> None:
        """Register a context document (``{"@context": ...}``) under ``url`` for this loader."""
        if not isinstance(url, str) or ":" not in url:
            raise InvalidInput("context URL must be an absolute URL", code="invalid_context")
        if url in SHIPPED_CONTEXTS:
            raise InvalidInput("a shipped context cannot be replaced", code="invalid_context")
        if not isinstance(document, Mapping) or "@context" not in document:
            raise InvalidInput("a context document must hold '@context'", code="invalid_context")
        encoded = json.dumps(document)
        if len(encoded) > MAX_CONTEXT_BYTES:
            raise InvalidInput("context document too large", code="input_too_large")
        # Deep copy through JSON so later changes by the caller cannot alter what was registered.
        self._registered[url] = json.loads(encoded)

    def urls(self) -> frozenset[str]:
        return frozenset(SHIPPED_CONTEXTS) | frozenset(self._registered)

    def load(self, url: str) -> dict[str, Any]:
        """The context document for ``url``; :class:`UnsupportedContext` for anything unknown."""
        if not isinstance(url, str):
            raise UnsupportedContext("context reference must be a string")
        document = self._registered.get(url)
        if document is not None:
            return document
        if url in SHIPPED_CONTEXTS:
            return _load_shipped(url)
        raise UnsupportedContext(f"context {url!r} is not shipped or registered", url=url)

    def as_pyld_loader(self) -> Callable[[str, Any], dict[str, Any]]:
        """A ``documentLoader`` for pyld with the same allow-list (used as a test oracle)."""

        def loader(url: str, options: Any = None) -> dict[str, Any]:
            return {"contextUrl": None, "documentUrl": url, "document": self.load(url)}

        return loader
