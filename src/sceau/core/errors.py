"""Precise exceptions raised by the credential core.

Every error carries a stable machine ``code`` (the spec's own error code where one exists) and
``params`` for message interpolation. The web layer maps codes to localized problem+json (admin and
VC API) or to the protocol's own error format (OAuth 2.0, OpenID4VCI, OpenID4VP).
"""

from __future__ import annotations

from typing import Any


class SceauError(Exception):
    """Base class of every error Sceau raises on purpose."""

    code: str = "error"

    def __init__(self, detail: str = "", *, code: str | None = None, **params: Any) -> None:
        super().__init__(detail or self.code)
        if code is not None:
            self.code = code
        self.detail = detail
        self.params = params

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code


class InvalidInput(SceauError):
    """Structurally wrong input: malformed token, bad JSON, missing member."""

    code = "invalid_input"


class InputTooLarge(InvalidInput):
    """Input exceeds a configured size, depth or count limit."""

    code = "input_too_large"


class UnsupportedAlgorithm(SceauError):
    """Algorithm absent from the allow-list for this use, or not matching the key type."""

    code = "unsupported_algorithm"


class InvalidSignature(SceauError):
    """A signature or proof does not verify."""

    code = "invalid_signature"


class InvalidKey(SceauError):
    """A key is malformed, of the wrong type, or carries private members where it must not."""

    code = "invalid_key"


class VerificationFailed(SceauError):
    """A semantic verification check failed (expired, wrong audience, replay, ...)."""

    code = "verification_failed"


class UnsupportedContext(SceauError):
    """A JSON-LD context that is not shipped or registered (never fetched from the network)."""

    code = "unsupported_context"
