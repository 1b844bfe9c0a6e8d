"""Tenants (departments and programs) and their API keys."""
