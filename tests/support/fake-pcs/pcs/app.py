import os
import signal
import sys
import xml.etree.ElementTree as ET

from pcs import settings, utils
from pcs.cli.common import lib_wrapper
from pcs.lib.external import CommandRunner

usefile, filename = False, ""


def refuse(message, library=None):
    """A refusal; the library (where it is kept between commands) remembers it, as pcs 0.11.5's did."""
    if library is not None:
        library["errors"] = True
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(1)


def read_copy(via):
    if via == "library":
        xml, err, code = via_library().run(["cibadmin", "--local", "--query"])
    else:
        xml, code = utils.run(["cibadmin", "-l", "-Q"])
    return ET.fromstring(xml)


def write_copy(via, root):
    new = ET.tostring(root, encoding="unicode")
    if via == "library":
        out, err, code = via_library().run(["cibadmin", "--replace", "--xml-pipe"], stdin_string=new)
        output = out + err
    else:
        output, code = utils.run(["cibadmin", "--replace", "-V", "--xml-pipe", "-o", "configuration"], False, new)
    if code != 0:
        refuse(f"Unable to update cib\n{output}")


def library():
    return lib_wrapper.library(lambda: {"runner": CommandRunner({"CIB_file": utils.filename}), "errors": False})


def via_library():
    return library()["runner"]


def create(resource_id, agent):
    """
    Adds a primitive the way pcs does: the copy read and written through cibadmin (CIB_file), by
    pcs's library, or by its command-line code (utils.run) for ids starting "old-".
    """
    via = "utils" if resource_id.startswith("old-") else "library"
    kept = library() if via == "library" else None
    if kept and kept["errors"]:
        refuse("Errors have occurred, therefore pcs is unable to continue")
    root = read_copy(via)
    if any(el.get("id") == resource_id for el in root.find("configuration").iter()):
        refuse(f"'{resource_id}' already exists", kept)
    cls, provider, kind = agent.split(":") if agent.count(":") == 2 else ("ocf", "pacemaker", "Dummy")
    root.find("configuration/resources").append(
        ET.Element("primitive", {"id": resource_id, "class": cls, "provider": provider, "type": kind})
    )
    write_copy(via, root)


def prefers(resource_id, node_score):
    """`constraint location R prefers NODE=SCORE`, by the command-line code."""
    node, score = node_score.split("=")
    root = read_copy("utils")
    root.find("configuration/constraints").append(
        ET.Element("rsc_location", {"id": f"location-{resource_id}-{node}-{score}", "rsc": resource_id, "node": node, "score": score})
    )
    write_copy("utils", root)


def cib_push(new):
    """
    Writes the CIB pushed with cibadmin, through the push's runner as pcs does: over the file that
    runner names (CIB_file: with -f, or with a runner kept from an earlier `-f` command), else
    over the cluster's ($FAKE_CIB), with the epoch one past the one there, as the cluster counts a
    configuration change. "push-ignores-f": a push that goes to the cluster whatever -f says.
    """
    if "schema-bad" in open(new).read():
        refuse("Unable to push to the CIB: does not conform to the configured schema")
    runner = CommandRunner({}) if settings.FLAVOUR == "push-ignores-f" else utils.cmd_runner()
    target = runner.env_vars.get("CIB_file") or os.environ["FAKE_CIB"]
    pushed = ET.parse(new).getroot()
    pushed.set("epoch", str(int(ET.parse(target).getroot().get("epoch", "0")) + 1))
    out, err, code = runner.run(["cibadmin", "--replace", "--xml-pipe"], stdin_string=ET.tostring(pushed, encoding="unicode"))
    if code != 0:
        refuse(f"unable to push cib\n{err}{out}")
    print("CIB updated")


def die():
    """The batch process dies: this process, or the one that started this executable."""
    if os.environ.get("FAKE_PCS_EXECUTABLE"):
        os.kill(os.getppid(), signal.SIGKILL)
    os._exit(3)


def main(argv):
    if argv[:1] == ["--version"]:
        print(settings.pcs_version)
        sys.exit()
    if argv[0] == "-f":
        utils.usefile, utils.filename = True, argv[1]
        command = argv[2:]
    else:
        command = argv
    if command[:2] == ["cluster", "cib-push"]:
        cib_push(command[2])
        return
    if command[:2] == ["resource", "create"]:
        create(command[2], command[3])
        return
    if command[:2] == ["constraint", "location"] and command[3] == "prefers":
        prefers(command[2], command[4])
        return
    if command[0] == "fail":
        refuse(command[1])
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
        die()
    raise ValueError(f"fake pcs: unknown command {command}")
