#!/usr/bin/env bash
# The main job: boot the lab-in-a-box (3 nodes; LAB_NODES=4 for four) and `pulumi up` the lab
# stack on it with the real engine. Safe to run again: both steps converge.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
pulumi() { node dist/engine/run-pulumi.js "$@"; }
node dist/lab/cli.js up --nodes "${LAB_NODES:-3}"
# Nodes booted from nothing (after `lab down`, which wipes them, by this script or any other) have
# new host keys and no cluster: a stack state that pins a host key no node presents now describes
# machines that are gone, so it goes.
if pulumi stack select lab --non-interactive >/dev/null 2>&1; then
  gone=$(pulumi stack export --non-interactive | node -e '
    const state = require("fs").readFileSync(0, "utf8");
    const now = JSON.parse(require("child_process").execFileSync(process.execPath, ["dist/lab/cli.js", "status"]))
      .nodes.map((n) => n.hostKeyFingerprint);
    const pinned = [...state.matchAll(/"hostKeyFingerprint": *"(SHA256:[^"]+)"/g)].map((m) => m[1]);
    console.log(pinned.filter((f) => !now.includes(f)).length);')
  if [ "$gone" != 0 ]; then
    echo "deploy-lab: the lab stack's state describes nodes that are gone (new host keys): starting it afresh" >&2
    pulumi stack rm lab --force --yes --preserve-config --non-interactive >/dev/null
  fi
fi
pulumi stack select --create lab --non-interactive
# --refresh: what was changed by hand on a running lab since the last run is repaired too
pulumi up --refresh --yes --non-interactive
cat <<EOT

The lab is up and the 'lab' stack is deployed. Where to look:
  npm run --silent lab -- status                    nodes, addresses, keys, fingerprints (JSON)
  npm run --silent lab -- ssh node1 pcs status      the cluster, through the lab's ssh
  node dist/engine/run-pulumi.js stack output       the stack's outputs
  node dist/engine/run-pulumi.js preview --refresh  drift since the last deployment
  npm run --silent lab -- down                      tear the lab down
EOT
