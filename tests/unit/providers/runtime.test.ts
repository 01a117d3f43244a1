// The runtime's reading of inputs it did not parse: state an earlier release wrote, and a preview's
// inputs that hold unknown values.
import { UNKNOWN } from "../../../providers/checks/inputs";
import { withDefaults } from "../../../providers/runtime";

// A Node's state as the release before fenceAgents wrote it (outputs among the inputs).
const oldNodeState = {
  __provider: "exports.handler = …",
  host: "10.77.0.11",
  port: 22,
  user: "root",
  hostname: "node1.example.com",
  hosts: [],
  packages: ["pacemaker", "pcs"],
  openFirewall: true,
  pcsd: true,
  packagesInstalled: ["pacemaker", "pcs"],
};

describe("withDefaults", () => {
  test("an earlier release's state gets the defaults of the inputs added since, and keeps the rest", () => {
    const state = withDefaults("Node", oldNodeState);
    expect(state.fenceAgents).toEqual([]);
    expect(state).toMatchObject({
      host: "10.77.0.11",
      packages: ["pacemaker", "pcs"],
      packagesInstalled: ["pacemaker", "pcs"],
    });
    expect(state).not.toHaveProperty("__provider");
  });

  test("field by field: an unknown value elsewhere in a preview's inputs does not stop it", () => {
    const state = withDefaults("Node", { ...oldNodeState, hostname: UNKNOWN });
    expect(state.fenceAgents).toEqual([]);
    expect(state.hostname).toBe(UNKNOWN);
  });

  test("a field given is never replaced by its default", () => {
    expect(withDefaults("Node", { ...oldNodeState, fenceAgents: ["fence_virsh"] }).fenceAgents).toEqual([
      "fence_virsh",
    ]);
  });

  test("a kind that stores its inputs as given is left as given", () => {
    const given = { runOn: { host: "10.77.0.11" }, resources: [{ resourceId: "a", agent: "Dummy" }] };
    expect(withDefaults("ClusterObjects", given)).toEqual(given);
  });
});
