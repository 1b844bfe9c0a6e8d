"""HAIP 1.0 issuer X.509: issued SD-JWT VCs and Status List Tokens carry ``x5c`` (RFC 7515
§4.1.6, leaf first) for the key that signs; per-key chains are uploaded through the admin API
or, outside production, a dev chain is generated once per key.

Chains are checked with ``cryptography``'s own path validation and signatures with joserfc
(independent of Sceau's JOSE code); then the Sceau verifier (VC API) with an X.509 trust anchor
policy must accept the credential.
"""

import base64
import datetime as dt
import json
from typing import Any

import pytest
import structlog.testing
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import verification as x509v
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.jwk import ECKey
from sqlalchemy import null, update

from sceau.keys.service import SYSTEM_ACTOR, KeyStoreService
from sceau.keys.store import signing_keys
from sceau.web.i18n import load_catalogue

from .conftest import Issuer, type_body
from .wallet import new_signer, pre_authorized_code

pytestmark = pytest.mark.anyio


# --- helpers ---------------------------------------------------------------------------------


def _b64url_json(segment: str) -> dict[str, Any]:
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))


def _header(token: str) -> dict[str, Any]:
    return _b64url_json(token.split("~", 1)[0].split(".")[0])


def _certs(x5c: list[str]) -> list[x509.Certificate]:
    # RFC 7515 §4.1.6: standard base64 (not base64url) of DER.
    return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _spki(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _validate_to(root: x509.Certificate, x5c: list[str]) -> x509.Certificate:
    """Path validation by cryptography (RFC 5280 rules), independent of Sceau's resolver."""
    certs = _certs(x5c)
    verifier = (
        x509v.PolicyBuilder()
        .store(x509v.Store([root]))
        .extension_policies(
            ca_policy=x509v.ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=x509v.ExtensionPolicy.permit_all(),
        )
        .build_client_verifier()
    )
    verifier.verify(certs[0], certs[1:])
    return certs[0]


def _check_signature(token: str, leaf: x509.Certificate) -> None:
    jwt = token.split("~", 1)[0]
    key = ECKey.import_key(
        leaf.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    # x5c makes the header larger than joserfc's 512-byte default: allow 8 KiB.
    registry = jws.JWSRegistry(algorithms=["ES256"])
    registry.max_header_length = 8192
    jws.deserialize_compact(jwt, key, registry=registry)  # raises when the signature is bad


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(
    name: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[x509.Name, Any] | None = None
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    issuer_name, issuer_key = issuer or (_name(name), key)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )


class CertAuthority:
    """A root and an intermediate CA, as a real issuing CA would have."""

    def __init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _ca("Test Root CA", self.root_key)
        self.int_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = _ca("Test Issuing CA", self.int_key, (self.root.subject, self.root_key))

    def leaf(
        self,
        public_key: Any,
        *,
        uri: str | None = None,
        dns: str | None = None,
        days: tuple[int, int] = (-1, 365),
    ) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        names: list[x509.GeneralName] = []
        if uri:
            names.append(x509.UniformResourceIdentifier(uri))
        if dns:
            names.append(x509.DNSName(dns))
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name("Fisheries Canada credential issuer"))
            .issuer_name(self.intermediate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + dt.timedelta(days=days[0]))
            .not_valid_after(now + dt.timedelta(days=days[1]))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.int_key.public_key()),
                critical=False,
            )
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(self.int_key, hashes.SHA256())

    def chain_pem(self, leaf: x509.Certificate) -> list[str]:
        return [_pem(leaf), _pem(self.intermediate), _pem(self.root)]


def _another_process(issuer: Issuer, engine: Any, **options: Any) -> KeyStoreService:
    """A key store as another app process on the same database and KEK would have it."""
    keys = issuer.app.state["keys"]
    return KeyStoreService(
        engine, keys.backend, tenants=keys.tenants, public_url=keys.public_url, **options
    )


