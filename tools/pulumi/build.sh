#!/usr/bin/env bash
# Build into <repo>/.tools/bin what a Pulumi CLI v3.259.0 release ships: the CLI (from its Go modules),
# Pulumi's own Python, Node.js and Go language hosts at the same version (from the sources in
# ../shared/vendor, see README.md), the YAML host that release bundles, and the dynamic-provider
# launchers. Also builds pulumi-gen-sdk (./cmd/pulumi-gen-sdk): Pulumi's schema binder and its Python,
# Node.js and Go SDK generators run in-process.
#
#   bash tools/pulumi/build.sh          # or: make pulumi-cli
#   FORCE=1 bash tools/pulumi/build.sh  # rebuild even if up to date
#
# Versions are pinned here and in tools/pulumi/go.mod / go.sum. The first build downloads ~300 modules
# and compiles for several minutes; later runs reuse Go's module and build caches and take seconds.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="$ROOT/.tools/bin"

PULUMI_VERSION="v3.259.0"
# The YAML language host that CLI v3.259.0 bundles, built inside its own
# released module (see below), so this hash pins every dependency.
YAML_VERSION="v1.38.3"
YAML_SUM="h1:X6EoQ6fOj4b5frBoNx518uvlAZmQ7IX8zvpotlS24Y4="
# Pulumi's own Python, Node.js and Go language hosts at the CLI's version. Their
# Go modules are not served by the module proxy here; their sources are, beside
# this checkout (see ../shared/README.md and tools/pulumi/README.md).
HOSTS_SRC="${PULUMI_LANGUAGE_HOSTS_SRC:-$ROOT/../shared/vendor/pulumi-language-hosts-$PULUMI_VERSION}"
VERSION_PKG="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# json_field KEY JSON: a string field of `go mod download -json` output.
json_field() { printf '%s\n' "$2" | sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p"; }

if ! command -v go >/dev/null 2>&1; then
    if [ -x /usr/local/go/bin/go ]; then
        PATH="/usr/local/go/bin:$PATH"
    else
        die "'go' was not found on PATH. Install Go >= 1.25 (https://go.dev/dl/ or your package manager) and re-run 'make pulumi-cli'."
    fi
fi

# Reproducible, self-contained builds: never switch toolchains, never look
# for a go.work above us, never stamp VCS info, never edit go.mod/go.sum.
export GOTOOLCHAIN=local
export GOWORK=off
export GOFLAGS="-mod=readonly -buildvcs=false"
export CGO_ENABLED="${CGO_ENABLED:-0}"

go_version="$(go env GOVERSION)"
case "$go_version" in
    go1.2[5-9]* | go1.[3-9][0-9]* | go[2-9]*) ;;
    *) die "Go >= 1.25 is required (github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION needs it); found $go_version" ;;
esac

mkdir -p "$BIN"

PULUMI_BIN="$BIN/pulumi"
YAML_BIN="$BIN/pulumi-language-yaml"
GENSDK_BIN="$BIN/pulumi-gen-sdk"
GENSDK_SRC="$HERE/cmd/pulumi-gen-sdk"
HOSTS=(python nodejs go)

# Up to date when every output is newer than every input that pins versions
# (and than EXTRA_INPUTS, when set).
EXTRA_INPUTS=()
up_to_date() {
    local out in
    [ -z "${FORCE:-}" ] || return 1
    for out in "$@"; do
        [ -x "$out" ] || return 1
        for in in "$HERE/go.mod" "$HERE/go.sum" "$HERE/build.sh" ${EXTRA_INPUTS[@]+"${EXTRA_INPUTS[@]}"}; do
            [ "$out" -nt "$in" ] || return 1
        done
    done
}

# The end-to-end tests read this file to say why they cannot run: written when the language hosts
# cannot be built, removed when they are.
HOSTS_MISSING="$BIN/HOSTS-MISSING"

if up_to_date "$PULUMI_BIN"; then
    log "pulumi CLI $PULUMI_VERSION is up to date in $BIN (FORCE=1 to rebuild)"
