// The lab-in-a-box: N Pacemaker nodes as Linux namespaces on one host, with a fake hypervisor
// for fence_virsh. Each node has its own network, mount, UTS, IPC and PID namespace, runs real
// sshd, pcsd, corosync and pacemaker from the host's Debian packages, and keeps its "disk"
// (overlay upper dirs) across reboots until the lab is wiped.
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import {
  DEFAULT_RELEASE,
  hypervisorAddress,
  LabConfig,
  labSourceDir,
  NodeIdentity,
  nodeIdentity,
  nodeIndex,
  netnsPrefix,
  Release,
  vethPrefix,
  vipAddress,
} from "./config";
import { repoRoot } from "../common/repo-root";
import { childrenOf, isOurs, run, sleep, tryRun, waitFor } from "./host";
import { ensureKeyPair, fingerprintOfFile } from "./keys";
import { ensurePackages } from "./packages";
import { ensureRoot, rootOf, StackVersions, versionsIn } from "./roots";

export interface NodeStatus extends NodeIdentity {
  release: Release;
  versions: StackVersions;
  sshPort: number;
  hostKeyFingerprint: string | null;
  running: boolean;
}

export interface LabStatus {
  stateDir: string;
  running: boolean;
  /** The generation the nodes run, and its versions. */
  release: Release;
  versions: StackVersions;
  bridge: string;
  subnet: string;
  domain: string;
  vip: string;
  sshUser: string;
  sshKeyPath: string;
  knownHostsPath: string;
  haclusterPasswordFile: string;
  hypervisor: {
    address: string;
    sshPort: number;
    user: string;
    running: boolean;
    hostKeyFingerprint: string | null;
    identityFileOnNodes: string;
  };
  nodes: NodeStatus[];
}

const SSH_PORT = 22;
const PCSD_PORT = 2224;
const FENCE_KEY_ON_NODES = "/root/.ssh/fence_key";

export class Lab {
  constructor(readonly config: LabConfig) {}

  private netnsOf(name: string): string {
    return netnsPrefix(this.config) + name;
  }
  private vethOf(name: string): string {
    return vethPrefix(this.config) + name;
  }

  private p(...parts: string[]): string {
    return path.join(this.config.stateDir, ...parts);
  }
  private get runDir(): string {
    return this.p("run");
  }
  private get adminKey(): string {
    return this.p("keys", "id_lab");
  }
  private get knownHosts(): string {
    return this.p("keys", "known_hosts");
  }
  private get passwordFile(): string {
    return this.p("secrets", "hacluster-password");
  }
  private pidFile(name: string): string {
    return path.join(this.runDir, `${name}.pid`);
  }
  private nodeInit(): string {
    return this.p("bin", "node-init.sh");
  }
  private get hypervisorPidFile(): string {
    return path.join(this.runDir, "hypervisor-sshd.pid");
  }
  private get hypervisorConfig(): string {
    return this.p("hypervisor", "sshd_config");
  }
  private hypervisorRunning(): boolean {
    return isOurs(this.pidFromFile(this.hypervisorPidFile), "sshd", this.hypervisorConfig);
  }

  // ---- the commands -------------------------------------------------------------------------

  /**
   * Boots `count` nodes of the configured generation. Idempotent; first clears what a crashed run
   * left. fresh: wipe disks first. Disks of another generation are wiped: a node's disk is an
   * upper layer over its generation's files, meaningless over another's.
   */
  async up(count: number, options: { fresh?: boolean; log?: (line: string) => void } = {}): Promise<void> {
    const log = options.log ?? (() => undefined);
    if (count < 1 || count > 9) throw new Error(`--nodes must be 1..9, got ${count}`);
    ensurePackages(this.config.packages, log);
    const disks = this.disksRelease();
    const release = this.config.release ?? disks ?? DEFAULT_RELEASE;
    if (options.fresh || (disks !== undefined && disks !== release)) {
      if (!options.fresh) log(`the nodes' disks are of ${disks}: wiping them for ${release}`);
      await this.down({ wipe: true });
    }
    ensureRoot(this.config, release, log);
    this.targetRelease = release;
    await this.clearStale();
    // `up --nodes 3` on a 4-node lab: the lab is then 3 nodes.
    for (const name of this.knownNodeNames()) if (nodeIndex(name) > count) await this.kill(name);
    this.installFiles(count);
    this.bridgeUp();
    this.hypervisorUp();
    const nodes = Array.from({ length: count }, (_, i) => nodeIdentity(this.config, i + 1));
    for (const node of nodes) this.boot(node.name);
    await Promise.all(nodes.map((node) => this.waitUsable(node)));
    const v = versionsIn(this.ownRoot ?? "/");
    log(
      `${count} ${release} node(s) up (pcs ${v.pcs}, pacemaker ${v.pacemaker}, corosync ${v.corosync}): ` +
        nodes.map((n) => `${n.fqdn} ${n.address}`).join(", "),
    );
  }

