"""Credential types: per-tenant definitions of what is issued (admin API, CLI, hot-path lookups)."""
