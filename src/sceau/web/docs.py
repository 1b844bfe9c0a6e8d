"""``/openapi.json`` and the ``/docs`` page: Swagger UI served from this package, no CDN.

The Swagger UI assets are vendored under ``web/static/swagger-ui`` (see its README) and served at
``/docs/assets``; the page also carries a server-rendered table of operations inside ``<noscript>``
so the API stays documented without JavaScript. Nothing is loaded from another origin.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

DOCS_ASSETS_DIR = Path(__file__).resolve().parent / "static" / "swagger-ui"
# Only the files the page needs are exposed (not README/LICENSE listings).
docs_assets = create_static_files_router(
    path="/docs/assets",
    directories=[DOCS_ASSETS_DIR],
    include_in_schema=False,
    cache_control=CacheControlHeader(max_age=86400, public=True),
    name="docs_assets",
)

_METHODS = ("get", "post", "put", "patch", "delete")


# Litestar's own OpenAPI router lives under this internal prefix (it adds a catch-all there);
# the public documents are the two handlers below.
INTERNAL_OPENAPI_PATH = "/_openapi"


def _schema(request: Request[Any, Any, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi_schema.to_schema()
    return schema


@get("/openapi.json", include_in_schema=False, media_type="application/json")
async def openapi_json(request: Request[Any, Any, Any]) -> Response[bytes]:
    return Response(msgspec.json.encode(_schema(request)), media_type="application/json")


@get("/docs", include_in_schema=False, media_type="text/html")
async def docs_page(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Swagger UI over ``/openapi.json``, with a server-rendered operation table as fallback."""
    return Response(render_docs(_schema(request)), media_type="text/html")


def render_docs(openapi_schema: dict[str, Any]) -> bytes:
    info = openapi_schema.get("info", {})
    rows: list[str] = []
    for path, item in sorted(openapi_schema.get("paths", {}).items()):
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            rows.append(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>".format(
                    method.upper(), html.escape(path), html.escape(op.get("summary", ""))
                )
            )
    title = html.escape(info.get("title", "API"))
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>"
        '<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body>'
        f"<h1>{title} {html.escape(info.get('version', ''))}</h1>"
        '<p>Machine-readable description: <a href="/openapi.json">/openapi.json</a> '
        "(OpenAPI 3.1).</p>"
        '<div id="swagger-ui"></div>'
        "<noscript><table><thead><tr><th>Method</th><th>Path</th><th>Summary</th></tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table></noscript>"
        '<script src="/docs/assets/swagger-ui-bundle.js"></script>'
        '<script src="/docs/assets/init.js"></script>'
        "</body></html>"
    )
    return page.encode()
