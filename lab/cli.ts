#!/usr/bin/env node
// The lab-in-a-box's command line: npm run lab -- <command>.
import { spawnSync } from "node:child_process";
import { loadLabConfig, RELEASES } from "./config";
import { ensureRoot, rootOf } from "./roots";
import { Lab } from "./lab";

const usage = `usage: npm run lab -- <command>
  up [--nodes N] [--fresh] [--release R]
                             boot N nodes (default 3); --fresh wipes the nodes' disks first;
                             R: the generation, bookworm (the host's packages) or trixie (Debian 13
                             root, built once); default LAB_RELEASE, else the disks', else bookworm
  prepare [--release R]      make the root of generation R (default: every generation with a root
                             of its own) when it is missing or out of date; nothing is booted
  down [--keep-disks]        power everything off; remove namespaces, bridge, hypervisor and disks
  status                     JSON for stacks and tests: nodes, addresses, keys, fingerprints
  boot NODE [--no-wait] [--power-on-delay S]
                             power a node on (its disk is kept); S: firmware delay before it boots
  kill NODE                  power a node off at once (SIGKILL of its PID namespace)
  power-state NODE           exit 0 when the node runs, 1 when it is off
  ssh NODE CMD...            run CMD on the node as root over ssh (pinned host key)
  exec NODE CMD...           run CMD inside the node's namespaces, without ssh`;

function takeFlag(args: string[], flag: string): boolean {
  const i = args.indexOf(flag);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

function takeOption(args: string[], option: string): string | undefined {
  const i = args.indexOf(option);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  if (value === undefined) throw new Error(`${option} needs a value`);
  return value;
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new Error(`missing ${what}\n${usage}`);
  return value;
}

function passthrough(argv: string[]): number {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: "inherit" });
  return r.status ?? 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const release = command === "up" || command === "prepare" ? takeOption(args, "--release") : undefined;
  const lab = new Lab(loadLabConfig(release ? { ...process.env, LAB_RELEASE: release } : process.env));
  const log = (line: string): void => console.error(`lab: ${line}`);
  switch (command) {
    case "up": {
      const fresh = takeFlag(args, "--fresh");
      const nodes = Number(takeOption(args, "--nodes") ?? "3");
      const t0 = Date.now();
      await lab.up(nodes, { fresh, log });
      log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    }
    case "prepare": {
      const releases = release ? [lab.config.release!] : RELEASES.filter((r) => rootOf(lab.config, r));
      for (const r of releases) log(`${r}: ${ensureRoot(lab.config, r, log) ?? "the host's own packages"}`);
      return 0;
    }
    case "down":
      await lab.down({ wipe: !takeFlag(args, "--keep-disks") });
      return 0;
    case "status":
      console.log(JSON.stringify(lab.status(), null, 2));
      return 0;
    case "boot": {
      const wait = !takeFlag(args, "--no-wait");
      const powerOnDelaySeconds = Number(takeOption(args, "--power-on-delay") ?? "0");
      await lab.bootAndWait(need(args[0], "NODE"), { wait, powerOnDelaySeconds });
      return 0;
    }
    case "kill":
      await lab.kill(need(args[0], "NODE"));
      return 0;
    case "power-state":
      return lab.isRunning(need(args[0], "NODE")) ? 0 : 1;
    case "ssh":
      return passthrough(lab.sshArgv(need(args[0], "NODE"), args.slice(1)));
    case "exec":
      return passthrough(lab.execArgv(need(args[0], "NODE"), args.slice(1)));
    default:
      console.error(usage);
      return command === undefined || command === "help" || command === "--help" ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`lab: ${err.message}`);
    process.exit(1);
  },
);
