"""The sequential dependency resolution of :mod:`sceau.web.litestar_tuning`."""

from __future__ import annotations

from typing import Any

import litestar._kwargs.kwargs_model as kwargs_model
import pytest
from litestar import Litestar, get
from litestar.di import Provide
from litestar.testing import AsyncTestClient

from sceau.web.litestar_tuning import is_installed, resolve_dependencies_sequentially


def test_the_patched_litestar_function_still_exists() -> None:
    # An upgrade that renames or moves it must fail here, not silently lose the patch.
    assert callable(getattr(kwargs_model, "create_dependency_batches", None))
    resolve_dependencies_sequentially()
    resolve_dependencies_sequentially()  # idempotent: wrapped once
    assert is_installed()


@pytest.mark.anyio
async def test_dependencies_resolve_in_order_without_a_task_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolve_dependencies_sequentially()
    order: list[str] = []

    async def provide_a() -> str:
        order.append("a")
        return "A"

    def provide_b() -> str:
        order.append("b")
        return "B"

    async def provide_c(a: str, b: str) -> str:  # depends on both: a later batch
        order.append("c")
        return a + b

    @get("/x", sync_to_thread=False)
    def handler(a: str, b: str, c: str) -> dict[str, Any]:
        return {"a": a, "b": b, "c": c}

    app = Litestar(
        [handler],
        dependencies={
            "a": Provide(provide_a),
            "b": Provide(provide_b, sync_to_thread=False),
            "c": Provide(provide_c),
        },
    )
    groups: list[object] = []
    real = kwargs_model.create_task_group

    def counting_task_group() -> Any:
        groups.append(object())
        return real()

    monkeypatch.setattr(kwargs_model, "create_task_group", counting_task_group)
    async with AsyncTestClient(app) as client:
        response = await client.get("/x")
    assert response.json() == {"a": "A", "b": "B", "c": "AB"}
    assert sorted(order[:2]) == ["a", "b"] and order[2] == "c"
    # Litestar's own path resolves the {a, b} batch in an anyio task group.
    assert groups == []