  /** Powers every node off and removes namespaces, bridge and the hypervisor; wipe: node disks too. */
  async down(options: { wipe?: boolean } = {}): Promise<void> {
    for (const name of this.knownNodeNames()) await this.kill(name);
    for (const ns of this.labNamespaces()) tryRun("ip", ["netns", "del", ns]);
    const hv = this.pidFromFile(this.hypervisorPidFile);
    if (hv !== undefined && this.hypervisorRunning()) process.kill(hv, "SIGTERM");
    rmSync(this.hypervisorPidFile, { force: true });
    this.bridgeDown();
    if (options.wipe) {
      for (const dir of ["nodes", "run", "hypervisor", "bin", "secrets"])
        rmSync(this.p(dir), { recursive: true, force: true });
      rmSync(this.knownHosts, { force: true });
    }
  }

  /** Starts one node (its disk is kept); wait: until ssh and pcsd answer. */
  async bootAndWait(
    name: string,
    options: { wait?: boolean; powerOnDelaySeconds?: number } = {},
  ): Promise<void> {
    const { wait = true, powerOnDelaySeconds = 0 } = options;
    if (!existsSync(this.p("run", "lab.json"))) throw new Error("the lab is not up: run 'lab up' first");
    this.bridgeUp();
    this.boot(name, powerOnDelaySeconds);
    if (wait) await this.waitUsable(nodeIdentity(this.config, nodeIndex(name)));
  }

  /** Power loss: SIGKILL of the node's init ends every process of its PID namespace; the NIC goes too. */
  async kill(name: string): Promise<void> {
    const pid = this.nodePid(name);
    if (pid !== undefined) {
      for (const init of childrenOf(pid)) tryKill(init, "SIGKILL");
      // The node's disk must be released before it may boot again (one overlay per upper dir).
      await waitFor(`${name} to power off`, 15_000, () => this.nodePid(name) === undefined);
    }
    rmSync(this.pidFile(name), { force: true });
    // Without removing the NIC, addresses added at run time (an IPaddr2 VIP) would survive in the
    // namespace and answer ARP after the node "reboots": a duplicate VIP.
    tryRun("ip", ["netns", "del", this.netnsOf(name)]);
    tryRun("ip", ["link", "del", this.vethOf(name)]);
  }

