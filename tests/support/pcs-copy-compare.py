# Runs the same pcs steps on two copies of an empty CIB with pcs_batch.py's run_steps: once with
# pacemaker's own tools (cibadmin, crm_diff, crm_resource) and once with the copy served in
# process. Prints JSON: both runs' step results and whether crm_diff finds the two CIBs equal.
# Usage: python3 pcs-copy-compare.py PCS_BATCH_DIR < {"steps": [...]}
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, sys.argv[1])
import pcs_batch  # noqa: E402

steps = json.load(sys.stdin)["steps"]
tmp = tempfile.mkdtemp(prefix="pcs-copy-compare-")
try:
    empty = os.path.join(tmp, "empty.xml")
    with open(empty, "w") as f:
        f.write(subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout)
    runs = {}
    for mode in ("exact", "served"):
        work = os.path.join(tmp, mode + ".xml")
        shutil.copyfile(empty, work)
        pcs_batch.COPY.enabled = mode == "served"
        results = pcs_batch.run_steps(steps, work)
        pcs_batch.COPY.enabled = False
        runs[mode] = {"results": results, "cib": open(work).read()}
    diff = subprocess.run(
        ["crm_diff", "--original", os.path.join(tmp, "exact.xml"), "--new", os.path.join(tmp, "served.xml"), "--no-version"],
        capture_output=True,
        text=True,
    )
    print(json.dumps({**runs, "diffExit": diff.returncode, "diff": diff.stdout + diff.stderr}))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
