#!/usr/bin/env bash
# Build actionlint (the GitHub Actions workflow linter) from its Go module into <repo>/.tools/bin, for the
# test that lints the example workflow under examples/. Up to date: nothing to do.
#
#   bash tools/actionlint/build.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="$ROOT/.tools/bin"
VERSION="v1.7.12"

if ! command -v go >/dev/null 2>&1; then
    if [ -x /usr/local/go/bin/go ]; then
        PATH="/usr/local/go/bin:$PATH"
    else
        echo "error: 'go' was not found on PATH; install Go to build actionlint" >&2
        exit 1
    fi
fi
if [ -x "$BIN/actionlint" ] && [ "$("$BIN/actionlint" -version 2>/dev/null | head -n 1)" = "$VERSION" ]; then
    exit 0
fi
mkdir -p "$BIN"
# Never switch toolchains, never look for a go.work above us, never stamp VCS info.
GOTOOLCHAIN=local GOWORK=off GOFLAGS="-buildvcs=false" CGO_ENABLED=0 GOBIN="$BIN" \
    go install -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$VERSION" \
    "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
