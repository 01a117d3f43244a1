# Runs on a cluster node, fed on stdin (so nothing in it, secrets included, is on a command line).
# Applies a batch of pcs commands to a copy of the CIB (`pcs -f`) inside ONE Python process —
# pcs's own code, validation and messages, without ~0.5 s of start-up per command — then pushes
# the result with one `pcs cluster cib-push diff-against=<original>`, so changes made
# meanwhile by others are kept. Each step succeeds or leaves the copy as it was. Prints one JSON
# line: per-step results and the live state after the push.
#
# REQUEST (prepended by the caller): {"steps": [{"argvs": [[...]], "ifAbsent": id?, "ifPresent": id?}],
#                                      "liveArgv": [...]?}  (the live read to run after the push)
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.argv = ["pcs"]
from pcs import app, utils  # noqa: E402  (pcs reads sys.argv on import)
from pcs.cli.common import lib_wrapper  # noqa: E402


def pcs(argv):
    """One pcs command in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    utils.usefile, utils.filename, app.usefile, app.filename = False, "", False, ""
    # pcs keeps state for the life of its process, made for one command per process: its command
    # runner with the environment of the first command (CIB_file: a push after `-f` commands would
    # patch the file, not the cluster) and its library modules bound to the first command's
    # environment (after one refused command, every later one fails "Errors have occurred").
    utils.cmd_runner.cache_clear()
    utils.get_service_manager.cache_clear()
    utils.read_known_hosts_file.cache_clear()
    lib_wrapper._CACHE.clear()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            app.main(list(argv))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception as e:  # pcs bug or unexpected input: report it as this step's failure
            code, _ = 1, err.write(f"pcs raised {type(e).__name__}: {e}\n")
    return code, out.getvalue(), err.getvalue()


def has_id(path, ident):
    return any(el.get("id") == ident for el in ET.parse(path).getroot().iter())


def run_step(step, work):
    if step.get("ifAbsent") and has_id(work, step["ifAbsent"]):
        return {"ok": True, "skipped": "exists"}
    if step.get("ifPresent") and not has_id(work, step["ifPresent"]):
        return {"ok": True, "skipped": "absent"}
    before = work + ".step"
    shutil.copyfile(work, before)
    for argv in step["argvs"]:
        code, out, err = pcs(["-f", work, *argv])
        if code != 0:
            shutil.copyfile(before, work)
            return {"ok": False, "argv": argv, "code": code, "stdout": out, "stderr": err}
    return {"ok": True}


def capture(argv):
    return subprocess.run(argv, capture_output=True, text=True).stdout


def main():
    tmp = tempfile.mkdtemp(prefix="pcmk-lab-")
    try:
        original, work = os.path.join(tmp, "original.xml"), os.path.join(tmp, "work.xml")
        query = subprocess.run(["cibadmin", "--query"], capture_output=True, text=True)
        if query.returncode != 0:
            print(json.dumps({"error": "cibadmin --query: " + query.stderr.strip()}))
            return
        with open(original, "w") as f:
            f.write(query.stdout)
        shutil.copyfile(original, work)
        results = [run_step(step, work) for step in REQUEST["steps"]]  # noqa: F821
        pushed = None
        if any(r["ok"] and not r.get("skipped") for r in results):
            code, out, err = pcs(["cluster", "cib-push", work, "diff-against=" + original])
            pushed = {"ok": code == 0, "stdout": out, "stderr": err}
        live = capture(REQUEST["liveArgv"]) if REQUEST.get("liveArgv") else None  # noqa: F821
        print(json.dumps({"results": results, "pushed": pushed, "live": live}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
