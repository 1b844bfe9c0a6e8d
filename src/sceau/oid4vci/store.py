"""Data access for OpenID4VCI state (the only module that touches the ``oid4vci_*`` tables).

One-time rules are enforced by the database, not by a read-then-write: conditional ``UPDATE``s and
``DELETE``s whose row count says whether this request won (§13.6.1 replay of the pre-authorized
code, Appendix F.1 one-time ``c_nonce``).
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import BigInteger, and_, bindparam, delete, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.errors import TenantNotFound
from sceau.oauth.store import insert_once, insert_row_once
from sceau.oid4vci.tables import (
    AUTHORIZATION_CODE,
    PRE_AUTHORIZED_CODE,
    oid4vci_access_tokens,
    oid4vci_c_nonces,
    oid4vci_issuances,
    oid4vci_nonce_keys,
    oid4vci_offers,
)


async def put_tenant_config(
    conn: AsyncConnection, table: Any, tenant: str, values: dict[str, Any]
) -> None:
    """Create or replace a tenant's one-row configuration (``table``: primary key ``tenant``, a
    foreign key to the tenant), e.g. its wallet providers or its upstream OpenID provider.

    ``TenantNotFound`` when the tenant does not exist: a platform admin may name any slug, and
    the foreign key violation must be a 404, never a 500 (SECURITY.md §0).
    """
    try:
        inserted = await conn.execute(insert_once(conn, table, {"tenant": tenant, **values}))
    except IntegrityError as exc:
        # insert_once absorbs the primary key conflict, so this is the tenant foreign key.
        raise TenantNotFound() from exc
    if inserted.rowcount != 1:
        await conn.execute(table.update().where(table.c.tenant == tenant).values(values))


# The hot path's statements are built once and executed with parameter dicts (no expression or
# cache key to rebuild per issuance; see bench/issuance.py).
_REDEEM_WITHOUT_TX_CODE: Final = (
    update(oid4vci_offers)
    .where(
        oid4vci_offers.c.code_hash == bindparam("b_code_hash"),
        oid4vci_offers.c.tenant == bindparam("b_tenant"),
        # An authorization code offer's issuer_state is never a pre-authorized code (§4.1.1).
        oid4vci_offers.c.grant_type == PRE_AUTHORIZED_CODE,
        oid4vci_offers.c.tx_code_hash.is_(None),
        oid4vci_offers.c.used_at_ms.is_(None),
        oid4vci_offers.c.locked_at_ms.is_(None),
        oid4vci_offers.c.expires_at_ms > bindparam("b_now", type_=BigInteger),
    )
    .values(used_at_ms=bindparam("b_now", type_=BigInteger), offer=None)
    .returning(oid4vci_offers.c.id, oid4vci_offers.c.configuration_ids)
)
_INSERT_ACCESS_TOKEN: Final = oid4vci_access_tokens.insert()
_ACCESS_TOKEN: Final = (
    select(
        oid4vci_access_tokens.c.token_hash,
        oid4vci_access_tokens.c.configuration_ids,
        oid4vci_access_tokens.c.jkt,
        oid4vci_access_tokens.c.credential_identifiers,
        oid4vci_access_tokens.c.expires_at_ms,
        oid4vci_offers.c.claims,
        oid4vci_offers.c.created_by,
        oid4vci_access_tokens.c.client_id,
    )
    .select_from(
        oid4vci_access_tokens.join(
            oid4vci_offers, oid4vci_offers.c.id == oid4vci_access_tokens.c.offer_id
        )
    )
    .where(
        oid4vci_access_tokens.c.token_hash == bindparam("b_token_hash"),
        oid4vci_access_tokens.c.tenant == bindparam("b_tenant"),
    )
)
_SET_ISSUED: Final = (
    update(oid4vci_issuances)
    .where(oid4vci_issuances.c.id == bindparam("b_id"))
    .values(record_ids=bindparam("b_record_ids", type_=oid4vci_issuances.c.record_ids.type))
)


async def insert_offer(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(oid4vci_offers.insert().values(**values))


async def offer_by_id(conn: AsyncConnection, tenant: str, offer_id: str) -> Any:
    query = select(oid4vci_offers).where(
        oid4vci_offers.c.id == offer_id, oid4vci_offers.c.tenant == tenant
    )
    return (await conn.execute(query)).one_or_none()


async def offer_by_code_hash(conn: AsyncConnection, tenant: str, code_hash: str) -> Any:
    query = select(
        oid4vci_offers.c.id,
        oid4vci_offers.c.configuration_ids,
        oid4vci_offers.c.tx_code_hash,
        oid4vci_offers.c.tx_code_salt,
        oid4vci_offers.c.failed_attempts,
        oid4vci_offers.c.retry_after_ms,
        oid4vci_offers.c.locked_at_ms,
        oid4vci_offers.c.expires_at_ms,
        oid4vci_offers.c.used_at_ms,
    ).where(
        oid4vci_offers.c.code_hash == code_hash,
        oid4vci_offers.c.tenant == tenant,
        oid4vci_offers.c.grant_type == PRE_AUTHORIZED_CODE,
    )
    return (await conn.execute(query)).one_or_none()


async def record_failed_tx_code(
    conn: AsyncConnection, offer_id: str, *, now_ms: int, max_attempts: int, backoff_ms: int
) -> None:
    """Count one wrong transaction code atomically; lock the offer at ``max_attempts``."""
    failed = oid4vci_offers.c.failed_attempts + 1
    await conn.execute(
        update(oid4vci_offers)
        .where(oid4vci_offers.c.id == offer_id, oid4vci_offers.c.used_at_ms.is_(None))
        .values(
            failed_attempts=failed,
            retry_after_ms=literal(now_ms, BigInteger) + failed * literal(backoff_ms, BigInteger),
        )
    )
    await conn.execute(
        update(oid4vci_offers)
        .where(
            oid4vci_offers.c.id == offer_id,
            oid4vci_offers.c.failed_attempts >= max_attempts,
            oid4vci_offers.c.locked_at_ms.is_(None),
        )
        .values(locked_at_ms=now_ms, offer=None)
    )


async def redeem_offer(conn: AsyncConnection, offer_id: str, now_ms: int) -> bool:
    """Mark the offer used; ``True`` only for the one request that wins (single use)."""
    result = await conn.execute(
        update(oid4vci_offers)
        .where(
            oid4vci_offers.c.id == offer_id,
            oid4vci_offers.c.grant_type == PRE_AUTHORIZED_CODE,
            oid4vci_offers.c.used_at_ms.is_(None),
            oid4vci_offers.c.locked_at_ms.is_(None),
            oid4vci_offers.c.expires_at_ms > now_ms,
        )
        .values(used_at_ms=now_ms, offer=None)
    )
    return result.rowcount == 1


async def use_issuer_state(
    conn: AsyncConnection, tenant: str, issuer_state_hash: str, now_ms: int
) -> Any:
    """Mark the live authorization code offer with this ``issuer_state`` used (§4.1.1, §5.1.3);
    its ``id`` and ``configuration_ids``, or None when no live one of ``tenant`` has it (unknown,
    expired, used, locked, or a pre-authorized code). One conditional UPDATE: one winner."""
    result = await conn.execute(
        update(oid4vci_offers)
        .where(
            oid4vci_offers.c.code_hash == issuer_state_hash,
            oid4vci_offers.c.tenant == tenant,
            oid4vci_offers.c.grant_type == AUTHORIZATION_CODE,
            oid4vci_offers.c.used_at_ms.is_(None),
            oid4vci_offers.c.locked_at_ms.is_(None),
            oid4vci_offers.c.expires_at_ms > now_ms,
        )
        .values(used_at_ms=now_ms, offer=None)
        .returning(oid4vci_offers.c.id, oid4vci_offers.c.configuration_ids)
    )
    return result.one_or_none()


async def redeem_offer_without_tx_code(
    conn: AsyncConnection, tenant: str, code_hash: str, now_ms: int
) -> Any:
    """The hot path: redeem a live offer that needs no tx_code in one statement; its row or None."""
    result = await conn.execute(
        _REDEEM_WITHOUT_TX_CODE, {"b_code_hash": code_hash, "b_tenant": tenant, "b_now": now_ms}
    )
    return result.one_or_none()


async def insert_access_token(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(_INSERT_ACCESS_TOKEN, values)


async def access_token(conn: AsyncConnection, tenant: str, token_hash: str) -> Any:
    """The token with its offer's claims (one query on the hot path)."""
    result = await conn.execute(_ACCESS_TOKEN, {"b_token_hash": token_hash, "b_tenant": tenant})
    return result.one_or_none()


