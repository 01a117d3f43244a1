# Runs on a cluster node as a long-lived process, one per cluster per `pulumi` operation: pcs is
# imported once (~0.3-0.7 s) instead of once per batch. The program arrives on stdin (its length
# on the first line, then the text), then one request per line, each base64 JSON — so nothing in
# it, secrets included, is ever on a command line. Each request is a batch of pcs commands,
# applied to a copy of the CIB (`pcs -f`) with pcs's own code, validation and messages, then
# pushed with one `pcs cluster cib-push diff-against=<original>`, so changes made meanwhile by
# others are kept. Each step succeeds or leaves the copy as it was. One reply line per request,
# after REPLY_MARK: per-step results and the live state after the push. Ends when stdin closes.
#
# REQUEST: {"steps": [STEP], "liveArgv": [...]?}
# STEP: {"argvs": [[...]], "ifAbsent": id?, "ifPresent": id?, "dropMeta": {"id": id, "names": [...]}?}
# dropMeta is the writer's release of its own hold (target-role=Stopped and its mark on a resource
# it created): removing two meta attributes is an edit of the copy, not worth a pcs command each.
import base64
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

REPLY_MARK = "@@pcmk-lab-reply@@ "


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


def configured(root):
    """The configuration's elements: the status section reuses resource ids (lrm_resource)."""
    configuration = root.find("configuration")
    return configuration.iter() if configuration is not None else iter(())


def has_id(path, ident):
    return any(el.get("id") == ident for el in configured(ET.parse(path).getroot()))


def drop_meta(work, steps):
    """Removes the named meta attributes of each step's element: one parse for a run of steps."""
    tree = ET.parse(work)
    # in resources only: a constraint's resource set refers to a resource by an element with its id
    resources = tree.getroot().find("configuration/resources")
    elements = {el.get("id"): el for el in (resources.iter() if resources is not None else ()) if el.get("id")}
    results = []
    for step in steps:
        el = elements.get(step["dropMeta"]["id"])
        if el is None:
            results.append({"ok": True, "skipped": "absent"})
            continue
        for meta in el.findall("meta_attributes"):
            for nvpair in meta.findall("nvpair"):
                if nvpair.get("name") in step["dropMeta"]["names"]:
                    meta.remove(nvpair)
            if len(meta) == 0:
                el.remove(meta)
        results.append({"ok": True})
    tree.write(work)
    return results


def run_steps(steps, work):
    results, i = [], 0
    while i < len(steps):
        if steps[i].get("dropMeta"):
            j = i
            while j < len(steps) and steps[j].get("dropMeta"):
                j += 1
            results += drop_meta(work, steps[i:j])
            i = j
        else:
            results.append(run_step(steps[i], work))
            i += 1
    return results


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
    return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout


def handle(request):
    tmp = tempfile.mkdtemp(prefix="pcmk-lab-")
    try:
        original, work = os.path.join(tmp, "original.xml"), os.path.join(tmp, "work.xml")
        query = subprocess.run(
            ["cibadmin", "--query"], capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        if query.returncode != 0:
            return {"error": "cibadmin --query: " + query.stderr.strip()}
        with open(original, "w") as f:
            f.write(query.stdout)
        shutil.copyfile(original, work)
        results = run_steps(request["steps"], work)
        pushed = None
        if any(r["ok"] and not r.get("skipped") for r in results):
            code, out, err = pcs(["cluster", "cib-push", work, "diff-against=" + original])
            pushed = {"ok": code == 0, "stdout": out, "stderr": err}
        live = capture(request["liveArgv"]) if request.get("liveArgv") else None
        return {"results": results, "pushed": pushed, "live": live}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def serve(requests, replies):
    for line in requests:
        if not line.strip():
            continue
        try:
            reply = handle(json.loads(base64.b64decode(line)))
        except Exception as e:  # a bad request or a bug here: this request fails, the process stays
            reply = {"error": f"pcs_batch.py: {type(e).__name__}: {e}"}
        replies.write(REPLY_MARK + json.dumps(reply) + "\n")
        replies.flush()


# pcs's own subprocesses get stdin from /dev/null above: the requests stream is ours alone.
serve(sys.stdin.buffer, sys.__stdout__)
