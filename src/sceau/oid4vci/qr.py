"""QR codes of credential offers (segno): PNG, and SVG with an accessible ``<title>``."""

from __future__ import annotations

import io

import segno


def _make(uri: str) -> segno.QRCode:
    # Error correction M: readable on screens and paper, still small for a by-reference URI.
    return segno.make(uri, error="m", micro=False)


def qr_png(uri: str, *, scale: int = 6) -> bytes:
    out = io.BytesIO()
    _make(uri).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(uri: str, *, title: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    # segno escapes the title; role/aria come from the <title> element (WCAG 1.1.1).
    _make(uri).save(out, kind="svg", scale=scale, border=4, title=title, xmldecl=False)
    return out.getvalue()
