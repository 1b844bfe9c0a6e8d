"""ASGI entry point: ``granian --interface asgi --factory sceau.web.asgi:app_from_env``."""

from __future__ import annotations

from litestar import Litestar

from sceau.settings import load_settings
from sceau.web.app import create_app


def app_from_env() -> Litestar:
    return create_app(load_settings())
