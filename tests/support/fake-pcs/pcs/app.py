import os
import shutil
import sys
import xml.etree.ElementTree as ET

from pcs import utils
from pcs.lib.external import CommandRunner

usefile, filename = False, ""


def create(resource_id, agent, runner_kind):
    """Adds a primitive the way pcs does: the copy read and written through cibadmin (CIB_file)."""
    if runner_kind == "lib":
        runner = CommandRunner({"CIB_file": utils.filename})
        xml, err, code = runner.run(["cibadmin", "--local", "--query"])
    else:
        xml, code = utils.run(["cibadmin", "-l", "-Q"])
    root = ET.fromstring(xml)
    if any(el.get("id") == resource_id for el in root.find("configuration").iter()):
        print(f"Error: '{resource_id}' already exists", file=sys.stderr)
        sys.exit(1)
    cls, provider, kind = agent.split(":") if agent.count(":") == 2 else ("ocf", "pacemaker", "Dummy")
    root.find("configuration/resources").append(
        ET.Element("primitive", {"id": resource_id, "class": cls, "provider": provider, "type": kind})
    )
    new = ET.tostring(root, encoding="unicode")
    if runner_kind == "lib":
        out, err, code = runner.run(["cibadmin", "--replace", "--xml-pipe"], stdin_string=new)
        output = out + err
    else:
        output, code = utils.run(["cibadmin", "--replace", "-V", "--xml-pipe", "-o", "configuration"], False, new)
    if code != 0:
        print(f"Error: Unable to update cib\n{output}", file=sys.stderr)
        sys.exit(1)


def main(argv):
    if argv[0] == "-f":
        utils.usefile, utils.filename = True, argv[1]
        command = argv[2:]
    else:
        command = argv
    if command[:2] == ["cluster", "cib-push"]:
        if "schema-bad" in open(command[2]).read():
            print("Error: Unable to push to the CIB: does not conform to the configured schema", file=sys.stderr)
            sys.exit(1)
        # as the cluster does on a configuration change: its epoch goes up by one
        live = ET.parse(os.environ["FAKE_CIB"]).getroot()
        pushed = ET.parse(command[2])
        pushed.getroot().set("epoch", str(int(live.get("epoch", "0")) + 1))
        pushed.write(os.environ["FAKE_CIB"])
        print("CIB updated")
        return
    if command[:2] == ["resource", "create"]:
        # ids starting "lib-" go through the library's runner, others through utils.run, as in pcs
        create(command[2], command[3], "lib" if command[2].startswith("lib-") else "utils")
        return
    if command[0] == "fail":
        print(f"Error: {command[1]}", file=sys.stderr)
        sys.exit(1)
    if command[0] == "stray":
        os.write(1, b"stray output\n")
        return
    if command[0] == "outside":
        # another administrator's change to the cluster's CIB while the batch runs
        live = ET.parse(os.environ["FAKE_CIB"])
        live.getroot().set("epoch", str(int(live.getroot().get("epoch", "0")) + 1))
        live.write(os.environ["FAKE_CIB"])
        return
    if command[0] == "die":
        os._exit(3)
    raise ValueError(f"fake pcs: unknown command {command}")
