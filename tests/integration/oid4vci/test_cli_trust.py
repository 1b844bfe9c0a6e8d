"""`sceau key set-chain|chain` and `sceau wallet-providers set|show`: the admin API's HAIP trust
settings from the command line, with the same checks, audit and nothing changed on a refusal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sceau.audit.service import AuditService
from sceau.cli import main
from sceau.core.jose import public_key_from_jwk
from sceau.keys.kek import new_kek_text

from .test_issuer_x5c import CertAuthority
from .wallet_provider import ca_certificate

pytestmark = pytest.mark.anyio
PUBLIC_URL = "https://sceau.example.gc.ca"


@pytest.fixture
def cli(settings, tmp_path: Path) -> Any:
    env = {
        "SCEAU_DATABASE_URL": settings.resolved_database_url,
        "SCEAU_LOG_LEVEL": "WARNING",
        "SCEAU_KEK": new_kek_text(),
        "SCEAU_DATA_DIR": str(tmp_path),
        "SCEAU_PUBLIC_URL": PUBLIC_URL,
    }
    if settings.database_schema:
        env["SCEAU_DATABASE_SCHEMA"] = settings.database_schema

    async def run(*args: str) -> tuple[int, str]:
        def invoke() -> tuple[int, str]:
            result = CliRunner().invoke(main, list(args), env=env)
            return result.exit_code, result.output

        return await anyio.to_thread.run_sync(invoke)

    return run


def _pem(cert: Any) -> str:
    return str(cert.public_bytes(serialization.Encoding.PEM).decode())


async def test_key_chain_is_uploaded_from_a_pem_file_and_shown(
    cli, engine, tenant_a, tmp_path: Path
) -> None:
    code, out = await cli("key", "create", "--tenant", "tenant-a", "--json")
    assert code == 0, out
    created = json.loads(out)
    kid, public_key = created["kid"], public_key_from_jwk(created["public_jwk"])
    ca = CertAuthority()
    leaf = ca.leaf(public_key, uri=f"{PUBLIC_URL}/t/tenant-a")
    chain_file = tmp_path / "chain.pem"
    chain_file.write_text("issuing chain, leaf first\n" + "".join(ca.chain_pem(leaf)))

    code, out = await cli(
        "key", "set-chain", kid, "--tenant", "tenant-a", "--from-file", str(chain_file), "--json"
    )
    assert code == 0, out
    uploaded = json.loads(out)
    assert uploaded["source"] == "uploaded" and uploaded["kid"] == kid
    assert uploaded["x509_chain_pem"] == ca.chain_pem(leaf)
    assert len(uploaded["x5c"]) == 2  # leaf and intermediate; the root is the trust anchor

    code, out = await cli("key", "chain", kid, "--tenant", "tenant-a", "--pem")
    assert code == 0 and out == "".join(ca.chain_pem(leaf))
    code, out = await cli("key", "chain", kid, "--tenant", "tenant-a")
    assert code == 0 and "uploaded, 3 certificate(s)" in out and "x5c carries:      2" in out

    # Refusals change nothing: a file without certificates, a leaf for another key.
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate")
    code, out = await cli(
        "key", "set-chain", kid, "--tenant", "tenant-a", "--from-file", str(empty)
    )
    assert code == 2 and "no PEM certificate" in out
    other = ca.leaf(
        ec.generate_private_key(ec.SECP256R1()).public_key(), uri=f"{PUBLIC_URL}/t/tenant-a"
    )
    chain_file.write_text("".join(ca.chain_pem(other)))
    code, out = await cli(
        "key", "set-chain", kid, "--tenant", "tenant-a", "--from-file", str(chain_file)
    )
    assert code == 1 and "issuer_x509_" in out
    code, out = await cli("key", "chain", kid, "--tenant", "tenant-a", "--json")
    assert json.loads(out) == uploaded
    code, out = await cli("key", "chain", "no-such-kid", "--tenant", "tenant-a")
    assert code == 1 and "signing_key_not_found" in out

    page = await AuditService(engine).list_for_tenant("tenant-a", limit=100)
    uploads = [e for e in page.entries if e.action == "signing_key.certificate_chain"]
    assert [(e.actor, e.details["source"]) for e in uploads] == [("cli", "uploaded")]


async def test_wallet_providers_are_set_from_a_json_file_and_shown(
    cli, engine, tenant_a, tmp_path: Path
) -> None:
    code, out = await cli("wallet-providers", "show", "--tenant", "tenant-a")
    assert code == 1 and "wallet_providers_not_configured" in out

    anchor = _pem(ca_certificate(ec.generate_private_key(ec.SECP256R1()), "Wallet Provider CA"))
    body = {
        "trust_anchors_pem": [anchor],
        "key_attestation_required": True,
        "key_storage": ["iso_18045_high"],
        "wallet_attestation_required": True,
    }
    config = tmp_path / "providers.json"
    config.write_text(json.dumps(body))
    code, out = await cli(
        "wallet-providers", "set", "--tenant", "tenant-a", "--from-file", str(config), "--json"
    )
    assert code == 0, out
    stored = json.loads(out)
    assert stored["trust_anchors_pem"] == [anchor] and stored["wallet_attestation_required"]
    code, out = await cli("wallet-providers", "show", "--tenant", "tenant-a", "--json")
    assert code == 0 and json.loads(out) == stored
    code, out = await cli("wallet-providers", "show", "--tenant", "tenant-a")
    assert "Wallet attestation required: yes" in out
    assert "Key attestation required: yes (every configuration)" in out

    # Refusals change nothing: an expired anchor, an unknown member, an unknown tenant.
    expired = ca_certificate(
        ec.generate_private_key(ec.SECP256R1()),
        "Old CA",
        not_after=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
    )
    config.write_text(json.dumps({**body, "trust_anchors_pem": [_pem(expired)]}))
    code, out = await cli(
        "wallet-providers", "set", "--tenant", "tenant-a", "--from-file", str(config)
    )
    assert code == 1 and "invalid_wallet_providers" in out
    config.write_text(json.dumps({**body, "surprise": 1}))
    code, out = await cli(
        "wallet-providers", "set", "--tenant", "tenant-a", "--from-file", str(config)
    )
    assert code == 2 and "invalid wallet providers" in out
    code, out = await cli("wallet-providers", "show", "--tenant", "tenant-a", "--json")
    assert json.loads(out) == stored
    config.write_text(json.dumps(body))
    code, out = await cli(
        "wallet-providers", "set", "--tenant", "nobody", "--from-file", str(config)
    )
    assert code == 1 and "tenant_not_found" in out

    page = await AuditService(engine).list_for_tenant("tenant-a", limit=100)
    assert [e.actor for e in page.entries if e.action == "oid4vci.wallet_providers.put"] == ["cli"]
