// What a failed pcs step means to the writer, as data: one function maps pcs's outcome to the
// codes the writer decides on (named after pcs's own report codes). From the CIB where it can be
// read there (the batch's copy of the CIB, pcs's public `-f` file: did it already hold the id a
// create makes?); from pcs's text otherwise, which changes between releases and languages.
import type { StepResult } from "./pcs-batch";

export type PcsOutcome =
  /** The id a create makes is taken (pcs: ID_ALREADY_EXISTS). */
  | "ID_ALREADY_EXISTS"
  /** Anything else: pcs's message says what. */
  | "FAILED";

// pcs's words for a taken id where the step did not say which ids it makes: "'vip' already
// exists" (resources), "… is already in use" (constraint ids, pcs 0.11 and 0.12)
const TAKEN_ID_TEXT = /already exists|already in use/i;

export function outcomeOf(result: StepResult): PcsOutcome {
  if (result.ok) throw new Error("outcomeOf: the step did not fail");
  if (result.present !== undefined) return result.present.length > 0 ? "ID_ALREADY_EXISTS" : "FAILED";
  return TAKEN_ID_TEXT.test(`${result.stderr ?? ""}\n${result.stdout ?? ""}`)
    ? "ID_ALREADY_EXISTS"
    : "FAILED";
}
