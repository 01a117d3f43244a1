// The lab-in-a-box, for real: 3 namespace nodes, the course's workflow with plain pcs over ssh,
// fencing through fence_virsh and the lab hypervisor, and nothing left on the host afterwards.
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { netnsPrefix } from "../../lab/config";
import { fingerprintOfPublicKey } from "../../lab/keys";
import { eventually, lab, labCli, labLeftovers, labStatus, onNode, onNodeOk } from "../support/lab-harness";

jest.setTimeout(900_000);

const nodes = ["node1", "node2", "node3"];
const fqdns = nodes.map((n) => `${n}.example.com`);
const password = (): string => readFileSync(labStatus().haclusterPasswordFile, "utf8");
const clusterView = (): string =>
  onNode("node1", "crm_mon -1 --include=failures; pcs stonith history").stdout;
const allOnline = (): boolean =>
  onNode("node1", "crm_mon -1").stdout.includes(`Online: [ ${fqdns.join(" ")} ]`);
const bootCount = (node: string): number =>
  (onNodeOk(node, "cat /var/log/lab/boot.log").match(/ boot node/g) ?? []).length;

beforeAll(() => {
  const r = labCli("up", "--fresh", "--nodes", "3");
  if (r.status !== 0) throw new Error(`lab up failed: ${r.stderr}`);
});

afterAll(() => {
  labCli("down");
});

describe("a fresh 3-node lab", () => {
  test("status lists the nodes, and each presents the host key whose fingerprint status gives", () => {
    const status = labStatus();
    // instance 0 as the course has it (.11…, hypervisor .254); another instance 20 addresses on
    const k = lab.config.instance;
    expect(status.nodes.map((n) => [n.fqdn, n.address, n.running])).toEqual([
      ["node1.example.com", `10.77.0.${11 + 20 * k}`, true],
      ["node2.example.com", `10.77.0.${12 + 20 * k}`, true],
      ["node3.example.com", `10.77.0.${13 + 20 * k}`, true],
    ]);
    expect(status.hypervisor).toMatchObject({ address: `10.77.0.${254 - k}`, running: true });
    for (const node of status.nodes) {
      const scan = spawnSync("ssh-keyscan", ["-t", "ed25519", node.address], { encoding: "utf8" });
      const line = scan.stdout.split("\n").find((l) => l.includes("ssh-ed25519"));
      expect(line).toBeDefined();
      expect(fingerprintOfPublicKey(line!.split(" ").slice(1).join(" "))).toBe(node.hostKeyFingerprint);
    }
  });

  test("each node has its own hostname, hosts file, PID namespace and hidden lab files", () => {
    const node2 = labStatus().nodes[1].address;
    for (const [i, node] of nodes.entries()) {
      expect(onNodeOk(node, "hostname -f").trim()).toBe(fqdns[i]);
      expect(onNodeOk(node, "getent hosts node2.example.com").split(/\s/)[0]).toBe(node2);
      // PID 1 of the node is its own init, and no other node's processes are visible
      expect(onNodeOk(node, "cat /proc/1/cmdline | tr '\\0' ' '")).toContain(`node-init.sh ${node} `);
      // hidden (bookworm) or not there at all (a root of its own)
      expect(onNodeOk(node, `ls -A ${lab.config.stateDir} 2>/dev/null || true`).trim()).toBe("");
    }
  });

  test("each node runs its generation, and status reports it with its pcs, pacemaker and corosync versions", () => {
    const release = process.env.LAB_RELEASE ?? "bookworm";
    const debian = { bookworm: "12", trixie: "13" }[release];
    const status = labStatus();
    expect(status.release).toBe(release);
    for (const node of status.nodes) {
      expect(node.release).toBe(release);
      const [os, pcs, pacemaker, corosync] = onNodeOk(
        node.name,
        "cat /etc/debian_version; pcs --version; pacemakerd --version | head -1; corosync -v | head -1",
      ).split("\n");
      expect(os).toMatch(new RegExp(`^${debian}\\.`));
      expect(node.versions).toEqual(status.versions);
      expect(pcs).toBe(node.versions.pcs);
      expect(pacemaker).toBe(`Pacemaker ${node.versions.pacemaker}`);
      expect(corosync).toContain(`version '${node.versions.corosync}'`);
    }
  });

  test("up on a running lab is a no-op; up after a crash clears what it left and boots the node again", () => {
    const pidsBefore = nodes.map((n) => onNodeOk(n, "cat /run/lab/ssh.pid").trim());
    expect(labCli("up", "--nodes", "3").status).toBe(0);
    expect(nodes.map((n) => onNodeOk(n, "cat /run/lab/ssh.pid").trim())).toEqual(pidsBefore);

    // A crash: node2's init dies behind the lab's back; its pid file, netns and veth stay.
    const init = lab.execArgv("node2", ["true"])[2];
    process.kill(Number(init), "SIGKILL");
    expect(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout).toContain(
      `${netnsPrefix(lab.config)}node2`,
    );
    const r = labCli("up", "--nodes", "3");
    expect(r.status).toBe(0);
    expect(labStatus().nodes.every((n) => n.running)).toBe(true);
    expect(onNodeOk("node2", "hostname").trim()).toBe("node2.example.com");
  });
});

