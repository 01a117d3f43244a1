import { checkInputs } from "../../../../providers/checks/inputs";
import {
  clusterAuthDiff,
  clusterAuthInputsSchema,
  clusterAuthKind,
  ClusterAuthOutputs,
  hostAuthArgv,
  nodesToAuth,
  parseKnownHosts,
  parsePcsdStatus,
} from "../../../../providers/kinds/cluster-auth";
import { liveInputsOf } from "../../../../providers/kit/kind";

const runOn = {
  host: "10.77.0.11",
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
};
const declared = clusterAuthInputsSchema.parse({
  runOn,
  nodes: [{ name: "node1.example.com" }, { name: "node2.example.com", addresses: ["10.77.0.12"] }],
  password: "labpass",
});
const live: ClusterAuthOutputs = {
  ...declared,
  known: [
    { name: "node1.example.com", addresses: ["node1.example.com"] },
    { name: "node2.example.com", addresses: ["10.77.0.12"] },
  ],
  authenticated: ["node1.example.com", "node2.example.com"],
};

test("pcs host auth: names and addr= per node, and never the password", () => {
  const argv = hostAuthArgv("hacluster", declared.nodes);
  expect(argv).toEqual([
    "pcs",
    "host",
    "auth",
    "-u",
    "hacluster",
    "node1.example.com",
    "node2.example.com",
    "addr=10.77.0.12",
  ]);
  expect(argv.join(" ")).not.toContain("labpass");
});

test("known hosts and pcsd status are parsed", () => {
  expect(
    parseKnownHosts("node1.example.com node1.example.com\nnode2.example.com 10.77.0.12,10.88.0.12\n"),
  ).toEqual([
    { name: "node1.example.com", addresses: ["node1.example.com"] },
    { name: "node2.example.com", addresses: ["10.77.0.12", "10.88.0.12"] },
  ]);
  expect(
    parsePcsdStatus(
      "  node1.example.com: Online\n  node2.example.com: Unable to authenticate\n  node3.example.com: Offline\n",
    ),
  ).toEqual(["node1.example.com"]);
});

test("no change while every declared node is known and authenticated", () => {
  expect(clusterAuthDiff(live, declared)).toEqual({
    changes: false,
    replaces: [],
    deleteBeforeReplace: true,
  });
});

test("a deauthenticated node, a failing token or another address needs pcs host auth again", () => {
  expect(nodesToAuth({ ...live, known: live.known.slice(0, 1) }, declared).map((n) => n.name)).toEqual([
    "node2.example.com",
  ]);
  expect(nodesToAuth({ ...live, authenticated: ["node2.example.com"] }, declared).map((n) => n.name)).toEqual(
    ["node1.example.com"],
  );
  const moved = { ...live, known: [live.known[0], { name: "node2.example.com", addresses: ["10.77.0.99"] }] };
  expect(clusterAuthDiff(moved, declared).changes).toBe(true);
});

test("a new password or a removed node is an update; another runOn host a replacement", () => {
  expect(clusterAuthDiff(live, { ...declared, password: "new" }).changes).toBe(true);
  expect(clusterAuthDiff(live, { ...declared, nodes: declared.nodes.slice(0, 1) }).changes).toBe(true);
  expect(
    clusterAuthDiff(live, { ...declared, runOn: { ...declared.runOn, host: "10.77.0.13" } }).replaces,
  ).toEqual(["runOn"]);
});

test("inputs are checked: duplicate names, bad addresses, a multi-line password", () => {
  const { failures } = checkInputs(clusterAuthInputsSchema, {
    runOn,
    nodes: [{ name: "n1", addresses: ["300.1.1.1"] }, { name: "n1" }],
    password: "a\nb",
  });
  expect(failures.map((f) => f.property).sort()).toEqual(["nodes", "nodes[0].addresses[0]", "password"]);
});

test("a refresh gives the declared nodes pcsd knows as declared with a working token, the others left out", () => {
  const inputsOf = (state: ClusterAuthOutputs) => liveInputsOf(clusterAuthKind.fields, state);
  expect(inputsOf(live).nodes).toEqual(declared.nodes);
  expect(inputsOf({ ...live, known: live.known.slice(0, 1) }).nodes).toEqual(declared.nodes.slice(0, 1));
  expect(inputsOf({ ...live, authenticated: ["node2.example.com"] }).nodes).toEqual(declared.nodes.slice(1));
  const moved = [live.known[0], { name: "node2.example.com", addresses: ["10.77.0.250"] }];
  expect(inputsOf({ ...live, known: moved }).nodes).toEqual(declared.nodes.slice(0, 1));
});
