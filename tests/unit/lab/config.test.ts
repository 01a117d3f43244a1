import { loadLabConfig, nodeIdentity, nodeIndex } from "../../../lab/config";

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
});
