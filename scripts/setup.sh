#!/usr/bin/env bash
# Installs what the project needs on a Debian machine (as root) and builds it. Idempotent:
# Debian packages when missing, npm packages from the lock file, the TypeScript build, and the
# Pulumi engine (engine/ensure-engine.sh: a pulumi of the pinned version on PATH, or a cached build).
# Sourced by scripts/test.sh and scripts/deploy-lab.sh; exports ENGINE_DIR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "setup: $*" >&2; }

[ "$(id -u)" = 0 ] || { say "run as root: the lab creates network namespaces"; exit 1; }
command -v node >/dev/null || { say "Node.js 20 or newer is required"; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    { say "Node.js 20 or newer is required (found $(node --version))"; exit 1; }

# Debian packages: the lab's (lab/lab.config.json), the tests' own, and debootstrap for the lab roots.
packages=$(node -p 'require("./lab/lab.config.json").packages.join(" ")')
missing=()
for p in $packages strace git debootstrap; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # another apt run (unattended upgrades, a second setup) holds the lock for a while: wait for it
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, exactly as locked (again only when the lock file changed).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
# The serialised provider shim requires this package by name in the provider process, as it
# would for a user who installed it: inside the repository, the package links to itself.
ln -sfn .. node_modules/pcmk-lab
say "building"
npm run --silent build
# PCMK_PREPARE_ROOTS=1: the lab generations' roots are made (when missing) while the engine builds,
# one mostly downloading, the other compiling; its exit status lands in PREPARE_ROOTS_RC (a file),
# for whichever process of the caller needs the roots first.
if [ -n "${PCMK_PREPARE_ROOTS:-}" ]; then
    PREPARE_ROOTS_RC=$(mktemp -u /tmp/pcmk-lab-prepare.XXXXXX.rc)
    export PREPARE_ROOTS_RC
    (node dist/lab/cli.js prepare >/tmp/pcmk-lab-prepare.log 2>&1; echo $? >"$PREPARE_ROOTS_RC") &
fi
ENGINE_DIR=$(bash engine/ensure-engine.sh)
export ENGINE_DIR
