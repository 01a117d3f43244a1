# Runs on a cluster node, once per group of input checks, during `pulumi preview` (and the check
# phase of `pulumi up`): judges what `pcs resource create` / `pcs stonith create` would say of an
# agent, its instance attribute names and its operation names, without creating anything: the
# agent is found (pcs's short form resolved), its metadata read, parameter names checked against
# it (fenced and trace parameters, required ones and the ones deprecating them, the stonith
# `action` parameter) and operation names against its actions.
#
# Two ways, and each verdict says which ("via"):
# - "pcs-library": pcs's own library in this process, through the names pcs.lib.resource_agent,
#   pcs.lib.validate and pcs.common.reports export (the same in pcs 0.11.5 to 0.12.3, read at
#   their tags; the private helpers pcs's create commands wrap them in come and go between
#   releases). Used when they are all there (a capability probe, NEEDED) and pass a behavioural
#   self-test: they must find the Dummy agent and refuse an attribute and an operation it does
#   not have. No agent is run with the placeholder values: pcs 0.12's create-time check would
#   run the agent's own validation, so this way calls the validators that check beneath it.
# - "metadata": when pcs's library is not what this program expects (pcs does not import, a
#   name is gone, the self-test fails, a call raises), the agent's metadata from Pacemaker's own
#   tools (the ones pcs runs: crm_resource, pacemaker-fenced), judged by the rules pcs applies,
#   with pcs's messages as pcs words them. It needs nothing from pcs.
# When neither can judge a check, its result has "via": null and says why; the caller says so
# where the user sees it.
#
# Only names travel here: attribute values (which may be secrets) are never sent. The program and
# the request arrive on stdin (the program's length on the first line, then the text, then one
# JSON line); one JSON line answers, after REPLY_MARK.
#
# REQUEST: {"checks": [{"agent": str, "stonith": bool, "names": [str], "operations": [str]}],
#           "way": "metadata" (optional: the fallback forced, for its tests)}
# ANSWER:  {"pcs": version | null, "library": null | why pcs's library is not used,
#           "results": [{"via": "pcs-library" | "metadata" | null, "why": str (when not the library),
#                        "agent": full name | null,
#                        "errors": {"agent": [str], "attributes": [str], "operations": [str]}}]}
# Warnings (deprecated parameters) are not errors: pcs prints them at create and goes on.
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

sys.argv = ["pcs"]
REPLY_MARK = "@@pcmk-lab-reply@@ "
# pcs 0.12 refuses a fence agent in `resource create` with this message (0.11 only warns)
MISMATCH = "CommandArgumentTypeMismatch"
# what the self-test asks: names no agent has
SELF_TEST = {
    "agent": "ocf:pacemaker:Dummy",
    "stonith": False,
    "names": ["pcmk-lab-self-test"],
    "operations": ["pcmk-lab-self-test"],
}


def verdict(via, agent, agent_errors=(), attributes=(), operations=()):
    return {
        "via": via,
        "agent": agent,
        "errors": {"agent": list(agent_errors), "attributes": list(attributes), "operations": list(operations)},
    }


def reason_of(error):
    return f"{type(error).__name__}: {error}"


# ---- way 1: pcs's library --------------------------------------------------------------------


# what the library way uses, by module: names pcs exports (a capability probe checks each is there)
NEEDED = [
    ("pcs.common.reports", ["ReportItem", "ReportItemSeverity", "codes", "messages"]),
    ("pcs.common.reports.processor", ["ReportProcessor"]),
    ("pcs.lib.errors", ["LibraryError"]),
    ("pcs.lib.external", ["CommandRunner"]),
    ("pcs.lib.validate", ["ValidatorAll", "ValueIn"]),
    ("pcs.lib.resource_agent.const", ["STONITH_ACTION_REPLACED_BY"]),
    (
        "pcs.lib.resource_agent",
        [
            "InvalidResourceAgentName", "ResourceAgentError", "ResourceAgentFacade",
            "ResourceAgentFacadeFactory", "ResourceAgentName", "UnableToGetAgentMetadata",
            "UnsupportedOcfVersion", "find_one_resource_agent_by_type",
            "resource_agent_error_to_report_item", "split_resource_agent_name",
        ],
    ),
]
NEEDED_METHODS = [
    ("ResourceAgentFacade", "get_validators_allowed_parameters"),
    ("ResourceAgentFacade", "get_validators_required_parameters"),
    ("ResourceAgentFacadeFactory", "facade_from_parsed_name"),
]


