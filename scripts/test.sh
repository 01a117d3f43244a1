#!/usr/bin/env bash
# Runs every test: lint, unit (no network), the language host's Go tests, the engine end to end
# (the real pulumi CLI), and the lab integration tests (real clusters, as root). The lab is torn
# down afterwards whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
trap 'node dist/lab/cli.js down >/dev/null 2>&1 || true' EXIT

npm run --silent lint
if command -v go >/dev/null; then (cd engine && go test ./...); fi
# One jest run, in band: the lab's clusters want both cores to themselves.
npx jest --runInBand "$@"
