"""`sceau credential-type create|list|show|delete`: same rules and audit as the admin API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.credential_types.helpers import auth, type_body
from tests.integration.test_cli import invoke

from sceau.audit.service import AuditService

pytestmark = pytest.mark.anyio


def write(tmp_path: Path, body: dict) -> str:
    path = tmp_path / "type.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", [[], ["create"], ["list"], ["show"], ["delete"]])
async def test_every_credential_type_command_has_help(settings, command) -> None:
    code, out = await invoke(settings, "credential-type", *command, "--help")
    assert code == 0 and "Usage:" in out


async def test_type_created_from_file_is_the_one_the_admin_api_serves(
    settings, client, tenant_a, tmp_path
) -> None:
    file = write(tmp_path, type_body())
    code, out = await invoke(
        settings, "credential-type", "create", "--tenant", "tenant-a", "--from-file", file, "--json"
    )
    assert code == 0, out
    created = json.loads(out)
    assert created["id"] == "permit" and created["format"] == "dc+sd-jwt"
    assert created["vct"].endswith("/t/tenant-a/types/permit")
    r = await client.get(
        "/admin/tenants/tenant-a/credential-types/permit", headers=auth(tenant_a.tokens["admin"])
    )
    assert r.status_code == 200 and r.json() == created


async def test_list_show_delete_round_trip(settings, engine, tenant_a, tmp_path) -> None:
    for type_id, fmt in (("permit", "dc+sd-jwt"), ("card", "ldp_vc")):
        file = write(tmp_path, type_body(type_id, fmt))
        assert (
            await invoke(
                settings, "credential-type", "create", "--tenant", "tenant-a", "--from-file", file
            )
        )[0] == 0
    code, out = await invoke(settings, "credential-type", "list", "--tenant", "tenant-a", "--json")
    assert code == 0
    assert sorted(t["id"] for t in json.loads(out)) == ["card", "permit"]
    code, out = await invoke(
        settings, "credential-type", "show", "--tenant", "tenant-a", "card", "--json"
    )
    assert code == 0 and json.loads(out)["cryptosuite"] == "ecdsa-rdfc-2019"
    code, out = await invoke(
        settings, "credential-type", "delete", "--tenant", "tenant-a", "card", "--json"
    )
    assert code == 0 and json.loads(out) == {"deleted": "card", "tenant": "tenant-a"}
    code, out = await invoke(
        settings, "credential-type", "show", "--tenant", "tenant-a", "card", "--json"
    )
    assert code == 1 and "unknown_credential_type" in out
    page = await AuditService(engine).list_for_tenant("tenant-a", limit=100)
    actions = [e.action for e in page.entries]
    assert actions.count("credential_type.create") == 2
    assert "credential_type.delete" in actions


async def test_invalid_definition_is_refused_with_the_reason(settings, tenant_a, tmp_path) -> None:
    body = type_body(display={"en-CA": {"name": "Only English"}})
    code, out = await invoke(
        settings,
        "credential-type",
        "create",
        "--tenant",
        "tenant-a",
        "--from-file",
        write(tmp_path, body),
    )
    assert code == 1 and "invalid_credential_type" in out and "fr-CA" in out


async def test_malformed_json_file_exits_2(settings, tenant_a, tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    code, out = await invoke(
        settings, "credential-type", "create", "--tenant", "tenant-a", "--from-file", str(path)
    )
    assert code == 2 and "invalid credential type" in out


async def test_unknown_tenant_fails(settings, tmp_path) -> None:
    code, out = await invoke(settings, "credential-type", "list", "--tenant", "nope", "--json")
    assert code == 1 and "tenant_not_found" in out