def pcs_modules():
    """The modules of NEEDED, or ImportError / AttributeError naming what is not there."""
    import importlib

    modules = {}
    for module_name, names in NEEDED:
        module = importlib.import_module(module_name)
        missing = [name for name in names if not hasattr(module, name)]
        if missing:
            raise AttributeError(f"{module_name} has no {', '.join(missing)}")
        modules[module_name] = module
    ra = modules["pcs.lib.resource_agent"]
    missing = [f"{cls}.{name}" for cls, name in NEEDED_METHODS if not hasattr(getattr(ra, cls), name)]
    if missing:
        raise AttributeError(f"pcs.lib.resource_agent has no {', '.join(missing)}")
    return modules


class PcsLibrary:
    """pcs's library, by the names it exports."""

    via = "pcs-library"

    def __init__(self):
        import logging

        modules = pcs_modules()
        reports = self.reports = modules["pcs.common.reports"]
        self.validate = modules["pcs.lib.validate"]
        self.ra = modules["pcs.lib.resource_agent"]
        self.LibraryError = modules["pcs.lib.errors"].LibraryError
        self.action_replaced_by = modules["pcs.lib.resource_agent.const"].STONITH_ACTION_REPLACED_BY

        class Collected(modules["pcs.common.reports.processor"].ReportProcessor):
            """pcs's error reports, kept as pcs words them."""

            def __init__(self):
                super().__init__()
                self.errors = []

            def _do_report(self, report_item):
                if report_item.severity.level == reports.ReportItemSeverity.ERROR:
                    self.errors.append(report_item.message.message)

        self.Collected = Collected
        # reports about loading the agents themselves (fenced metadata, say) are pcs's warnings
        self.runner = modules["pcs.lib.external"].CommandRunner(logging.getLogger("pcmk-lab"), Collected())
        self.factory = self.ra.ResourceAgentFacadeFactory(self.runner, Collected())

    def errors_of(self, report_list):
        collected = self.Collected()
        collected.report_list(report_list)
        return collected.errors

    def judge(self, check):
        found = self.Collected()
        try:
            facade = self.facade(found, check)
        except self.LibraryError:
            return verdict(self.via, None, found.errors)
        # a placeholder value: pcs judges names here; values (secrets among them) stay home
        attributes = {name: "x" for name in check["names"]}
        actions = [action.name for action in facade.metadata.actions]
        return verdict(
            self.via,
            facade.metadata.name.full_name,
            found.errors,
            self.errors_of(self.attribute_reports(facade, attributes)),
            self.errors_of(self.operation_reports(check["operations"], actions)),
        )

    def facade(self, found, check):
        """As pcs's create commands find an agent: its short form resolved, its errors in pcs's words."""
        ra, severity = self.ra, self.reports.ReportItemSeverity
        name = check["agent"]
        try:
            if check["stonith"]:
                if ":" in name:
                    raise ra.InvalidResourceAgentName(name)
                parsed = ra.ResourceAgentName("stonith", None, name)
            elif ":" in name:
                parsed = ra.split_resource_agent_name(name)
            else:
                parsed = ra.find_one_resource_agent_by_type(self.runner, found, name)
            if parsed.is_stonith and not check["stonith"] and hasattr(self.reports.messages, MISMATCH):
                found.report(self.reports.ReportItem.error(getattr(self.reports.messages, MISMATCH)("stonith resource")))
                raise self.LibraryError()
            return self.factory.facade_from_parsed_name(parsed)
        except ra.ResourceAgentError as e:
            forcible = isinstance(e, (ra.UnableToGetAgentMetadata, ra.UnsupportedOcfVersion))
            level = severity.error(self.reports.codes.FORCE) if forcible else severity.error()
            found.report(ra.resource_agent_error_to_report_item(e, level, is_stonith=check["stonith"]))
            raise self.LibraryError() from e

    def attribute_reports(self, facade, attributes):
        """pcs's create-time checks of instance attribute names (its value checks need values)."""
        report_list = self.validate.ValidatorAll(
            facade.get_validators_allowed_parameters(False) + facade.get_validators_required_parameters(False)
        ).validate(attributes)
        if facade.metadata.name.is_stonith and "action" in attributes:
            report_list.append(
                self.reports.ReportItem.error(
                    self.reports.messages.DeprecatedOption(
                        "action", sorted(self.action_replaced_by), "stonith"
                    ),
                    force_code=self.reports.codes.FORCE,
                )
            )
        return report_list

    def operation_reports(self, operations, actions):
        """The validator pcs's operation checks run on each operation's name."""
        name_in_actions = self.validate.ValueIn("name", actions, option_name_for_report="operation name")
        return [report for op in operations for report in name_in_actions.validate({"name": op})]


