#!/usr/bin/env bash
# Fetch what the TypeScript SDK tests install, so that the tests themselves never reach the network
# (they install with `npm ci --offline`): the npm packages that
# examples/typescript-pin-image/package-lock.json pins, into the npm cache .tools/npm-cache.
#
#   bash tools/sdk-deps.sh          # or: make sdk-deps
#
# It runs only when npm is there; the tests say what is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
NPM_CACHE="$ROOT/.tools/npm-cache"

log() { printf '%s\n' "$*" >&2; }

if command -v npm >/dev/null 2>&1; then
    log "==> npm packages of examples/typescript-pin-image into $NPM_CACHE"
    # The example installs the SDK from ../../sdk/nodejs: keep that layout in a scratch copy, so the
    # lockfile applies as it is and nothing is written into the checkout.
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    mkdir -p "$scratch/sdk" "$scratch/examples/typescript-pin-image"
    cp -R "$ROOT/sdk/nodejs" "$scratch/sdk/nodejs"
    rm -rf "$scratch/sdk/nodejs/node_modules" "$scratch/sdk/nodejs/bin"
    cp "$ROOT"/examples/typescript-pin-image/{package.json,package-lock.json,.npmrc} "$scratch/examples/typescript-pin-image/"
    # --ignore-scripts: only the packages are wanted here, not the SDK's compile.
    (cd "$scratch/examples/typescript-pin-image" &&
        npm ci --cache "$NPM_CACHE" --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error)
else
    log "==> npm not found: the TypeScript SDK tests will say so"
fi

