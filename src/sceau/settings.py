"""One typed settings object, read from ``SCEAU_*`` environment variables once at start.

Everything that varies between a laptop demo and production lives here, with safe defaults, and is
passed down explicitly (no global singletons)::

    settings = load_settings()            # reads os.environ once
    app = create_app(settings)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

ENV_PREFIX = "SCEAU_"

Environment = Literal["dev", "test", "prod"]


class SettingsError(ValueError):
    """A ``SCEAU_*`` variable holds a value of the wrong type or out of range."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Runtime configuration. Field ``x`` is read from ``SCEAU_X``."""

    environment: Environment = "dev"
    data_dir: str = "./data"
    # Empty means "SQLite file sceau.db in data_dir".
    database_url: str = ""
    # PostgreSQL only: schema put first on the search_path (tests use one schema per test).
    database_schema: str = ""
    database_pool_size: int = 10
    # PostgreSQL pooled connections are replaced after this many seconds (instead of a ping per
    # checkout, which cost a round trip per request; a dead connection is invalidated on error).
    database_pool_recycle_s: int = 1800
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Apply migrations when the server starts (on by default in dev, off in prod).
    migrate_on_start: bool | None = None
    # Largest accepted request body; enforced while streaming.
    max_body_bytes: int = 1024 * 1024
    log_level: str = "INFO"
    log_json: bool = True
    # A key's use is written to the audit log (and last_used_at updated) at most this often.
    apikey_login_audit_interval_s: int = 15 * 60
    # A verified API key is remembered in process this long: a revocation made through another
    # process (CLI, other worker) takes effect within this bound; through this process, at once.
    # 0 disables the cache (one query per request).
    apikey_cache_ttl_s: float = 2.0
    # Expired protocol state (offers, tokens, nonces, sessions, unread sealed claims) is deleted
    # by every app process this often, in seconds (sceau.maintenance); 0 turns it off (then run
    # `sceau db purge` from cron).
    purge_interval_s: float = 300.0
    # Audit events are recorded as pending rows with each change and appended to the hash chain
    # by every app process this often, in seconds (sceau.audit.service.seal): the longest an
    # event stays outside the chain. 0 turns it off (listing and `sceau audit verify` still seal).
    audit_seal_interval_s: float = 1.0
    # Longest accepted Authorization header / API key token.
    max_token_length: int = 256
    # Largest page an admin listing returns.
    max_page_size: int = 500
    # Public base URL (scheme://host[:port]); tenants live under {public_url}/t/{slug}.
    # Empty means http://{host}:{port}.
    public_url: str = ""
    # Key encryption key for signing keys at rest: base64url of 32 random bytes. Empty means a
    # generated dev KEK file in data_dir (refused in prod). Never logged.
    kek: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.max_body_bytes <= 1024 * 1024 * 1024:
            raise SettingsError("SCEAU_MAX_BODY_BYTES must be between 1 and 1 GiB")
        if not 0 < self.port < 65536:
            raise SettingsError("SCEAU_PORT must be a TCP port")
        if self.workers < 1 or self.database_pool_size < 1:
            raise SettingsError("SCEAU_WORKERS and SCEAU_DATABASE_POOL_SIZE must be positive")
        if not 0 <= self.apikey_cache_ttl_s <= 60:
            raise SettingsError("SCEAU_APIKEY_CACHE_TTL_S must be between 0 and 60")
        if not 0 <= self.purge_interval_s <= 86400:
            raise SettingsError("SCEAU_PURGE_INTERVAL_S must be between 0 and 86400")
        if self.audit_seal_interval_s != 0 and not 0.1 <= self.audit_seal_interval_s <= 3600:
            raise SettingsError("SCEAU_AUDIT_SEAL_INTERVAL_S must be 0 or between 0.1 and 3600")
        if self.database_pool_recycle_s < 1:
            raise SettingsError("SCEAU_DATABASE_POOL_RECYCLE_S must be positive")
        if self.apikey_login_audit_interval_s < 0:
            raise SettingsError("SCEAU_APIKEY_LOGIN_AUDIT_INTERVAL_S must not be negative")
        if self.database_schema and not self.database_schema.replace("_", "").isalnum():
            raise SettingsError("SCEAU_DATABASE_SCHEMA must be letters, digits and underscores")

    def __repr__(self) -> str:
        # The KEK must never reach a log line or a traceback through repr().
        fields = ", ".join(
            f"{name}={'<redacted>' if name == 'kek' and self.kek else repr(getattr(self, name))}"
            for name in self.__struct_fields__
        )
        return f"Settings({fields})"

    @property
    def resolved_public_url(self) -> str:
        """The public base URL without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL to connect to (async drivers only)."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{Path(self.data_dir) / 'sceau.db'}"

    @property
    def should_migrate_on_start(self) -> bool:
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        return self.environment != "prod"


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings` from ``SCEAU_*`` variables (``os.environ`` by default).

    ``overrides`` win over the environment (used by the CLI and tests).
    """
    env = os.environ if environ is None else environ
    fields = set(Settings.__struct_fields__)
    raw: dict[str, Any] = {}
    for name, value in env.items():
        if name.startswith(ENV_PREFIX):
            key = name[len(ENV_PREFIX) :].lower()
            if key in fields:
                raw[key] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid setting: {exc}") from exc
