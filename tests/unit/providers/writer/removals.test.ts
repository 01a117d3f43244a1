// Removals (writer/removals.ts) without a cluster: which remembered order constraints are added
// back for the stops, what an interrupted run left marked, and that reads take marked objects as
// gone. The writer's part (marks, stops, one removal) is in cluster-writer.test.ts.
import { hostname } from "node:os";
import { cibXml, liveFrom } from "../../../support/cib-fixtures";
import { findPrimitive } from "../../../../providers/kinds/pcs-resource";
import {
  leftByInterruptedRuns,
  MarkedRemoval,
  orderingsToStop,
  REMOVE_MARK,
} from "../../../../providers/writer/removals";

const marked = (...ids: string[]): MarkedRemoval[] =>
  ids.map((id) => ({ id, owner: `PcsResource '${id}'`, family: "resources", stopTimeoutMs: 1000 }));
const ordering = (...resources: string[]) => ({
  id: `pcmk-lab-removing-${resources.join("-")}`,
  argv: ["constraint", "order", ...resources],
  resources,
});

/** The fixture's CIB with this meta attribute on each of these primitives. */
const markedIn = (value: string, ...ids: string[]) =>
  liveFrom(
    ids.reduce(
      (xml, id) =>
        xml.replace(
          new RegExp(`(<primitive id="${id}"[^>]*>)`),
          `$1<meta_attributes id="${id}-mark"><nvpair id="${id}-mark-r" name="${REMOVE_MARK}" value="${value}"/></meta_attributes>`,
        ),
      cibXml,
    ),
  );

test("an order constraint is added back only when everything it orders goes, clones and groups by what they hold", () => {
  const live = liveFrom();
  const kept = orderingsToStop(
    [
      ordering("dummy1", "vip"),
      ordering("vip", "dummy1", "labfence"), // a set with a resource that stays
      ordering("stateful-clone", "dummy1"), // the clone of a primitive that goes
      ordering("g1", "web-clone"), // the group of its only member, a clone
    ],
    marked("dummy1", "vip", "stateful", "g1a", "web"),
    live,
  );
  expect(kept.map((o) => o.resources)).toEqual([
    ["dummy1", "vip"],
    ["stateful-clone", "dummy1"],
    ["g1", "web-clone"],
  ]);
  expect(orderingsToStop([ordering("dummy1", "vip")], marked("dummy1"), live)).toEqual([]);
});

test("what an interrupted run marked is left to the next run; a running run's marks are its own", () => {
  const over = markedIn(`${hostname()}/4242`, "dummy1", "labfence");
  expect(leftByInterruptedRuns(over, () => false)).toEqual([
    expect.objectContaining({ id: "labfence", family: "stonith" }),
    expect.objectContaining({ id: "dummy1", family: "resources" }),
  ]);
  // a process on another host cannot be asked: its marks are left to its run
  expect(leftByInterruptedRuns(markedIn("otherhost/1", "dummy1"), () => false)).toEqual([]);
});

test("a read takes a marked resource as gone", () => {
  expect(findPrimitive(liveFrom(), "dummy1")).not.toBeNull();
  expect(findPrimitive(markedIn("labhost/4242", "dummy1"), "dummy1")).toBeNull();
});
