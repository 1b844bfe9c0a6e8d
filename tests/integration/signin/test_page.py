"""The sign-in page through the real app and the real provider flow: authorize → page (English,
French, toggle), QR code, status after the wallet answers, 404 page, browser binding, CSP."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest

from sceau.signin.service import SIGNIN_COOKIE
from sceau.web.middleware import DEFAULT_CSP, HTML_PAGE_CSP

from .conftest import ISSUER, PUBLIC_URL, TENANT, Rp, World
from .test_negative import authorize_url

pytestmark = pytest.mark.anyio

SVG_NS = "{http://www.w3.org/2000/svg}"

# --- a small HTML reader (standard library parser) -------------------------------------------

VOID = {"meta", "link", "img", "br", "hr", "input", "source", "area", "base", "col", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    parents: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """Elements by id, all elements in document order, and the text inside each open element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.by_id: dict[str, Element] = {}
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parents=[e.tag for e in self._open])
        self.elements.append(element)
        if "id" in element.attrs:
            assert element.attrs["id"] not in self.by_id, f"duplicate id {element.attrs['id']}"
            self.by_id[element.attrs["id"]] = element
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def text(self, element_id: str) -> str:
        return " ".join(self.by_id[element_id].text.split())


async def start(world: World, browser: httpx2.AsyncClient, rp: Rp, **params: Any) -> str:
    """authorize in this browser; the page URL it is sent to."""
    r = await browser.get(authorize_url(rp, "v" * 43, **params))
    assert r.status_code == 303, r.text
    page: str = r.headers["location"]
    assert page.startswith(f"{ISSUER}/signin/")
    return page


def session_of(page_url: str) -> str:
    return urlsplit(page_url).path.rsplit("/", 1)[-1]


def csp_headers(r: httpx2.Response) -> list[str]:
    return r.headers.get_list("content-security-policy")


def assert_html_page(r: httpx2.Response) -> None:
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert csp_headers(r) == [HTML_PAGE_CSP]  # one policy, the strict one
    assert "unsafe-inline" not in HTML_PAGE_CSP and "unsafe-eval" not in HTML_PAGE_CSP
    assert r.headers["cache-control"] == "no-store"
    page = Page(r.text)
    # No inline script or style: every script is a same-origin file, no style attribute/element.
    scripts = page.find("script")
    assert scripts and all(s.attrs.get("src", "").startswith("/static/") for s in scripts)
    assert all(not s.text.strip() for s in scripts)
    assert page.find("style") == []
    assert [e.tag for e in page.elements if "style" in e.attrs] == []
    assert not [e for e in page.elements if any(k.startswith("on") for k in e.attrs)]
    for link in page.find("link"):
        assert link.attrs["href"].startswith("/static/")


