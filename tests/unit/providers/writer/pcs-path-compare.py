# Runs the same pcs steps on two copies of an empty CIB with pcs_batch.py's run_steps: on its fast
# path (chosen as a batch process chooses it: by its self-test; the copy served in process as in a
# batch) and on its plain path (a pcs process per command). Prints JSON: each path's hello, both
# runs' step results, and whether crm_diff finds the two CIBs equal.
# Usage: python3 pcs-path-compare.py PCS_BATCH_DIR < {"steps": [...]}
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, sys.argv[1])
import pcs_batch  # noqa: E402

steps = json.load(sys.stdin)["steps"]
tmp = tempfile.mkdtemp(prefix="pcs-path-compare-")
try:
    empty = os.path.join(tmp, "empty.xml")
    with open(empty, "w") as f:
        f.write(subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout)
    runs = {}
    for requested in ("auto", "plain"):
        pcs_batch.PCS, pcs_batch.HELLO = None, None
        hello = pcs_batch.choose(requested)
        work = os.path.join(tmp, hello["path"] + ".xml")
        shutil.copyfile(empty, work)
        pcs_batch.COPY.enabled = True
        results = pcs_batch.run_steps(steps, work)
        pcs_batch.COPY.enabled = False
        with open(work) as f:
            runs[requested] = {"hello": hello, "results": results, "cib": f.read()}
    diff = subprocess.run(
        ["crm_diff", "--original", os.path.join(tmp, "fast.xml"), "--new", os.path.join(tmp, "plain.xml"), "--no-version"],
        capture_output=True,
        text=True,
    )
    print(json.dumps({**runs, "diffExit": diff.returncode, "diff": diff.stdout + diff.stderr}))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
