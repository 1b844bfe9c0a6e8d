"""Interop: an independent OpenID4VP wallet (npm @openid4vc/openid4vp 0.4.6 with @sd-jwt/sd-jwt-vc,
tests/interop/js/oid4vp_wallet.mjs) answers presentation requests of this verifier, served by
`sceau run` on a local port.

The wallet resolves the ``openid4vp://`` URI with the library (request_uri with
``request_uri_method=post`` and ``wallet_nonce``, §5.10), checks the request object's signature
through the library's callbacks (x5c chain to the dev CA for ``x509_hash`` and ``x509_san_dns``,
the library comparing the leaf's SHA-256 with an ``x509_hash`` client identifier; did:web for
``decentralized_identifier``, §5.9.3), presents the SD-JWT VC with a KB-JWT (§B.3.6) and submits
with ``direct_post`` or ``direct_post.jwt`` (§8.2, §8.3). The result is read by the verifier's
backend with the request's secret.

Node and the npm package are required: without them these tests fail, they are never skipped.
"""

import base64
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.live_server import live_sceau
from verification.fixtures import configure
from verification.world import VCT, Holder, Issuer

from sceau.core.jose import generate_private_key
from sceau.settings import Settings
from sceau.verification.service import dev_certificate_chain

pytestmark = [pytest.mark.anyio, pytest.mark.interop]

JS = Path(__file__).resolve().parents[2] / "interop" / "js"
QUERY = {
    "credentials": [
        {
            "id": "pid",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["age_over_18"]}],
        }
    ]
}


def _require_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required for the interop tests (apt-get install nodejs npm)")
    if not (JS / "node_modules" / "@openid4vc" / "openid4vp").exists():
        pytest.fail("run `npm install` in tests/interop/js (package.json pins the versions)")
    return node


def _private_jwk(holder: Holder) -> dict[str, Any]:
    d = holder.key.private_numbers().private_value.to_bytes(32, "big")
    return {**holder.jwk, "d": base64.urlsafe_b64encode(d).rstrip(b"=").decode("ascii")}


@pytest.fixture
async def sceau_url(settings: Settings, engine: Any, tmp_path: Path) -> AsyncIterator[str]:
    """`sceau run` on a free port, on the test's database (migrated by `engine`)."""
    env = {
        **os.environ,
        "SCEAU_DATABASE_URL": settings.resolved_database_url,
        "SCEAU_DATABASE_SCHEMA": settings.database_schema,
        "SCEAU_DATA_DIR": str(tmp_path),
    }
    async with live_sceau(env, tmp_path / "sceau.log") as base:
        yield base


def _run_wallet(
    uri: str, credential: str, holder: Holder, anchor_pem: str | None, **extra: Any
) -> subprocess.CompletedProcess[str]:
    stdin = {
        "authorization_request_uri": uri,
        "credential": credential,
        "holder_private_jwk": _private_jwk(holder),
        "x509_anchor_pem": anchor_pem,
        **extra,
    }
    result = subprocess.run(
        [_require_node(), str(JS / "oid4vp_wallet.mjs")],
        input=json.dumps(stdin),
        capture_output=True,
        text=True,
        cwd=JS,
        timeout=60,
    )
    return result