else
    start=$SECONDS
    log "building pulumi CLI $PULUMI_VERSION (first build may take several minutes)…"
    (
        cd "$HERE"
        go build -trimpath -ldflags "-s -w -X $VERSION_PKG=$PULUMI_VERSION" \
            -o "$PULUMI_BIN.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    )
    mv -f "$PULUMI_BIN.tmp" "$PULUMI_BIN"
    log "  built $PULUMI_BIN ($((SECONDS - start))s)"
fi

# Pulumi's own language hosts at $PULUMI_VERSION, the ones a user's CLI ships with, built by the
# sources' own build.sh (against the served sdk/v3 and pkg/v3 modules) into a scratch folder and moved
# in, so an interrupted build never leaves a half-written host behind.
host_bins=()
for h in "${HOSTS[@]}"; do host_bins+=("$BIN/pulumi-language-$h"); done
if [ ! -f "$HOSTS_SRC/build.sh" ]; then
    # One line; the CLI, the YAML host and the code generator still build, and the tests say why they skip.
    reason="no sources of Pulumi's $PULUMI_VERSION language hosts at $HOSTS_SRC (a clone without ../shared): make pulumi-cli cannot build pulumi-language-python, -nodejs and -go"
    log "note: $reason; the end-to-end tests use a pulumi on PATH that has its own language hosts, or skip"
    rm -f "${host_bins[@]}" "$BIN/pulumi-language-python-exec"
    printf '%s\n' "$reason" >"$HOSTS_MISSING"
else
    EXTRA_INPUTS=("$HOSTS_SRC/build.sh")
    for h in "${HOSTS[@]}"; do EXTRA_INPUTS+=("$HOSTS_SRC/modules/$h/go.mod" "$HOSTS_SRC/modules/$h/go.sum"); done
    if up_to_date "${host_bins[@]}" "$BIN/pulumi-language-python-exec"; then
        log "pulumi-language-{python,nodejs,go} $PULUMI_VERSION are up to date in $BIN (FORCE=1 to rebuild)"
    else
        start=$SECONDS
        log "building Pulumi's $PULUMI_VERSION language hosts (python, nodejs, go) from $HOSTS_SRC…"
        # The upstream files must match the sha256 sums their README lists.
        sums="$(sed -n 's/^[[:space:]]*\([0-9a-f]\{64\}\)  \(\.\/.*\)$/\1  \2/p' "$HOSTS_SRC/README.md")"
        [ -n "$sums" ] || die "no sha256 sums found in $HOSTS_SRC/README.md"
        (cd "$HOSTS_SRC/upstream" && printf '%s\n' "$sums" | sha256sum --check --quiet --strict) ||
            die "the language-host sources in $HOSTS_SRC/upstream differ from the sha256 sums in its README"
        scratch="$(mktemp -d)"
        # The sources' build.sh sets GOFLAGS for its own go.mod/go.sum; our other settings stand.
        if ! env -u GOFLAGS bash "$HOSTS_SRC/build.sh" "$scratch" "${HOSTS[@]}" >&2; then
            rm -rf "$scratch"
            die "building the language hosts from $HOSTS_SRC failed (output above)"
        fi
        for h in "${HOSTS[@]}"; do mv -f "$scratch/pulumi-language-$h" "$BIN/pulumi-language-$h"; done
        install -m 0755 "$scratch/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
        rm -rf "$scratch"
        log "  built ${host_bins[*]} ($((SECONDS - start))s)"
    fi
    rm -f "$HOSTS_MISSING"
fi
EXTRA_INPUTS=()

# pulumi-language-yaml, for `runtime: yaml` programs. Built inside the released
# github.com/pulumi/pulumi-yaml module (read-only in the module cache; only -o
# writes), so its own go.mod/go.sum pin every dependency exactly as upstream
# released and tested them (pulumi/pkg/v3 v3.257.0). Requiring it from our
# go.mod instead would let minimal version selection move those to the CLI's
# v3.259.0, a combination nobody released. The module has no replace
# directives, so building inside it loses nothing.
if up_to_date "$YAML_BIN"; then
    log "pulumi-language-yaml is up to date in $BIN (FORCE=1 to rebuild)"
else
    start=$SECONDS
    log "building pulumi-language-yaml from github.com/pulumi/pulumi-yaml@$YAML_VERSION (a few minutes the first time)…"
    tmp="$(mktemp -d)"
    dl_json="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi-yaml@$YAML_VERSION")" ||
        die "could not download github.com/pulumi/pulumi-yaml@$YAML_VERSION: $dl_json"
    rmdir "$tmp"
    yaml_dir="$(json_field Dir "$dl_json")"
    yaml_sum="$(json_field Sum "$dl_json")"
    [ -n "$yaml_dir" ] && [ -d "$yaml_dir" ] || die "go mod download gave no directory: $dl_json"
    [ "$yaml_sum" = "$YAML_SUM" ] ||
        die "checksum mismatch for pulumi-yaml@$YAML_VERSION: got $yaml_sum, want $YAML_SUM"
    go build -C "$yaml_dir" -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION" \
        -o "$YAML_BIN.tmp" ./cmd/pulumi-language-yaml
    mv -f "$YAML_BIN.tmp" "$YAML_BIN"
    log "  built $YAML_BIN ($((SECONDS - start))s)"
