# Runs on a lab node, with its pcs (sent on stdin after two assignments: PCS_BATCH, the text of
# providers/writer/pcs_batch.py, and CASES, a list of {"name", "setup": [pcs argv...],
# "resources": [id...], "stonith": [id...], "constraints": [id...]}). For each case: a CIB copy made with `pcs -f` from
# an empty one, then the case's ids deleted two ways on two copies of it: pcs's own delete, one id
# per `pcs resource delete` / `pcs stonith delete` (what every pcs takes), and pcs_batch.py's
# removal step (what the writer does on this pcs). Prints one JSON line: per case, whether the two
# configurations are equal, both of them when not, and the removal step's result.
import json
import os
import shutil
import subprocess
import tempfile
import types
import xml.etree.ElementTree as ET

pcs_batch = types.ModuleType("pcs_batch")
exec(compile(PCS_BATCH, "pcs_batch.py", "exec"), pcs_batch.__dict__)  # noqa: F821 (sent before this text)
hello = pcs_batch.choose("auto")


def pcs(path, argv):
    r = subprocess.run(["pcs", "-f", path, *argv], capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


def configuration(path):
    conf = ET.parse(path).getroot().find("configuration")
    return ET.canonicalize(ET.tostring(conf, encoding="unicode"), strip_text=True)


def run_case(tmp, case):
    base = os.path.join(tmp, case["name"].replace(" ", "-") + ".xml")
    with open(base, "w") as f:
        f.write(subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, check=True).stdout)
    # the set-up through the batch process's own path (pcs's code in this process: faster); the
    # deletes compared below are pcs's own processes
    pcs_batch.COPY.enabled = True
    try:
        for argv in case["setup"]:
            r = pcs_batch.run_step({"argvs": [argv]}, base, pcs_batch.PCS)
            if not r["ok"]:
                return {"name": case["name"], "setupFailed": " ".join(argv), "said": r.get("stderr") or r.get("stdout")}
    finally:
        pcs_batch.COPY.enabled = False
    theirs, ours = base + ".pcs", base + ".ours"
    shutil.copyfile(base, theirs)
    shutil.copyfile(base, ours)
    said = []
    for family, kind in pcs_batch.FAMILIES:
        for ident in case.get(kind, []):
            code, out = pcs(theirs, [family, "delete", ident])
            said.append(f"pcs {family} delete {ident}: exit {code}: {out}")
    step = {"remove": {kind: case.get(kind, []) for _, kind in pcs_batch.FAMILIES}}
    result = pcs_batch.run_steps([step], ours)[0]
    a, b = configuration(theirs), configuration(ours)
    return {
        "name": case["name"],
        "equal": a == b,
        "result": result,
        "pcsSaid": said,
        **({} if a == b else {"pcs": a, "ours": b}),
    }


tmp = tempfile.mkdtemp(prefix="removal-compare-")
try:
    print(json.dumps({"hello": hello, "cases": [run_case(tmp, c) for c in CASES]}))  # noqa: F821
finally:
    shutil.rmtree(tmp, ignore_errors=True)
