// What `pulumi preview --refresh --diff` says of one resource: its step (update, replace, create…)
// and the properties its step block marks as changed. Used by the repair matrix (issue 20, point 3).

/**
 * Whether the engine marks a drifted property inside the resource's update block. It does once a
 * kind's `read` returns the live state as `inputs` (issue 20, point 2); before, the update block
 * lists every input unmarked and only the refresh block shows the live value changed. Flip to true
 * when that lands: expectDriftOn then requires the mark on the update block itself.
 */
export const readReturnsInputs = (): boolean => false;

/** A line that starts a resource's block in a preview: `~ <type token>: (update)`, any token. */
const STEP_HEADER = /^\s*[-+~<>=]*\s*[A-Za-z0-9_-]+:[A-Za-z0-9_/.:-]*: \(([a-z-]+)\)/;

export interface StepBlock {
  /** update, replace, create-replacement, create, delete, refresh, same… */
  op: string;
  text: string;
}

/** Every block of the preview's text that belongs to the Pulumi resource named `name`. */
export function stepBlocks(preview: string, name: string): StepBlock[] {
  const lines = preview.split("\n");
  const starts = lines.flatMap((line, i) => (STEP_HEADER.test(line) ? [i] : []));
  return starts.flatMap((start, k) => {
    const end = k + 1 < starts.length ? starts[k + 1] : lines.length;
    const block = lines.slice(start, end);
    const ownUrn = block.slice(0, 4).some((l) => /\[urn=/.test(l) && l.trimEnd().endsWith(`::${name}]`));
    return ownUrn ? [{ op: STEP_HEADER.exec(lines[start])![1], text: block.join("\n") }] : [];
  });
}

/** Whether a block marks `property` as changed: a `~`, `+` or `-` line naming it (any depth). */
export const marksProperty = (block: string, property: string): boolean =>
  new RegExp(`^\\s*[-+~]{1,2}\\s*"?${property.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"?\\s*:`, "m").test(
    block,
  );

/** The step of a resource that changes it, failing with the preview's text when there is none. */
function changeStep(preview: string, name: string, ops: readonly string[]): StepBlock {
  const step = stepBlocks(preview, name).find((b) => ops.includes(b.op));
  if (!step)
    throw new Error(
      `preview shows no ${ops.join("/")} of '${name}':\n${
        stepBlocks(preview, name)
          .map((b) => b.text)
          .join("\n---\n") || preview
      }`,
    );
  return step;
}

/**
 * Asserts that the preview reports drift of `property` on the resource `name`: the resource has an
 * update (or a replace, when `replaces`) and the property is marked changed on that block once
 * readReturnsInputs(). Until then the update block marks nothing, and the property must be marked
 * on the resource's refresh block instead — or the output that carries its live value there
 * (`liveProperty`: Cluster's liveTotem for totem) — unless its value is `secret` (the refresh
 * shows no change of a secret value: the update alone says it drifted).
 */
export function expectDriftOn(
  preview: string,
  name: string,
  property: string,
  {
    replaces = false,
    secret = false,
    liveProperty = property,
  }: { replaces?: boolean; secret?: boolean; liveProperty?: string } = {},
): void {
  const step = changeStep(preview, name, replaces ? ["replace", "create-replacement"] : ["update"]);
  if (!readReturnsInputs() && secret) return;
  const marking = readReturnsInputs() ? [step] : stepBlocks(preview, name).filter((b) => b.op === "refresh");
  const marked = readReturnsInputs() ? property : liveProperty;
  if (!marking.some((b) => marksProperty(b.text, marked)))
    throw new Error(
      `preview does not mark '${marked}' of '${name}' as changed in its ${readReturnsInputs() ? "update" : "refresh"} block:\n` +
        stepBlocks(preview, name)
          .map((b) => b.text)
          .join("\n---\n"),
    );
}

/** Asserts that the preview makes the resource `name` again (it was deleted by hand). */
export function expectRecreated(preview: string, name: string): void {
  changeStep(preview, name, ["create"]);
}
