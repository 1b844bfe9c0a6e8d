"""The sign-in page's static files: the vendored GC Design System matches its manifest, nothing
in it (nor in the page's own files) loads from another origin, the files are served by Sceau with
the right content types and cache headers, and the CSP hash of the Stencil loader's style holds."""

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from sceau.web.middleware import GCDS_LOADER_STYLE_HASH, HTML_PAGE_CSP

STATIC = Path(__file__).resolve().parents[3] / "src" / "sceau" / "web" / "static"
GCDS = STATIC / "gcds"
OWN = STATIC / "signin"
TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "sceau" / "signin" / "templates"
# The chunk of <gcds-topic-menu>, left out on purpose (it fetches www.canada.ca at run time).
EXCLUDED_CHUNKS = {"p-f8104b95.entry.js"}


def manifest() -> dict[str, str]:
    lines = (GCDS / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def vendored_files() -> set[str]:
    return {
        str(p.relative_to(GCDS))
        for p in GCDS.rglob("*")
        if p.is_file() and p.name not in ("SHA256SUMS", "README.md")
    }


def test_vendored_files_match_the_manifest() -> None:
    listed = manifest()
    assert set(listed) == vendored_files()
    for name, digest in listed.items():
        assert hashlib.sha256((GCDS / name).read_bytes()).hexdigest() == digest, name
    assert {"gcds.css", "gcds.esm.js", "fonts/gcds-icons.woff"} <= set(listed)
    assert not [n for n in listed if n.endswith(".map")]


def test_every_chunk_the_loader_imports_is_vendored() -> None:
    imported: set[str] = set()
    for js in GCDS.glob("*.js"):
        text = js.read_text()
        imported |= set(re.findall(r'"\./(p-[A-Za-z0-9]+(?:\.entry)?\.js)"', text))
        # Lazy-loaded component bundles: ["p-xxxx",[[flags,"gcds-…" → ./p-xxxx.entry.js
        imported |= {f"{b}.entry.js" for b in re.findall(r'\["(p-[A-Za-z0-9]{8})",\[\[', text)}
    assert imported, "no chunk references found"
    assert imported - EXCLUDED_CHUNKS <= vendored_files()
    assert EXCLUDED_CHUNKS.isdisjoint(vendored_files())


_EXTERNAL_LOADS = [
    re.compile(r"url\(\s*['\"]?\s*(?:https?:)?//", re.I),  # CSS url() to another origin
    re.compile(r"@import", re.I),
    re.compile(r"\b(?:fetch|import)\(\s*[`'\"](?:https?:)?//", re.I),  # JS fetch / dynamic import
    re.compile(r"\bfrom\s*[`'\"](?:https?:)?//", re.I),  # static import
    re.compile(r"\bsrc\s*[:=]\s*[`'\"](?:https?:)?//", re.I),  # script/img src
    re.compile(r"sourceMappingURL", re.I),
    re.compile(r"cdn\.", re.I),
]


@pytest.mark.parametrize(
    "path",
    sorted(
        [*GCDS.glob("*.js"), *GCDS.glob("*.css"), *OWN.iterdir(), *TEMPLATES.iterdir()],
        key=str,
    ),
    ids=lambda p: p.name,
)
def test_nothing_loads_from_another_origin(path: Path) -> None:
    text = path.read_text()
    found = [m.group(0) for rx in _EXTERNAL_LOADS for m in rx.finditer(text)]
    assert found == []
    if path.parent != GCDS:
        # Sceau's own page files carry no absolute URL at all.
        assert re.findall(r"https?://", text) == []


def test_stylesheet_has_no_absolute_url_and_its_font_is_vendored() -> None:
    css = (GCDS / "gcds.css").read_text()
    assert re.findall(r"https?://", css) == []
    fonts = re.findall(r"url\(([^)]+)\)", css)
    assert fonts and all((GCDS / f.strip("'\"")).is_file() for f in fonts)


def test_csp_hash_is_the_stencil_loader_style_of_the_vendored_components() -> None:
    """Stencil inserts "<all tags, sorted>{visibility:hidden}.hydrated{visibility:inherit}"."""
    loader = (GCDS / "gcds.esm.js").read_text()
    tags = sorted(set(re.findall(r'\[\d+,"(gcds-[a-z-]+)"', loader)))
    assert "gcds-header" in tags and "gcds-footer" in tags
    style = ",".join(tags) + "{visibility:hidden}.hydrated{visibility:inherit}"
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" == GCDS_LOADER_STYLE_HASH
    assert f"style-src 'self' {GCDS_LOADER_STYLE_HASH};" in HTML_PAGE_CSP


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/static/gcds/gcds.css", "text/css"),
        ("/static/gcds/gcds.esm.js", "text/javascript"),
        ("/static/gcds/p-1d3b1e1c.entry.js", "text/javascript"),
        ("/static/gcds/fonts/gcds-icons.woff", "font/woff"),
        ("/static/signin/signin.css", "text/css"),
        ("/static/signin/signin.js", "text/javascript"),
    ],
)
@pytest.mark.anyio
async def test_static_files_are_served_with_their_types(
    client: Any, path: str, media_type: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 200, path
    assert r.headers["content-type"].split(";")[0] == media_type
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "public" in r.headers["cache-control"] and "max-age=86400" in r.headers["cache-control"]
    local = STATIC / path.removeprefix("/static/")
    assert r.content == local.read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/static/gcds/p-f8104b95.entry.js",  # the excluded topic menu
        "/static/gcds/gcds.esm.js.map",
        "/static/gcds/%2e%2e/%2e%2e/app.py",  # percent-encoded traversal (httpx keeps it)
        "/static/signin/..%2f..%2fapp.py",
        "/static/swagger-ui/swagger-ui.css",
    ],
)
@pytest.mark.anyio
async def test_nothing_else_is_served_under_static(client: Any, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 404
