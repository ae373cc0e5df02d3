#!/usr/bin/env bash
# Build the newer Pulumi CLI that `make compat` runs the end-to-end tests under, from Go modules, into
# <repo>/.tools/pulumi-$PULUMI_VERSION/bin/pulumi. The v3.259.0 CLI in .tools/bin (tools/pulumi/build.sh)
# is not touched: the language host, its exec shim and the dynamic-provider launcher the engine starts
# are still the ones there, found on PATH.
#
#   bash tools/pulumi-newest/build.sh          # or: make pulumi-cli-newest
#   FORCE=1 bash tools/pulumi-newest/build.sh  # rebuild even if up to date
#
# Prints the binary's path on stdout. The version is pinned here and in go.mod / go.sum; bump all three
# together (`go get -tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@vX && go mod tidy`). A first build
# compiles for several minutes on 2 cores; later ones reuse Go's caches, and an up-to-date binary (newer
# than go.mod, go.sum and this script) is not rebuilt at all.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PULUMI_VERSION="v3.276.0"
BIN="$ROOT/.tools/pulumi-$PULUMI_VERSION/bin"
PULUMI_BIN="$BIN/pulumi"
VERSION_PKG="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] || die "'go' was not found on PATH. Install Go >= 1.26.6 and re-run 'make pulumi-cli-newest'."
    PATH="/usr/local/go/bin:$PATH"
fi
export GOTOOLCHAIN=local
export GOWORK=off
export GOFLAGS="-mod=readonly -buildvcs=false"
export CGO_ENABLED="${CGO_ENABLED:-0}"

go_version="$(go env GOVERSION)"
case "$go_version" in
    go1.26.[6-9]* | go1.26.[1-9][0-9]* | go1.2[7-9]* | go1.[3-9][0-9]* | go[2-9]*) ;;
    *) die "Go >= 1.26.6 is required (github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION needs it); found $go_version" ;;
esac

up_to_date() {
    [ -z "${FORCE:-}" ] && [ -x "$PULUMI_BIN" ] || return 1
    local in
    for in in "$HERE/go.mod" "$HERE/go.sum" "$HERE/build.sh"; do
        [ "$PULUMI_BIN" -nt "$in" ] || return 1
    done
}

if up_to_date; then
    log "pulumi CLI $PULUMI_VERSION is up to date in $BIN (FORCE=1 to rebuild)"
else
    mkdir -p "$BIN"
    start=$SECONDS
    log "building pulumi CLI $PULUMI_VERSION beside the one in .tools/bin (first build may take several minutes)…"
    (
        cd "$HERE"
        go build -trimpath -ldflags "-s -w -X $VERSION_PKG=$PULUMI_VERSION" \
            -o "$PULUMI_BIN.tmp.$$" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    )
    mv -f "$PULUMI_BIN.tmp.$$" "$PULUMI_BIN"
    log "  built $PULUMI_BIN ($((SECONDS - start))s)"
fi
echo "$PULUMI_BIN"
