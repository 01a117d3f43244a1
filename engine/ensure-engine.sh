#!/usr/bin/env bash
# Makes the Pulumi engine available and prints the directory that holds it:
#   pulumi, pulumi-language-nodejs, pulumi-resource-pulumi-nodejs.
# 1. a `pulumi` already on PATH is used when it is the pinned version and has a Node language host;
# 2. otherwise the cached build in $PCMK_ENGINE_CACHE (default /var/cache/pcmk-lab/engine) is used
#    when its stamp matches these sources;
# 3. otherwise the engine is built from the Go module proxy at the version of the npm
#    @pulumi/pulumi that package.json pins (a devDependency: the SDK this repository tests with) (needs Go >= 1.25).
# Progress goes to stderr; stdout is only the directory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
log() { echo "engine: $*" >&2; }

version=$(node -p 'require(process.argv[1]).devDependencies["@pulumi/pulumi"]' "$root/package.json")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { log "package.json must pin @pulumi/pulumi exactly (found '$version')"; exit 1; }
for mod in pkg sdk; do
    grep -q "github.com/pulumi/pulumi/$mod/v3 v$version\$" "$here/go.mod" ||
        { log "engine/go.mod does not require github.com/pulumi/pulumi/$mod/v3 v$version: bump it with package.json"; exit 1; }
done

# 1. an installed engine of the pinned version (PCMK_ENGINE_IGNORE_PATH=1 skips this)
if [ -z "${PCMK_ENGINE_IGNORE_PATH:-}" ] && on_path=$(command -v pulumi 2>/dev/null) && command -v pulumi-language-nodejs >/dev/null 2>&1; then
    if [ "$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>/dev/null)" = "v$version" ]; then
        dir=$(dirname "$on_path")
        if [ -x "$dir/pulumi-resource-pulumi-nodejs" ] || command -v pulumi-resource-pulumi-nodejs >/dev/null; then
            log "using pulumi v$version from PATH ($dir)"
            echo "$dir"; exit 0
        fi
    fi
fi

# 2. the cached build
cache=${PCMK_ENGINE_CACHE:-/var/cache/pcmk-lab/engine}/v$version
stamp=$(cd "$here" && cat go.mod go.sum tools.go cmd/*/*.go | sha256sum | cut -c1-16)
if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$stamp" ] &&
    [ -x "$cache/bin/pulumi" ] && [ -x "$cache/bin/pulumi-language-nodejs" ] && [ -x "$cache/bin/pulumi-resource-pulumi-nodejs" ]; then
    log "using cached build $cache/bin"
    echo "$cache/bin"; exit 0
fi

# 3. build
command -v go >/dev/null || { log "no 'pulumi' v$version on PATH and no Go toolchain to build it: install Go >= 1.25"; exit 1; }
gov=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n1.25\n' "$gov" | sort -V | head -1)" != 1.25 ]; then log "Go $gov is too old: the engine needs Go >= 1.25"; exit 1; fi
log "building pulumi v$version into $cache (first time only: several minutes)"
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export GOFLAGS="-buildvcs=false -mod=readonly" CGO_ENABLED=0
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
(cd "$here" && go build -trimpath -ldflags "$ldflags" -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
(cd "$here" && go build -trimpath -ldflags "$ldflags" -o "$tmp/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs)
sdk=$(cd "$here" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$tmp/pulumi-resource-pulumi-nodejs"
rm -rf "$cache/bin"
mv "$tmp" "$cache/bin"
echo "$stamp" >"$cache/stamp"
trap - EXIT
log "built: $("$cache/bin/pulumi" version)"
echo "$cache/bin"
