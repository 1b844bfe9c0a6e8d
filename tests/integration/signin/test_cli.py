"""``sceau relying-party``: the CLI registers, lists, shows and deletes through the same service."""

import json
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner

from sceau.cli import main
from sceau.settings import Settings

from .conftest import LICENCE_SCOPE, TENANT, World

pytestmark = pytest.mark.anyio


async def invoke(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "SCEAU_DATABASE_URL": settings.resolved_database_url,
        "SCEAU_LOG_LEVEL": "WARNING",
        "SCEAU_DATA_DIR": settings.data_dir,
    }
    if settings.database_schema:
        env["SCEAU_DATABASE_SCHEMA"] = settings.database_schema

    def run() -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stdout + (result.stderr if result.exit_code else "")

    return await anyio.to_thread.run_sync(run)


async def test_relying_party_cli_lifecycle(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    definition = tmp_path / "rp.json"
    definition.write_text(
        json.dumps(
            {
                "name_en": "CLI portal",
                "name_fr": "Portail CLI",
                "redirect_uris": ["https://cli.example.gc.ca/cb"],
                "token_endpoint_auth_method": "client_secret_basic",
                "scopes": {"licence": LICENCE_SCOPE},
            }
        )
    )
    code, out = await invoke(
        settings, "relying-party", "create", "--tenant", TENANT, "--from-file", str(definition),
        "--json",
    )  # fmt: skip
    assert code == 0, out
    created = json.loads(out)
    client_id = created["relying_party"]["client_id"]
    assert created["client_secret"]
    code, out = await invoke(settings, "relying-party", "list", "--tenant", TENANT, "--json")
    assert code == 0 and [p["client_id"] for p in json.loads(out)] == [client_id]
    code, out = await invoke(
        settings, "relying-party", "show", "--tenant", TENANT, client_id, "--json"
    )
    assert code == 0 and json.loads(out)["name_fr"] == "Portail CLI"
    assert created["client_secret"] not in out
    # The API sees the CLI's registration.
    r = await world.admin.get(
        f"/admin/tenants/{TENANT}/relying-parties/{client_id}", headers=world.auth()
    )
    assert r.status_code == 200
    code, out = await invoke(settings, "relying-party", "delete", "--tenant", TENANT, client_id)
    assert code == 0, out
    code, out = await invoke(settings, "relying-party", "show", "--tenant", TENANT, client_id)
    assert code == 1 and "relying_party_not_found" in out
    definition.write_text(json.dumps({"name_en": "x"}))
    code, out = await invoke(
        settings, "relying-party", "create", "--tenant", TENANT, "--from-file", str(definition)
    )
    assert code == 2 and "invalid relying party" in out