  /**
   * Just started: `ip` is becoming `unshare` (its command line reads empty during the exec), which
   * forks the node's init a moment later. Booting, not stopped, while that process is alive.
   */
  private starting(name: string): boolean {
    const pid = this.pidFromFile(this.pidFile(name));
    if (pid === undefined) return false;
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8")); // a zombie is gone
    } catch {
      return false;
    }
  }

  /** Running = our unshare process is alive and so is the node's init (PID 1 inside). */
  isRunning(name: string): boolean {
    const pid = this.nodePid(name);
    return pid !== undefined && childrenOf(pid).length > 0;
  }

  status(): LabStatus {
    const count = this.nodeCount();
    const release = this.release;
    const versions = versionsIn(this.ownRoot ?? "/");
    const hvKey = this.p("hypervisor", "ssh_host_ed25519_key.pub");
    const nodes: NodeStatus[] = Array.from({ length: count }, (_, i) => {
      const id = nodeIdentity(this.config, i + 1);
      const key = this.hostKeyPath(id.name) + ".pub";
      return {
        ...id,
        release,
        versions,
        sshPort: SSH_PORT,
        hostKeyFingerprint: existsSync(key) ? fingerprintOfFile(key) : null,
        running: this.isRunning(id.name),
      };
    });
    return {
      stateDir: this.config.stateDir,
      running: nodes.some((n) => n.running),
      release,
      versions,
      bridge: this.config.bridge,
      subnet: `${this.config.subnet}.0/24`,
      domain: this.config.domain,
      vip: vipAddress(this.config),
      sshUser: "root",
      sshKeyPath: this.adminKey,
      knownHostsPath: this.knownHosts,
      haclusterPasswordFile: this.passwordFile,
      hypervisor: {
        address: hypervisorAddress(this.config),
        sshPort: SSH_PORT,
        user: "root",
        running: this.hypervisorRunning(),
        hostKeyFingerprint: existsSync(hvKey) ? fingerprintOfFile(hvKey) : null,
        identityFileOnNodes: FENCE_KEY_ON_NODES,
      },
      nodes,
    };
  }

  /** argv for the system ssh client into a node, with the lab's key and pinned host keys. */
  sshArgv(name: string, command: string[]): string[] {
    const { address } = nodeIdentity(this.config, nodeIndex(name));
    return [
      "ssh",
      "-q",
      "-i",
      this.adminKey,
      "-o",
      `UserKnownHostsFile=${this.knownHosts}`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=3",
      `root@${address}`,
      "--",
      ...command,
    ];
  }

  /** Runs a command in the node through nsenter (no ssh): argv for the host. */
  execArgv(name: string, command: string[]): string[] {
    const pid = this.nodePid(name);
    const init = pid === undefined ? undefined : childrenOf(pid)[0];
    if (init === undefined) throw new Error(`${name} is not running`);
    return ["nsenter", "-t", String(init), "-a", ...command];
  }

  // ---- set-up -------------------------------------------------------------------------------

  /** Clears what a crashed run left: pid files of dead nodes, namespaces and veths without a node. */
  private async clearStale(): Promise<void> {
    mkdirSync(this.runDir, { recursive: true });
    for (const name of this.knownNodeNames()) {
      if (this.isRunning(name)) continue;
      // A node whose init died is still tearing its PID namespace down: let it finish.
      await waitFor(`${name} to finish dying`, 30_000, () => this.nodePid(name) === undefined);
      await this.kill(name);
    }
    for (const ns of this.labNamespaces()) {
      const name = ns.slice(netnsPrefix(this.config).length);
      if (!this.isRunning(name)) {
        tryRun("ip", ["netns", "del", ns]);
        tryRun("ip", ["link", "del", this.vethOf(name)]);
      }
    }
  }

  /** Node scripts, secrets, keys and the hypervisor's files into the state dir. */
  private installFiles(count: number): void {
    for (const dir of ["bin", "keys", "secrets", "run", "nodes", "hypervisor/bin"]) {
      mkdirSync(this.p(dir), { recursive: true, mode: 0o700 });
    }
    chmodSync(this.p("secrets"), 0o700);
    for (const file of ["node-init.sh", "systemctl-shim"]) {
      copyFileSync(path.join(labSourceDir, "node", file), this.p("bin", file));
      chmodSync(this.p("bin", file), 0o755);
    }
    writeFileSync(this.passwordFile, this.config.haclusterPassword, { mode: 0o600 });
    ensureKeyPair(this.adminKey, "pcmk-lab admin");
    ensureKeyPair(this.p("hypervisor", "fence_key"), "pcmk-lab fence");
    ensureKeyPair(this.p("hypervisor", "ssh_host_ed25519_key"), "pcmk-lab hypervisor");
    copyFileSync(this.p("hypervisor", "fence_key.pub"), this.p("hypervisor", "authorized_keys"));
    const cli = `${process.execPath} ${path.join(repoRoot, "dist", "lab", "cli.js")}`;
    const fill = (text: string): string =>
      text
        .replaceAll("@LAB_DIR@", this.config.stateDir)
        .replaceAll("@LAB_INSTANCE@", String(this.config.instance))
        .replaceAll("@LAB_CLI@", cli)
        .replaceAll("@HV_ADDRESS@", hypervisorAddress(this.config))
        .replaceAll("@POWER_ON_DELAY@", String(this.config.fencePowerOnDelaySeconds));
    for (const [src, dst, mode] of [
      ["sshd_config", "sshd_config", 0o644],
      ["hv-shell", "hv-shell", 0o755],
      ["virsh", "bin/virsh", 0o755],
    ] as const) {
      writeFileSync(
        this.p("hypervisor", dst),
        fill(readFileSync(path.join(labSourceDir, "hypervisor", src), "utf8")),
        {
          mode,
        },
      );
      chmodSync(this.p("hypervisor", dst), mode);
    }
    writeFileSync(this.p("run", "lab.json"), JSON.stringify({ nodes: count }) + "\n");
    writeFileSync(this.releaseFile, this.release + "\n");
    const nodes = Array.from({ length: count }, (_, i) => nodeIdentity(this.config, i + 1));
    for (const node of nodes) this.provision(node, nodes);
    this.writeKnownHosts(nodes);
  }

  /** Stages a node's identity in its disk before it boots: host key, sshd config, root's keys, hosts. */
  private provision(node: NodeIdentity, all: NodeIdentity[]): void {
    const etc = this.etcOf(node.name);
    const root = this.homeOf(node.name);
    mkdirSync(path.join(etc, "ssh", "sshd_config.d"), { recursive: true });
    mkdirSync(path.join(root, ".ssh"), { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
    // a fresh root home, as Debian's base-files makes it
    for (const dot of ["bashrc", "profile"]) {
      const skel = `/usr/share/base-files/dot.${dot}`;
      if (existsSync(skel) && !existsSync(path.join(root, `.${dot}`)))
        copyFileSync(skel, path.join(root, `.${dot}`));
    }
    ensureKeyPair(this.hostKeyPath(node.name), `root@${node.fqdn}`);
    writeFileSync(
      path.join(etc, "ssh", "sshd_config.d", "lab.conf"),
      [
        `ListenAddress ${node.address}`,
        "HostKey /etc/ssh/ssh_host_ed25519_key",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "UseDNS no",
        // handshakes and commands in /var/log/lab/sshd.log, counted by the benchmarks
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    const hosts = [
      "127.0.0.1 localhost",
      `${hypervisorAddress(this.config)} hypervisor.${this.config.domain} hypervisor`,
      ...all.map((n) => `${n.address} ${n.fqdn} ${n.name}`),
    ];
    writeFileSync(path.join(etc, "hosts"), hosts.join("\n") + "\n");
    writeFileSync(path.join(etc, "hostname"), node.fqdn + "\n");
    copyFileSync(this.adminKey + ".pub", path.join(root, ".ssh", "authorized_keys"));
    copyFileSync(this.p("hypervisor", "fence_key"), path.join(root, ".ssh", "fence_key"));
    chmodSync(path.join(root, ".ssh", "fence_key"), 0o600);
    const hvKey = readFileSync(this.p("hypervisor", "ssh_host_ed25519_key.pub"), "utf8").trim();
    writeFileSync(path.join(root, ".ssh", "known_hosts"), `${hypervisorAddress(this.config)} ${hvKey}\n`);
  }

  private writeKnownHosts(nodes: NodeIdentity[]): void {
    const lines = nodes.map((n) => {
      const key = readFileSync(this.hostKeyPath(n.name) + ".pub", "utf8")
        .trim()
        .split(/\s+/);
      return `${n.fqdn},${n.address} ${key[0]} ${key[1]}`;
    });
    writeFileSync(this.knownHosts, lines.join("\n") + "\n");
  }

  private hostKeyPath(name: string): string {
    return path.join(this.etcOf(name), "ssh", "ssh_host_ed25519_key");
  }

  /** The generation of the nodes: their disks', else the configured one. */
  private get release(): Release {
    return this.targetRelease ?? this.disksRelease() ?? this.config.release ?? DEFAULT_RELEASE;
  }
  /** Set by up: the generation it boots, before the disks say so. */
  private targetRelease: Release | undefined;
  /** The root the nodes run from, when not the host's. */
  private get ownRoot(): string | null {
    return rootOf(this.config, this.release);
  }

  /** The generation the nodes' disks were made for (undefined: no disks). */
  private disksRelease(): Release | undefined {
    try {
      return readFileSync(this.releaseFile, "utf8").trim() as Release;
    } catch {
      return undefined;
    }
  }
  private get releaseFile(): string {
    return this.p("nodes", ".release"); // hidden: the hypervisor lists the nodes' disks as its domains
  }

  /**
   * Where a node's disk keeps its /etc and root's home: upper layers over the host's /etc and a
   * home of its own, or, with a root of its own, the one upper layer over that whole root.
   */
  private etcOf(name: string): string {
    return this.ownRoot ? this.p("nodes", name, "root-upper", "etc") : this.p("nodes", name, "etc-upper");
  }
  private homeOf(name: string): string {
    return this.ownRoot ? this.p("nodes", name, "root-upper", "root") : this.p("nodes", name, "root");
  }

  /** The bridge, shared by the lab instances: each adds its hypervisor's address to it. */
  private bridgeUp(): void {
    const br = this.config.bridge;
    if (tryRun("ip", ["link", "show", br]).status !== 0) {
      run("ip", ["link", "add", br, "type", "bridge"]);
      run("ip", ["link", "set", br, "up"]);
    }
    // another instance's address stays when the first one added goes (at that one's down)
    run("sysctl", ["-q", "-w", `net.ipv4.conf.${br}.promote_secondaries=1`]);
    const address = `${hypervisorAddress(this.config)}/24`;
    if (!tryRun("ip", ["-o", "addr", "show", "dev", br]).stdout.includes(` ${address} `))
      run("ip", ["addr", "add", address, "dev", br]);
  }

  /** This instance's address off the bridge; the bridge itself goes with the last instance. */
  private bridgeDown(): void {
    const br = this.config.bridge;
    tryRun("ip", ["addr", "del", `${hypervisorAddress(this.config)}/24`, "dev", br]);
    const ports = tryRun("ip", ["-o", "link", "show", "master", br]).stdout.trim();
    const addresses = tryRun("ip", ["-o", "-4", "addr", "show", "dev", br]).stdout.trim();
    if (!ports && !addresses) tryRun("ip", ["link", "del", br]);
  }

  /** The fake hypervisor: a second sshd in the host namespace, on the bridge address only. */
  private hypervisorUp(): void {
    if (this.hypervisorRunning()) return;
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // sshd's privilege-separation dir
    run("/usr/sbin/sshd", ["-f", this.hypervisorConfig, "-E", path.join(this.runDir, "hypervisor-sshd.log")]);
  }

  private boot(name: string, powerOnDelaySeconds = 0): void {
    if (this.isRunning(name)) return;
    const node = nodeIdentity(this.config, nodeIndex(name));
    this.nodeNetwork(node);
    const console = openSync(path.join(this.runDir, `${name}.console`), "a");
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        this.netnsOf(name),
        "unshare",
        "--mount",
        "--uts",
        "--ipc",
        "--pid",
        "--fork",
        "--mount-proc",
        this.nodeInit(),
        name,
        node.fqdn,
        this.config.stateDir,
        String(powerOnDelaySeconds),
        this.ownRoot ?? "",
      ],
      { detached: true, cwd: "/", stdio: ["ignore", console, console] },
    );
    closeSync(console);
    child.unref();
    writeFileSync(this.pidFile(name), `${child.pid}\n`);
  }

  private nodeNetwork(node: NodeIdentity): void {
    const ns = this.netnsOf(node.name);
    if (this.labNamespaces().includes(ns)) return;
    run("ip", ["netns", "add", ns]);
    run("ip", ["link", "add", this.vethOf(node.name), "type", "veth", "peer", "name", "eth0", "netns", ns]);
    run("ip", ["link", "set", this.vethOf(node.name), "master", this.config.bridge, "up"]);
    run("ip", ["-n", ns, "addr", "add", `${node.address}/24`, "dev", "eth0"]);
    run("ip", ["-n", ns, "link", "set", "eth0", "up"]);
    run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    // The new NIC has a new MAC: forget the old one, or the host keeps sending to it for ~30 s.
    tryRun("ip", ["neigh", "flush", "to", node.address, "dev", this.config.bridge]);
  }

  /** Usable = ssh login works and pcsd listens. */
  private async waitUsable(node: NodeIdentity): Promise<void> {
    const [ssh, ...args] = this.sshArgv(node.name, ["true"]);
    await waitFor(
      `ssh on ${node.name} (${node.address})`,
      60_000 + 1000 * this.config.fencePowerOnDelaySeconds,
      () => {
        if (!this.isRunning(node.name)) {
          if (this.starting(node.name)) return false;
          throw new Error(`${node.name} stopped while booting: see ${this.runDir}/${node.name}.console`);
        }
        return spawnSync(ssh, args).status === 0;
      },
    );
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(node.address, PCSD_PORT))) {
      if (Date.now() > deadline)
        throw new Error(`pcsd did not listen on ${node.name}:${PCSD_PORT} within 60 s`);
      await sleep(200);
    }
  }

  // ---- bookkeeping --------------------------------------------------------------------------

  private pidFromFile(file: string): number | undefined {
    try {
      const pid = Number(readFileSync(file, "utf8").trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** The node's `unshare` process when it is alive and really ours. */
  private nodePid(name: string): number | undefined {
    const pid = this.pidFromFile(this.pidFile(name));
    return isOurs(pid, this.nodeInit(), name) ? pid : undefined;
  }

  private knownNodeNames(): string[] {
    if (!existsSync(this.runDir)) return [];
    return readdirSync(this.runDir)
      .filter((f) => /^node\d\.pid$/.test(f))
      .map((f) => f.replace(/\.pid$/, ""));
  }

  private labNamespaces(): string[] {
    return tryRun("ip", ["netns", "list"])
      .stdout.split("\n")
      .map((l) => l.split(/\s+/)[0])
      .filter((ns) => new RegExp(`^${netnsPrefix(this.config)}node\\d$`).test(ns));
  }

  nodeCount(): number {
    try {
      return JSON.parse(readFileSync(this.p("run", "lab.json"), "utf8")).nodes;
    } catch {
      return 0;
    }
  }
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}
