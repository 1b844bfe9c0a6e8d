from __future__ import annotations

import pytest

from sceau.settings import SettingsError, load_settings


def test_defaults_are_a_local_sqlite_demo() -> None:
    settings = load_settings({})
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.resolved_database_url == "sqlite+aiosqlite:///data/sceau.db"
    assert settings.should_migrate_on_start


def test_values_are_read_from_sceau_prefixed_variables() -> None:
    settings = load_settings(
        {
            "SCEAU_PORT": "9000",
            "SCEAU_DATA_DIR": "/srv/sceau",
            "SCEAU_MAX_BODY_BYTES": "2048",
            "SCEAU_ENVIRONMENT": "prod",
            "OTHER_PORT": "1",
        }
    )
    assert settings.port == 9000
    assert settings.max_body_bytes == 2048
    assert settings.resolved_database_url == "sqlite+aiosqlite:////srv/sceau/sceau.db"
    assert not settings.should_migrate_on_start


@pytest.mark.parametrize(
    "environ",
    [
        {"SCEAU_PORT": "http"},
        {"SCEAU_PORT": "70000"},
        {"SCEAU_MAX_BODY_BYTES": "0"},
        {"SCEAU_ENVIRONMENT": "staging"},
        {"SCEAU_DATABASE_SCHEMA": "x; DROP TABLE y"},
    ],
)
def test_invalid_values_are_rejected_at_start(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        load_settings(environ)