def usable_library(metadata_way):
    """pcs's library, or None and why not: it must import, and refuse what the self-test asks."""
    try:
        library = PcsLibrary()
        said = library.judge(SELF_TEST)
    except Exception as e:  # any way an unknown pcs differs means: not this way
        return None, f"pcs's library is not what this check expects ({reason_of(e)})"
    if said["errors"]["agent"] and metadata_way.judge(SELF_TEST)["errors"]["agent"]:
        return library, None  # no Dummy agent on this node: nothing to test with
    failed = self_test_failures(said)
    if failed:
        return None, f"pcs's library failed the self-test: {'; '.join(failed)}"
    return library, None


def self_test_failures(said):
    failed = [] if said["agent"] == SELF_TEST["agent"] else [f"it found {said['agent']} for {SELF_TEST['agent']}"]
    for field, what in (("attributes", "attribute"), ("operations", "operation")):
        errors = said["errors"][field]
        if len(errors) != 1 or "pcmk-lab-self-test" not in errors[0]:
            failed.append(f"it said {errors} of an {what} name the agent does not have")
    return failed


# ---- way 2: the agent's metadata, by pcs's rules -----------------------------------------------

OCF_VERSIONS = ["1.0", "1.1"]
# agents pcs never offers (pcs.lib.resource_agent.list)
IGNORED_AGENTS = {
    "fence_ack_manual", "fence_check", "fence_kdump_send", "fence_legacy", "fence_na", "fence_node",
    "fence_nss_wrapper", "fence_pcmk", "fence_sanlockd", "fence_tool", "fence_virtd",
    "fence_vmware_helper",
}
STANDARDS = {"heartbeat", "lsb", "ocf", "service", "stonith", "systemd"}
STONITH_ACTION_REPLACED_BY = ["pcmk_off_action", "pcmk_reboot_action"]
FENCED = ["/usr/libexec/pacemaker/pacemaker-fenced", "/usr/lib/pacemaker/pacemaker-fenced"]
# as pcs runs crm_resource: fence agents and heartbeat agents need these on PATH
TOOL_PATH = "/usr/sbin:/bin:/usr/bin:/sbin"


class Refused(Exception):
    """An agent pcs would not take, with pcs's message."""


# pcs's messages (pcs.common.reports.messages), as pcs 0.11 and 0.12 word them
def quoted(items):
    return ", ".join(f"'{item}'" for item in sorted(items))


def one_or_other(items):
    q = [f"'{item}'" for item in sorted(items)]
    return q[0] if len(q) < 2 else f"{', '.join(q[:-1])} or {q[-1]}"


def invalid_options(names, allowed, kind):
    said = f"invalid {kind} option{'' if len(names) == 1 else 's:'} {quoted(names)},"
    if not allowed:
        return f"{said} there are no options allowed"
    return f"{said} allowed option{' is' if len(allowed) == 1 else 's are:'} {quoted(allowed)}"


def required_missing(names, kind):
    many = len(names) != 1
    return f"required {kind} option{'s' if many else ''} {quoted(names)} {'are' if many else 'is'} missing"


def required_one_of(names, deprecated, kind):
    flagged = sorted((name in deprecated, name) for name in names)
    said = [f"'{name}' (deprecated)" if old else f"'{name}'" for old, name in flagged]
    listed = said[0] if len(said) < 2 else f"{', '.join(said[:-1])} or {said[-1]}"
    return f"{kind} option {listed} has to be specified"


def invalid_value(value, option, allowed):
    return f"'{value}' is not a valid {option} value" + (f", use {quoted(allowed)}" if allowed else "")


def deprecated_action(reworded):
    said = "might be removed in a future release, therefore it should not be used" if reworded else "should not be used"
    return f"stonith option 'action' is deprecated and {said}, use {quoted(STONITH_ACTION_REPLACED_BY)} instead"


def invalid_agent_name(name, stonith):
    if stonith:
        return (
            f"Invalid stonith agent name '{name}'. Agent name cannot contain the ':' character, "
            "do not use the 'stonith:' prefix."
        )
    return (
        f"Invalid resource agent name '{name}'. Use standard:provider:type when standard is 'ocf' or "
        "standard:type otherwise."
    )


class Parameter:
    def __init__(self, name, required, deprecated, deprecated_by):
        self.name, self.required, self.deprecated = name, required, deprecated
        self.deprecated_by = list(deprecated_by)


