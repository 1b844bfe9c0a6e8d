// Browser checks of the sign-in page, driven by tests/browser/test_signin_browser.py.
//
// One headless Chromium (Debian's /usr/bin/chromium through playwright-core) for every check.
// Protocol with the Python side (JSON lines):
//   stdin  1st line: {"authorize_url" (ui_locales fr-CA), "authorize_url_en" (another session,
//                     ui_locales en), "redirect_uri", "screenshot_dir", "executable"}
//   stdout           {"event": "screenshot", "lang", "path"}        (one per language)
//                    {"event": "wallet_uri", "uri"}                  (the Python wallet presents)
//   stdin  2nd line: {"presented": true}
//   stdout           {"event": "done", "results": {...}}              (last line)
// A failed check throws: the message goes to stderr and the exit code is 1.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
// axe-core comes from node_modules (never a CDN). It is evaluated through the DevTools protocol:
// an injected <script> would be (rightly) refused by the page's CSP.
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function readJsonLine() {
  const { value, done } = await lines.next();
  if (done) throw new Error("stdin closed before the Python side answered");
  return JSON.parse(value);
}
function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}
function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Records CSP violations on every page of the context (runs before the page's own scripts,
// through the DevTools protocol, so the CSP does not apply to it).
function watchCsp() {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push({
      directive: e.violatedDirective,
      blocked: e.blockedURI,
      sample: e.sample,
    });
  });
}

async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    async (tags) => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: { type: "tag", values: tags } });
      return {
        violations: r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
        })),
        passes: r.passes.length,
      };
    },
    WCAG_TAGS,
  );
  return result;
}

async function checkLanguage(page, lang, config, results) {
  await page.waitForLoadState("load");
  // GCDS components are custom elements: wait until Stencil has defined and hydrated them.
  await page.waitForFunction(() => {
    const header = document.querySelector("gcds-header");
    return !header || (customElements.get("gcds-header") && header.classList.contains("hydrated"));
  }, null, { timeout: 10000 });
  const htmlLang = await page.getAttribute("html", "lang");
  check(htmlLang && htmlLang.startsWith(lang), `<html lang> is ${htmlLang}, expected ${lang}`);
  for (const id of ["open-wallet", "qr", "status", "lang-toggle", "cancel"]) {
    check(await page.locator(`#${id}`).isVisible(), `#${id} is not visible (${lang})`);
  }
  const path = join(config.screenshot_dir, `signin-${lang}.png`);
  await page.screenshot({ path, fullPage: true });
  emit({ event: "screenshot", lang, path });
  const axe = await axeViolations(page);
  if (axe.violations.length) {
    process.stderr.write(`axe violations (${lang}):\n${JSON.stringify(axe.violations, null, 2)}\n`);
  }
  const csp = await page.evaluate(() => window.__cspViolations);
  results[lang] = {
    lang: htmlLang,
    url: page.url(),
    heading: (await page.textContent("h1")).trim(),
    axe_violations: axe.violations,
    axe_passes: axe.passes,
    csp_violations: csp,
  };
}

async function main() {
  const config = await readJsonLine();
  const results = {};
  const browser = await chromium.launch({
    executablePath: config.executable,
    headless: true,
    args: ["--no-sandbox"], // runs as root in CI
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(watchCsp);
    const page = await context.newPage();

    // 1. French from ui_locales (the authorize URL asks for fr-CA first).
    await page.goto(config.authorize_url);
    check(page.url().includes("/oidc/signin/"), `authorize did not lead to the page: ${page.url()}`);
    const signinUrl = page.url().split("?")[0];
    await checkLanguage(page, "fr", config, results);

    // 2. English through the language toggle (which must keep the session).
    const frenchUrl = page.url();
    await Promise.all([page.waitForURL((u) => u.href !== frenchUrl), page.click("#lang-toggle")]);
    check(page.url().startsWith(signinUrl), `the toggle left the session: ${page.url()}`);
    await checkLanguage(page, "en", config, results);

    // 3. The CSP refuses an injected inline script (on a second tab of the same session).
    const probe = await context.newPage();
    await probe.goto(page.url());
    let injectError = null;
    try {
      await probe.addScriptTag({ content: "window.__inlineRan = true;" });
    } catch (e) {
      injectError = String(e.message || e).split("\n")[0];
    }
    await probe.waitForTimeout(100); // let the violation event be dispatched
    results.csp = {
      header: (await (await probe.request.get(page.url())).headers())["content-security-policy"],
      inline_ran: await probe.evaluate(() => window.__inlineRan === true),
      inject_error: injectError,
      violations: await probe.evaluate(() => window.__cspViolations),
    };
    // axe really finds a violation when there is one: the same page with the QR's alt removed.
    await probe.evaluate(() => document.getElementById("qr").removeAttribute("alt"));
    results.axe_self_check = (await axeViolations(probe)).violations.map((v) => v.id);
    await probe.close();

    // English straight from ui_locales too (another session, in its own cookie jar).
    const other = await browser.newContext();
    const english = await other.newPage();
    await english.goto(config.authorize_url_en);
    results.ui_locales_en = {
      lang: await english.getAttribute("html", "lang"),
      heading: (await english.textContent("h1")).trim(),
    };
    await other.close();

    // 4. Same-device flow by keyboard only: Tab to #open-wallet, Enter.
    await page.bringToFront();
    await page.evaluate(() => {
      // Remember which link the keyboard activated and where it points (the openid4vp: URI
      // leaves the page for the wallet app, which is the Python reference wallet here).
      window.__activated = null;
      document.addEventListener(
        "click",
        (e) => {
          const a = e.target.closest && e.target.closest("a");
          window.__activated = a ? { id: a.id, href: a.href, detail: e.detail } : null;
        },
        true,
      );
    });
    let tabs = 0;
    let focused = null;
    while (tabs < 60) {
      await page.keyboard.press("Tab");
      tabs += 1;
      focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
      if (focused === "open-wallet") break;
    }
    check(focused === "open-wallet", `#open-wallet never got focus after ${tabs} Tab presses`);
    const focusVisible = await page.evaluate(() =>
      document.activeElement.matches(":focus-visible"),
    );
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => window.__activated !== null, null, { timeout: 5000 });
    const activated = await page.evaluate(() => window.__activated);
    check(activated.id === "open-wallet", `Enter activated ${JSON.stringify(activated)}`);
    results.keyboard = { tabs, focus_visible: focusVisible, activated };
    emit({ event: "wallet_uri", uri: activated.href });

    const answer = await readJsonLine();
    check(answer.presented === true, `the wallet did not present: ${JSON.stringify(answer)}`);
    // The page polls its status every ~2 s, announces the result in the live region and, once
    // verified, goes on to the RP.
    await page.waitForFunction(
      () => document.getElementById("status").dataset.status === "verified",
      null,
      { timeout: 30000 },
    );
    results.announced = (await page.textContent("#status")).trim();
    await page.waitForURL((u) => u.href.startsWith(config.redirect_uri), { timeout: 30000 });
    results.redirect = page.url();
    await context.close();
  } finally {
    await browser.close();
  }
  emit({ event: "done", results });
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`signin_browser.mjs: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
