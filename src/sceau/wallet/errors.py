"""Precise wallet errors: each carries a stable ``code`` the CLI prints and tests assert on."""

from __future__ import annotations

from sceau.core.errors import SceauError

__all__ = [
    "IssuanceFailed",
    "PresentationRefused",
    "RequestRejected",
    "WalletError",
    "WalletLocked",
]


class WalletError(SceauError):
    """Base class of the reference wallet's errors."""

    code = "wallet_error"


class WalletLocked(WalletError):
    """The store cannot be opened: wrong passphrase or key file, or a tampered file (AES-GCM)."""

    code = "wallet_locked"


class IssuanceFailed(WalletError):
    """The issuer answered an OpenID4VCI request with an error (``code`` is the OAuth error)."""

    code = "issuance_failed"


class RequestRejected(WalletError):
    """The wallet refuses an OpenID4VP request: bad signature, unverified verifier identity,
    wallet_nonce not echoed, unsupported response mode or client identifier prefix."""

    code = "request_rejected"


class PresentationRefused(WalletError):
    """No stored credential satisfies the query, or the holder declined."""

    code = "presentation_refused"
