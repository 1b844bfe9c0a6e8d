#!/usr/bin/env bash
# Reproduce src/sceau/web/static/gcds/ from the npm registry (GC Design System, served by Sceau
# itself: no CDN at run time).
#
#   scripts/vendor-gcds.sh            # fetch, verify, copy, rewrite, write SHA256SUMS
#   scripts/vendor-gcds.sh --check    # same in a temp dir, then compare with the committed files
#
# - @cdssnc/gcds-components 0.47.0: dist/gcds/gcds.css, gcds.esm.js and the lazy chunks p-*.js
#   it loads (no .map files). The chunk of <gcds-topic-menu> is left out on purpose: that
#   component fetch()es its menu from www.canada.ca at run time (a third-party load); the page
#   does not use it.
# - @cdssnc/gcds-fonts 0.2.2: only the icon font (gcds-icons.woff/.ttf + its licence). gcds.css
#   loads it from cdn.design-system.alpha.canada.ca; the url()s are rewritten to fonts/ here.
#   Text fonts (Lato, Noto Sans) are not vendored: gcds.css falls back to system sans-serif.
# Each tarball's sha512 is checked against `npm view <pkg> dist.integrity` before use.
set -euo pipefail

COMPONENTS="@cdssnc/gcds-components@0.47.0"
FONTS="@cdssnc/gcds-fonts@0.2.2"
CHUNKS=(p-1d3b1e1c.entry.js p-4e360b30.entry.js p-BKOkUsrw.js p-BMZbJN0q.js)
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/sceau/web/static/gcds"

check=0
if [[ "${1:-}" == "--check" ]]; then
  check=1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() { # fetch <pkg@version> <dir>: npm pack + integrity check + unpack into <dir>
  local spec="$1" dir="$2" tgz expected actual
  mkdir -p "$dir"
  tgz="$(cd "$dir" && npm pack "$spec" --silent | tail -n 1)"
  expected="$(npm view "$spec" dist.integrity)"
  actual="sha512-$(openssl dgst -sha512 -binary "$dir/$tgz" | base64 -w 0)"
  if [[ "$expected" != "$actual" ]]; then
    echo "integrity mismatch for $spec: registry $expected, tarball $actual" >&2
    exit 1
  fi
  tar -xzf "$dir/$tgz" -C "$dir"
}

fetch "$COMPONENTS" "$work/components"
fetch "$FONTS" "$work/fonts"

out="$work/out"
mkdir -p "$out/fonts"
src="$work/components/package/dist/gcds"
cp "$src/gcds.esm.js" "$out/"
for chunk in "${CHUNKS[@]}"; do
  cp "$src/$chunk" "$out/"
done
# Every chunk gcds.esm.js can load is either vendored or the (excluded) topic menu.
for chunk in $(grep -oE '(\./|\[")p-[A-Za-z0-9]{8}' "$src/gcds.esm.js" | sed -E 's#^(\./|\[")##' | sort -u); do
  [[ -f "$out/$chunk.js" || -f "$out/$chunk.entry.js" || "$chunk" == "p-f8104b95" ]] || {
    echo "gcds.esm.js loads $chunk.js, which is not vendored" >&2
    exit 1
  }
done
# Drop the sourceMappingURL comments (the .map files are not vendored).
sed -i -e 's#//\# sourceMappingURL=[^ ]*$##' "$out"/*.js
# Icon font from the CDN → the vendored copy next to the stylesheet.
sed -e 's#https://cdn.design-system.alpha.canada.ca/@cdssnc/gcds-fonts@0.2.2/icons/#fonts/#g' \
  "$src/gcds.css" > "$out/gcds.css"
if grep -q 'url(https\?:' "$out/gcds.css"; then
  echo "gcds.css still loads something from another origin" >&2
  exit 1
fi
cp "$work/fonts/package/fonts/icons/gcds-icons.woff" "$work/fonts/package/fonts/icons/gcds-icons.ttf" \
  "$out/fonts/"
cp "$work/fonts/package/fonts/icons/LICENSE.txt" "$out/fonts/LICENSE.txt"
(cd "$out" && find . -type f ! -name SHA256SUMS | sed 's#^\./##' | LC_ALL=C sort | xargs sha256sum) \
  > "$work/SHA256SUMS"
mv "$work/SHA256SUMS" "$out/SHA256SUMS"

if [[ $check -eq 1 ]]; then
  diff -r "$out" "$DEST" --exclude=README.md && echo "vendored GCDS files match $COMPONENTS"
  exit $?
fi
find "$DEST" -mindepth 1 ! -name README.md -delete 2>/dev/null || true
mkdir -p "$DEST"
cp -r "$out"/. "$DEST"/
echo "vendored $COMPONENTS and the icons of $FONTS into $DEST"
