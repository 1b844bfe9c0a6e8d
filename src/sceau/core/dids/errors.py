"""DID errors, with the DID Resolution / did:key spec error names as codes."""

from __future__ import annotations

from sceau.core.errors import InvalidInput, InvalidKey, VerificationFailed


class InvalidDid(InvalidInput):
    """Not a syntactically valid DID for its method (did:key §Document Creation step 3)."""

    code = "invalidDid"


class InvalidDidUrl(InvalidInput):
    """Not a valid DID URL (did:key §Signature Method Creation step 5)."""

    code = "invalidDidUrl"


class MethodNotSupported(InvalidInput):
    """A DID method this resolver does not handle."""

    code = "methodNotSupported"


class InvalidPublicKey(InvalidKey):
    """Key bytes that are not a valid key of the announced type (did:key step 4)."""

    code = "invalidPublicKey"


class InvalidPublicKeyLength(InvalidKey):
    """Key bytes of the wrong length for the multicodec (did:key step 3)."""

    code = "invalidPublicKeyLength"


class UnsupportedPublicKeyType(InvalidKey):
    """A key type or multicodec outside the allow-list (did:key step 7)."""

    code = "unsupportedPublicKeyType"


class InvalidDidDocument(InvalidInput):
    """A DID document that is malformed or does not belong to the DID that was resolved."""

    code = "invalidDidDocument"


class DidNotFound(VerificationFailed):
    """The DID or the verification method it refers to does not exist (or not for that use)."""

    code = "notFound"
