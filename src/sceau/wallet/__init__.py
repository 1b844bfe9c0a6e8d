"""Sceau's reference wallet: a holder library built only on :mod:`sceau.core` and an HTTP client.

It is a separate product from the server and never imports server modules:

- :mod:`sceau.wallet.store`: holder keys and credentials, sealed with AES-GCM (scrypt or key file);
- :mod:`sceau.wallet.issuance`: OpenID4VCI 1.0 client (pre-authorized code, DPoP, proofs, batch);
- :mod:`sceau.wallet.presentation`: OpenID4VP 1.0 client (request_uri, verifier identity, DCQL).
"""

from sceau.wallet._http import LOOPBACK_HOSTS, WalletHttp
from sceau.wallet.errors import (
    IssuanceFailed,
    PresentationRefused,
    RequestRejected,
    WalletError,
    WalletLocked,
)
from sceau.wallet.issuance import (
    CredentialOffer,
    Received,
    receive_offer,
    receive_with_authorization,
    resolve_offer,
)
from sceau.wallet.presentation import (
    Answer,
    PlanItem,
    PresentationPlan,
    PresentationRequest,
    fetch_request,
    plan_presentation,
    send_presentation,
)
from sceau.wallet.store import KeyMaterial, StoredCredential, WalletStore, passphrase_key

__all__ = [
    "LOOPBACK_HOSTS",
    "Answer",
    "CredentialOffer",
    "IssuanceFailed",
    "KeyMaterial",
    "PlanItem",
    "PresentationPlan",
    "PresentationRefused",
    "PresentationRequest",
    "Received",
    "RequestRejected",
    "StoredCredential",
    "WalletError",
    "WalletHttp",
    "WalletLocked",
    "WalletStore",
    "fetch_request",
    "passphrase_key",
    "plan_presentation",
    "receive_offer",
    "receive_with_authorization",
    "resolve_offer",
    "send_presentation",
]
