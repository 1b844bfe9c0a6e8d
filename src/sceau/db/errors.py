"""Which database errors mean "unavailable for now" (retry later) rather than a bug."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

# SQLSTATEs of a database that is going away, restarting, read-only or overloaded: the request
# may succeed when retried (SECURITY ). Class 08 is every connection exception.
_RETRYABLE_SQLSTATES: frozenset[str] = frozenset(
    {"25006", "40001", "40P01", "53300", "57P01", "57P02", "57P03"}
)


def database_unavailable(exc: Exception) -> bool:
    """A database outage, failover or read-only database, as opposed to a bug (a constraint or
    syntax error stays a 500)."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True  # SQLite: locked, read-only file; drivers: connection refused or lost
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        cause = exc.orig.__cause__ if exc.orig is not None else None
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(cause, "sqlstate", None)
        return isinstance(sqlstate, str) and (
            sqlstate.startswith("08") or sqlstate in _RETRYABLE_SQLSTATES
        )
    return isinstance(exc, (ConnectionRefusedError, ConnectionResetError))
