"""Append-only, hash-chained audit log of security events.

Other capabilities write with :func:`sceau.audit.service.record` on the connection of the
transaction that makes their change, so the event and the change commit (or roll back) together.
"""
