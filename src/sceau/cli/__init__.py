"""The ``sceau`` command: one click group per module, sharing the server's settings and database.

Heavy imports (SQLAlchemy, Litestar) happen inside commands so ``sceau --help`` stays quick.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from sceau import __version__
from sceau.cli.apikey import apikey
from sceau.cli.audit import audit
from sceau.cli.credential_types import credential_type
from sceau.cli.db import db
from sceau.cli.run import run
from sceau.cli.tenant import tenant


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sceau")
def main() -> None:
    """Sceau: issue, verify and sign in with digital credentials."""


main.add_command(run)
main.add_command(db)
main.add_command(tenant)
main.add_command(apikey)
main.add_command(audit)
main.add_command(credential_type)

# The signing-keys capability registers `sceau key ...` once src/sceau/cli/keys.py exists. Only
# absence is tolerated: an import error inside that module must surface.
if importlib.util.find_spec("sceau.cli.keys"):
    main.add_command(importlib.import_module("sceau.cli.keys").key)

# Status lists and credential records: `sceau credential ...` and `sceau status ...`.
if importlib.util.find_spec("sceau.cli.status"):
    _status_cli = importlib.import_module("sceau.cli.status")
    main.add_command(_status_cli.credential)
    main.add_command(_status_cli.status)

# Sign in with a credential: `sceau relying-party ...` (OpenID Connect clients).
if importlib.util.find_spec("sceau.cli.relying_party"):
    main.add_command(importlib.import_module("sceau.cli.relying_party").relying_party)

# Wallet providers trusted for OpenID4VCI key and wallet attestations.
main.add_command(importlib.import_module("sceau.cli.wallet_providers").wallet_providers)

# The reference wallet (`sceau wallet ...`, holder side) and the end-to-end `sceau demo`.
main.add_command(importlib.import_module("sceau.cli.wallet").wallet)
main.add_command(importlib.import_module("sceau.cli.demo").demo)
