#!/usr/bin/env bash
# Installs the front-end packages pinned in web/package-lock.json and copies
# GOV.UK Frontend's built files into web/static/govuk, where go:embed finds
# them. Run by `make assets` (which `make build` and `make test` depend on).
set -euo pipefail
cd "$(dirname "$0")/../web"
lock=node_modules/.package-lock.json
if [ ! -f "$lock" ] || [ package-lock.json -nt "$lock" ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
src=node_modules/govuk-frontend/dist/govuk
dst=static/govuk
tmp=$(mktemp -d static/.govuk.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp "$src/govuk-frontend.min.css" "$src/govuk-frontend.min.js" "$tmp/"
cp -R "$src/assets" "$tmp/assets"
cp node_modules/govuk-frontend/package.json "$tmp/package.json"
rm -rf "$dst"
mv "$tmp" "$dst"
trap - EXIT
echo "assets: GOV.UK Frontend $(node -p "require('./$dst/package.json').version") in web/$dst"
