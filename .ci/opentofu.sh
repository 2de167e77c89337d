#!/usr/bin/env bash
# Builds the OpenTofu CLI from the Go module proxy into a cache directory and prints the binary's path.
# `go install` refuses OpenTofu because its go.mod has replace directives, so the module source is
# downloaded, copied to a writable directory and built there. The first build takes about 12 minutes
# on 2 cores; later calls reuse the cached binary.
set -euo pipefail

version="${OPENTOFU_VERSION:-v1.12.6}"
cache="${OPENTOFU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ecs/opentofu}"
bin="$cache/$version/tofu"

if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache/$version"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

echo "building OpenTofu $version (first time only, about 12 minutes on 2 cores)..." >&2
dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "could not download github.com/opentofu/opentofu@$version from the Go module proxy" >&2
  exit 1
fi
cp -R "$dir/." "$work/src"
chmod -R u+w "$work/src"
(cd "$work/src" && CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" \
  -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" ./cmd/tofu)
mv "$bin.tmp" "$bin"
"$bin" version >&2
echo "$bin"
