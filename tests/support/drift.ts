// What `pulumi preview --refresh --diff` says of one resource: its step (update, replace, create…)
// and the properties its step block marks as changed. Used by the repair matrix (issue 20, point 3).

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
 * update (or a replace, when `replaces`) whose block marks the property as changed (a kind's read
 * gives the engine the inputs as the cluster has them: issue 20, point 2). A property whose value
 * is `secret` (a secret parameter, a password, connections holding a key) shows as `[secret]`
 * whatever it holds, so the engine marks no change of it: the update alone says it drifted.
 */
export function expectDriftOn(
  preview: string,
  name: string,
  property: string,
  { replaces = false, secret = false }: { replaces?: boolean; secret?: boolean } = {},
): void {
  const step = changeStep(preview, name, replaces ? ["replace", "create-replacement"] : ["update"]);
  if (!secret && !marksProperty(step.text, property))
    throw new Error(
      `preview does not mark '${property}' of '${name}' as changed in its ${step.op} block:\n` +
        stepBlocks(preview, name)
          .map((b) => b.text)
          .join("\n---\n"),
    );
}

/** Asserts that the preview makes the resource `name` again (it was deleted by hand). */
export function expectRecreated(preview: string, name: string): void {
  changeStep(preview, name, ["create"]);
}
