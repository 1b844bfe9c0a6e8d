"""A test wallet provider: a CA, a signing certificate under it, and key attestations
(OpenID4VCI 1.0 Appendix D.1, ``key-attestation+jwt`` with ``x5c``) for a wallet's keys."""

from __future__ import annotations

import base64
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sceau.core.jose import SoftwareSigner, sign_compact_sync

TYP = "key-attestation+jwt"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def ca_certificate(
    key: ec.EllipticCurvePrivateKey, cn: str, *, not_after: dt.datetime | None = None
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _key_usage(digital_signature: bool) -> x509.KeyUsage:
    """digitalSignature, or keyAgreement only (a certificate not made for signing)."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not digital_signature,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def leaf_certificate(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cn: str,
    public_key: ec.EllipticCurvePublicKey,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    digital_signature: bool = True,
) -> x509.Certificate:
    """An end-entity certificate; ``digital_signature=False``: one for key agreement only."""
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name("Test wallet provider attestation signer"))
        .issuer_name(_name(ca_cn))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def der_b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


@dataclass
class WalletProvider:
    """A wallet provider's CA (the issuer's trust anchor) and its attestation signing key."""

    cn: str = "Test Wallet Provider CA"
    ca_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    signer: SoftwareSigner = field(
        default_factory=lambda: SoftwareSigner(ec.generate_private_key(ec.SECP256R1()), "ES256")
    )
    leaf_not_after: dt.datetime | None = None
    leaf_digital_signature: bool = True

    def __post_init__(self) -> None:
        self.ca = ca_certificate(self.ca_key, self.cn)
        public = self.signer.private_key.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        self.leaf = leaf_certificate(
            self.ca_key,
            self.cn,
            public,
            not_after=self.leaf_not_after,
            digital_signature=self.leaf_digital_signature,
        )

    @property
    def anchor_pem(self) -> str:
        return pem(self.ca)

    def attest(
        self,
        keys: list[dict[str, Any]],
        *,
        nonce: str | None = None,
        iat: int | None = None,
        exp: int | None = -1,
        typ: str = TYP,
        claims: dict[str, Any] | None = None,
        header: dict[str, Any] | None = None,
        signer: SoftwareSigner | None = None,
    ) -> str:
        """A key attestation for ``keys`` (public JWKs). ``exp=-1``: one hour from ``iat``;
        ``None``: no ``exp``."""
        now = int(time.time()) if iat is None else iat
        body: dict[str, Any] = {
            "iss": "https://wallet-provider.example",
            "iat": now,
            "attested_keys": keys,
            "key_storage": ["iso_18045_high"],
            "user_authentication": ["iso_18045_high"],
        }
        if exp == -1:
            body["exp"] = now + 3600
        elif exp is not None:
            body["exp"] = exp
        if nonce is not None:
            body["nonce"] = nonce
        body.update(claims or {})
        h: dict[str, Any] = {"typ": typ, "x5c": [der_b64(self.leaf), der_b64(self.ca)]}
        h.update(header or {})
        return sign_compact_sync(h, body, signer or self.signer)
