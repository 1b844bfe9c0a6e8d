"""Deletion of expired protocol state, on a schedule and on demand.

What goes, once past its expiry (each store's ``purge_expired`` says exactly):

- OpenID4VCI: offers (and the claims they hold), access tokens, c_nonces, issuance rows, DPoP
  ``jti`` records, PAR requests and upstream logins of the authorization code flow;
- OpenID4VP: the secrets of expired presentation requests — the ephemeral response decryption key
  and sealed claims a verifier never read (the outcome metadata stays, as for read requests);
- sign-in: PAR requests, sessions and access tokens (with their sealed claims).

Every app process runs :func:`purge_periodically` from its lifespan (``SCEAU_PURGE_INTERVAL_S``,
0 turns it off); ``sceau db purge`` runs one pass (cron, or after an outage). Passes on several
servers at once are harmless: each store deletes by expiry in its own transaction, so a row is
deleted once and the others find nothing. The first pass waits a random part of the interval so
the servers of one deployment do not all start together.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import structlog
from litestar.datastructures import State

log = structlog.get_logger("sceau.maintenance")

Purge = Callable[[], Awaitable[int]]


def purges(state: State) -> dict[str, Purge]:
    """The purge of each capability, from the app's collaborators (``app.state``)."""
    from sceau.oid4vci.authorization import provide_authorization
    from sceau.oid4vci.routes import provide_oid4vci

    # provide_* build (and keep on the state) the services the routes use, with the same wiring.
    return {
        "oid4vci": provide_oid4vci(state).purge_expired,
        "oid4vci_authorization": provide_authorization(state).purge_expired,
        "oid4vp": state["presentations"].purge_expired,
        "signin": state["signin"].purge_expired,
    }


async def purge_once(state: State) -> dict[str, int]:
    """One pass: rows deleted (or wiped) per capability. A failing store does not stop the others;
    its count is -1 and the error is logged."""
    counts: dict[str, int] = {}
    for name, purge in purges(state).items():
        try:
            counts[name] = await purge()
        except Exception:  # a busy or briefly unreachable database: the next pass retries
            log.exception("purge_failed", capability=name)
            counts[name] = -1
    return counts


async def purge_periodically(
    state: State,
    interval_s: float,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    jitter: Callable[[], float] = random.random,
) -> None:
    """Run :func:`purge_once` every ``interval_s`` seconds until cancelled (the app's shutdown)."""
    await sleep(interval_s * jitter())
    while True:
        counts = await purge_once(state)
        if any(counts.values()):
            log.info("purged", **counts)
        await sleep(interval_s)
