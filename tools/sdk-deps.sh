#!/usr/bin/env bash
# Fetch what the TypeScript and Go SDK tests install, so that the tests themselves never reach the
# network (they install with `npm ci --offline` and build Go with GOPROXY=off):
#
#   - the npm packages that examples/typescript-pin-image/package-lock.json pins, into the npm cache
#     .tools/npm-cache;
#   - the Go modules that examples/go-pin-image/go.sum pins, into Go's module cache.
#
#   bash tools/sdk-deps.sh          # or: make sdk-deps
#
# Each half runs only when its tool (npm, go) is there; the tests say what is missing.
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

GO=go
command -v go >/dev/null 2>&1 || GO=/usr/local/go/bin/go
if command -v "$GO" >/dev/null 2>&1; then
    log "==> Go modules of examples/go-pin-image"
    (cd "$ROOT/examples/go-pin-image" && GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=readonly "$GO" mod download)
else
    log "==> go not found: the Go SDK tests will say so"
fi