async def _active_key(issuer: Issuer) -> tuple[str, Any]:
    r = await issuer.http.get(
        f"/admin/tenants/{issuer.tenant.slug}/keys", headers=issuer.admin("admin")
    )
    assert r.status_code == 200, r.text
    [key] = [k for k in r.json() if k["status"] == "active" and k["algorithm"] == "ES256"]
    return key["kid"], ECKey.import_key(key["public_jwk"]).as_der(private=False)


async def _issue(issuer: Issuer, configuration: str = "permit") -> str:
    created = await issuer.offer_json(credential_configuration_ids=[configuration])
    wallet = issuer.wallet()
    response = await wallet.token(pre_authorized_code(created["credential_offer"]))
    assert response.status_code == 200, response.text
    response = await wallet.credential(configuration, [new_signer()])
    assert response.status_code == 200, response.text
    [item] = response.json()["credentials"]
    return str(item["credential"])


async def _chain(issuer: Issuer, kid: str) -> dict[str, Any]:
    r = await issuer.http.get(
        f"/admin/tenants/{issuer.tenant.slug}/keys/{kid}/certificate-chain",
        headers=issuer.admin("admin"),
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _put_chain(issuer: Issuer, kid: str, pems: list[str], lang: str = "en") -> Any:
    return await issuer.http.put(
        f"/admin/tenants/{issuer.tenant.slug}/keys/{kid}/certificate-chain",
        json={"x509_chain_pem": pems},
        headers={**issuer.admin("admin"), "Accept-Language": lang},
    )


async def _verify_with_anchor(issuer: Issuer, credential: str, root_pem: str) -> dict[str, Any]:
    """The Sceau verifier (VC API) of the same tenant, trusting the issuer by X.509 anchor only
    (no JWKS, no DID): it can accept the credential only through its x5c chain."""
    vct = f"{issuer.issuer_id}/vct/nostatus"
    config = {
        "client_id_prefix": "decentralized_identifier",
        "name_en": "Checks",
        "name_fr": "Vérifications",
        "purposes": [
            {
                "id": "permit",
                "description_en": "Check a permit",
                "description_fr": "Vérifier un permis",
                "allowed_claims": {vct: [["given_name"]]},
            }
        ],
        "trust_policy": {
            "trusted_issuers": [
                {"credential_type": vct, "issuer": issuer.issuer_id, "x509_anchors_pem": [root_pem]}
            ],
            "require_status": False,  # the type has no status
        },
    }
    r = await issuer.http.put(
        f"/admin/tenants/{issuer.tenant.slug}/verifier", json=config, headers=issuer.admin("admin")
    )
    assert r.status_code == 200, r.text
    r = await issuer.http.post(
        f"/t/{issuer.tenant.slug}/credentials/verify",
        json={"verifiableCredential": credential},
        headers=issuer.admin("admin"),
    )
    return dict(r.json())


@pytest.fixture
async def nostatus(issuer: Issuer) -> str:
    """A type without status: the VC API check then makes no status fetch."""
    r = await issuer.http.post(
        f"/admin/tenants/{issuer.tenant.slug}/credential-types",
        json=type_body("nostatus", vct=f"{issuer.issuer_id}/vct/nostatus", status_enabled=False),
        headers=issuer.admin("admin"),
    )
    assert r.status_code == 201, r.text
    return "nostatus"


# --- dev chain -------------------------------------------------------------------------------


async def test_issued_sd_jwt_vc_carries_the_dev_chain_of_its_signing_key(
    issuer: Issuer, nostatus: str
) -> None:
    kid, spki = await _active_key(issuer)
    credential = await _issue(issuer, nostatus)
    header = _header(credential)
    assert header["typ"] == "dc+sd-jwt" and header["alg"] == "ES256"
    assert header["kid"] == kid  # kept next to x5c (jwt-vc-issuer metadata, did:web)
    chain = await _chain(issuer, kid)
    assert chain["source"] == "dev" and chain["kid"] == kid
    assert len(chain["x509_chain_pem"]) == 2  # dev leaf + dev root
    # x5c: the leaf, without the self-signed root (the verifier's trust anchor).
    assert header["x5c"] == chain["x5c"] and len(header["x5c"]) == 1
    root = x509.load_pem_x509_certificate(chain["x509_chain_pem"][-1].encode())
    leaf = _validate_to(root, header["x5c"])
    assert _spki(leaf.public_key()) == spki  # the leaf certifies the signing key
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert issuer.issuer_id in san.get_values_for_type(x509.UniformResourceIdentifier)
    _check_signature(credential, leaf)

    result = await _verify_with_anchor(issuer, credential, chain["x509_chain_pem"][-1])
    assert result["verified"] is True, result
    assert result["errors"] == []
    # Another root: the same credential is refused (the anchor decides, not the token).
    stranger = CertAuthority()
    refused = await _verify_with_anchor(issuer, credential, _pem(stranger.root))
    assert refused["verified"] is False
    assert [e["title"] for e in refused["errors"]] == ["untrusted_issuer"]


async def test_status_list_token_carries_x5c(issuer: Issuer) -> None:
    kid, spki = await _active_key(issuer)
    credential = await _issue(issuer, "permit")
    payload = _b64url_json(credential.split("~", 1)[0].split(".")[1])
    uri = payload["status"]["status_list"]["uri"]
    r = await issuer.http.get(uri)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/statuslist+jwt")
    token = r.text
    header = _header(token)
    assert header["typ"] == "statuslist+jwt" and header["kid"] == kid
    # Same key as the Referenced Token, so the same x5c (Token Status List §key-management).
    assert header["x5c"] == _header(credential)["x5c"]
    chain = await _chain(issuer, kid)
    root = x509.load_pem_x509_certificate(chain["x509_chain_pem"][-1].encode())
    leaf = _validate_to(root, header["x5c"])
    assert _spki(leaf.public_key()) == spki
    _check_signature(token, leaf)


async def test_dev_chain_is_generated_once_per_key(issuer: Issuer) -> None:
    kid, _ = await _active_key(issuer)
    first = await _chain(issuer, kid)
    await _issue(issuer)
    await _issue(issuer)
    assert await _chain(issuer, kid) == first


async def test_rotation_gives_the_new_key_a_new_chain(issuer: Issuer, nostatus: str) -> None:
    old_kid, _ = await _active_key(issuer)
    old_chain = await _chain(issuer, old_kid)
    r = await issuer.http.post(
        f"/admin/tenants/{issuer.tenant.slug}/keys/{old_kid}/rotate",
        headers=issuer.admin("admin"),
    )
    assert r.status_code == 200, r.text
    new_kid, new_spki = await _active_key(issuer)
    assert new_kid != old_kid
    new_chain = await _chain(issuer, new_kid)
    assert new_chain["x509_chain_pem"][-1] != old_chain["x509_chain_pem"][-1]
    credential = await _issue(issuer, nostatus)
    header = _header(credential)
    assert header["kid"] == new_kid and header["x5c"] == new_chain["x5c"]
    root = x509.load_pem_x509_certificate(new_chain["x509_chain_pem"][-1].encode())
    assert _spki(_validate_to(root, header["x5c"]).public_key()) == new_spki
    # The retired key keeps its chain (credentials it signed still verify).
    assert await _chain(issuer, old_kid) == old_chain
    # An upload for the retired key is refused: chains are for the key that signs.
    ca = CertAuthority()
    old_leaf = ca.leaf(
        x509.load_pem_x509_certificate(old_chain["x509_chain_pem"][0].encode()).public_key(),
        uri=issuer.issuer_id,
    )
    r = await _put_chain(issuer, old_kid, ca.chain_pem(old_leaf))
    assert r.status_code == 409 and r.json()["code"] == "signing_key_state_conflict"


# --- uploaded chain --------------------------------------------------------------------------


async def test_uploaded_chain_is_used_for_credentials_and_status_lists(
    issuer: Issuer, nostatus: str
) -> None:
    kid, spki = await _active_key(issuer)
    dev = await _chain(issuer, kid)
    status_credential = await _issue(issuer, "permit")
    payload = _b64url_json(status_credential.split("~", 1)[0].split(".")[1])
    uri = payload["status"]["status_list"]["uri"]
    assert _header((await issuer.http.get(uri)).text)["x5c"] == dev["x5c"]  # signed, cached
    ca = CertAuthority()
    public = serialization.load_der_public_key(spki)
    leaf = ca.leaf(public, uri=issuer.issuer_id)
    r = await _put_chain(issuer, kid, ca.chain_pem(leaf))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "uploaded" and body["kid"] == kid
    assert body["x509_chain_pem"] == ca.chain_pem(leaf)
    # x5c: leaf and intermediate, leaf first; the self-signed root is left out.
    expected_x5c = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
        for c in (leaf, ca.intermediate)
    ]
    assert body["x5c"] == expected_x5c
    assert await _chain(issuer, kid) == body

    credential = await _issue(issuer, nostatus)
    assert _header(credential)["x5c"] == expected_x5c
    assert _spki(_validate_to(ca.root, expected_x5c).public_key()) == spki
    result = await _verify_with_anchor(issuer, credential, _pem(ca.root))
    assert result["verified"] is True, result

    # The cached status list token is signed again with the new chain (same list version).
    token = (await issuer.http.get(uri)).text
    assert _header(token)["x5c"] == expected_x5c
    _check_signature(token, leaf)

    audit = await issuer.http.get(
        f"/admin/tenants/{issuer.tenant.slug}/audit", headers=issuer.admin("auditor")
    )
    assert "signing_key.certificate_chain" in audit.text


