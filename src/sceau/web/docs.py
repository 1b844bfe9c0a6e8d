"""``/openapi.json`` and a script-free ``/docs`` page (no CDN: the platform never phones home)."""

from __future__ import annotations

import html
from typing import Any

import msgspec
from litestar import Request, Response, get

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
    """Server-rendered HTML list of operations, linking to the machine-readable document."""
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
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(info.get('title', 'API'))}</title></head><body>"
        f"<h1>{html.escape(info.get('title', 'API'))} {html.escape(info.get('version', ''))}</h1>"
        '<p>Machine-readable description: <a href="/openapi.json">/openapi.json</a> '
        "(OpenAPI 3.1).</p>"
        "<table><thead><tr><th>Method</th><th>Path</th><th>Summary</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>"
    )
    return page.encode()
