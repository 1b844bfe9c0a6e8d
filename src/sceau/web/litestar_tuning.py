"""One adjustment to Litestar's request path, measured, guarded by a test.

Litestar groups a handler's dependencies into batches by depth and resolves a batch of two or more
in an anyio task group: a task group plus one task per dependency on every request. Sceau's
providers are dictionary lookups on ``app.state`` and one API-key check, so nothing is gained by
running them concurrently, and the task group cost 70-130 µs of CPU per request on the VC API
verify route (``bench/verification.py``, 0.66 → 0.59 ms per verification). Resolving each batch one
dependency at a time, in the same order of depth, gives every dependency the same inputs.

The patch replaces ``litestar._kwargs.kwargs_model.create_dependency_batches`` (Litestar 2.x,
pinned ``<3``); ``tests/unit/web/test_litestar_tuning.py`` fails if that function moves, so an
upgrade cannot silently drop or break it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import litestar._kwargs.kwargs_model as _kwargs_model

_MARK = "_sceau_sequential"
_NAME = "create_dependency_batches"  # looked up by name: Litestar does not export it


def _sequential(
    create: Callable[[set[Any]], list[set[Any]]],
) -> Callable[[set[Any]], list[set[Any]]]:
    def create_dependency_batches(expected_dependencies: set[Any]) -> list[set[Any]]:
        # Batch n holds the dependencies whose sub-dependencies are all in batches < n; splitting
        # each batch into singletons keeps that order (a batch of one is awaited directly).
        return [{dependency} for batch in create(expected_dependencies) for dependency in batch]

    setattr(create_dependency_batches, _MARK, True)
    return create_dependency_batches


def resolve_dependencies_sequentially() -> None:
    """Install the patch once per process (idempotent; create_app calls it)."""
    current = getattr(_kwargs_model, _NAME)
    if not getattr(current, _MARK, False):
        setattr(_kwargs_model, _NAME, _sequential(current))


def is_installed() -> bool:
    return bool(getattr(getattr(_kwargs_model, _NAME), _MARK, False))
