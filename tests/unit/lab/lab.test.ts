import { loadLabConfig } from "../../../lab/config";
import { Lab } from "../../../lab/lab";

const lab = new Lab(loadLabConfig({ LAB_DIR: "/srv/unit-test-lab" }));

test("ssh into a node pins its host key and never prompts", () => {
  const argv = lab.sshArgv("node2", ["pcs", "status"]);
  expect(argv).toEqual(expect.arrayContaining(["StrictHostKeyChecking=yes", "BatchMode=yes"]));
  expect(argv).toContain("UserKnownHostsFile=/srv/unit-test-lab/keys/known_hosts");
  expect(argv.slice(-4)).toEqual(["root@10.77.0.12", "--", "pcs", "status"]);
});

test("a node that is not running is neither running nor reachable with exec", () => {
  expect(lab.isRunning("node1")).toBe(false);
  expect(() => lab.execArgv("node1", ["true"])).toThrow(/node1 is not running/);
});

test("status of a lab that was never started says so", () => {
  const status = lab.status();
  expect(status.running).toBe(false);
  expect(status.nodes).toEqual([]);
  expect(status.hypervisor.running).toBe(false);
});
