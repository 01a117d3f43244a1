import os
import shutil
import sys
import xml.etree.ElementTree as ET

usefile, filename = False, ""


def main(argv):
    if argv[0] == "-f":
        path, command = argv[1], argv[2:]
    else:
        path, command = None, argv
    if command[:2] == ["cluster", "cib-push"]:
        shutil.copyfile(command[2], os.environ["FAKE_CIB"])
        print("CIB updated")
        return
    if command[:2] == ["resource", "create"]:
        tree = ET.parse(path)
        if any(el.get("id") == command[2] for el in tree.getroot().find("configuration").iter()):
            print(f"Error: '{command[2]}' already exists", file=sys.stderr)
            sys.exit(1)
        tree.getroot().find("configuration/resources").append(
            ET.Element("primitive", {"id": command[2], "class": "ocf", "provider": "pacemaker", "type": "Dummy"})
        )
        tree.write(path)
        return
    if command[0] == "fail":
        print(f"Error: {command[1]}", file=sys.stderr)
        sys.exit(1)
    if command[0] == "stray":
        os.write(1, b"stray output\n")
        return
    if command[0] == "die":
        os._exit(3)
    raise ValueError(f"fake pcs: unknown command {command}")
