#!/usr/bin/env bash
# Builds the Terraform CLI from the Go module proxy into a cache directory and prints the binary's
# path, the way .ci/opentofu.sh builds OpenTofu: actions, list resources (terraform query) and
# import by resource identity need Terraform 1.14, and release sites cannot be reached here.
#
# The module zip of github.com/hashicorp/terraform lacks the nested modules that its go.mod
# replaces with local directories (the remote-state backends azure, consul, cos, gcs, kubernetes,
# oci, oss, pg and s3, and internal/legacy), so the copied source is patched first:
#   - go.mod: the require and replace lines of those ten modules are dropped;
#   - internal/backend/init/init.go: the imports and registrations of the nine backends are
#     dropped (it is their only importer; nothing imports internal/legacy).
# The result has the local, remote, cloud, http and inmem backends: local state is all the tests
# need. The patch is checked, so a Terraform version whose files differ fails loudly instead of
# building something else. The first build takes about 3 to 5 minutes on 2 cores; later calls reuse
# the cached binary. Concurrent calls share one build through a lock instead of building twice.
#
# Environment: TERRAFORM_VERSION (default v1.14.3), TERRAFORM_CACHE_DIR (default
# $XDG_CACHE_HOME/terraform-provider-ecs/terraform or ~/.cache/...). Progress goes to stderr; the
# only line on stdout is the binary's path.
set -euo pipefail

version="${TERRAFORM_VERSION:-v1.14.3}"
case "$version" in v*) ;; *) version="v$version" ;; esac
cache="${TERRAFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-ecs/terraform}"
bin="$cache/$version/terraform"

# The binary must run and report the requested version (not a dev build: version.dev=no).
usable() {
  [ -x "$bin" ] && CHECKPOINT_DISABLE=1 "$bin" version 2>/dev/null | grep -m1 -E '^Terraform v' | grep -qxF "Terraform $version"
}

if usable; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache/$version"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/$version/.lock"
  if ! flock -n 9; then
    echo "waiting for another build of Terraform $version to finish..." >&2
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

echo "building Terraform $version (first time only, about 3 to 5 minutes on 2 cores)..." >&2
start=$SECONDS
# Run outside any module so the repository's go.mod and go.sum are never consulted or changed.
json=$(cd "$work" && GOFLAGS= go mod download -json "github.com/hashicorp/terraform@$version") || true
dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "could not download github.com/hashicorp/terraform@$version from the Go module proxy:" >&2
  printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/  \1/p' >&2
  exit 1
fi
cp -R "$dir/." "$work/src"
chmod -R u+w "$work/src"

src="$work/src"
backends='azure|consul|cos|gcs|kubernetes|oci|oss|pg|s3'
modules="github\.com/hashicorp/terraform/internal/(backend/remote-state/($backends)|legacy)"
# go.mod: `require` lines inside the block and `replace X => ./...` lines of the ten modules.
sed -E -i "\#^[[:space:]]*(replace[[:space:]]+)?$modules[[:space:]]#d" "$src/go.mod"
# init.go: the import lines (`backendS3 "…/remote-state/s3"`) and the map entries (`"s3": func()
# backend.Backend { return backendS3.New() },`), by the aliases the imports give them.
init_go="$src/internal/backend/init/init.go"
aliases=$(sed -n -E "s#^[[:space:]]*([A-Za-z0-9_]+)[[:space:]]+\"github\.com/hashicorp/terraform/internal/backend/remote-state/($backends)\"\$#\1#p" "$init_go")
if [ "$(printf '%s\n' "$aliases" | grep -c .)" -ne 9 ]; then
  echo "unexpected $init_go: expected 9 remote-state backend imports to drop, found: $aliases" >&2
  exit 1
fi
for alias in $aliases; do
  sed -E -i -e "\#^[[:space:]]*$alias[[:space:]]+\"github\.com/#d" \
    -e "/return $alias\.New\(\)/d" "$init_go"
done
if grep -E -n "$modules" "$src/go.mod" "$init_go" >&2; then
  echo "the patch left references to modules missing from the module zip (above)" >&2
  exit 1
fi

(cd "$src" && GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" \
  -ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" .)
mv "$bin.tmp" "$bin"
if ! usable; then
  echo "the built binary does not report Terraform $version:" >&2
  CHECKPOINT_DISABLE=1 "$bin" version >&2 || true
  rm -f "$bin"
  exit 1
fi
echo "built in $((SECONDS - start))s: $(CHECKPOINT_DISABLE=1 "$bin" version 2>/dev/null | grep -m1 -E '^Terraform v')" >&2
echo "$bin"