async def test_another_process_uses_an_uploaded_chain_after_its_key_cache_ttl(
    issuer: Issuer, engine: Any
) -> None:
    """A second app process (same database and KEK): it reads the chain with the active key
    (no query of its own per issuance) and sees an upload made elsewhere at its next refresh."""
    other = _another_process(issuer, engine, active_cache_ttl_s=0, dev_certificates=True)
    slug = issuer.tenant.slug
    kid, spki = await _active_key(issuer)
    signer = await other.get_signer(slug)
    assert signer.key_id == kid
    assert await other.issuer_x5c(slug, kid) == (await _chain(issuer, kid))["x5c"]
    ca = CertAuthority()
    leaf = ca.leaf(serialization.load_der_public_key(spki), uri=issuer.issuer_id)
    r = await _put_chain(issuer, kid, ca.chain_pem(leaf))
    assert r.status_code == 200, r.text
    await other.get_signer(slug)  # its active-key refresh (TTL 0 here, 5 s by default)
    assert await other.issuer_x5c(slug, kid) == r.json()["x5c"]


async def test_a_key_created_before_chains_gets_a_dev_chain_on_first_use(
    issuer: Issuer, engine: Any
) -> None:
    kid, spki = await _active_key(issuer)
    async with engine.begin() as conn:  # as rows migrated by 0011 are: no chain
        await conn.execute(
            update(signing_keys).where(signing_keys.c.kid == kid).values(x509_chain=null())
        )
    fresh = _another_process(issuer, engine, dev_certificates=True)
    await fresh.get_signer(issuer.tenant.slug)
    chain = await _chain(issuer, kid)
    assert chain["source"] == "dev"
    assert await fresh.issuer_x5c(issuer.tenant.slug, kid) == chain["x5c"]
    root = x509.load_pem_x509_certificate(chain["x509_chain_pem"][-1].encode())
    assert _spki(_validate_to(root, chain["x5c"]).public_key()) == spki


