// A "node" for unit tests of the batch process: a scratch directory holding the cluster's CIB, and
// the command line that starts pcs_batch.py with the stand-in pcs and cibadmin of this directory
// found first, playing the pcs `flavour` says (see README.md).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SESSION_ARGV } from "../../../providers/writer/pcs-batch";

export const EMPTY_CIB =
  '<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/>' +
  "<constraints/></configuration><status/></cib>\n";

export type FakePcsFlavour =
  "0.11.5" | "0.12.0.2" | "0.12.1" | "unknown-cache" | "unknown-runner" | "push-ignores-f" | "no-import";

export interface FakeNode {
  /** Starts the batch process as on a node, this node's stand-ins first. */
  argv: string[];
  /** The cluster's CIB. */
  cib: string;
  /** Each start of cibadmin, one line each ("(copy)" when on a copy). */
  cibadminStarts(): string[];
  /** The command line of each pcs process started (the plain path's), as a process list shows it. */
  pcsCommandLines(): string[];
  dispose(): void;
}

const fake = __dirname;

export function fakeNode(flavour: FakePcsFlavour = "0.11.5"): FakeNode {
  const dir = mkdtempSync(join(tmpdir(), "fake-node-"));
  const cib = join(dir, "cib.xml");
  const cibadminLog = join(dir, "cibadmin.log");
  const commandLines = join(dir, "pcs-command-lines.log");
  writeFileSync(cib, EMPTY_CIB);
  const linesOf = (file: string) =>
    existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  return {
    // -E dropped so that PYTHONPATH counts: the stand-in pcs package is found first
    argv: [
      "env",
      `PATH=${fake}/bin:/usr/sbin:/usr/bin:/bin`,
      `FAKE_CIB=${cib}`,
      `FAKE_CIBADMIN_LOG=${cibadminLog}`,
      `FAKE_PCS_COMMAND_LINES=${commandLines}`,
      `FAKE_PCS_FLAVOUR=${flavour}`,
      `PYTHONPATH=${fake}`,
      "/usr/bin/python3",
      "-s",
      "-c",
      SESSION_ARGV[3],
    ],
    cib,
    cibadminStarts: () => linesOf(cibadminLog),
    pcsCommandLines: () => linesOf(commandLines),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
