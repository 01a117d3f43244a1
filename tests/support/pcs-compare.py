# Runs the same pcs steps on two copies of an empty CIB with pcs_batch.py's run_steps, two ways, and
# prints JSON: each way's step results and CIB, and whether crm_diff finds the two CIBs equal.
# Usage: python3 pcs-compare.py MODE PCS_BATCH_DIR < {"steps": [...]}
#   copy: "exact" (pacemaker's own tools: cibadmin, crm_diff, crm_resource) and "served" (the copy
#         served in process);
#   path: "auto" (the fast path, chosen as a batch process chooses it: by its self-test; the copy
#         served in process as in a batch) and "plain" (a pcs process per command), each with the
#         hello its choice gives.
import json
import os
import shutil
import subprocess
import sys
import tempfile

mode = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import pcs_batch  # noqa: E402


def copy_way(way):
    pcs_batch.COPY.enabled = way == "served"
    return {}


def path_way(way):
    pcs_batch.PCS, pcs_batch.HELLO = None, None
    hello = pcs_batch.choose(way)
    pcs_batch.COPY.enabled = True
    return {"hello": hello}


WAYS = {"copy": (("exact", "served"), copy_way), "path": (("auto", "plain"), path_way)}
(first, second), prepare = WAYS[mode]
steps = json.load(sys.stdin)["steps"]
tmp = tempfile.mkdtemp(prefix="pcs-compare-")
try:
    empty = os.path.join(tmp, "empty.xml")
    with open(empty, "w") as f:
        f.write(subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout)
    runs = {}
    for way in (first, second):
        work = os.path.join(tmp, way + ".xml")
        shutil.copyfile(empty, work)
        run = prepare(way)
        results = pcs_batch.run_steps(steps, work)
        pcs_batch.COPY.enabled = False
        with open(work) as f:
            runs[way] = {**run, "results": results, "cib": f.read()}
    diff = subprocess.run(
        ["crm_diff", "--original", os.path.join(tmp, first + ".xml"), "--new", os.path.join(tmp, second + ".xml"), "--no-version"],
        capture_output=True,
        text=True,
    )
    print(json.dumps({**runs, "diffExit": diff.returncode, "diff": diff.stdout + diff.stderr}))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