async def test_without_dev_certificates_a_key_has_no_chain_and_no_x5c(
    issuer: Issuer, engine: Any
) -> None:
    """Production: no dev chain is made; signatures carry kid only until a chain is uploaded."""
    prod = _another_process(issuer, engine, dev_certificates=False)
    created = await prod.create_key(SYSTEM_ACTOR, issuer.tenant.slug, "ES256")
    signer = await prod.get_signer(issuer.tenant.slug)
    assert signer.key_id == created.kid
    with structlog.testing.capture_logs() as logs:
        assert await prod.issuer_x5c(issuer.tenant.slug, created.kid) is None
        assert await prod.issuer_x5c(issuer.tenant.slug, created.kid) is None
    # HAIP verifiers will refuse these signatures: said once per key and process.
    assert [(e["event"], e["kid"], e["log_level"]) for e in logs] == [
        ("issuer_x5c_missing", created.kid, "warning")
    ]
    r = await issuer.http.get(
        f"/admin/tenants/{issuer.tenant.slug}/keys/{created.kid}/certificate-chain",
        headers=issuer.admin("admin"),
    )
    assert r.status_code == 404 and r.json()["code"] == "issuer_certificate_chain_not_found"


async def test_a_dns_san_naming_the_issuer_host_is_accepted(issuer: Issuer) -> None:
    kid, spki = await _active_key(issuer)
    ca = CertAuthority()
    leaf = ca.leaf(serialization.load_der_public_key(spki), dns="testserver")
    r = await _put_chain(issuer, kid, [_pem(leaf), _pem(ca.intermediate)])
    assert r.status_code == 200, r.text
    assert len(r.json()["x5c"]) == 2  # no self-signed root given: nothing is left out


