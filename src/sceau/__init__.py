"""Sceau: issue, verify and sign in with digital credentials."""

__version__ = "0.1.0"