async def test_page_in_english_by_default(world: World) -> None:
    rp = await world.register()
    async with world.browser() as browser:
        url = await start(world, browser, rp)
        r = await browser.get(url)
        assert r.status_code == 200, r.text
        assert_html_page(r)
        view = await world.app.state["signin"].view(
            TENANT, session_of(url), browser.cookies.get(SIGNIN_COOKIE)
        )
    page = Page(r.text)
    assert page.find("html")[0].attrs["lang"] == "en"
    assert page.text("heading") == "Sign in with your digital credential"
    # One h1; in main, the h1 first and then h2 sections (no skipped level).
    assert len(page.find("h1")) == 1
    in_main = [e.tag for e in page.elements if e.tag in ("h1", "h2", "h3") and "main" in e.parents]
    assert in_main[0] == "h1" and set(in_main[1:]) == {"h2"}
    # Who is asking (RP and tenant) and why (the purpose), what will be shared.
    assert "Service rp-one.example.gc.ca asks you to sign in through tenant-a EN" in page.text(
        "who"
    )
    assert page.text("purpose") == "Check a fishing licence"
    assert [li.text for li in page.find("li")] == ["Given name", "Licence number"]
    # Same-device link and the QR with its text alternative (the same URI).
    assert view.wallet_uri.startswith("openid4vp://")
    assert page.by_id["open-wallet"].tag == "a"
    assert page.by_id["open-wallet"].attrs["href"] == view.wallet_uri
    assert page.text("open-wallet") == "Open my wallet"
    qr = page.by_id["qr"]
    assert qr.tag == "img" and qr.attrs["alt"].startswith("QR code")
    assert qr.attrs["src"] == f"{ISSUER}/signin/{session_of(url)}/qr.svg?lang=en"
    assert page.text("wallet-uri") == view.wallet_uri
    # Status region, expiry, cancel, no-script continue, skip link, language toggle.
    status = page.by_id["status"]
    assert status.attrs["aria-live"] == "polite" and status.attrs["role"] == "status"
    assert status.attrs["data-status"] == "pending"
    assert status.attrs["data-status-url"] == view.status_url
    assert status.attrs["data-continue-url"] == view.continue_url
    assert page.text("status") == "Waiting for your wallet."
    expires = page.by_id["expires-at"]
    assert expires.tag == "time" and expires.attrs["datetime"].endswith("Z")
    assert page.text("expires-at").endswith("UTC")
    # The countdown's template (signin.js fills {n} and unhides it); hidden without JavaScript.
    left = page.by_id["time-left"]
    assert left.attrs["data-template"] == "(about {n} min left)" and "hidden" in left.attrs
    assert page.by_id["cancel"].attrs["href"] == view.cancel_url
    assert page.by_id["continue"].attrs["href"] == view.continue_url
    assert "noscript" in page.by_id["continue"].parents
    assert page.by_id["main-content"].tag == "main"
    assert any(a.attrs.get("href") == "#main-content" for a in page.find("a"))
    toggle = page.by_id["lang-toggle"]
    assert toggle.attrs["href"] == f"/t/{TENANT}/oidc/signin/{session_of(url)}?lang=fr"
    assert toggle.attrs["lang"] == "fr" and page.text("lang-toggle") == "Français"
    # The page's own JavaScript and the GC Design System, both served by Sceau.
    sources = {s.attrs["src"] for s in page.find("script")}
    assert sources == {"/static/gcds/gcds.esm.js", "/static/signin/signin.js"}
    assert page.find("gcds-header") and page.find("gcds-footer")


async def test_page_in_french_from_ui_locales_and_toggle_keeps_the_session(
    world: World,
) -> None:
    rp = await world.register()
    async with world.browser() as browser:
        url = await start(world, browser, rp, ui_locales="fr-CA en")
        r = await browser.get(url)
        assert r.status_code == 200, r.text
        assert_html_page(r)
        page = Page(r.text)
        assert page.find("html")[0].attrs["lang"] == "fr"
        assert page.text("heading") == "Connexion avec votre attestation numérique"
        assert "Service rp-one.example.gc.ca FR" in page.text("who")
        assert "tenant-a FR" in page.text("who")
        assert page.text("purpose") == "Vérifier un permis de pêche"
        assert [li.text for li in page.find("li")] == ["Prénom", "Numéro de permis"]
        assert page.text("open-wallet") == "Ouvrir mon portefeuille"
        assert page.text("status") == "En attente de votre portefeuille."
        assert page.by_id["time-left"].attrs["data-template"] == "(il reste environ {n} min)"
        wallet_uri = page.by_id["open-wallet"].attrs["href"]
        toggle = page.by_id["lang-toggle"].attrs["href"]
        assert toggle == f"/t/{TENANT}/oidc/signin/{session_of(url)}?lang=en"
        assert page.text("lang-toggle") == "English"

        # The toggle: same session (same wallet request), other language, and back.
        english = await browser.get(PUBLIC_URL + toggle)
        assert english.status_code == 200
        en = Page(english.text)
        assert en.find("html")[0].attrs["lang"] == "en"
        assert en.by_id["open-wallet"].attrs["href"] == wallet_uri
        assert en.text("purpose") == "Check a fishing licence"
        back = await browser.get(PUBLIC_URL + en.by_id["lang-toggle"].attrs["href"])
        assert Page(back.text).find("html")[0].attrs["lang"] == "fr"
        # Anything but en/fr keeps the session's own language.
        other = await browser.get(url + "?lang=de")
        assert Page(other.text).find("html")[0].attrs["lang"] == "fr"