async def _exchange(
    base: str,
    tenant: Any,
    issuers: list[Issuer],
    credential: str,
    holder: Holder,
    *,
    prefix: str,
    mode: str,
    anchor_pem: str | None = None,
    **extra: Any,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Configure the verifier, create a request, run the npm wallet; (wallet run, result).

    The wallet trusts the verifier's dev CA unless ``anchor_pem`` names another anchor."""
    _require_node()
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        config = await configure(http, tenant.tokens["admin"], tenant.slug, issuers, prefix=prefix)
        r = await http.post(
            f"/admin/tenants/{tenant.slug}/presentation-requests",
            json={"dcql_query": QUERY, "purpose": "age", "response_mode": mode},
            headers={"Authorization": f"Bearer {tenant.tokens['verifier']}"},
        )
        assert r.status_code == 201, r.text
        created = r.json()
        anchor = anchor_pem or (config.get("x509_chain_pem") or [None])[-1]
        run = _run_wallet(created["authorization_request_uri"], credential, holder, anchor, **extra)
        r = await http.get(
            created["result_uri"].removeprefix(base),
            headers={"Authorization": f"Bearer {created['secret']}"},
        )
        assert r.status_code == 200, r.text
    return run, dict(r.json())


def _output(run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert run.returncode == 0, run.stderr
    return dict(json.loads(run.stdout))


@pytest.mark.parametrize(
    ("prefix", "mode"),
    [
        ("x509_hash", "direct_post"),
        ("x509_hash", "direct_post.jwt"),
        ("x509_san_dns", "direct_post"),
        ("x509_san_dns", "direct_post.jwt"),
        ("decentralized_identifier", "direct_post.jwt"),
    ],
)
async def test_npm_openid4vp_wallet_presentation_is_verified(
    sceau_url: str, tenant_a: Any, issuer: Issuer, holder: Holder, prefix: str, mode: str
) -> None:
    run, result = await _exchange(
        sceau_url, tenant_a, [issuer], issuer.sd_jwt_vc(holder), holder, prefix=prefix, mode=mode
    )
    wallet = _output(run)
    # What the library saw: the signed request, our client identifier, OpenID4VP 1.0 (100).
    assert wallet["signed_request"] is True and wallet["version"] == 100
    assert wallet["client"]["prefix"] == prefix
    assert wallet["client"]["effective"].startswith(f"{prefix}:")
    assert wallet["request_signer_method"] == ("x5c" if prefix.startswith("x509_") else "did")
    assert [r["method"] for r in wallet["request_uri_requests"]] == ["post"]
    assert wallet["wallet_nonce_echoed"] is True
    assert wallet["response_mode"] == mode and wallet["submitted_mode"] == mode
    if mode == "direct_post.jwt":
        assert wallet["jwe_header"]["alg"] == "ECDH-ES" and wallet["jwe_header"]["kid"]
    assert wallet["presented_claims"] == ["given_name", "age_over_18"]
    assert wallet["disclosures"] == 2
    assert wallet["status"] == 200 and wallet["body"] == {}
    # What the verifier concluded.
    assert result["status"] == "verified", result
    [disclosed] = result["claims"]["pid"]
    assert disclosed["given_name"] == "Jeanne" and disclosed["age_over_18"] is True
    assert "family_name" not in disclosed and "address" not in disclosed
    assert result["outcome"][0]["issuer"] == issuer.iss
    assert result["outcome"][0]["status_checked"] is True


async def test_npm_wallet_with_another_kb_jwt_nonce_is_rejected(
    sceau_url: str, tenant_a: Any, issuer: Issuer, holder: Holder
) -> None:
    run, result = await _exchange(
        sceau_url,
        tenant_a,
        [issuer],
        issuer.sd_jwt_vc(holder),
        holder,
        prefix="x509_san_dns",
        mode="direct_post.jwt",
        tamper_nonce="not-the-request-nonce",
    )
    wallet = _output(run)
    # Rejected: a 400 to the wallet (SECURITY S-07), the reason recorded for the verifier.
    assert wallet["kb_nonce_is_request_nonce"] is False and wallet["status"] == 400
    assert result["status"] == "rejected" and result["reasons"] == ["wrong_nonce"]
    assert result["claims"] is None


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
async def test_npm_wallet_replaying_its_response_is_refused(
    sceau_url: str, tenant_a: Any, issuer: Issuer, holder: Holder, mode: str
) -> None:
    run, result = await _exchange(
        sceau_url,
        tenant_a,
        [issuer],
        issuer.sd_jwt_vc(holder),
        holder,
        prefix="x509_san_dns",
        mode=mode,
        submit_twice=True,
    )
    wallet = _output(run)
    assert wallet["status"] == 200
    # Single use: the replay gets the protocol's own error format, the first answer stands.
    assert wallet["replay_status"] == 400
    assert wallet["replay_body"]["error"] == "invalid_request"
    assert result["status"] == "verified" and result["claims"]["pid"][0]["given_name"] == "Jeanne"


async def test_npm_wallet_credential_of_an_untrusted_issuer_is_rejected(
    sceau_url: str, tenant_a: Any, issuer: Issuer, holder: Holder, status_server: Any
) -> None:
    stranger = Issuer(status_server, name="stranger")
    await stranger.publish()
    run, result = await _exchange(
        sceau_url,
        tenant_a,
        [issuer],
        stranger.sd_jwt_vc(holder),
        holder,
        prefix="x509_san_dns",
        mode="direct_post",
    )
    wallet = _output(run)
    assert wallet["status"] == 400 and wallet["client"]["prefix"] == "x509_san_dns"
    assert result["status"] == "rejected" and result["reasons"] == ["untrusted_issuer"]
    assert result["claims"] is None


@pytest.mark.parametrize("prefix", ["x509_hash", "x509_san_dns"])
async def test_npm_wallet_refuses_a_request_signed_under_another_ca(
    sceau_url: str, tenant_a: Any, issuer: Issuer, holder: Holder, prefix: str
) -> None:
    """The wallet's x5c check is real: trusting another CA, it stops before answering."""
    other_ca = dev_certificate_chain(generate_private_key().public_key(), "127.0.0.1")[-1]
    run, result = await _exchange(
        sceau_url,
        tenant_a,
        [issuer],
        issuer.sd_jwt_vc(holder),
        holder,
        prefix=prefix,
        mode="direct_post",
        anchor_pem=other_ca,
    )
    assert run.returncode != 0 and "not issued by" in run.stderr, run.stderr
    assert result["status"] == "pending"