async def nonce_key(conn: AsyncConnection, secret: bytes, now_ms: int) -> bytes:
    """The shared c_nonce HMAC key: the stored one, or ``secret`` if this call stored it first."""
    await conn.execute(
        insert_once(conn, oid4vci_nonce_keys, {"id": 1, "secret": secret, "created_at_ms": now_ms})
    )
    row = (await conn.execute(select(oid4vci_nonce_keys.c.secret))).one()
    return bytes(row.secret)


async def use_c_nonces(conn: AsyncConnection, tenant: str, nonces: dict[str, int]) -> bool:
    """Record the nonces (→ expiry ms) as used; ``True`` only if none was used before."""
    rows = [{"nonce": n, "tenant": tenant, "expires_at_ms": e} for n, e in sorted(nonces.items())]
    result = await conn.execute(insert_once(conn, oid4vci_c_nonces, rows))
    return result.rowcount == len(rows)


async def claim_issuance(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Insert the (token, configuration) row; ``False`` if that configuration was issued already."""
    return await insert_row_once(conn, oid4vci_issuances, values)


async def set_issued(conn: AsyncConnection, issuance_id: str, record_ids: list[str]) -> None:
    await conn.execute(_SET_ISSUED, {"b_id": issuance_id, "b_record_ids": record_ids})


async def pending_by_transaction(
    conn: AsyncConnection, tenant: str, token_hash: str, transaction_id: str
) -> Any:
    query = select(oid4vci_issuances).where(
        oid4vci_issuances.c.transaction_id == transaction_id,
        oid4vci_issuances.c.tenant == tenant,
        oid4vci_issuances.c.token_hash == token_hash,
        oid4vci_issuances.c.state == "pending",
    )
    return (await conn.execute(query)).one_or_none()


async def complete_pending(
    conn: AsyncConnection, issuance_id: str, record_ids: list[str], now_ms: int
) -> bool:
    """``pending`` → ``issued`` once: the transaction_id is invalidated (§9.1)."""
    result = await conn.execute(
        update(oid4vci_issuances)
        .where(oid4vci_issuances.c.id == issuance_id, oid4vci_issuances.c.state == "pending")
        .values(state="issued", holder_jwks=None, record_ids=record_ids, transaction_id=None)
    )
    return result.rowcount == 1


async def record_event(
    conn: AsyncConnection,
    tenant: str,
    token_hash: str,
    notification_id: str,
    event: str,
    now_ms: int,
) -> bool:
    """Store a notification event; idempotent (§11: identical calls succeed)."""
    result = await conn.execute(
        update(oid4vci_issuances)
        .where(
            and_(
                oid4vci_issuances.c.id == notification_id,
                oid4vci_issuances.c.tenant == tenant,
                oid4vci_issuances.c.token_hash == token_hash,
                oid4vci_issuances.c.state == "issued",
            )
        )
        .values(event=event, event_at_ms=now_ms)
    )
    return result.rowcount == 1


async def purge_expired(conn: AsyncConnection, now_ms: int) -> int:
    """Delete state past its expiry; offers (and their claims) go once their tokens expired too."""
    total = 0
    for table in (oid4vci_c_nonces, oid4vci_access_tokens, oid4vci_issuances):
        result = await conn.execute(delete(table).where(table.c.expires_at_ms < now_ms))
        total += result.rowcount
    live_offers = select(oid4vci_access_tokens.c.offer_id)
    result = await conn.execute(
        delete(oid4vci_offers).where(
            oid4vci_offers.c.expires_at_ms < now_ms, oid4vci_offers.c.id.not_in(live_offers)
        )
    )
    return total + result.rowcount
