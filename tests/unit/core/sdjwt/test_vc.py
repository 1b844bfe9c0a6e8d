"""SD-JWT VC: issuance, issuer-key resolution (metadata, x5c), Signer port, type metadata."""

import asyncio
import base64
import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sceau.core.encoding import b64url_decode
from sceau.core.errors import InvalidInput, VerificationFailed
from sceau.core.jose import (
    SoftwareSigner,
    decode_compact_unverified,
    generate_private_key,
    public_jwk,
)
from sceau.core.sdjwt import (
    SD,
    JwtVcIssuerMetadataResolver,
    StaticIssuerKeys,
    X5cIssuerResolver,
    create_presentation,
    issue_sd_jwt_vc,
    issue_sd_jwt_vc_sync,
    random_decoy_count,
    verify_sd_jwt_vc,
)
from sceau.core.sdjwt.type_metadata import (
    check_extends_chain,
    parse_type_metadata,
    type_metadata_for,
    verify_integrity,
)

NOW = 1_750_000_000
ISS = "https://issuer.example"
VCT = "https://credentials.example/identity"
KEY = generate_private_key("ES256")
SIGNER = SoftwareSigner(KEY, key_id="k1")
HOLDER = SoftwareSigner(generate_private_key("ES256"))


class _HsmLikeSigner:
    """A Signer that is not a SoftwareSigner: only the async port is available."""

    key_id = "k1"
    algorithm = "ES256"

    async def sign(self, message: bytes) -> bytes:
        await asyncio.sleep(0)
        return SIGNER.sign_sync(message)


def _issue(**kw: Any) -> str:
    return issue_sd_jwt_vc_sync(
        VCT,
        {"given_name": "Jean", "age_over_18": True},
        SIGNER,
        iss=ISS,
        iat=NOW,
        exp=NOW + 86400,
        holder_jwk=HOLDER.public_jwk,
        status={"status_list": {"idx": 7, "uri": "https://s.example/1"}},
        disclosable=["given_name", "age_over_18"],
        **kw,
    ).compact


def test_issued_vc_has_typ_dc_sd_jwt_and_plaintext_registered_claims() -> None:
    header, raw = decode_compact_unverified(_issue().split("~")[0])
    payload = json.loads(raw)
    assert header == {"alg": "ES256", "typ": "dc+sd-jwt", "kid": "k1"}
    assert {"iss", "iat", "exp", "vct", "status", "cnf", "_sd", "_sd_alg"} <= set(payload)
    assert "given_name" not in payload and len(payload["_sd"]) == 2


def test_vc_without_disclosable_claims_has_no_sd_claim() -> None:
    issued = issue_sd_jwt_vc_sync(VCT, {"a": 1}, SIGNER, iss=ISS)
    assert "_sd" not in issued.payload and issued.disclosures == () and issued.compact.endswith("~")


def test_salts_are_128_bit_and_unique_and_digests_sorted_with_decoys() -> None:
    issued = issue_sd_jwt_vc_sync(
        VCT,
        {f"c{i}": i for i in range(10)},
        SIGNER,
        disclosable=[f"c{i}" for i in range(10)],
        decoy_count=random_decoy_count(2, 4),
    )
    salts = [d.salt for d in issued.disclosures]
    assert len(set(salts)) == 10 and all(len(b64url_decode(s)) >= 16 for s in salts)
    assert (
        issued.payload["_sd"] == sorted(issued.payload["_sd"])
        and 12 <= len(issued.payload["_sd"]) <= 14
    )


def test_async_issue_and_presentation_through_a_non_software_signer() -> None:
    async def flow() -> str:
        issued = await issue_sd_jwt_vc(
            VCT,
            {SD("given_name"): "Jean"},
            _HsmLikeSigner(),
            iss=ISS,
            iat=NOW,
            holder_jwk=HOLDER.public_jwk,
        )
        return await create_presentation(
            issued.compact,
            {"given_name": True},
            holder_signer=HOLDER,
            audience="v",
            nonce="n",
            iat=NOW,
        )

    verified = verify_sd_jwt_vc(
        asyncio.run(flow()),
        StaticIssuerKeys({ISS: {"k1": KEY.public_key()}}),
        audience="v",
        nonce="n",
        now=NOW,
    )
    assert verified.claims["given_name"] == "Jean" and verified.iss == ISS


