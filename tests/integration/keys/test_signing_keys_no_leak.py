"""No private key material in any response, log line, error or CLI output (issue 2 item 6)."""

from __future__ import annotations

import base64
import json
import logging

import anyio
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from sqlalchemy import select

from sceau.cli import main
from sceau.core.encoding import b64url_encode
from sceau.keys.kek import new_kek_text
from sceau.keys.service import KeyStoreService
from sceau.keys.store import signing_keys
from sceau.tenants.models import TenantUpdate
from sceau.tenants.service import Actor

from .helpers import PUBLIC_URL, auth, client_with

pytestmark = pytest.mark.anyio


def _cli_env(settings, kek: str) -> dict[str, str]:
    env = {
        "SCEAU_DATABASE_URL": settings.resolved_database_url,
        "SCEAU_LOG_LEVEL": "DEBUG",
        "SCEAU_KEK": kek,
        "SCEAU_DATA_DIR": settings.data_dir,
    }
    if settings.database_schema:
        env["SCEAU_DATABASE_SCHEMA"] = settings.database_schema
    return env


async def _cli(settings, kek: str, *args: str) -> tuple[int, str]:
    def run() -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), env=_cli_env(settings, kek))
        return result.exit_code, result.output

    return await anyio.to_thread.run_sync(run)


def _secret_forms(private_key) -> list[str]:
    """Every spelling of a private key we could plausibly leak."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        size = (private_key.curve.key_size + 7) // 8
        raw = private_key.private_numbers().private_value.to_bytes(size, "big")
    else:
        assert isinstance(private_key, ed25519.Ed25519PrivateKey)
        raw = private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return [
        b64url_encode(raw),
        base64.b64encode(raw).decode(),
        raw.hex(),
        base64.b64encode(der).decode()[:40],
        der.hex()[:40],
    ]


def _has_d_member(value: object) -> bool:
    if isinstance(value, dict):
        return "d" in value or any(_has_d_member(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_d_member(v) for v in value)
    return False


async def test_api_cli_and_logs_never_show_private_key_material(
    settings, engine, tenant_service, tenant_a, capsys, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    kek = new_kek_text()
    await tenant_service.update_tenant(
        Actor("test", "t"), tenant_a.slug, TenantUpdate(signing_algorithms=["ES256", "EdDSA"])
    )
    seen: list[str] = []
    bodies: list[object] = []
    admin = auth(tenant_a.tokens["admin"])
    async with client_with(
        settings, engine, public_url=PUBLIC_URL, kek=kek, log_level="DEBUG", log_json=True
    ) as http:
        keys: KeyStoreService = http.app.state["keys"]  # type: ignore[attr-defined]
        base = f"/admin/tenants/{tenant_a.slug}/keys"
        responses = [
            await http.post(base, json={"algorithm": "ES256"}, headers=admin),
            await http.post(base, json={"algorithm": "EdDSA"}, headers=admin),
            await http.post(base, json={"algorithm": "ES384"}, headers=admin),  # 422
        ]
        kid = responses[0].json()["kid"]
        responses.append(await http.post(f"{base}/{kid}/rotate", headers=admin))
        responses.append(await http.post(f"{base}/nope/revoke", headers=admin))  # 404
        responses.append(await http.get(base, headers=admin))
        responses.append(await http.get(f"/t/{tenant_a.slug}/jwks.json"))
        responses.append(await http.get(f"/t/{tenant_a.slug}/did.json"))
        await keys.get_signer(tenant_a.slug)
        await keys.get_signer(tenant_a.slug, "EdDSA")
    for r in responses:
        seen.append(r.text)
        seen.append(json.dumps(dict(r.headers)))
        bodies.append(r.json())
    assert [r.status_code for r in responses] == [201, 201, 422, 200, 404, 200, 200, 200]

    outputs = [
        await _cli(settings, kek, "key", "create", "--tenant", tenant_a.slug, "--json"),
        await _cli(settings, kek, "key", "list", "--tenant", tenant_a.slug, "--json"),
        await _cli(settings, kek, "key", "list", "--tenant", tenant_a.slug),
        await _cli(
            settings, kek, "key", "create", "--tenant", tenant_a.slug, "--algorithm", "ES384"
        ),
    ]
    listed = json.loads(outputs[1][1])
    active_es256 = next(k for k in listed if k["status"] == "active" and k["algorithm"] == "ES256")
    outputs.append(
        await _cli(
            settings, kek, "key", "rotate", active_es256["kid"], "--tenant", tenant_a.slug, "--json"
        )
    )
    outputs.append(
        await _cli(
            settings, kek, "key", "revoke", active_es256["kid"], "--tenant", tenant_a.slug, "--json"
        )
    )
    assert [code for code, _ in outputs] == [0, 0, 0, 1, 0, 0]
    assert "signing_algorithm_not_in_policy" in outputs[3][1]
    for _code, out in outputs:
        seen.append(out)
        if out.startswith(("{", "[")):
            bodies.append(json.loads(out))

    captured = capsys.readouterr()
    seen += [captured.out, captured.err, caplog.text]
    assert "signing_key" in captured.out or "/keys" in captured.out  # request logs were captured

    # Every key ever created, unsealed with the KEK, in every spelling.
    async with engine.connect() as conn:
        rows = (await conn.execute(select(signing_keys))).all()
    assert len(rows) >= 5
    secrets: list[str] = []
    for row in rows:
        signer = keys.backend.signer(
            tenant_slug=row.tenant,
            kid=row.kid,
            algorithm=row.algorithm,
            key_ref=bytes(row.key_ref),
            custodian_id=row.custodian_id,
        )
        secrets += _secret_forms(signer.private_key)  # type: ignore[attr-defined]
        secrets.append(base64.b64encode(bytes(row.key_ref)).decode()[:40])
        secrets.append(b64url_encode(bytes(row.key_ref))[:40])
        secrets.append(bytes(row.key_ref).hex()[:40])
    secrets.append(kek)
    text = "\n".join(seen)
    assert "PRIVATE KEY" not in text and '"d":' not in text and "'d':" not in text
    for body in bodies:
        assert not _has_d_member(body)
    for secret in secrets:
        assert secret not in text


@pytest.mark.parametrize("command", ["", "create", "list", "rotate", "revoke"])
async def test_every_key_command_has_help(settings, command) -> None:
    code, out = await _cli(settings, new_kek_text(), "key", *command.split(), "--help")
    assert code == 0 and "Usage:" in out and ("--json" in out or not command)
