"""Shared helpers for the VC tests: W3C vector files and did:key resolvers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sceau.core.multiformats import multikey_decode
from sceau.core.vc.dataintegrity import StaticResolver

DATA = Path(__file__).resolve().parents[3] / "data" / "vc"


def load_json(rel: str) -> Any:
    return json.loads((DATA / rel).read_text(encoding="utf-8"))


def load_text(rel: str) -> str:
    return (DATA / rel).read_text(encoding="utf-8")


def did_key_vm(public_multibase: str) -> str:
    return f"did:key:{public_multibase}#{public_multibase}"


def did_key_resolver(*public_multibases: str) -> StaticResolver:
    return StaticResolver({did_key_vm(m): multikey_decode(m) for m in public_multibases})
