// Sceau sign-in page: polls the session status, announces changes in the polite live region
// (#status) and, once the status is final, goes on to the continue URL. All URLs and messages
// come from data-* attributes (no inline script: the page's CSP is script-src 'self').
"use strict";

const POLL_MS = 2000;
const FINAL = new Set(["verified", "rejected", "expired"]);

function localExpiry() {
  const el = document.getElementById("expires-at");
  if (!el) return;
  const at = new Date(el.getAttribute("datetime"));
  if (Number.isNaN(at.getTime())) return;
  const lang = el.dataset.lang === "fr" ? "fr-CA" : "en-CA";
  el.textContent = at.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
}

// A visible countdown next to the expiry time (whole minutes, rounded up; refreshed every 15 s).
// Deliberately outside the live region: screen readers are not interrupted every minute; the
// status region announces the expiry itself when the provider reports it.
function countdown() {
  const time = document.getElementById("expires-at");
  const left = document.getElementById("time-left");
  if (!time || !left || !left.dataset.template) return;
  const at = new Date(time.getAttribute("datetime")).getTime();
  if (Number.isNaN(at)) return;
  function tick() {
    const ms = at - Date.now();
    if (ms <= 0) {
      left.hidden = true;
      return;
    }
    const minutes = Math.ceil(ms / 60000);
    left.textContent = left.dataset.template.replace("{n}", String(minutes));
    left.hidden = false;
    window.setTimeout(tick, 15000);
  }
  tick();
}

function start() {
  const region = document.getElementById("status");
  if (!region) return;
  const statusUrl = region.dataset.statusUrl;
  const continueUrl = region.dataset.continueUrl;
  let shown = region.dataset.status;
  let leaving = false;

  function show(status) {
    if (status === shown) return;
    shown = status;
    region.dataset.status = status;
    const text = region.dataset["msg" + status.charAt(0).toUpperCase() + status.slice(1)];
    if (text) region.textContent = text;
  }

  function finish() {
    if (leaving) return;
    leaving = true;
    // Leave a moment for screen readers to announce the final status.
    window.setTimeout(() => window.location.assign(continueUrl), 1500);
  }

  async function poll() {
    try {
      const response = await fetch(statusUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      if (typeof body.status === "string") {
        show(body.status);
        if (FINAL.has(body.status)) {
          finish();
          return;
        }
      }
    } catch (e) {
      show("error");
    }
    window.setTimeout(poll, POLL_MS);
  }

  if (FINAL.has(shown)) {
    finish();
  } else {
    window.setTimeout(poll, POLL_MS);
  }
}

localExpiry();
countdown();
start();
