// The engine's step a provider call serves, as the code it calls sees it: what happens to the
// cluster after a call's own writes (its release, the settling of what this up wrote) is done by
// whichever step of the run is the last to finish, and a failure found then is that step's to
// report. Node's AsyncLocalStorage carries the step through every await of the call.
import { AsyncLocalStorage } from "node:async_hooks";

interface Step {
  readonly failures: string[];
}

const current = new AsyncLocalStorage<Step>();

/** Runs a provider call as one step; gives its result and the failures reported to the step. */
export async function asStep<T>(call: () => Promise<T>): Promise<{ result: T; failures: string[] }> {
  const step: Step = { failures: [] };
  const result = await current.run(step, call);
  return { result, failures: step.failures };
}

/**
 * Reports a failure to the step this code runs for; false outside any step (a test's direct
 * call), where the caller must throw it itself.
 */
export function reportToStep(failure: string): boolean {
  const step = current.getStore();
  step?.failures.push(failure);
  return step !== undefined;
}