@pytest.mark.parametrize(
    "case",
    ["other_key", "wrong_order", "expired", "not_yet_valid", "not_pem", "two_in_one", "other_name"],
)
@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_bad_chains_are_refused_and_change_nothing(
    issuer: Issuer, case: str, lang: str
) -> None:
    kid, spki = await _active_key(issuer)
    before = await _chain(issuer, kid)
    ca = CertAuthority()
    public = serialization.load_der_public_key(spki)
    good = ca.leaf(public, uri=issuer.issuer_id)
    pems: list[str]
    if case == "other_key":
        other = ec.generate_private_key(ec.SECP256R1()).public_key()
        pems, code = ca.chain_pem(ca.leaf(other, uri=issuer.issuer_id)), "leaf_key_mismatch"
    elif case == "wrong_order":
        pems, code = list(reversed(ca.chain_pem(good))), "chain_invalid"
    elif case == "expired":
        leaf = ca.leaf(public, uri=issuer.issuer_id, days=(-30, -1))
        pems, code = ca.chain_pem(leaf), "leaf_not_current"
    elif case == "not_yet_valid":
        leaf = ca.leaf(public, uri=issuer.issuer_id, days=(2, 30))
        pems, code = ca.chain_pem(leaf), "leaf_not_current"
    elif case == "not_pem":
        pems, code = (
            ["-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----"],
            ("chain_invalid"),
        )
    elif case == "two_in_one":
        pems, code = [_pem(good) + _pem(ca.intermediate)], "chain_invalid"
    else:
        leaf = ca.leaf(public, uri="https://someone-else.example/t/x", dns="else.example")
        pems, code = ca.chain_pem(leaf), "leaf_name_mismatch"
    r = await _put_chain(issuer, kid, pems, lang)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == f"issuer_x509_{code}"
    catalogue = load_catalogue(lang)
    assert problem["title"] == catalogue[f"issuer_x509_{code}.title"]
    assert problem["detail"] == catalogue[f"issuer_x509_{code}.detail"]
    assert await _chain(issuer, kid) == before  # nothing stored
    credential = await _issue(issuer)
    assert _header(credential)["x5c"] == before["x5c"]