describe("the course's workflow with plain pcs", () => {
  test("pcs host auth (password on stdin) and cluster setup --start --enable bring all nodes online", async () => {
    const auth = onNode("node1", `pcs host auth -u hacluster ${fqdns.join(" ")}`, password() + "\n");
    expect(auth.status).toBe(0);
    for (const fqdn of fqdns) expect(auth.stdout + auth.stderr).toContain(`${fqdn}: Authorized`);
    onNodeOk("node1", `pcs cluster setup ha_cluster_lab ${fqdns.join(" ")} --start --enable`);
    await eventually("all 3 nodes online", 120_000, allOnline, clusterView);
    expect(onNodeOk("node2", "pcs status")).toContain("Cluster name: ha_cluster_lab");
  });

  test("a Dummy resource starts", async () => {
    onNodeOk(
      "node1",
      "pcs property set stonith-enabled=false && pcs resource create dummy1 ocf:pacemaker:Dummy",
    );
    await eventually("dummy1 started", 60_000, () =>
      /dummy1\s.*Started/.test(onNode("node1", "crm_mon -1").stdout),
    );
  });

  test("pcs stonith fence with fence_virsh really power-cycles a node, which rejoins", async () => {
    const map = nodes.map((n) => `${n}.example.com:${n}`).join(";");
    onNodeOk(
      "node1",
      "pcs property set stonith-enabled=true && pcs stonith create labfence fence_virsh " +
        `ip=${labStatus().hypervisor.address} username=root ` +
        `identity_file=/root/.ssh/fence_key pcmk_host_map="${map}" op monitor interval=60s`,
    );
    const started = Date.now();
    await eventually(
      "labfence started",
      60_000,
      () => /labfence\s.*Started/.test(onNode("node1", "crm_mon -1").stdout),
      clusterView,
    );
    const bootsBefore = bootCount("node3");
    const sshdBefore = onNodeOk("node3", "cat /run/lab/ssh.pid").trim();

    const t0 = Date.now();
    const fence = onNode("node1", "pcs stonith fence node3.example.com");
    const fenced = Date.now();
    expect(fence.stderr + fence.stdout).toContain("Node: node3.example.com fenced");
    const virsh = readFileSync(`${lab.config.stateDir}/run/hypervisor-virsh.log`, "utf8");
    expect(virsh).toMatch(/virsh destroy node3[\s\S]*virsh start node3/);
    expect(onNodeOk("node1", "pcs stonith history show node3.example.com")).toMatch(
      /reboot of node3\.example\.com successful/,
    );

    await eventually("node3 rejoined", 120_000, allOnline, clusterView);
    console.log(
      `stonith start ${(t0 - started) / 1000} s, fence ${(fenced - t0) / 1000} s, rejoin ${(Date.now() - fenced) / 1000} s`,
    );
    expect(bootCount("node3")).toBe(bootsBefore + 1);
    expect(onNodeOk("node3", "cat /run/lab/ssh.pid").trim()).not.toBe(sshdBefore);
  });
});

describe("down", () => {
  test("leaves no namespace, link, mount or process behind", async () => {
    expect(labCli("down").status).toBe(0);
    const left = await eventually("the lab's processes to exit", 30_000, () => {
      const l = labLeftovers();
      return l.processes.length === 0 ? l : undefined;
    });
    expect(left).toEqual({ namespaces: [], links: [], mounts: [], processes: [] });
    expect(labStatus().running).toBe(false);
  });
});
