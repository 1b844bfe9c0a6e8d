"""X.509 certificate chains for signing keys, shared by the issuer and the verifier.

A chain is a list of PEM certificates, leaf first, each issued by the next: the ``x5c`` order of
RFC 7515 §4.1.6 ("The certificate containing the key value MUST be the first certificate"; each
following one "MUST directly certify the one preceding it"). Outside production a throw-away
dev chain (dev CA + leaf) stands in for a chain from a real CA.

Checks raise ``error(message, code)`` with the caller's error class, so the verifier keeps its
``x509_*`` codes and the issuer its ``issuer_x509_*`` ones.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = [
    "ChainError",
    "check_leaf",
    "dev_certificate_chain",
    "leaf_dns_names",
    "leaf_names_issuer",
    "load_pem_chain",
    "same_public_key",
    "x5c_of",
]

ChainError = Callable[[str, str], Exception]

_CN_MAX = 64  # RFC 5280 ub-common-name


def _cn(value: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value[:_CN_MAX])])


def dev_certificate_chain(
    public_key: ec.EllipticCurvePublicKey,
    dns_name: str,
    *,
    uris: Sequence[str] = (),
    subject: str | None = None,
    now: dt.datetime | None = None,
    leaf_days: int = 90,
) -> list[str]:
    """A throw-away CA and a leaf for ``public_key`` with SAN ``dns_name`` (and ``uris``), dev only.

    The CA key is discarded: the chain is for wallets and verifiers in development that trust
    its root (the last PEM) explicitly.
    """
    now = now or dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _cn(f"Sceau dev CA {subject or dns_name}")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=max(365, leaf_days)))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(u) for u in uris]
    names.append(x509.DNSName(dns_name))
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_cn(subject or dns_name))
        .issuer_name(ca_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=leaf_days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return [c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in (leaf, ca)]


def load_pem_chain(
    pems: Sequence[str], error: ChainError, *, prefix: str = "x509"
) -> list[x509.Certificate]:
    """The chain, leaf first, each certificate issued by the next (RFC 7515 §4.1.6 order,
    which wallets and verifiers rely on: the first one is the leaf). ``{prefix}_chain_invalid``
    when a member is not one PEM certificate or the order is wrong."""
    code = f"{prefix}_chain_invalid"
    if not pems:
        raise error("x509 chain is empty", code)
    certs = []
    for pem in pems:
        try:
            loaded = x509.load_pem_x509_certificates(pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise error("x509 chain is not PEM", code) from exc
        if len(loaded) != 1:
            raise error("each x509 chain entry must be one PEM certificate", code)
        certs.append(loaded[0])
    for cert, issuer in itertools.pairwise(certs):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise error("x509 chain is not in leaf-first issuing order", code) from exc
    return certs


def same_public_key(a: Any, b: Any) -> bool:
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    return bool(a.public_bytes(enc, fmt) == b.public_bytes(enc, fmt))


def check_leaf(
    leaf: x509.Certificate,
    public_key: Any,
    now: dt.datetime,
    error: ChainError,
    *,
    prefix: str = "x509",
) -> None:
    """The leaf certifies ``public_key`` (``{prefix}_leaf_key_mismatch``) and is valid at
    ``now`` (``{prefix}_leaf_not_current``)."""
    if not same_public_key(leaf.public_key(), public_key):
        raise error("leaf certificate is not the signing key", f"{prefix}_leaf_key_mismatch")
    if not leaf.not_valid_before_utc <= now < leaf.not_valid_after_utc:
        raise error("leaf certificate is not valid now", f"{prefix}_leaf_not_current")


def _san(leaf: x509.Certificate) -> x509.SubjectAlternativeName | None:
    try:
        return leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def leaf_dns_names(leaf: x509.Certificate) -> list[str]:
    san = _san(leaf)
    return [] if san is None else list(san.get_values_for_type(x509.DNSName))


def leaf_names_issuer(leaf: x509.Certificate, issuer: str, host: str) -> bool:
    """SD-JWT VC §"Inline X.509 Certificates" (the Issuer is the subject of the end-entity
    certificate): the leaf names the Credential Issuer identifier as a URI SAN, or its host as a
    DNS SAN — what ``sceau.core.sdjwt.X5cIssuerResolver`` requires of an ``iss``."""
    san = _san(leaf)
    if san is None:
        return False
    return issuer in san.get_values_for_type(x509.UniformResourceIdentifier) or (
        bool(host) and host in san.get_values_for_type(x509.DNSName)
    )


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def x5c_of(certs: Sequence[x509.Certificate]) -> list[str]:
    """The ``x5c`` header value (RFC 7515 §4.1.6: standard base64 of each DER certificate, leaf
    first) of a chain, without a self-signed root at its end: the verifier holds its trust
    anchor already, and HAIP asks for the issuer's certificate "along with a trust chain"."""
    chain = list(certs)
    if len(chain) > 1 and _self_signed(chain[-1]):
        chain.pop()
    return [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in chain
    ]