class AgentMetadata:
    """The agent's metadata from Pacemaker's tools, judged by pcs's rules."""

    via = "metadata"

    def __init__(self, pcs_version):
        self.fenced = None
        # an unknown pcs is a newer one
        newer = version_tuple(pcs_version) if pcs_version else (99,)
        self.refuses_fence_agent_as_resource = newer >= (0, 12)
        self.deprecation_reworded = newer >= (0, 11, 8)
        self.crm_resource = shutil.which("crm_resource", path=TOOL_PATH) or "crm_resource"

    def run(self, argv):
        env = dict(os.environ, PATH=TOOL_PATH)
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
        return done.stdout, done.stderr, done.returncode

    def judge(self, check):
        try:
            full_name = self.resolve(check)
            parameters, actions = self.load(full_name)
        except Refused as e:
            return verdict(self.via, None, [str(e)])
        kind = "stonith" if full_name.startswith("stonith:") else "resource"
        if kind == "stonith":
            parameters = self.for_stonith(parameters)
        elif re.match(r"^ocf:(heartbeat|pacemaker):", full_name):
            parameters += self.trace_parameters(parameters)
        return verdict(
            self.via,
            full_name,
            [],
            self.attribute_errors(parameters, set(check["names"]), kind),
            [invalid_value(op, "operation name", actions) for op in check["operations"] if op not in actions],
        )

    # -- the agent's full name, as pcs resolves it
    def resolve(self, check):
        name = check["agent"]
        if check["stonith"]:
            if ":" in name:
                raise Refused(invalid_agent_name(name, True))
            return f"stonith:{name}"
        full_name = self.checked_full_name(name) if ":" in name else self.found_by_type(name)
        if full_name.startswith("stonith:") and self.refuses_fence_agent_as_resource:
            raise Refused("This command does not accept stonith resource.")
        return full_name

    def found_by_type(self, name):
        found = [full for full in self.all_agents() if full.split(":")[-1].lower() == name.lower()]
        if len(found) == 1:
            return found[0]
        if found:
            raise Refused(f"Multiple agents match '{name}', please specify full name: {one_or_other(found)}")
        raise Refused(f"Unable to find agent '{name}', try specifying its full name")

    @staticmethod
    def checked_full_name(name):
        if re.match(r"^(systemd|service):[^:@]+@.*$", name):
            return name
        match = re.match(r"^(?P<standard>[^:]+)(:(?P<provider>[^:]+))?:(?P<type>[^:]+)$", name)
        standard = match and match.group("standard")
        provider = match and match.group("provider")
        if not match or standard not in STANDARDS or (standard == "ocf") != bool(provider):
            raise Refused(invalid_agent_name(name, False))
        return name

    def all_agents(self):
        standards = self.lines([self.crm_resource, "--list-standards"])
        listed = []
        for standard in standards:
            if standard == "ocf":
                listed += [f"ocf:{p}" for p in self.lines([self.crm_resource, "--list-ocf-providers"])]
            else:
                listed.append(standard)
        agents = []
        for prefix in listed:
            stdout, _, code = self.run([self.crm_resource, "--list-agents", prefix])
            if code == 0:
                agents += [f"{prefix}:{a}" for a in split_lines(stdout) if a not in IGNORED_AGENTS]
        return agents

    def lines(self, argv):
        return sorted(set(split_lines(self.run(argv)[0])))

    # -- its parameters and actions
    def load(self, full_name):
        stdout, stderr, code = self.run([self.crm_resource, "--show-metadata", full_name])
        if code != 0:
            raise Refused(not_installed(full_name, stderr.strip()))
        try:
            root = ElementTree.fromstring(stdout.strip())
        except ElementTree.ParseError as e:
            raise Refused(not_installed(full_name, str(e))) from e
        version = ocf_version(root)
        if version not in OCF_VERSIONS:
            raise Refused(
                f"Unable to process agent '{full_name}' as it implements unsupported OCF version "
                f"'{version}', supported versions are: {quoted(OCF_VERSIONS)}"
            )
        return parameters_of(root, version), [a.get("name") for a in root.iterfind("./actions/action")]

    def for_stonith(self, parameters):
        """pcs's view of a fence agent: help/version gone, `action` and `port` not required, fenced's own."""
        kept = [p for p in parameters if p.name not in ("help", "version")]
        port_related = related_to_port(kept)
        for p in kept:
            if p.name == "action":
                p.required, p.deprecated = False, True
                p.deprecated_by = STONITH_ACTION_REPLACED_BY + p.deprecated_by
            if p.name in port_related:
                p.required = False
        return kept + self.fenced_parameters()

    def fenced_parameters(self):
        if self.fenced is None:
            self.fenced = []
            for path in filter(os.path.exists, FENCED):
                stdout, _, _ = self.run([path, "metadata"])
                try:
                    root = ElementTree.fromstring(stdout.strip())
                except ElementTree.ParseError:
                    continue
                self.fenced = parameters_of(root, ocf_version(root))
                break
        return self.fenced

    @staticmethod
    def trace_parameters(parameters):
        have = {p.name.lower() for p in parameters}
        return [Parameter(name, False, False, []) for name in ("trace_ra", "trace_file") if name not in have]

    def attribute_errors(self, parameters, names, kind):
        allowed = {p.name for p in parameters}
        unknown = names - allowed
        if unknown and not self.fenced and kind == "stonith":
            # fenced's parameters could not be read: pcmk_* ones are left for pcs to judge at create
            unknown = {name for name in unknown if not name.startswith("pcmk_")}
        errors = [invalid_options(unknown, allowed, kind)] if unknown else []
        errors += required_errors(parameters, names, kind)
        if kind == "stonith" and "action" in names:
            errors.append(deprecated_action(self.deprecation_reworded))
        return errors


