import {
  hypervisorAddress,
  loadLabConfig,
  netnsPrefix,
  nodeIdentity,
  nodeIndex,
  vethPrefix,
  vipAddress,
} from "../../../lab/config";

describe("lab configuration", () => {
  test("defaults come from lab.config.json, and the password is configuration", () => {
    const config = loadLabConfig({});
    expect(config).toMatchObject({ stateDir: "/srv/pcmk-lab", subnet: "10.77.0", bridge: "labbr0" });
    expect(loadLabConfig({ LAB_HACLUSTER_PASSWORD: "s3cret" }).haclusterPassword).toBe("s3cret");
  });

  test.each(["/etc/lab", "/var/lib/pcmk-lab", "/root/lab", "/var"])(
    "refuses LAB_DIR=%s, which the nodes' overlays would contain",
    (dir) => {
      expect(() => loadLabConfig({ LAB_DIR: dir })).toThrow(/must not be under/);
    },
  );

  test("refuses a relative LAB_DIR", () => {
    expect(() => loadLabConfig({ LAB_DIR: "lab-state" })).toThrow();
  });

  test("node identities follow the course: nodeN.example.com on .1N", () => {
    const config = loadLabConfig({});
    expect(nodeIdentity(config, 4)).toEqual({
      name: "node4",
      fqdn: "node4.example.com",
      address: "10.77.0.14",
    });
    expect(nodeIndex("node3")).toBe(3);
    expect(() => nodeIndex("node10")).toThrow(/unknown node/);
    expect(() => nodeIndex("../etc")).toThrow(/unknown node/);
  });

  test("instance 0 is the course's lab; another instance has its own dir, names and addresses", () => {
    const first = loadLabConfig({});
    expect([first.instance, netnsPrefix(first), vethPrefix(first)]).toEqual([0, "lab-", "v-"]);
    expect([hypervisorAddress(first), vipAddress(first), vipAddress(first, 2)]).toEqual([
      "10.77.0.254",
      "10.77.0.100",
      "10.77.0.102",
    ]);
    const second = loadLabConfig({ LAB_INSTANCE: "1" });
    expect(second).toMatchObject({ instance: 1, stateDir: "/srv/pcmk-lab-1", bridge: "labbr0" });
    expect([netnsPrefix(second), vethPrefix(second)]).toEqual(["lab1-", "v1-"]);
    expect(nodeIdentity(second, 1)).toEqual({
      name: "node1",
      fqdn: "node1.example.com",
      address: "10.77.0.31",
    });
    expect([hypervisorAddress(second), vipAddress(second)]).toEqual(["10.77.0.253", "10.77.0.120"]);
    // the last instance's nodes stay below the first one's virtual IPs, all inside the subnet
    const last = loadLabConfig({ LAB_INSTANCE: "3" });
    expect(nodeIdentity(last, 9).address).toBe("10.77.0.79");
    expect(vipAddress(last, 9)).toBe("10.77.0.169");
    expect(loadLabConfig({ LAB_INSTANCE: "1", LAB_DIR: "/srv/other" }).stateDir).toBe("/srv/other");
  });

  test.each(["4", "-1", "one", "1.5"])("refuses LAB_INSTANCE=%s", (instance) => {
    expect(() => loadLabConfig({ LAB_INSTANCE: instance })).toThrow(/LAB_INSTANCE/);
  });
});
