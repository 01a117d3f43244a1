#!/usr/bin/env bash
# Runs every test: lint, unit (no network), the language host's Go tests, the engine end to end
# (the real pulumi CLI), and the lab suites (real clusters, as root) on each lab generation:
#   bookworm (the host's pcs 0.11 / Pacemaker 2.1): every project, the adversarial suites, the
#            upgrade test (a stack of the last release taken over by the working tree) and the
#            package test (the packed package in a fresh project outside the repository) too, then
#            the writer's own integration suites again with its plain path forced;
#   trixie   (a Debian 13 root: pcs 0.12 / Pacemaker 3.0, built once and cached): what depends on
#            the generation (lab, provider integration, the stacks end to end), then the
#            constraint suite with the plain path forced.
# The two run side by side, each on a lab of its own on the one bridge (LAB_INSTANCE 0 and 1): the
# suites mostly wait on clusters, so the two cores have room for both. The second lab, once done
# with trixie, takes some of bookworm's phases (end to end, the secrets and concurrency suites, the
# plain path), which balances the two. Its output is shown when it is done. The run fails when any
# phase failed; both labs are torn down afterwards whatever happens. Arguments go to every jest run
# (e.g. -t NAME).
# TEST_RELEASES="bookworm" (or "trixie") runs one generation only, on one lab. TEST_LAB_INSTANCES
# (default "0 1") names the labs, e.g. "2 3" to leave a lab you keep (the main job's) alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
releases=${TEST_RELEASES:-bookworm trixie}
read -r first_lab second_lab <<<"${TEST_LAB_INSTANCES:-0 1}"
if ! [[ "$first_lab$second_lab" =~ ^[0-3][0-3]$ ]] || [ "$first_lab" = "$second_lab" ]; then
  echo "test.sh: TEST_LAB_INSTANCES: two different lab instances of 0..3, not '${TEST_LAB_INSTANCES:-}'" >&2
  exit 2
fi
# the trixie root (debootstrap, a few minutes the first time) is made while the engine builds
[[ " $releases " == *" trixie "* ]] && export PCMK_PREPARE_ROOTS=1
source scripts/setup.sh
results=$(mktemp -d)
second=""
teardown() {
  # the second lab's phases run in a process group of their own: it goes with its jest and pulumi
  [ -n "$second" ] && kill -- "-$second" 2>/dev/null && wait "$second" 2>/dev/null
  LAB_INSTANCE=$first_lab node dist/lab/cli.js down >/dev/null 2>&1 || true
  LAB_INSTANCE=$second_lab node dist/lab/cli.js down >/dev/null 2>&1 || true
}
trap teardown EXIT

npm run --silent lint
if command -v go >/dev/null; then (cd engine && go test ./...); fi

# One jest run per phase, in band: a lab's clusters want their share of the cores. A failed
# phase leaves a mark in $results, read at the end (phases run in two processes).
phase() {
  local name=$1
  shift
  echo "=== test phase: $name (lab $LAB_INSTANCE, $LAB_RELEASE)" >&2
  local t0=$SECONDS
  if ! npx jest --runInBand --json --outputFile="$results/$name.json" "$@"; then touch "$results/$name.failed"; fi
  echo "=== test phase: $name: $((SECONDS - t0)) s" >&2
}
# The writer's own integration suites: what it writes for resources and for constraints.
WRITER_SUITES='tests/integration/providers/kinds/(pcs-resource|constraint)\.test'
plain_phase() { PCMK_LAB_WRITER_PATH=plain phase "$@"; }
# bookworm's suites the second lab runs when both generations run (see the top)
MOVED_SUITES='tests/(e2e/|adversarial/(secrets|concurrency)\.test)'

bookworm_phases() { # $1: all (every suite here) or split (MOVED_SUITES and the plain path left to the other lab)
  export LAB_RELEASE=bookworm
  if [ "$1" = all ]; then
    phase bookworm "${@:2}"
    plain_phase bookworm-plain --selectProjects integration --testPathPattern "$WRITER_SUITES" "${@:2}"
  else
    phase bookworm --selectProjects unit engine lab integration adversarial upgrade package \
      --testPathIgnorePatterns "$MOVED_SUITES" "${@:2}"
  fi
}
trixie_phases() {
  export LAB_RELEASE=trixie
  if [ -n "${PREPARE_ROOTS_RC:-}" ]; then
    while [ ! -s "$PREPARE_ROOTS_RC" ]; do sleep 2; done
    if [ "$(cat "$PREPARE_ROOTS_RC")" != 0 ]; then
      cat /tmp/pcmk-lab-prepare.log >&2
      touch "$results/trixie-root.failed"
      return
    fi
  fi
  phase trixie --selectProjects lab integration e2e "$@"
  plain_phase trixie-plain --selectProjects integration \
    --testPathPattern 'tests/integration/providers/kinds/constraint\.test' "$@"
}
bookworm_rest() { # on the second lab, after trixie: the rest of bookworm's phases
  export LAB_RELEASE=bookworm
  phase bookworm-rest --selectProjects e2e adversarial --testPathPattern "$MOVED_SUITES" "$@"
  # the constraint suite only, as on trixie (to keep CI in its time): the unit suite compares the
  # plain path's resource steps with the fast path's (pcs-copy.test.ts, on the host's pcs 0.11)
  plain_phase bookworm-plain --selectProjects integration \
    --testPathPattern 'tests/integration/providers/kinds/constraint\.test' "$@"
}

case " $releases " in
" bookworm trixie " | " trixie bookworm ")
  set -m # job control: the background job gets a process group of its own
  (
    export LAB_INSTANCE=$second_lab
    trixie_phases "$@"
    bookworm_rest "$@"
  ) >"$results/second-lab.log" 2>&1 &
  second=$!
  set +m
  LAB_INSTANCE=$first_lab bookworm_phases split "$@"
  wait "$second" || true
  second=""
  echo "=== the second lab's phases (trixie, then the rest of bookworm's):" >&2
  cat "$results/second-lab.log" >&2
  ;;
" bookworm ") LAB_INSTANCE=$first_lab bookworm_phases all "$@" ;;
" trixie ") LAB_INSTANCE=$first_lab trixie_phases "$@" ;;
*)
  echo "test.sh: TEST_RELEASES: 'bookworm', 'trixie' or both, not '$releases'" >&2
  exit 2
  ;;
esac
unset LAB_RELEASE LAB_INSTANCE

# Each failed test with its reason, then the totals of every phase: the run's closing lines.
node scripts/test-summary.js "$results"
# find, not ls: ls of no match exits 2, which pipefail and set -e made the run's exit on a green run
failed_phases=$(find "$results" -maxdepth 1 -name '*.failed' -printf '%f\n' | sed 's/\.failed$//' | tr '\n' ' ')
rm -rf "$results"
if [ -n "$failed_phases" ]; then
  echo "test.sh: failed phases: $failed_phases" >&2
  exit 1
fi
