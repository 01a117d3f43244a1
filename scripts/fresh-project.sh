#!/usr/bin/env bash
# A user's first project: this package as `npm pack` makes it, installed into a fresh Pulumi
# project outside the repository (its own Pulumi.yaml, package.json and node_modules, nothing of
# the repository on its path) with the oldest @pulumi/pulumi the package supports, its program in
# TypeScript compiled against the package's types; then, on the lab's running cluster (node1 of
# LAB_INSTANCE): `pulumi up` of a Dummy and a location constraint, a clean
# `preview --refresh --expect-no-changes`, and `destroy`. The pulumi CLI is the one engine/ builds,
# as a user brings their own. Prints each phase's seconds; exits non-zero at the first failure.
# Run by tests/e2e/fresh-project.test.ts (which brings the cluster up), or by hand on a lab with one.
# FRESH_PROJECT_SDK: the @pulumi/pulumi to install (default: the peer range's lowest).
# Prints `pulumi version` first.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# FRESH_PROJECT_CLI: a directory with another `pulumi` to run (e.g. an older one, to check the
# README's minimum); its plugins come from the engine this repository builds
export PATH="${FRESH_PROJECT_CLI:+$FRESH_PROJECT_CLI:}$(bash "$root/engine/ensure-engine.sh"):$PATH"
sdk=${FRESH_PROJECT_SDK:-$(node -p 'require(process.argv[1]).peerDependencies["@pulumi/pulumi"].match(/>=\s*([0-9.]+)/)[1]' "$root/package.json")}
typescript=$(node -p 'require(process.argv[1]).devDependencies.typescript' "$root/package.json")
status=$(node "$root/dist/lab/cli.js" status)
field() { node -e 'const s = JSON.parse(process.argv[1]); console.log(eval(process.argv[2]))' "$status" "$1"; }
host=$(field 's.nodes[0].address')
host_key=$(field 's.nodes[0].hostKeyFingerprint')
key_path=$(field 's.sshKeyPath')
prefers=$(field 's.nodes[1].name').example.com

echo "fresh-project: pulumi $(PULUMI_SKIP_UPDATE_CHECK=true pulumi version)" >&2
work=$(mktemp -d /tmp/pcmk-fresh-project-XXXXXX)
trap 'rm -rf "$work"' EXIT
t0=$SECONDS
phase() { echo "fresh-project: $1: $((SECONDS - t0)) s" >&2; t0=$SECONDS; }

# dist is built (scripts/setup.sh); prepack's build is left out: other suites may be running it
tarball=$(cd "$root" && npm pack --ignore-scripts --silent --pack-destination "$work" | tail -1)
phase "npm pack ($tarball)"

project=$work/project
mkdir -p "$project"
cd "$project"
cat >Pulumi.yaml <<'EOF'
name: fresh-project
runtime: nodejs
main: bin/index.js
EOF
cat >package.json <<'EOF'
{ "name": "fresh-project", "private": true }
EOF
cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "strict": true,
    "outDir": "bin",
    "target": "es2020",
    "module": "commonjs",
    "moduleResolution": "node",
    "skipLibCheck": true
  },
  "files": ["index.ts"]
}
EOF
cat >index.ts <<'EOF'
import * as pulumi from "@pulumi/pulumi";
import { Constraint, PcsResource } from "pcmk-lab";

const config = new pulumi.Config();
const runOn = {
  host: config.require("host"),
  hostKeyFingerprint: config.require("hostKeyFingerprint"),
  privateKeyPath: config.require("privateKeyPath"),
};
const dummy = new PcsResource("fresh-dummy", { runOn, resourceId: "fresh-dummy", agent: "ocf:pacemaker:Dummy" });
new Constraint(
  "fresh-dummy-prefers",
  { runOn, constraint: { type: "location", resource: "fresh-dummy", node: config.require("prefers"), score: "50" } },
  { dependsOn: [dummy] },
);
export const agent: pulumi.Output<string> = dummy.agentResolved;
EOF
npm install --no-audit --no-fund --loglevel=error "@pulumi/pulumi@$sdk" "typescript@$typescript" "$work/$tarball" >&2
phase "npm install (@pulumi/pulumi@$sdk, the tarball)"
npx tsc -p .
phase "tsc (the package's types)"

export PULUMI_CONFIG_PASSPHRASE=fresh-project PULUMI_SKIP_UPDATE_CHECK=true PULUMI_HOME=$work/pulumi-home
mkdir -p "$work/state"
pulumi login --non-interactive "file://$work/state" >/dev/null
pulumi stack init --non-interactive fresh >/dev/null
pulumi config set host "$host"
pulumi config set hostKeyFingerprint "$host_key"
pulumi config set privateKeyPath "$key_path"
pulumi config set prefers "$prefers"
phase "stack init"
trap 'pulumi destroy --non-interactive --yes --skip-preview >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
pulumi up --non-interactive --yes --skip-preview
phase "pulumi up"
pulumi preview --non-interactive --refresh --expect-no-changes
phase "pulumi preview --refresh --expect-no-changes"
[ "$(pulumi stack output agent)" = "ocf:pacemaker:Dummy" ] || {
  echo "fresh-project: output agent is '$(pulumi stack output agent)'" >&2
  exit 1
}
pulumi destroy --non-interactive --yes --skip-preview
phase "pulumi destroy"
trap 'rm -rf "$work"' EXIT
echo "fresh-project: passed" >&2