def test_status_reference_and_cnf_are_exposed() -> None:
    token = _issue()
    v = verify_sd_jwt_vc(token, KEY.public_key(), require_key_binding=False, now=NOW)
    assert v.status == {"status_list": {"idx": 7, "uri": "https://s.example/1"}}
    assert v.cnf == {"jwk": HOLDER.public_jwk} and v.vct == VCT


def _metadata(jwks: dict[str, Any] | None = None, uri: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"issuer": ISS}
    if jwks is not None:
        doc["jwks"] = jwks
    if uri is not None:
        doc["jwks_uri"] = uri
    return doc


def test_jwt_vc_issuer_metadata_resolves_key_by_kid() -> None:
    other = public_jwk(generate_private_key())
    jwks = {"keys": [{**other, "kid": "old"}, {**public_jwk(KEY), "kid": "k1"}]}
    for resolver in (
        JwtVcIssuerMetadataResolver([_metadata(jwks)]),
        JwtVcIssuerMetadataResolver(
            [_metadata(uri="https://issuer.example/jwks")], {"https://issuer.example/jwks": jwks}
        ),
    ):
        v = verify_sd_jwt_vc(_issue(), resolver, require_key_binding=False, now=NOW)
        assert v.claims["given_name"] == "Jean"


def test_metadata_for_another_issuer_or_unknown_kid_is_rejected() -> None:
    resolver = JwtVcIssuerMetadataResolver(
        [{"issuer": "https://issuer.example.evil", "jwks": {"keys": [public_jwk(KEY)]}}]
    )
    with pytest.raises(VerificationFailed) as exc:
        verify_sd_jwt_vc(_issue(), resolver, require_key_binding=False, now=NOW)
    assert exc.value.code == "untrusted_issuer"
    resolver = JwtVcIssuerMetadataResolver(
        [_metadata({"keys": [{**public_jwk(KEY), "kid": "zz"}]})]
    )
    with pytest.raises(VerificationFailed) as exc:
        verify_sd_jwt_vc(_issue(), resolver, require_key_binding=False, now=NOW)
    assert exc.value.code == "unknown_kid"


