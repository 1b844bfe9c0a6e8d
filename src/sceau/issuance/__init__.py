"""Issuance: the one service that turns validated claims into a signed, recorded credential."""