def split_lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def not_installed(full_name, reason):
    return f"Agent '{full_name}' is not installed or does not provide valid metadata: {reason}"


def ocf_version(root):
    version = root.findtext("./version")
    return "1.0" if version is None else version.strip()


def parameters_of(root, version):
    """Names, required and deprecation of each parameter, OCF 1.0 (obsoletes) or 1.1 (replaced-with)."""
    elements = list(root.iterfind("./parameters/parameter"))
    replacing = {}
    for el in elements:
        if el.get("obsoletes"):
            replacing.setdefault(el.get("obsoletes"), []).append(el.get("name"))
    parameters = []
    for el in elements:
        name = el.get("name")
        if version == "1.1":
            deprecated_el = el.find("deprecated")
            deprecated = deprecated_el is not None
            by = [r.get("name") for r in deprecated_el.iterfind("replaced-with")] if deprecated else []
        else:
            deprecated, by = el.get("deprecated") == "1", sorted(replacing.get(name, []))
        parameters.append(Parameter(name, el.get("required") == "1", deprecated, by))
    return parameters


def related_to_port(parameters):
    """`port` and what replaces it, transitively: pacemaker fills it from pcmk_host_map/list."""
    related, frontier = set(), {"port"}
    while frontier:
        found = {p.name for p in parameters if p.name in frontier and p.name not in related}
        related |= found
        frontier = {new for p in parameters if p.name in found for new in p.deprecated_by}
    return related


def required_errors(parameters, names, kind):
    """pcs's required-parameter rule: a required one, or any of the older ones it deprecates."""
    olds_of = olds_by_new(parameters)
    errors, missing = [], set()
    for p in parameters:
        if not p.required or p.deprecated:
            continue
        olds = olds_of.get(p.name, set())
        if olds and not ({p.name} | olds) & names:
            errors.append(required_one_of({p.name} | olds, olds, kind))
        elif not olds and p.name not in names:
            missing.add(p.name)
    return errors + ([required_missing(missing, kind)] if missing else [])


def olds_by_new(parameters):
    direct = {}
    for p in parameters:
        for new in p.deprecated_by:
            direct.setdefault(new, set()).add(p.name)
    result = {}
    for p in parameters:
        seen, frontier = set(), set(direct.get(p.name, set()))
        while frontier:
            seen |= frontier
            frontier = {old for name in frontier for old in direct.get(name, set())} - seen
        if seen:
            result[p.name] = seen
    return result


# ---- the answer ------------------------------------------------------------------------------


def pcs_version():
    try:
        from importlib import metadata

        return metadata.version("pcs")
    except Exception:  # a pcs without package metadata: try its settings
        try:
            from pcs import settings

            return settings.pcs_version
        except Exception:
            return None


def version_tuple(version):
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def judged(check, library, why, metadata_way):
    if library:
        try:
            return library.judge(check)
        except Exception as e:  # a call that raised: this pcs differs here
            why = f"pcs's library failed on this check ({reason_of(e)})"
    try:
        return dict(metadata_way.judge(check), why=why)
    except Exception as e:  # no way left: not judged, and why
        return dict(verdict(None, None), why=f"{why}; the agent's metadata: {reason_of(e)}")


def main():
    request = json.loads(sys.stdin.readline())
    version = pcs_version()
    metadata_way = AgentMetadata(version)
    if request.get("way") == "metadata":
        library, why = None, "the metadata way was asked for"
    else:
        library, why = usable_library(metadata_way)
    results = [judged(check, library, why, metadata_way) for check in request["checks"]]
    reply = {"pcs": version, "library": why, "results": results}
    sys.stdout.write(REPLY_MARK + json.dumps(reply) + "\n")


main()
