#!/usr/bin/env bash
# Runs every test: lint, unit (no network), the language host's Go tests, the engine end to end
# (the real pulumi CLI), and the lab suites (real clusters, as root) on each lab generation:
#   bookworm (the host's pcs 0.11 / Pacemaker 2.1): every project, the adversarial suites too,
#            then the writer's own integration suites again with its plain path forced;
#   trixie   (a Debian 13 root: pcs 0.12 / Pacemaker 3.0, built once and cached): what depends on
#            the generation (lab, provider integration, the stacks end to end), then the
#            constraint suite with the plain path forced.
# Each phase runs whatever the one before it did; the run fails when any phase failed. The lab
# is torn down afterwards whatever happens. Arguments go to every jest run (e.g. -t NAME).
# TEST_RELEASES="bookworm" (or "trixie") runs one generation only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# the trixie root (debootstrap, a few minutes the first time) is made while the engine builds
[[ " ${TEST_RELEASES:-trixie} " == *" trixie "* ]] && export PCMK_PREPARE_ROOTS=1
source scripts/setup.sh
trap 'node dist/lab/cli.js down >/dev/null 2>&1 || true' EXIT

npm run --silent lint
if command -v go >/dev/null; then (cd engine && go test ./...); fi

results=$(mktemp -d)
failed_phases=()
# One jest run per phase, in band: the lab's clusters want both cores to themselves.
phase() {
  local name=$1
  shift
  echo "=== test phase: $name" >&2
  local t0=$SECONDS
  if ! npx jest --runInBand --json --outputFile="$results/$name.json" "$@"; then failed_phases+=("$name"); fi
  echo "=== test phase: $name: $((SECONDS - t0)) s" >&2
}
# The writer's own integration suites: what it writes for resources and for constraints.
WRITER_SUITES='tests/integration/providers/(pcs-resource|constraint)\.test'

for release in ${TEST_RELEASES:-bookworm trixie}; do
  export LAB_RELEASE=$release
  case $release in
  bookworm)
    phase bookworm "$@"
    PCMK_LAB_WRITER_PATH=plain phase bookworm-plain --selectProjects integration --testPathPattern "$WRITER_SUITES" "$@"
    ;;
  trixie)
    if [ -n "${PREPARE_ROOTS_PID:-}" ] && ! wait "$PREPARE_ROOTS_PID"; then
      cat /tmp/pcmk-lab-prepare.log >&2
      failed_phases+=(trixie-root)
      continue
    fi
    phase trixie --selectProjects lab integration e2e "$@"
    PCMK_LAB_WRITER_PATH=plain phase trixie-plain --selectProjects integration \
      --testPathPattern 'tests/integration/providers/constraint\.test' "$@"
    ;;
  *)
    echo "test.sh: unknown generation '$release'" >&2
    exit 2
    ;;
  esac
done
unset LAB_RELEASE

# The totals of every phase, as one closing line.
node -e '
  const fs = require("fs"), path = require("path");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results"
rm -rf "$results"
if [ ${#failed_phases[@]} -gt 0 ]; then
  echo "test.sh: failed phases: ${failed_phases[*]}" >&2
  exit 1
fi
