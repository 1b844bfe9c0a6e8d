"""QR codes of OpenID4VP authorization requests (segno): PNG, and SVG with a ``<title>``."""

from __future__ import annotations

import io

import segno


def _make(uri: str) -> segno.QRCode:
    # Error correction M: a by-reference request (client_id + request_uri) stays small.
    return segno.make(uri, error="m", micro=False)


def qr_png(uri: str, *, scale: int = 6) -> bytes:
    out = io.BytesIO()
    _make(uri).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(uri: str, *, title: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    _make(uri).save(out, kind="svg", scale=scale, border=4, title=title, xmldecl=False)
    return out.getvalue()
