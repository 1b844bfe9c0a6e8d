"""The CLI works on the same database as the server and prints JSON for scripts."""

from __future__ import annotations

import json
import time

import anyio
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from sceau.cli import main
from sceau.db.migrate import head_revision
from sceau.db.tables import audit_events

pytestmark = pytest.mark.anyio


def env_of(settings) -> dict[str, str]:
    env = {"SCEAU_DATABASE_URL": settings.resolved_database_url, "SCEAU_LOG_LEVEL": "WARNING"}
    if settings.database_schema:
        env["SCEAU_DATABASE_SCHEMA"] = settings.database_schema
    return env


async def invoke(settings, *args: str) -> tuple[int, str]:
    """Run the CLI in a worker thread: it starts its own event loop, as from a shell."""

    def run() -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), env=env_of(settings), catch_exceptions=False)
        return result.exit_code, result.output

    return await anyio.to_thread.run_sync(run)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["db", "upgrade"],
        ["db", "purge"],
        ["tenant", "create"],
        ["tenant", "list"],
        ["apikey", "create"],
        ["apikey", "list"],
        ["apikey", "revoke"],
        ["audit", "verify"],
    ],
)
async def test_every_command_has_help(settings, command) -> None:
    code, out = await invoke(settings, *command, "--help")
    assert code == 0 and "Usage:" in out


async def test_tenant_create_json_prints_tenant_and_admin_key_usable_by_the_api(
    settings, client
) -> None:
    code, out = await invoke(
        settings,
        "tenant",
        "create",
        "--slug",
        "demo",
        "--name-en",
        "Demo",
        "--name-fr",
        "Démo",
        "--json",
    )
    assert code == 0, out
    created = json.loads(out)
    assert created["tenant"]["slug"] == "demo"
    token = created["admin_key"]["token"]
    r = await client.get("/admin/tenants/demo", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["name_fr"] == "Démo"


async def test_duplicate_tenant_fails_with_non_zero_exit(settings) -> None:
    args = ("tenant", "create", "--slug", "demo", "--name-en", "D", "--name-fr", "D")
    assert (await invoke(settings, *args))[0] == 0
    code, out = await invoke(settings, *args)
    assert code == 1 and "tenant_exists" in out


async def test_apikey_lifecycle_from_the_cli(settings, app, client) -> None:
    code, out = await invoke(settings, "apikey", "create", "--platform-admin", "--json")
    assert code == 0
    issued = json.loads(out)
    headers = {"Authorization": f"Bearer {issued['token']}"}
    assert (await client.get("/admin/tenants", headers=headers)).status_code == 200
    listed = json.loads((await invoke(settings, "apikey", "list", "--json"))[1])
    assert [k["key_id"] for k in listed] == [issued["api_key"]["key_id"]]
    assert issued["token"] not in json.dumps(listed)
    code, _ = await invoke(settings, "apikey", "revoke", issued["api_key"]["key_id"], "--json")
    assert code == 0
    # Revoked by another process: the server honours it once its key cache entry is older than
    # apikey_cache_ttl_s (documented bound); move the server's monotonic clock past it.
    tenants = app.state["tenants"]
    ttl = settings.apikey_cache_ttl_s
    tenants.monotonic = lambda: time.monotonic() + ttl + 0.001
    assert (await client.get("/admin/tenants", headers=headers)).status_code == 401


async def test_apikey_create_refuses_mixed_options(settings) -> None:
    code, _ = await invoke(
        settings, "apikey", "create", "--platform-admin", "--tenant", "x", "--role", "admin"
    )
    assert code == 2


async def test_tenant_list_and_db_upgrade_json(settings) -> None:
    upgraded = json.loads((await invoke(settings, "db", "upgrade", "--json"))[1])
    assert upgraded == {"revision": head_revision()}
    await invoke(settings, "tenant", "create", "--slug", "a1", "--name-en", "A", "--name-fr", "A")
    assert [
        t["slug"] for t in json.loads((await invoke(settings, "tenant", "list", "--json"))[1])
    ] == ["a1"]


async def test_db_purge_reports_each_capability(settings) -> None:
    code, out = await invoke(settings, "db", "purge", "--json")
    assert code == 0
    assert json.loads(out.splitlines()[-1]) == {
        "oid4vci": 0,
        "oid4vci_authorization": 0,
        "oid4vp": 0,
        "signin": 0,
    }


async def test_audit_verify_names_the_first_edited_entry(settings, engine) -> None:
    await invoke(settings, "tenant", "create", "--slug", "demo", "--name-en", "D", "--name-fr", "D")
    code, out = await invoke(settings, "audit", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    async with engine.begin() as conn:
        await conn.execute(
            update(audit_events).where(audit_events.c.seq == 2).values(target="apikey:x")
        )
    code, out = await invoke(settings, "audit", "verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["first_bad_seq"] == 2 and not report["ok"]
    code, out = await invoke(settings, "audit", "verify")
    assert code == 1 and "entry 2" in out


async def test_audit_verify_on_unmigrated_database_fails_cleanly(tmp_path) -> None:
    def run() -> tuple[int, str]:
        env = {"SCEAU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"}
        result = CliRunner().invoke(main, ["audit", "verify"], env=env)
        return result.exit_code, result.output

    code, out = await anyio.to_thread.run_sync(run)
    assert code == 1 and "database error" in out and "Traceback" not in out
