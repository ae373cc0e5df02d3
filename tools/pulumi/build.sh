#!/usr/bin/env bash
# Build the real Pulumi CLI and the Python and Node.js language hosts from Go
# modules into <repo>/.tools/bin, and write the dynamic-provider launcher next
# to them. Also builds pulumi-gen-sdk (./cmd/pulumi-gen-sdk): Pulumi's schema
# binder and its Python, Node.js and Go SDK generators run in-process (see
# README.md).
#
#   bash tools/pulumi/build.sh          # or: make pulumi-cli
#   FORCE=1 bash tools/pulumi/build.sh  # rebuild even if up to date
#
# Versions are pinned here and in tools/pulumi/go.mod / go.sum; see
# tools/pulumi/README.md for why the language hosts are older than the CLI.
# The first build downloads ~300 modules and compiles for several minutes;
# later runs reuse Go's module and build caches and take seconds.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="$ROOT/.tools/bin"

PULUMI_VERSION="v3.259.0"
# Last github.com/pulumi/pulumi/sdk/v3 release whose module still contains
# python/cmd/pulumi-language-python (v3.80.0 moved it into its own module,
# which the module proxy here does not serve).
LANGHOST_SDK_VERSION="v3.79.0"
LANGHOST_SDK_SUM="h1:GJ46WDwJ78jQ9qJW0nI1WdnypjCNkRQG9rVymw0go9A="
# The YAML language host that CLI v3.259.0 bundles, built inside its own
# released module (see below), so this hash pins every dependency.
YAML_VERSION="v1.38.3"
YAML_SUM="h1:X6EoQ6fOj4b5frBoNx518uvlAZmQ7IX8zvpotlS24Y4="
# Likewise the last release whose sdk/v3 module still contains
# nodejs/cmd/pulumi-language-nodejs (v3.69.0 moved it into its own module).
NODEHOST_SDK_VERSION="v3.68.0"
NODEHOST_SDK_SUM="h1:JWn3DGJhzoWL8bNbUdyLSSPeKS2F9mv14/EL9QeVT3w="
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
LANGHOST_BIN="$BIN/pulumi-language-python-$LANGHOST_SDK_VERSION"
YAML_BIN="$BIN/pulumi-language-yaml"
NODEHOST_BIN="$BIN/pulumi-language-nodejs"
GENSDK_BIN="$BIN/pulumi-gen-sdk"
GENSDK_SRC="$HERE/cmd/pulumi-gen-sdk"

# Up to date when every output is newer than every input that pins versions.
up_to_date() {
    local out in
    [ -z "${FORCE:-}" ] || return 1
    for out in "$@"; do
        [ -x "$out" ] || return 1
        for in in "$HERE/go.mod" "$HERE/go.sum" "$HERE/build.sh"; do
            [ "$out" -nt "$in" ] || return 1
        done
    done
}

# build_in_sdk_release VERSION SUM PACKAGE OUT: build PACKAGE of
# github.com/pulumi/pulumi/sdk/v3@VERSION into OUT.
build_in_sdk_release() {
    local version="$1" want_sum="$2" package="$3" out="$4" tmp dl_json sdk_dir sdk_sum
    # Fetch (or find in the module cache) the pinned sdk release and check its
    # hash; `go mod download` also verifies it against the checksum database.
    # (Run outside any module so no go.mod/go.sum is consulted or touched.)
    tmp="$(mktemp -d)"
    dl_json="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi/sdk/v3@$version")" ||
        die "could not download github.com/pulumi/pulumi/sdk/v3@$version: $dl_json"
    rmdir "$tmp"
    sdk_dir="$(json_field Dir "$dl_json")"
    sdk_sum="$(json_field Sum "$dl_json")"
    [ -n "$sdk_dir" ] && [ -d "$sdk_dir" ] || die "go mod download gave no directory: $dl_json"
    [ "$sdk_sum" = "$want_sum" ] ||
        die "checksum mismatch for sdk/v3@$version: got $sdk_sum, want $want_sum"
    # Build inside that module (read-only in the module cache; only -o writes),
    # so its own go.mod/go.sum (and replace directives) pin every dependency.
    go build -C "$sdk_dir" -trimpath -ldflags "-s -w -X $VERSION_PKG=$version" -o "$out.tmp" "$package"
    mv -f "$out.tmp" "$out"
}

if up_to_date "$PULUMI_BIN" "$LANGHOST_BIN"; then
    log "pulumi CLI and language host are up to date in $BIN (FORCE=1 to rebuild)"
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

    start=$SECONDS
    log "building pulumi-language-python from github.com/pulumi/pulumi/sdk/v3@$LANGHOST_SDK_VERSION…"
    build_in_sdk_release "$LANGHOST_SDK_VERSION" "$LANGHOST_SDK_SUM" ./python/cmd/pulumi-language-python "$LANGHOST_BIN"
    log "  built $LANGHOST_BIN ($((SECONDS - start))s)"
fi

if up_to_date "$NODEHOST_BIN"; then
    log "pulumi-language-nodejs is up to date in $BIN (FORCE=1 to rebuild)"
else
    start=$SECONDS
    log "building pulumi-language-nodejs from github.com/pulumi/pulumi/sdk/v3@$NODEHOST_SDK_VERSION…"
    build_in_sdk_release "$NODEHOST_SDK_VERSION" "$NODEHOST_SDK_SUM" ./nodejs/cmd/pulumi-language-nodejs "$NODEHOST_BIN"
    log "  built $NODEHOST_BIN ($((SECONDS - start))s)"