fi

# pulumi-gen-sdk: a package of this module, so it is also rebuilt when
# anything under its source directory is newer than the binary.
if up_to_date "$GENSDK_BIN" && [ -z "$(find "$GENSDK_SRC" -newer "$GENSDK_BIN" -print -quit)" ]; then
    log "pulumi-gen-sdk is up to date in $BIN (FORCE=1 to rebuild)"
else
    start=$SECONDS
    log "building pulumi-gen-sdk (pulumi/pkg/v3 $PULUMI_VERSION codegen)…"
    (
        cd "$HERE"
        go build -trimpath -ldflags "-s -w -X $VERSION_PKG=$PULUMI_VERSION" \
            -o "$GENSDK_BIN.tmp" ./cmd/pulumi-gen-sdk
    )
    mv -f "$GENSDK_BIN.tmp" "$GENSDK_BIN"
    log "  built $GENSDK_BIN ($((SECONDS - start))s)"
fi

# ---------------------------------------------------------------------------
# Small scripts next to the binaries (cheap: rewritten on every run).
# ---------------------------------------------------------------------------

# The Python-only name pulumi-gen-sdk had before it learned Node.js and Go.
printf '#!/bin/sh\n# Generated by tools/pulumi/build.sh: do not edit.\nexec "%s" -language python "$@"\n' \
    "$GENSDK_BIN" >"$BIN/pulumi-gen-python-sdk.tmp"
chmod 0755 "$BIN/pulumi-gen-python-sdk.tmp"
mv -f "$BIN/pulumi-gen-python-sdk.tmp" "$BIN/pulumi-gen-python-sdk"

# The launchers the engine starts for dynamic providers (packages "pulumi-python" and "pulumi-nodejs"):
# the scripts a CLI release ships beside its binaries, taken from sdk/v3 $PULUMI_VERSION. The Python
# one runs `python -m pulumi.dynamic` in the virtualenv the engine passes in PULUMI_RUNTIME_VIRTUALENV
# (Pulumi.yaml's runtime.options), else PULUMI_PYTHON_CMD or python3: never this checkout's.
sdk_new_dir="$(json_field Dir "$(cd "$HERE" && go mod download -json github.com/pulumi/pulumi/sdk/v3)")"
for launcher in python/dist/pulumi-resource-pulumi-python nodejs/dist/pulumi-resource-pulumi-nodejs; do
    [ -n "$sdk_new_dir" ] && [ -f "$sdk_new_dir/$launcher" ] ||
        die "$launcher not found in github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION ($sdk_new_dir)"
    install -m 0755 "$sdk_new_dir/$launcher" "$BIN/${launcher##*/}"
done
# Left by earlier builds: the v3.79.0 Python host the old wrapper ran.
rm -f "$BIN/pulumi-language-python-v3.79.0"

if [ -f "$HOSTS_MISSING" ]; then
    log "ready, without language hosts: $BIN/{pulumi,pulumi-language-yaml,pulumi-gen-sdk} ($("$PULUMI_BIN" version))"
else
    log "ready: $BIN/{pulumi,pulumi-language-python,pulumi-language-nodejs,pulumi-language-go,pulumi-language-yaml,pulumi-gen-sdk} ($("$PULUMI_BIN" version))"
fi