async def test_unknown_key_and_missing_chain(issuer: Issuer) -> None:
    r = await _put_chain(issuer, "no-such-kid", ["x"])
    assert r.status_code == 404 and r.json()["code"] == "signing_key_not_found"
    r = await issuer.http.get(
        f"/admin/tenants/{issuer.tenant.slug}/keys/no-such-kid/certificate-chain",
        headers=issuer.admin("admin"),
    )
    assert r.status_code == 404 and r.json()["code"] == "signing_key_not_found"
    r = await issuer.http.put(
        f"/admin/tenants/{issuer.tenant.slug}/keys/x/certificate-chain",
        json={"x509_chain_pem": []},
        headers=issuer.admin("admin"),
    )
    assert r.status_code == 400


async def test_issuer_role_cannot_upload(issuer: Issuer) -> None:
    kid, _ = await _active_key(issuer)
    r = await issuer.http.put(
        f"/admin/tenants/{issuer.tenant.slug}/keys/{kid}/certificate-chain",
        json={"x509_chain_pem": ["x"]},
        headers=issuer.admin("issuer"),
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("days_left", "event"),
    [(-1, "issuer_certificate_expired"), (10, "issuer_certificate_expiring"), (200, None)],
)
async def test_an_expired_or_expiring_uploaded_leaf_is_logged_once(
    issuer: Issuer, days_left: int, event: str | None
) -> None:
    """The uploaded chain stays in use (the operator decides), but the log says that HAIP
    verifiers will refuse it (expired) or soon will (within 30 days)."""
    kid, spki = await _active_key(issuer)
    ca = CertAuthority()
    leaf = ca.leaf(serialization.load_der_public_key(spki), uri=issuer.issuer_id)
    assert (await _put_chain(issuer, kid, ca.chain_pem(leaf))).status_code == 200
    keys: KeyStoreService = issuer.app.state["keys"]
    not_after = int(leaf.not_valid_after_utc.timestamp() * 1000)
    keys.clock_ms = lambda: not_after - days_left * 86_400_000
    with structlog.testing.capture_logs() as logs:
        for _ in range(3):
            assert await keys.issuer_x5c(issuer.tenant.slug, kid)
    expected = [] if event is None else [(event, kid)]
    assert [(e["event"], e["kid"]) for e in logs] == expected


async def test_expiry_warning_comes_again_for_a_renewed_chain_and_never_for_other_algs(
    issuer: Issuer, engine: Any
) -> None:
    kid, spki = await _active_key(issuer)
    ca = CertAuthority()
    public = serialization.load_der_public_key(spki)
    first = ca.leaf(public, uri=issuer.issuer_id)
    assert (await _put_chain(issuer, kid, ca.chain_pem(first))).status_code == 200
    keys: KeyStoreService = issuer.app.state["keys"]
    not_after = int(first.not_valid_after_utc.timestamp() * 1000)
    keys.clock_ms = lambda: not_after - 10 * 86_400_000
    with structlog.testing.capture_logs() as logs:
        await keys.issuer_x5c(issuer.tenant.slug, kid)
        renewed = ca.leaf(public, uri=issuer.issuer_id, days=(-1, 375))
        assert (await _put_chain(issuer, kid, ca.chain_pem(renewed))).status_code == 200
        await keys.issuer_x5c(issuer.tenant.slug, kid)  # 20 days left on the renewed leaf
        await keys.issuer_x5c(issuer.tenant.slug, kid)
    warnings = [e for e in logs if e["event"].startswith("issuer_")]  # not the request logs
    assert [(e["event"], e["days_left"]) for e in warnings] == [
        ("issuer_certificate_expiring", 10),
        ("issuer_certificate_expiring", 20),
    ]
    prod = _another_process(issuer, engine, dev_certificates=False)
    with structlog.testing.capture_logs() as logs:  # an EdDSA key can hold no chain: nothing to do
        assert await prod.issuer_x5c(issuer.tenant.slug, "an-eddsa-kid", "EdDSA") is None
    assert logs == []
