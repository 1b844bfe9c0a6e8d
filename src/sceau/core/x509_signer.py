"""What an X.509 end-entity certificate must be to sign JWTs (RFC 5280 §4.2.1.3, §4.2.1.9).

A chain that leads to a trusted anchor vouches for its first certificate's key, but only for what
that certificate allows: a CA certificate (``BasicConstraints`` ``cA``) signs certificates, not
attestations or request objects, and a ``KeyUsage`` without ``digitalSignature`` (say, a key
agreement certificate issued by the same CA) does not sign at all. Without these checks, any
certificate of a trusted CA, and the CA's own key, could sign as the trusted party.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509 import verification as x509v

__all__ = ["signing_ee_policy"]


def _not_a_ca(
    _policy: x509v.Policy, _cert: x509.Certificate, ext: x509.BasicConstraints | None
) -> None:
    if ext is not None and ext.ca:
        raise ValueError("a CA certificate is not a signing end entity (RFC 5280 §4.2.1.9)")


def _may_sign(_policy: x509v.Policy, _cert: x509.Certificate, ext: x509.KeyUsage | None) -> None:
    if ext is not None and not ext.digital_signature:
        raise ValueError("KeyUsage does not allow digitalSignature (RFC 5280 §4.2.1.3)")


def signing_ee_policy() -> x509v.ExtensionPolicy:
    """The end-entity extension policy for a certificate whose key signs JWTs: not a CA, and
    ``digitalSignature`` allowed when ``KeyUsage`` is present; other extensions are permitted."""
    return (
        x509v.ExtensionPolicy.permit_all()
        .may_be_present(x509.BasicConstraints, x509v.Criticality.AGNOSTIC, _not_a_ca)
        .may_be_present(x509.KeyUsage, x509v.Criticality.AGNOSTIC, _may_sign)
    )