async def test_qr_code_is_an_svg_with_a_title(world: World) -> None:
    rp = await world.register()
    async with world.browser() as browser:
        url = await start(world, browser, rp)
        r = await browser.get(url + "/qr.svg?lang=fr")
        other = await browser.get(url + "/qr.svg")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    assert r.headers["cache-control"] == "no-store"
    root = ET.fromstring(r.content)
    assert root.tag == f"{SVG_NS}svg"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text and title.text.startswith("Code QR")
    assert root.find(f"{SVG_NS}path") is not None
    assert not list(root.iter(f"{SVG_NS}script"))
    english = ET.fromstring(other.content)
    en_title = english.find(f"{SVG_NS}title")
    assert en_title is not None and en_title.text and en_title.text.startswith("QR code")
    # The same drawing in both languages (only the title changes): it encodes the request.
    paths = [tree.find(f"{SVG_NS}path") for tree in (root, english)]
    assert paths[0] is not None and paths[1] is not None
    assert paths[0].attrib == paths[1].attrib


async def test_two_sessions_have_different_qr_codes(world: World) -> None:
    rp = await world.register()
    async with world.browser() as one, world.browser() as two:
        qr_one = (await one.get(await start(world, one, rp) + "/qr.svg")).content
        qr_two = (await two.get(await start(world, two, rp) + "/qr.svg")).content
    assert qr_one != qr_two


async def test_page_shows_the_final_status_once_the_wallet_has_answered(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    async with world.browser() as browser:
        url = await start(world, browser, rp)
        await world.present(browser, url, store)
        r = await browser.get(url)
    page = Page(r.text)
    assert page.by_id["status"].attrs["data-status"] == "verified"
    assert page.text("status") == "Your credential was verified. Continuing…"


async def test_unknown_session_gets_a_bilingual_404_page(world: World) -> None:
    rp = await world.register()
    async with world.browser() as browser:
        url = await start(world, browser, rp)  # this browser has a (valid) cookie
        for missing in (
            f"{ISSUER}/signin/{'A' * len(session_of(url))}",
            f"{ISSUER}/signin/not-a-session",
            f"{PUBLIC_URL}/t/tenant-b/oidc/signin/{session_of(url)}",  # another tenant
        ):
            r = await browser.get(missing)
            assert r.status_code == 404, missing
            assert_html_page(r)
            page = Page(r.text)
            assert page.find("html")[0].attrs["lang"] == "en"
            assert page.find("h1")[0].text == "Sign-in request not found"
            french = [e for e in page.elements if e.attrs.get("lang") == "fr" and e.tag == "div"]
            assert french and "Demande de connexion introuvable" in french[0].text
            assert "openid4vp" not in r.text
        r = await browser.get(f"{ISSUER}/signin/not-a-session?lang=fr")
        assert r.status_code == 404
        assert Page(r.text).find("html")[0].attrs["lang"] == "fr"


async def test_page_and_qr_refuse_another_browser(world: World) -> None:
    rp = await world.register()
    async with world.browser() as mine, world.browser() as theirs:
        url = await start(world, mine, rp)
        await start(world, theirs, rp)  # the other browser has its own, valid cookie
        assert theirs.cookies.get(SIGNIN_COOKIE) != mine.cookies.get(SIGNIN_COOKIE)
        for suffix in ("", "/qr.svg"):
            foreign = await theirs.get(url + suffix)
            assert foreign.status_code == 404
            assert "openid4vp" not in foreign.text
        async with world.browser() as fresh:  # no cookie at all
            assert (await fresh.get(url)).status_code == 404
            assert (await fresh.get(url + "/qr.svg")).status_code == 404
        # The browser that started it still sees its page.
        assert (await mine.get(url)).status_code == 200


async def test_other_responses_keep_one_default_policy(world: World) -> None:
    r = await world.admin.get(f"{ISSUER}/.well-known/openid-configuration")
    assert csp_headers(r) == [DEFAULT_CSP.decode()]
    # The provider's own HTML error page sets its policy: it is kept, not doubled.
    error = await world.admin.get(
        f"{ISSUER}/authorize?client_id=nope", headers={"Accept": "text/html"}
    )
    assert error.status_code == 400
    assert len(csp_headers(error)) == 1
