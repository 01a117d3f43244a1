// What the writer decides on from a failed step: from the CIB's copy where the step asked, from
// pcs's words otherwise.
import { outcomeOf } from "../../../../providers/writer/pcs-outcome";

test("a taken id, as the CIB's copy had it: pcs's words do not matter", () => {
  expect(outcomeOf({ ok: false, stderr: "Fehler: 'vip' existiert bereits", present: ["vip"] })).toBe(
    "ID_ALREADY_EXISTS",
  );
  // the id was free: a message that happens to say "already exists" is about something else
  expect(outcomeOf({ ok: false, stderr: "Error: agent already exists in cache", present: [] })).toBe(
    "FAILED",
  );
});

test("without the CIB's answer, pcs's words of 0.11 and 0.12", () => {
  expect(outcomeOf({ ok: false, stderr: "Error: 'vip' already exists\n" })).toBe("ID_ALREADY_EXISTS");
  expect(outcomeOf({ ok: false, stderr: "Error: 'loc-1' is already in use\n" })).toBe("ID_ALREADY_EXISTS");
  expect(outcomeOf({ ok: false, stderr: "Error: Unable to find agent 'ocf:x:y'\n" })).toBe("FAILED");
});

test("a step that succeeded has no failure to map", () => {
  expect(() => outcomeOf({ ok: true })).toThrow(/did not fail/);
});