@pytest.mark.parametrize(
    "doc",
    [
        {"issuer": ISS},
        {"issuer": ISS, "jwks": {"keys": []}, "jwks_uri": "https://x"},
        {"issuer": "http://insecure", "jwks": {"keys": []}},
    ],
)
def test_malformed_metadata_is_refused(doc: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        JwtVcIssuerMetadataResolver([doc])


def test_header_jwk_of_an_attacker_is_never_used() -> None:
    attacker = SoftwareSigner(generate_private_key())
    token = issue_sd_jwt_vc_sync(
        VCT, {}, attacker, iss=ISS, header={"jwk": attacker.public_jwk, "kid": "k1"}
    ).compact
    with pytest.raises(Exception) as exc:
        verify_sd_jwt_vc(
            token,
            StaticIssuerKeys({ISS: {"k1": KEY.public_key()}}),
            require_key_binding=False,
            now=NOW,
        )
    assert getattr(exc.value, "code", None) == "invalid_signature"


def _cert(
    subject: str,
    key: Any,
    issuer_key: Any,
    issuer_name: str,
    *,
    ca: bool,
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    b = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if ca:
        b = b.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        b = b.add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _x5c(*certs: x509.Certificate) -> list[str]:
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certs]


def test_x5c_chain_to_a_trust_anchor_resolves_the_issuer_key() -> None:
    root_key, inter_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    root = _cert("Root", root_key, root_key, "Root", ca=True)
    inter = _cert("Inter", inter_key, root_key, "Root", ca=True)
    leaf = _cert(
        "Issuer", KEY, inter_key, "Inter", ca=False, san=[x509.UniformResourceIdentifier(ISS)]
    )
    token = issue_sd_jwt_vc_sync(
        VCT, {}, SoftwareSigner(KEY), iss=ISS, header={"x5c": _x5c(leaf, inter)}
    ).compact
    resolver = X5cIssuerResolver([root], now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert verify_sd_jwt_vc(token, resolver, require_key_binding=False, now=NOW).iss == ISS
    other_root_key = ec.generate_private_key(ec.SECP256R1())
    other_root = _cert("Other", other_root_key, other_root_key, "Other", ca=True)
    with pytest.raises(VerificationFailed) as exc:
        verify_sd_jwt_vc(
            token,
            X5cIssuerResolver([other_root], now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
            require_key_binding=False,
            now=NOW,
        )
    assert exc.value.code == "untrusted_x5c"
    wrong_iss = issue_sd_jwt_vc_sync(
        VCT, {}, SoftwareSigner(KEY), iss="https://evil.example", header={"x5c": _x5c(leaf, inter)}
    ).compact
    with pytest.raises(VerificationFailed) as exc:
        verify_sd_jwt_vc(wrong_iss, resolver, require_key_binding=False, now=NOW)
    assert exc.value.code == "iss_not_in_certificate"


TYPE_METADATA = {
    "vct": VCT,
    "name": "Identity",
    "display": [
        {
            "locale": "en-CA",
            "name": "Identity credential",
            "description": "Government of Canada identity",
        },
        {
            "locale": "fr-CA",
            "name": "Attestation d'identité",
            "description": "Identité du gouvernement du Canada",
        },
    ],
    "claims": [
        {
            "path": ["given_name"],
            "display": [
                {"locale": "en-CA", "label": "Given name"},
                {"locale": "fr-CA", "label": "Prénom"},
            ],
            "sd": "always",
        },
        {"path": ["nationalities", None], "mandatory": True, "sd": "never"},
    ],
    "x-unknown": {"ignored": True},
}


def test_type_metadata_gives_bilingual_display_and_claim_labels() -> None:
    meta = parse_type_metadata(json.dumps(TYPE_METADATA).encode())
    assert meta.display_for("fr-CA").name == "Attestation d'identité"  # type: ignore[union-attr]
    assert meta.display_for("fr").name == "Attestation d'identité"  # type: ignore[union-attr]
    assert meta.display_for("en-CA").name == "Identity credential"  # type: ignore[union-attr]
    claim = meta.claim(["given_name"])
    assert claim is not None and claim.label("fr-CA") == "Prénom" and claim.sd == "always"
    assert meta.claim(["nationalities", None]).mandatory  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "change",
    [
        {"vct": 5},
        {"display": [{"locale": "en"}]},
        {"claims": [{"path": []}]},
        {"claims": [{"path": ["a"], "sd": "sometimes"}]},
        {"name": "x" * 5000},
    ],
)
def test_malformed_type_metadata_is_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_type_metadata({**TYPE_METADATA, **change})
    assert exc.value.code == "invalid_type_metadata"


def test_vct_integrity_uses_the_strongest_sri_hash() -> None:
    doc = json.dumps(TYPE_METADATA).encode()
    good256 = "sha256-" + base64.b64encode(hashlib.sha256(doc).digest()).decode()
    good384 = "sha384-" + base64.b64encode(hashlib.sha384(doc).digest()).decode()
    verify_integrity(doc, good256)
    verify_integrity(doc, f"sha256-AAAA {good384}")  # the weaker wrong one is not consulted
    with pytest.raises(VerificationFailed) as exc:
        verify_integrity(doc + b" ", good256)
    assert exc.value.code == "integrity_mismatch"


def test_circular_extends_is_rejected() -> None:
    a = parse_type_metadata({"vct": "urn:a", "extends": "urn:b"})
    b = parse_type_metadata({"vct": "urn:b", "extends": "urn:a"})
    with pytest.raises(InvalidInput) as exc:
        check_extends_chain([a, b])
    assert exc.value.code == "circular_extends"


def test_type_metadata_for_a_credential_checks_vct_integrity_and_vct() -> None:
    doc = json.dumps(TYPE_METADATA).encode()
    sri = "sha256-" + base64.b64encode(hashlib.sha256(doc).digest()).decode()
    issued = issue_sd_jwt_vc_sync(VCT, {"vct#integrity": sri}, SIGNER, iss=ISS, iat=NOW)
    v = verify_sd_jwt_vc(issued.compact, KEY.public_key(), require_key_binding=False, now=NOW)
    meta = type_metadata_for(v.vct, doc, v.claims["vct#integrity"])
    assert meta.display_for("fr-CA").name == "Attestation d'identité"  # type: ignore[union-attr]
    with pytest.raises(VerificationFailed) as exc:
        type_metadata_for(v.vct, doc.replace(b"Identity", b"Identitx"), v.claims["vct#integrity"])
    assert exc.value.code == "integrity_mismatch"
    with pytest.raises(VerificationFailed) as exc:
        type_metadata_for("urn:other", doc)
    assert exc.value.code == "vct_mismatch"
