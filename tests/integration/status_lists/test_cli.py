"""`sceau credential revoke|suspend|unsuspend|show` and `sceau status lists`."""

from __future__ import annotations

import json

import anyio
import pytest
from click.testing import CliRunner

from sceau.cli import main

from .helpers import issue_record

pytestmark = pytest.mark.anyio


def env_of(settings) -> dict[str, str]:
    env = {"SCEAU_DATABASE_URL": settings.resolved_database_url, "SCEAU_LOG_LEVEL": "WARNING"}
    if settings.database_schema:
        env["SCEAU_DATABASE_SCHEMA"] = settings.database_schema
    return env


async def invoke(settings, *args: str) -> tuple[int, str]:
    def run() -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), env=env_of(settings), catch_exceptions=False)
        return result.exit_code, result.output

    return await anyio.to_thread.run_sync(run)


async def test_cli_suspends_unsuspends_and_revokes_by_record_id(
    settings, status_app, tenant_a
) -> None:
    record_id, allocation = await issue_record(status_app.service, tenant_a.slug)
    code, out = await invoke(settings, "credential", "suspend", record_id, "--json")
    assert code == 0, out
    assert json.loads(out) == {"record_id": record_id, "status": "suspended", "changed": True}
    code, out = await invoke(settings, "credential", "unsuspend", record_id, "--json")
    assert json.loads(out)["status"] == "valid"
    code, out = await invoke(settings, "credential", "revoke", record_id, "--json")
    assert json.loads(out)["status"] == "revoked"
    code, out = await invoke(settings, "credential", "unsuspend", record_id)
    assert code == 1
    assert "illegal_status_transition" in out
    code, out = await invoke(settings, "credential", "show", record_id, "--json")
    assert json.loads(out)["status"] == "revoked"
    code, out = await invoke(settings, "status", "lists", "--tenant", tenant_a.slug, "--json")
    (listed,) = json.loads(out)
    assert listed["id"] == allocation.list_ids[0]
    assert listed["size"] == 131_072
    assert listed["version"] == 3


async def test_cli_unknown_record_fails_with_a_clear_code(settings, status_app) -> None:
    code, out = await invoke(settings, "credential", "revoke", "cr_doesnotexist0000000000")
    assert code == 1
    assert "credential_record_not_found" in out
