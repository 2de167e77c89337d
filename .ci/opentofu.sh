#!/usr/bin/env bash
# Builds the OpenTofu CLI from the Go module proxy into a cache directory and prints the binary's path.
# `go install` refuses OpenTofu because its go.mod has replace directives, so the module source is
# downloaded, copied to a writable directory and built there. The first build takes about 12 minutes
# on 2 cores; later calls reuse the cached binary. Concurrent calls (make test, make demo, CI) share
# one build through a lock instead of building twice.
#
# Environment: OPENTOFU_VERSION (default v1.12.6), OPENTOFU_CACHE_DIR (default
# $XDG_CACHE_HOME/terraform-provider-ecs/opentofu or ~/.cache/...). Progress goes to stderr; the
# only line on stdout is the binary's path.
set -euo pipefail

version="${OPENTOFU_VERSION:-v1.12.6}"
cache="${OPENTOFU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ecs/opentofu}"
bin="$cache/$version/tofu"

usable() { [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; }

if usable; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache/$version"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/$version/.lock"
  if ! flock -n 9; then
    echo "waiting for another build of OpenTofu $version to finish..." >&2
    flock 9
  fi
  if usable; then
    echo "$bin"
    exit 0
  fi
fi

work=$(mktemp -d "$cache/build.XXXXXX")
cleanup() { chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work" "$bin.tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "building OpenTofu $version (first time only, about 12 minutes on 2 cores)..." >&2
start=$SECONDS
# Run outside any module so the repository's go.mod and go.sum are never consulted or changed.
json=$(cd "$work" && GOFLAGS= go mod download -json "github.com/opentofu/opentofu@$version") || true
dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "could not download github.com/opentofu/opentofu@$version from the Go module proxy:" >&2
  printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/  \1/p' >&2
  exit 1
fi
cp -R "$dir/." "$work/src"
chmod -R u+w "$work/src"
(cd "$work/src" && CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" \
  -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" ./cmd/tofu)
mv "$bin.tmp" "$bin"
echo "built in $((SECONDS - start))s: $("$bin" version | head -n 1)" >&2
echo "$bin"
