// The repair matrix (issue 20, point 3): rows of hand changes made on the cluster, each drifting
// one declared property of one resource of a stack. A batch of rows is changed at once, then one
// `preview --refresh` must report each on its property, one `up --refresh` must repair them all,
// and the stack must be clean afterwards with every live value back as declared.
import { expectDriftOn, expectRecreated } from "./drift";
import { onNodeOk } from "./lab-harness";
import { ensureCluster, ObjectSpec, objectsStack, previewIsClean } from "./cluster-harness";
import { TestStack } from "./stack-harness";

export interface RepairRow {
  /** The Pulumi resource the change drifts. */
  resource: string;
  /** The declared property that drifts; null when the change deletes the object. */
  property: string | null;
  /** Shell run on the node (node1 unless `node`) as an administrator would: plain pcs, or a file edit. */
  handChange: string;
  node?: string;
  /** Drift that the engine repairs by replacing the resource (delete, then create). */
  replaces?: boolean;
  /** The property's value is secret: the preview shows no change of it (see expectDriftOn). */
  secret?: boolean;
  /** Throws unless the live value is back as declared (run after the repair). */
  isBack(): void;
}

const rowName = (r: RepairRow): string => `${r.resource}.${r.property ?? "(deleted)"}`;

/** Runs each check, collecting what fails, so one failing row does not hide the others. */
function failuresOf(rows: readonly RepairRow[], check: (r: RepairRow) => void): string[] {
  return rows.flatMap((r) => {
    try {
      check(r);
      return [];
    } catch (e) {
      return [`${rowName(r)}: ${(e as Error).message}`];
    }
  });
}

/** The Diagnostics section of a failed run's output (all of it when there is none). */
function diagnosticsOf(output: string): string {
  const m = /\nDiagnostics:\n[\s\S]*?(?=\n(Outputs|Resources):|$)/.exec(output);
  return m ? m[0].trim() : output;
}

/** Seconds each batch took, by its title, for the report (never asserted). */
export const batchSeconds: Record<string, number> = {};

/**
 * One batch of the matrix: every row's hand change, one preview (each row reported on its
 * property), one `up --refresh` (it must succeed), then each live value back and a clean preview.
 */
export async function repairBatch(
  stack: TestStack,
  title: string,
  rows: readonly RepairRow[],
): Promise<void> {
  const t0 = Date.now();
  for (const r of rows) onNodeOk(r.node ?? "node1", r.handChange);
  const preview = await stack.pulumi(["preview", "--refresh", "--diff"]);
  const text = preview.stdout + preview.stderr;
  if (preview.status !== 0) throw new Error(`preview --refresh failed:\n${text}`);
  const unreported = failuresOf(rows, (r) =>
    r.property === null
      ? expectRecreated(text, r.resource)
      : expectDriftOn(text, r.resource, r.property, { replaces: r.replaces, secret: r.secret }),
  );
  const up = await stack.pulumi(["up", "--refresh", "--yes", "--skip-preview"]);
  const notBack = up.status === 0 ? failuresOf(rows, (r) => r.isBack()) : [];
  const after = up.status === 0 ? await previewIsClean(stack) : { clean: false, output: "" };
  batchSeconds[title] = (Date.now() - t0) / 1000;
  const problems = [
    ...unreported.map((p) => `not reported: ${p}`),
    ...(up.status !== 0 ? [`up --refresh failed:\n${diagnosticsOf(up.stdout + up.stderr)}`] : []),
    ...notBack.map((p) => `not repaired: ${p}`),
    ...(up.status === 0 && !after.clean ? [`not clean after the repair:\n${after.output}`] : []),
  ];
  if (problems.length) throw new Error(`${title}:\n${problems.join("\n\n")}`);
}

/** Throws unless `actual` is `expected`, naming what was read. */
export function expectValue(what: string, actual: string | undefined, expected: string | undefined): void {
  if (actual !== expected)
    throw new Error(`${what}: ${JSON.stringify(actual)}, declared ${JSON.stringify(expected)}`);
}

/**
 * The stack of a kind's matrix, as its tests get it: made on the running cluster and brought up
 * before them, destroyed after them, with each batch's time printed.
 */
export function objectsMatrix(kind: string, objects: ObjectSpec[]): () => TestStack {
  let stack: TestStack | undefined;
  const t0 = Date.now();
  beforeAll(async () => {
    ensureCluster();
    stack = await objectsStack(objects);
    await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  });
  afterAll(async () => {
    await stack?.pulumi(["destroy", "--yes", "--skip-preview"]);
    stack?.dispose();
    console.log(
      `${kind} repair matrix: ${JSON.stringify(batchSeconds)}, ${(Date.now() - t0) / 1000} s in all`,
    );
  });
  return () => {
    if (!stack) throw new Error(`${kind} repair matrix: no stack (its set-up failed)`);
    return stack;
  };
}