fi

# pulumi-language-yaml, for `runtime: yaml` programs. Built like the older
# hosts: inside the released github.com/pulumi/pulumi-yaml module (read-only in
# the module cache; only -o writes), so its own go.mod/go.sum pin every
# dependency exactly as upstream released and tested them (pulumi/pkg/v3
# v3.257.0). Requiring it from our go.mod instead would let minimal version
# selection move those to the CLI's v3.259.0, a combination nobody released.
# The module has no replace directives, so building inside it loses nothing.
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
cat >"$BIN/pulumi-gen-python-sdk.tmp" <<EOF
#!/bin/sh
# Generated by tools/pulumi/build.sh: do not edit.
exec "$GENSDK_BIN" -language python "\$@"
EOF
chmod 0755 "$BIN/pulumi-gen-python-sdk.tmp"
mv -f "$BIN/pulumi-gen-python-sdk.tmp" "$BIN/pulumi-gen-python-sdk"

# The exec shim the language host runs as `python -u pulumi-language-python-exec
# --monitor … PROGRAM`. It talks to the Python SDK, so take it from the same
# release as the engine and the `pulumi` wheel (sdk/v3 $PULUMI_VERSION).
sdk_new_dir="$(json_field Dir "$(cd "$HERE" && go mod download -json github.com/pulumi/pulumi/sdk/v3)")"
[ -n "$sdk_new_dir" ] && [ -f "$sdk_new_dir/python/cmd/pulumi-language-python-exec" ] ||
    die "pulumi-language-python-exec not found in github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION ($sdk_new_dir)"
install -m 0755 "$sdk_new_dir/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"

# The language host the engine runs. The $LANGHOST_SDK_VERSION host takes the
# virtualenv only as a -virtualenv flag, which current engines no longer pass
# (they send Pulumi.yaml's runtime.options in RPCs), so this wrapper supplies it.
DEFAULT_VENV="$ROOT/.venv"
cat >"$BIN/pulumi-language-python.tmp" <<EOF
#!/bin/sh
# Generated by tools/pulumi/build.sh: do not edit.
# Runs pulumi-language-python $LANGHOST_SDK_VERSION with the program's virtualenv:
#   1. \$PULUMI_RUNTIME_VIRTUALENV, if set;
#   2. runtime.options.virtualenv from ./Pulumi.yaml (the engine starts the host
#      in the project directory; relative paths are relative to it);
#   3. unless \$PULUMI_PYTHON_CMD is set: $DEFAULT_VENV, if it exists;
#   4. otherwise none: the host runs python3 (or \$PULUMI_PYTHON_CMD) from PATH.
venv="\${PULUMI_RUNTIME_VIRTUALENV:-}"
if [ -z "\$venv" ]; then
    for f in Pulumi.yaml Pulumi.yml; do
        [ -f "\$f" ] || continue
        venv="\$(grep -v '^[[:space:]]*#' "\$f" |
            sed -n "s/.*virtualenv:[[:space:]]*[\"']\{0,1\}\([^\"',}#[:space:]]*\).*/\1/p" | head -n 1)"
        break
    done
fi
if [ -z "\$venv" ] && [ -z "\${PULUMI_PYTHON_CMD:-}" ] && [ -x "$DEFAULT_VENV/bin/python" ]; then
    venv="$DEFAULT_VENV"
fi
if [ -n "\$venv" ]; then
    exec "$LANGHOST_BIN" -root "\$PWD" -virtualenv "\$venv" "\$@"
fi
exec "$LANGHOST_BIN" "\$@"
EOF
chmod 0755 "$BIN/pulumi-language-python.tmp"
mv -f "$BIN/pulumi-language-python.tmp" "$BIN/pulumi-language-python"

# The plugin the engine starts for pulumi.dynamic resources (package
# "pulumi-python"). The engine sets PULUMI_RUNTIME_VIRTUALENV from Pulumi.yaml's
# runtime.options.virtualenv (verbatim: may be relative to the current dir).
cat >"$BIN/pulumi-resource-pulumi-python.tmp" <<EOF
#!/bin/sh
# Generated by tools/pulumi/build.sh: do not edit.
# Pulumi dynamic-provider launcher: python -u -m pulumi.dynamic, run with
# \$PULUMI_RUNTIME_VIRTUALENV, else $DEFAULT_VENV, else python3.
if [ -n "\${PULUMI_RUNTIME_VIRTUALENV:-}" ]; then
    py="\$PULUMI_RUNTIME_VIRTUALENV/bin/python"
    if [ ! -x "\$py" ]; then
        echo "pulumi-resource-pulumi-python: no python at \$py (PULUMI_RUNTIME_VIRTUALENV=\$PULUMI_RUNTIME_VIRTUALENV, cwd \$PWD)" >&2
        exit 1
    fi
elif [ -x "$DEFAULT_VENV/bin/python" ]; then
    py="$DEFAULT_VENV/bin/python"
else
    py=python3
fi
exec "\$py" -u -m pulumi.dynamic "\$@"
EOF
chmod 0755 "$BIN/pulumi-resource-pulumi-python.tmp"
mv -f "$BIN/pulumi-resource-pulumi-python.tmp" "$BIN/pulumi-resource-pulumi-python"

log "ready: $BIN/{pulumi,pulumi-language-python,pulumi-language-nodejs,pulumi-language-yaml,pulumi-resource-pulumi-python,pulumi-gen-sdk} ($("$PULUMI_BIN" version))"
