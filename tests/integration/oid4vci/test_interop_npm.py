"""An independent wallet (npm @openid4vc/openid4vci 0.4.6, tests/interop/js/oid4vci_wallet.mjs)
gets an SD-JWT VC from the issuer served by granian (`sceau run`) on a local port."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.live_server import live_sceau

from sceau.core.jose import public_key_from_jwk
from sceau.core.sdjwt import verify_sd_jwt_vc
from sceau.settings import Settings

from .conftest import TYPES

pytestmark = [pytest.mark.anyio, pytest.mark.interop]
JS = Path(__file__).resolve().parents[2] / "interop" / "js"


async def test_npm_openid4vci_wallet_completes_pre_authorized_issuance(
    settings: Settings, engine: Any, tenant_a: Any, tmp_path: Path
) -> None:
    # Interop oracles fail loudly when missing, never skip (make interop-js installs them).
    if shutil.which("node") is None:
        pytest.fail("node is required for the npm interop oracles (apt-get install nodejs npm)")
    if not (JS / "node_modules" / "@openid4vc" / "openid4vci").exists():
        pytest.fail("run `npm install` in tests/interop/js (package.json pins the versions)")
    env = {
        **os.environ,
        "SCEAU_DATABASE_URL": settings.resolved_database_url,
        "SCEAU_DATABASE_SCHEMA": settings.database_schema,
        "SCEAU_DATA_DIR": str(tmp_path),
    }
    async with live_sceau(env, tmp_path / "sceau.log") as base:
        admin = {"Authorization": f"Bearer {tenant_a.tokens['admin']}"}
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            created = await http.post(
                "/admin/tenants/tenant-a/credential-types", json=TYPES[0], headers=admin
            )
            assert created.status_code == 201, created.text
            offer = await http.post(
                "/admin/tenants/tenant-a/offers",
                json={
                    "credential_configuration_ids": ["permit"],
                    "claims": {"given_name": "Élise", "family_name": "Tremblay"},
                    "tx_code": True,
                },
                headers=admin,
            )
            assert offer.status_code == 201, offer.text
        result = subprocess.run(  # noqa: ASYNC221 - the wallet runs to completion
            [
                "node",
                str(JS / "oid4vci_wallet.mjs"),
                offer.json()["offer_uri"],
                offer.json()["tx_code"],
            ],
            capture_output=True,
            text=True,
            cwd=JS,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        wallet: dict[str, Any] = json.loads(result.stdout)
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            jwks = (await http.get("/t/tenant-a/jwks.json")).json()
    assert wallet["token_type"] == "DPoP"
    [item] = wallet["credentials"]
    [jwk] = jwks["keys"]
    verified = verify_sd_jwt_vc(
        item["credential"],
        public_key_from_jwk({k: v for k, v in jwk.items() if k not in ("kid", "use", "alg")}),
        require_key_binding=False,
        allow_key_binding=False,
    )
    assert verified.claims["given_name"] == "Élise"
    assert verified.claims["iss"] == f"{base}/t/tenant-a"
    assert verified.claims["cnf"]["jwk"]["x"] == wallet["holder_jwk"]["x"]
