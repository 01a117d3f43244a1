# Runs on a cluster node, once per group of input checks, during `pulumi preview` (and the check
# phase of `pulumi up`): asks pcs's own library what `pcs resource create` / `pcs stonith create`
# would say of an agent, its instance attribute names and its operation names, without creating
# anything. The agent is found, its metadata read and its parameters and actions judged by the
# same pcs functions as at create (name guessing, fenced and trace parameters, deprecated and
# required parameters, the stonith `action` parameter, operation names); the messages are pcs's.
# Only names travel here: attribute values (which may be secrets) are never sent. The program and
# the request arrive on stdin (the program's length on the first line, then the text, then one
# JSON line); one JSON line answers, after REPLY_MARK.
#
# REQUEST: {"checks": [{"agent": str, "stonith": bool, "names": [str], "operations": [str]}]}
# ANSWER:  {"results": [{"agent": full name | null,
#                         "errors": {"agent": [str], "attributes": [str], "operations": [str]}}]}
# Warnings (deprecated parameters) are not errors: pcs prints them at create and goes on.
import json
import logging
import sys

sys.argv = ["pcs"]
from lxml import etree  # noqa: E402
from pcs.common import reports  # noqa: E402
from pcs.common.reports.processor import ReportProcessor  # noqa: E402
from pcs.lib.cib.resource import operations, primitive  # noqa: E402
from pcs.lib.commands import resource as resource_commands  # noqa: E402
from pcs.lib.commands import stonith as stonith_commands  # noqa: E402
from pcs.lib.errors import LibraryError  # noqa: E402
from pcs.lib.external import CommandRunner  # noqa: E402
from pcs.lib.resource_agent import ResourceAgentFacadeFactory  # noqa: E402

REPLY_MARK = "@@pcmk-lab-reply@@ "


class Collected(ReportProcessor):
    """pcs's error reports, kept as pcs words them."""

    def __init__(self):
        super().__init__()
        self.errors = []

    def _do_report(self, report_item):
        if report_item.severity.level == reports.ReportItemSeverity.ERROR:
            self.errors.append(report_item.message.message)


def errors_of(report_list):
    collected = Collected()
    collected.report_list(report_list)
    return collected.errors


def judge(check, runner, factory):
    """What pcs says of one agent with these attribute and operation names."""
    found = Collected()
    try:
        if check["stonith"]:
            facade = stonith_commands._get_agent_facade(found, factory, check["agent"], False)
        else:
            facade = resource_commands._get_agent_facade(found, runner, factory, check["agent"], False)
    except LibraryError as e:
        found.report_list(e.args)
        return {"agent": None, "errors": {"agent": found.errors, "attributes": [], "operations": []}}
    # a placeholder value: pcs judges names here; values (secrets among them) stay home
    attributes = {name: "x" for name in check["names"]}
    actions = [action.name for action in facade.metadata.actions]
    return {
        "agent": facade.metadata.name.full_name,
        "errors": {
            "agent": found.errors,
            "attributes": errors_of(
                primitive.validate_resource_instance_attributes_create(
                    runner, facade, attributes, etree.Element("resources"), force=False
                )
            ),
            "operations": errors_of(
                operations._validate_operation_list([{"name": op} for op in check["operations"]], actions)
            ),
        },
    }


def main():
    request = json.loads(sys.stdin.readline())
    logger = logging.getLogger("pcmk-lab")
    # reports about loading the agents themselves (fenced metadata, say) are pcs's warnings
    runner = CommandRunner(logger, Collected())
    factory = ResourceAgentFacadeFactory(runner, Collected())
    results = [judge(check, runner, factory) for check in request["checks"]]
    sys.stdout.write(REPLY_MARK + json.dumps({"results": results}) + "\n")


main()
