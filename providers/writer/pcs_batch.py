# Runs on a cluster node as a long-lived process, one per batch in flight on the cluster during a
# `pulumi` operation (one or two): on its fast path pcs is imported once instead of once per
# command, its import being the slow part of a pcs command (see "How pcs runs" below for its two
# paths, and docs/BENCHMARKS.md for what each costs).
# The program arrives on stdin (its length on the first line, then the text), then one request per
# line, each base64 JSON — so nothing in it, secrets included, is ever on a command line. A batch
# of pcs commands (sent in one request, or staged over several) is applied to a copy of the CIB
# (`pcs -f`) with pcs's own code, validation and messages, then pushed with one
# `pcs cluster cib-push diff-against=<original>`, so changes made meanwhile by others are kept.
# Each step succeeds or leaves the copy as it was. One reply line per request, after REPLY_MARK:
# per-step results, and for a commit the cluster's configuration after the push. Ends when stdin
# closes.
#
# REQUEST: {"op": "stage" | "commit" (the default), "steps": [STEP], "restage": bool?,
#           "readBack": bool?}
# A batch may be built over several requests: "stage" applies its steps to the open batch's copy
# (opening one if none is) and replies with their results; "commit" stages its steps too, then
# pushes the open batch and replies for every step staged in it, in staging order. The writer
# stages steps as the engine sends them, so that their pcs work is done while it waits for the
# rest of the batch, and a commit is only the push. "restage": the steps given are the whole batch,
# in its order: the copy starts again from the batch's original (the staged order would not do).
# "readBack": after the push, ask the CIB whether it was the only change (the writer runs batches
# side by side); without it the reply is the copy pushed, at the version it makes, and the next
# batch's version check tells whether anyone else changed the configuration meanwhile.
# STEP: {"argvs": [[...]], "ifAbsent": id?, "ifPresent": id?, "dropMeta": {"id": id, "names": [...]}?}
# dropMeta is the writer's release of its own hold (target-role=Stopped and its mark on a resource
# it created): removing two meta attributes is an edit of the copy, not worth a pcs command each.
#
# HELLO: {"op": "hello", "path": "auto" | "plain"}, the writer's first request: chooses how pcs
# commands run (see "How pcs runs" below) and replies {"hello": {"path": "fast" | "plain",
# "pcsVersion": ..., "fallback": why?, "ms": ...}}. A batch request before any hello chooses "auto".
import base64
import contextlib
import importlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

REPLY_MARK = "@@pcmk-lab-reply@@ "


class CopyTools:
    """
    pcs's calls to pacemaker tools on a copy of the CIB, served in this process while a batch's
    steps run. Unserved, a step spends ~90% of its time starting them (0.1-0.2 s a step under load:
    cibadmin to read the file, crm_diff and cibadmin again to write it, crm_resource for the agent's
    metadata). Reading and writing a copy is a file read or write here; metadata is kept per agent
    for the life of the process. What cibadmin would add on a write, schema validation, is done
    once per batch by the push to the cluster; a batch refused there is run again with the real
    tools, so each refusal is still pcs's own message for its own step. Only copies are served:
    files under the temporary directory (the batch's copy and pcs's own temporary copies of it).
    """

    SCOPES = {"configuration": "configuration"}
    SCOPES.update({s: "configuration/" + s for s in ("crm_config", "nodes", "resources", "constraints", "rsc_defaults", "op_defaults", "tags", "fencing-topology")})

    def __init__(self):
        self.enabled = False
        self.metadata = {}
        self.pending = {}
        self.tmp = os.path.realpath(tempfile.gettempdir()) + os.sep
        # during the fast path's self-test: a tool on anything but a copy (the cluster's CIB) is not run
        self.sandboxed = False

    def serve(self, args, stdin, env, real, via="runner"):
        """(stdout, stderr, exit code) of args, or of real() when it is not ours to serve."""
        tool, rest = os.path.basename(args[0]), list(args[1:])
        if tool == "crm_resource" and "--show-metadata" in rest or tool == "stonith_admin" and "--metadata" in rest:
            return self.cached((via, tool, *rest), real)
        cib_file = env.get("CIB_file")
        copy = bool(cib_file) and os.path.realpath(cib_file).startswith(self.tmp)
        if self.sandboxed and not copy:
            return "", f"pcmk-lab self-test: {tool} on {cib_file or 'the cluster'} not run\n", 1
        if not self.enabled or not copy:
            return real()
        served = None
        if tool == "cibadmin":
            served = self.cibadmin(rest, stdin, cib_file)
        elif tool == "crm_diff":
            served = self.crm_diff(rest)
        return real() if served is None else served

    def cached(self, key, real):
        if key not in self.metadata:
            result = real()
            if result[2] != 0:
                return result
            self.metadata[key] = result
        return self.metadata[key]

    def cibadmin(self, rest, stdin, cib_file):
        flags, scope = set(), None
        i = 0
        while i < len(rest):
            if rest[i] in ("-o", "--scope") and i + 1 < len(rest):
                scope, i = rest[i + 1], i + 2
                continue
            flags.add(rest[i])
            i += 1
        if scope is not None and scope not in self.SCOPES:
            return None
        if flags <= {"-l", "--local", "-Q", "--query"} and flags & {"-Q", "--query"} and scope is None:
            with open(cib_file) as f:
                return f.read(), "", 0
        writing = flags - {"-V", "--verbose", "-p", "--xml-pipe"}
        if stdin is None or not flags & {"-p", "--xml-pipe"}:
            return None
        if writing == {"--patch"} or writing == {"-P"}:
            if stdin not in self.pending or scope is not None:
                return None
            return self.write(cib_file, self.pending.pop(stdin))
        if writing <= {"--replace", "-R"} and writing:
            return self.replace(cib_file, stdin, scope)
        return None

    def crm_diff(self, rest):
        """pcs diffs its copy before and after a command only to patch the copy: the patch is the new copy."""
        if len(rest) != 5 or rest[0] != "--original" or rest[2] != "--new" or rest[4] != "--no-version":
            return None
        with open(rest[1]) as old, open(rest[3]) as new:
            before, after = old.read(), new.read()
        if before == after:
            return "", "", 0
        token = "<!-- pcmk-lab copy %d -->" % len(self.pending)
        self.pending[token] = after
        return token, "", 1  # crm_diff: 1 = differences found

    def replace(self, cib_file, xml, scope):
        new = ET.fromstring(xml)
        if scope is None or new.tag == "cib":  # cibadmin: a whole CIB replaces the whole CIB
            return self.write(cib_file, xml)
        tree = ET.parse(cib_file)
        parent_path, _, tag = self.SCOPES[scope].rpartition("/")
        parent = tree.getroot().find(parent_path) if parent_path else tree.getroot()
        old = parent.find(tag) if parent is not None else None
        if old is None or new.tag != tag:
            return None
        parent[list(parent).index(old)] = new
        tree.write(cib_file, encoding="unicode")
        return "", "", 0

    @staticmethod
    def write(cib_file, xml):
        with open(cib_file, "w") as f:
            f.write(xml)
        return "", "", 0


COPY = CopyTools()


# =================================================================================================
# How pcs runs: the fast path, the plain path, the fast path's self-test and the switch between
# them. All this script knows of pcs's internals is in this part; the rest runs each pcs command
# through `runner().run(argv)` and gets (exit code, stdout, stderr).
#
# fast:  pcs's own code in this process (`app.main`), its calls to pacemaker's tools on the copy
#        served by CopyTools: pcs is imported once per process, not once per command. It leans on
#        pcs's internals, so at its start it runs a behavioural self-test (self_test) and, when
#        the fast path does not do what pcs does, the process takes the plain path instead.
# plain: each command a `pcs` process of its own, as pcs's users run it: nothing private, and pcs
#        not even imported here (an unknown pcs may break on import). Slower by a pcs start-up per
#        command; the safety net for a pcs the fast path has not met.
# The writer's hello asks for "auto" (fast if its self-test passes) or "plain" (forced).
# =================================================================================================


class PlainPcs:
    """
    pcs as its users run it: its executable, a process per command. Where the executable is a
    Python script (pcs's entry point so far), the command's arguments reach it on stdin, read by a
    line that then runs the script as its interpreter would: secrets stay off the node's process
    list, as on the fast path. Otherwise they are its command line.
    """

    name = "plain"
    # each write of the copy was cibadmin's own, schema validation included
    writes_checked = True

    ARGV_FROM_STDIN = (
        "import json, runpy, sys; sys.argv = [sys.argv[1], *json.loads(sys.stdin.read())]; "
        "runpy.run_path(sys.argv[0], run_name='__main__')"
    )

    def __init__(self):
        self.executable = shutil.which("pcs") or "pcs"
        self.interpreter = python_interpreter_of(self.executable)

    def run(self, argv):
        if self.interpreter:
            command, given = [*self.interpreter, "-c", self.ARGV_FROM_STDIN, self.executable], json.dumps(argv)
        else:
            command, given = [self.executable, *argv], ""
        done = subprocess.run(command, input=given, capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr


def python_interpreter_of(executable):
    """The interpreter and its options from a Python script's #! line; None when it is not one."""
    try:
        with open(executable, "rb") as f:
            line = f.readline(200).decode("utf-8", "replace")
    except OSError:
        return None
    words = line[2:].split() if line.startswith("#!") else []
    return words if any(os.path.basename(w).startswith("python") for w in words) else None


class FastPcs:
    """
    pcs's own code in this process. pcs keeps state for the life of its process, made for one
    command per process; what of it this pcs has is reset before each command (found by what the
    modules hold, not by pcs's version):
    - its command runner, made with the first command's environment (CIB_file: a push after `-f`
      commands would patch the file, not the cluster), and the service manager made with it:
      lru_caches up to pcs 0.11.9.1 and in 0.12.0.x; from 0.11.10 and 0.12.1 on, cmd_runner is
      made afresh per call;
    - the known hosts read from disk (an lru_cache so far);
    - its library modules bound to the first command's environment (after one refused command,
      every later one fails "Errors have occurred"): lib_wrapper._CACHE, in pcs 0.11.5 only
      (from 0.11.6 on pcs builds them afresh per command).
    Raises when pcs does not import or has no `app.main`: the self-test tells the rest.
    """

    name = "fast"
    # CopyTools writes the copy without cibadmin's schema validation: the push validates
    writes_checked = False

    RUNNER_CACHES = ("cmd_runner", "get_service_manager", "read_known_hosts_file")

    def __init__(self):
        sys.argv = ["pcs"]  # pcs reads sys.argv on import
        from pcs import app, utils

        if not callable(getattr(app, "main", None)):
            raise ImportError("pcs.app has no main()")
        self.app, self.utils = app, utils
        cached = [getattr(utils, name, None) for name in self.RUNNER_CACHES]
        self.resets = [f.cache_clear for f in cached if callable(getattr(f, "cache_clear", None))]
        modules = getattr(optional_module("pcs.cli.common.lib_wrapper"), "_CACHE", None)
        if isinstance(modules, dict):
            self.resets.append(modules.clear)
        serve_copies(getattr(optional_module("pcs.lib.external"), "CommandRunner", None), utils)

    def run(self, argv):
        out, err = io.StringIO(), io.StringIO()
        code = 0
        app, utils = self.app, self.utils
        utils.usefile, utils.filename, app.usefile, app.filename = False, "", False, ""
        for reset in self.resets:
            reset()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                app.main(list(argv))
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except Exception as e:  # pcs bug or unexpected input: report it as this step's failure
                code, _ = 1, err.write(f"pcs raised {type(e).__name__}: {e}\n")
        return code, out.getvalue(), err.getvalue()


def optional_module(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def serve_copies(runner_class, utils):
    """
    pcs's two ways of starting a pacemaker tool (its library's CommandRunner.run, its command
    line's utils.run) go through COPY, where this pcs has them; what it lacks runs the real tools.
    """
    real_runner_run = getattr(runner_class, "run", None)
    if callable(real_runner_run):

        def runner_run(self, args, stdin_string=None, env_extend=None, binary_output=False):
            # the runner's environment: a private attribute, or the property of pcs 0.12.3
            base = getattr(self, "_env_vars", None) or getattr(self, "env_vars", None) or {}
            env = {**base, **(env_extend or {})}
            return COPY.serve(
                args, stdin_string, env, lambda: real_runner_run(self, args, stdin_string, env_extend, binary_output)
            )

        runner_class.run = runner_run
    real_utils_run = getattr(utils, "run", None)
    if callable(real_utils_run):

        def utils_run(args, ignore_stderr=False, string_for_stdin=None, env_extend=None, binary_output=False):
            """utils.run's shape: (output, exit code), stderr within output unless ignored."""
            env = {**(env_extend or {}), **({"CIB_file": utils.filename} if utils.usefile else {})}

            def real():
                output, code = real_utils_run(args, ignore_stderr, string_for_stdin, env_extend, binary_output)
                return output, "", code

            out, err, code = COPY.serve(list(args), string_for_stdin, env, real, via="utils")
            return (out if ignore_stderr else out + err), code

        utils.run = utils_run


SELF_TEST = "pcmk-lab-self-test"


def self_test(fast):
    """
    None when the fast path does what pcs does, else what it did wrong. Steps like a batch's, with
    the copies served as in a batch, on scratch copies of an empty CIB; then each copy's XML is
    checked. On the first copy: a resource made; the same again, refused; after that refusal
    another resource (pcs's library, bound to the refused command, would fail it) and a location
    constraint (pcs's command-line code). Then pushes (pcs's own push, which a batch ends with) and
    a resource, each on a copy of its own: a runner or library bound to an earlier command's file
    would write that file instead (and make the real push a write of the batch's copy). A pacemaker
    tool pcs runs on anything but a copy (the cluster's CIB, were a pcs to push there despite
    `-f`) is refused, never run (COPY.sandboxed).
    """
    tmp = tempfile.mkdtemp(prefix="pcmk-lab-self-test-")
    try:
        empty = subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if empty.returncode != 0:
            return f"cibadmin --empty: {first_line(empty.stderr)}"
        files = {}
        for name in ("original", "first", "second", "third", "fourth"):
            files[name] = os.path.join(tmp, name + ".xml")
            with open(files[name], "w") as f:
                f.write(empty.stdout)
        a, b, c = (f"{SELF_TEST}-{x}" for x in "abc")

        def push(name):
            return ["cluster", "cib-push", files[name], "diff-against=" + files["original"]]

        # each step: the copy it runs on, its argv, and None when pcs accepts it, else what pcs's
        # refusal must name
        steps = [
            ("first", create_dummy(a), None),
            ("first", create_dummy(a), a),
            ("first", create_dummy(b), None),
            ("first", ["constraint", "location", b, "prefers", "node1=50"], None),
            ("second", push("first"), None),
            ("third", create_dummy(c), None),
            ("fourth", push("third"), None),
        ]
        two = f"{a} (ocf:pacemaker:Dummy); {b} (ocf:pacemaker:Dummy); {b} on node1 50"
        one = f"{c} (ocf:pacemaker:Dummy)"
        made = {"first": two, "second": two, "third": one, "fourth": one}
        COPY.enabled = COPY.sandboxed = True
        try:
            wrong = self_test_steps([(files[name], argv, refusal) for name, argv, refusal in steps], fast)
        finally:
            COPY.enabled = COPY.sandboxed = False
            COPY.pending.clear()
        for name, expected in made.items():
            found = made_in(files[name])
            if not wrong and found != expected:
                wrong = f"the {name} copy holds {found}, not {expected}"
        return wrong
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def create_dummy(resource_id):
    return ["resource", "create", resource_id, "ocf:pacemaker:Dummy"]


def self_test_steps(steps, fast):
    for path, argv, refusal in steps:
        result = run_step({"argvs": [argv]}, path, fast)
        said = first_line(result.get("stderr") or result.get("stdout") or "")
        command = "pcs " + " ".join(argv)
        if result["ok"] != (refusal is None):
            return f"`{command}` was {'accepted' if refusal else 'refused'}" + (f": {said}" if said else "")
        if refusal and refusal not in said:
            return f"`{command}` was refused without naming {refusal}: {said}"
    return None


def made_in(path):
    """What a self-test copy holds, in short: its primitives and location constraints."""
    configuration = ET.parse(path).getroot().find("configuration")
    primitives = [
        f"{p.get('id')} ({p.get('class')}:{p.get('provider')}:{p.get('type')})" for p in configuration.iter("primitive")
    ]
    locations = [f"{x.get('rsc')} on {x.get('node')} {x.get('score')}" for x in configuration.iter("rsc_location")]
    return "; ".join(sorted(primitives) + sorted(locations)) or "nothing"


def first_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    # pcs may warn before its error: the error is the line that says so
    errors = [line for line in lines if line.startswith("Error")]
    return (errors or lines or [""])[0][:300]


def pcs_version(pcs):
    code, out, _ = pcs.run(["--version"])
    lines = out.split()
    return lines[0] if code == 0 and lines else "unknown"


PCS = None
HELLO = None


def choose(requested):
    """Sets the path of this process (PCS); returns what the writer is told of it (HELLO)."""
    global PCS, HELLO
    clock = time.monotonic()
    fallback = None
    if requested == "plain":
        PCS = PlainPcs()
    else:
        try:
            fast = FastPcs()
            fallback = self_test(fast)
        except Exception as e:  # pcs does not import, or not as the fast path needs
            fallback = f"{type(e).__name__}: {e}"
        PCS = PlainPcs() if fallback else fast
    HELLO = {"path": PCS.name, "pcsVersion": pcs_version(PCS)}
    if fallback:
        HELLO["fallback"] = fallback
    HELLO["ms"] = round((time.monotonic() - clock) * 1000)
    return HELLO


def runner():
    """
    The path chosen. Imported as a module, by tests/support/pcs-compare.py, which compares
    the fast path's served copy with pacemaker's tools: the fast path, unchosen and untested.
    """
    global PCS
    if PCS is None:
        PCS = FastPcs()
    return PCS


# ============================== end of how pcs runs ==============================================


def configured(root):
    """The configuration's elements: the status section reuses resource ids (lrm_resource)."""
    configuration = root.find("configuration")
    return configuration.iter() if configuration is not None else iter(())


def has_id(path, ident):
    return any(el.get("id") == ident for el in configured(ET.parse(path).getroot()))


def meta_edits(work, steps):
    """
    The writer's own meta attributes, set ("setMeta": {"id", "values"}) or removed ("dropMeta":
    {"id", "names"}) on a resource of the copy: its holds and removal marks, and the stop before a
    removal. Edits of the copy, not worth a pcs command each: one parse for a run of such steps.
    """
    tree = ET.parse(work)
    # in resources only: a constraint's resource set refers to a resource by an element with its id
    resources = tree.getroot().find("configuration/resources")
    elements = {el.get("id"): el for el in (resources.iter() if resources is not None else ()) if el.get("id")}
    results = []
    for step in steps:
        edit = step.get("dropMeta") or step["setMeta"]
        el = elements.get(edit["id"])
        if el is None:
            results.append({"ok": True, "skipped": "absent"})
            continue
        if step.get("dropMeta"):
            drop_meta(el, edit["names"])
        else:
            set_meta(el, edit["values"], elements)
        results.append({"ok": True})
    tree.write(work)
    return results


def drop_meta(el, names):
    for meta in el.findall("meta_attributes"):
        for nvpair in meta.findall("nvpair"):
            if nvpair.get("name") in names:
                meta.remove(nvpair)
        if len(meta) == 0:
            el.remove(meta)


def set_meta(el, values, elements):
    """As `pcs resource meta` sets them: in the element's first meta_attributes, ids as pcs makes them."""
    meta = el.find("meta_attributes")
    if meta is None:
        meta = ET.Element("meta_attributes", id=unique_id(f"{el.get('id')}-meta_attributes", elements))
        elements[meta.get("id")] = meta
        el.insert(0, meta)
    for name, value in values.items():
        nvpair = next((n for n in meta.findall("nvpair") if n.get("name") == name), None)
        if nvpair is None:
            nvpair = ET.SubElement(meta, "nvpair", id=unique_id(f"{meta.get('id')}-{name}", elements), name=name)
            elements[nvpair.get("id")] = nvpair
        nvpair.set("value", value)


def unique_id(wanted, elements):
    ident, n = wanted, 1
    while ident in elements:
        ident, n = f"{wanted}-{n}", n + 1
    return ident


# ============================== removal =========================================================
# A batch's removals go in one step: the resources and fence devices of the run that were stopped
# first (the writer's part), deleted from the copy with what refers to them, as pcs's own delete
# takes it along; and constraints, by id. A pcs that deletes several ids in one command (0.11.9
# on) does it; older ones delete one id per command, each a pcs start and several cibadmin runs
# on the copy, so this process does it instead, as pcs 0.11's `resource delete` and `constraint
# delete` do (pcs/resource.py resource_remove, pcs/constraint.py constraint_rm), which
# tests/integration/providers/writer/removal.test.ts checks against pcs itself, per case.

MULTI_DELETE_SINCE = (0, 11, 9)
CLONES = ("clone", "master")
REFERRING = ("rsc", "first", "then", "with-rsc")


def version_tuple(text):
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3]) if text else ()


# constraints first: a resource's delete may take one along, which would then be missing
FAMILIES = (("constraint", "constraints"), ("resource", "resources"), ("stonith", "stonith"))


def removal(step, work, pcs):
    """
    A removal step: {"remove": {"resources": [id...], "stonith": [id...], "constraints": [id...]}}
    (absent ids skipped): `pcs resource|stonith|constraint delete` of them, or the same edit here.
    """
    wanted = step["remove"]
    present = {el.get("id") for el in configured(ET.parse(work).getroot())}
    ids = {kind: [i for i in wanted.get(kind, []) if i in present] for _, kind in FAMILIES}
    if not any(ids.values()):
        return {"ok": True, "skipped": "absent"}
    if version_tuple((HELLO or {}).get("pcsVersion") or pcs_version(pcs)) >= MULTI_DELETE_SINCE:
        return run_step({"argvs": [[family, "delete", *ids[kind]] for family, kind in FAMILIES if ids[kind]]}, work, pcs)
    try:
        tree = ET.parse(work)
        for cid in ids["constraints"]:
            Removal(tree.getroot()).constraint(cid)
        for rid in ids["resources"] + ids["stonith"]:
            Removal(tree.getroot()).resource(rid)
        tree.write(work)
        return {"ok": True}
    except RemovalRefused as e:
        argv = next([family, "delete", *ids[kind]] for family, kind in FAMILIES if ids[kind])
        return {"ok": False, "argv": argv, "code": 1, "stdout": "", "stderr": f"Error: {e}\n"}


class RemovalRefused(Exception):
    pass


class Removal:
    """pcs 0.11's `resource delete ID` (and `stonith delete ID`) on an element tree of the CIB."""

    def __init__(self, root):
        self.root = root
        self.configuration = root.find("configuration")
        self.parent = {c: p for p in root.iter() for c in p}

    def find(self, tag, ident):
        resources = self.configuration.find("resources")
        return next((el for el in resources.iter(tag) if el.get("id") == ident), None) if resources is not None else None

    def element(self, ident):
        resources = self.configuration.find("resources")
        return next((el for el in resources.iter() if el.get("id") == ident), None)

    def drop(self, el):
        self.parent[el].remove(el)

    def resource(self, ident):
        el = self.element(ident)
        if el is None:
            return
        self.refuse_tagged(el)
        if el.tag in CLONES:
            el = next((c for c in el if c.tag in ("primitive", "group")), None)
            if el is None:
                return
        if el.tag == "bundle":
            raise RemovalRefused(f"'{ident}' is a bundle: not handled here")
        if el.tag == "group":
            for member in list(el.iter("primitive")):
                self.primitive(member.get("id"))
            return
        self.primitive(el.get("id"))

    def constraint(self, ident):
        """pcs 0.11's `constraint delete ID` (constraint_rm): the constraint, or a rule of that id."""
        constraints = self.configuration.find("constraints")
        found = [c for c in constraints if c.get("id") == ident] if constraints is not None else []
        for c in found:
            constraints.remove(c)
        if found:
            return
        for rule in list(constraints.iter("rule")) if constraints is not None else []:
            if rule.get("id") == ident and rule in self.parent:
                owner = self.parent[rule]
                owner.remove(rule)
                if owner.find(".//rule") is None and owner in list(constraints):
                    constraints.remove(owner)
                return
        raise RemovalRefused(f"Unable to find constraint - '{ident}'")

    def refuse_tagged(self, el):
        ids = {x.get("id") for x in el.iter() if x.get("id")}
        tags = sorted({self.parent[r].get("id") for r in self.root.iter("obj_ref") if r.get("id") in ids})
        if tags:
            resource_id = el.get("id")
            raise RemovalRefused(
                f"Unable to remove resource '{resource_id}' because it is referenced in "
                + ("tags" if len(tags) > 1 else "the tag")
                + ": " + ", ".join(f"'{t}'" for t in tags)
            )

    def primitive(self, ident):
        p = self.find("primitive", ident)
        if p is None:
            raise RemovalRefused(f"Resource '{ident}' does not exist.")
        parent = self.parent[p]
        # the constraints on its clone too; pcs 0.11 trims sets of the primitive's id only, and its
        # delete then fails on a set that names the clone (a reference to nothing): trimmed here,
        # as pcs 0.12 does
        clone = [parent.get("id")] if parent.tag in CLONES else []
        self.references(ident, also=clone)
        for clone_id in clone:
            self.constraints(clone_id, sets_only=True)
        if parent.tag == "group" and len(list(parent.iter("primitive"))) == 1:
            top = self.parent[parent]
            if top.tag in CLONES:
                self.references(parent.get("id"))
                self.references(top.get("id"))
                self.drop(top)
            else:
                self.references(parent.get("id"))
                self.drop(parent)
        else:
            self.drop(parent if parent.tag in CLONES else p)

    def references(self, ident, also=()):
        """pcs's remove_resource_references: constraints, set members, fencing levels, ACL permissions."""
        self.constraints(ident, also)
        self.fencing_levels(ident)
        for permission in list(self.root.iter("acl_permission")):
            if permission.get("reference") == ident:
                self.drop(permission)

    def constraints(self, ident, also=(), sets_only=False):
        constraints = self.configuration.find("constraints")
        if constraints is None:
            return
        named = {ident, *also}
        for c in list(constraints) if not sets_only else []:
            if c.tag in ("rsc_colocation", "rsc_location", "rsc_order", "rsc_ticket") and any(c.get(a) in named for a in REFERRING):
                constraints.remove(c)
        for ref in list(constraints.iter("resource_ref")):
            if ref.get("id") != ident:
                continue
            rset = self.parent[ref]
            rset.remove(ref)
            if rset.find("resource_ref") is None:
                constraint = self.parent[rset]
                constraint.remove(rset)
                if constraint.find("resource_set") is None and constraint in list(constraints):
                    constraints.remove(constraint)

    def fencing_levels(self, ident):
        topology = self.configuration.find("fencing-topology")
        if topology is None:
            return
        for level in list(topology.iter("fencing-level")):
            devices = level.get("devices", "").split(",")
            if ident in devices:
                kept = [d for d in devices if d != ident]
                if kept:
                    level.set("devices", ",".join(kept))
                else:
                    topology.remove(level)
        if topology.find("fencing-level") is None:
            self.configuration.remove(topology)



def run_steps(steps, work, pcs=None):
    pcs = pcs or runner()
    results, i = [], 0
    meta = lambda step: step.get("dropMeta") or step.get("setMeta")  # noqa: E731
    while i < len(steps):
        if meta(steps[i]):
            j = i
            while j < len(steps) and meta(steps[j]):
                j += 1
            results += meta_edits(work, steps[i:j])
            i = j
        elif steps[i].get("remove"):
            results.append(removal(steps[i], work, pcs))
            i += 1
        else:
            results.append(run_step(steps[i], work, pcs))
            i += 1
    return results


def run_step(step, work, pcs):
    if step.get("ifAbsent") and has_id(work, step["ifAbsent"]):
        return {"ok": True, "skipped": "exists"}
    if step.get("ifPresent") and not has_id(work, step["ifPresent"]):
        return {"ok": True, "skipped": "absent"}
    before = work + ".step"
    shutil.copyfile(work, before)
    if step.get("removeFirst"):
        # what an earlier step of this run marked for removal, under the id this step creates
        first = removal({"remove": step["removeFirst"]}, work, pcs)
        if not first["ok"]:
            shutil.copyfile(before, work)
            return first
    for argv in step["argvs"]:
        code, out, err = pcs.run(["-f", work, *argv])
        if code != 0:
            shutil.copyfile(before, work)
            failed = {"ok": False, "argv": argv, "code": code, "stdout": out, "stderr": err}
            # which of the ids the step creates the copy already had: the CIB says it, not pcs's words
            present = [i for i in step.get("probeIds", []) if has_id(work, i)]
            return {**failed, "present": present} if step.get("probeIds") else failed
    return {"ok": True}


class Open:
    """The batch being built: its copy of the CIB, the version it was read at, the steps staged."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="pcmk-lab-")
        self.original = os.path.join(self.tmp, "original.xml")
        self.work = os.path.join(self.tmp, "work.xml")
        self.steps, self.results, self.ms = [], [], {"steps": 0}
        clock = time.monotonic()
        root = cib_root()
        self.version = version_of(root)
        # a batch run again with the real tools reads everything afresh (Known.forget first)
        self.known = Known.version == self.version
        with open(self.original, "w") as f:
            f.write(Known.cib if self.known else cluster_configuration(root))
        shutil.copyfile(self.original, self.work)
        self.ms["query"] = round((time.monotonic() - clock) * 1000)
        self.ms["known"] = int(self.known)

    def stage(self, steps, served=True):
        clock = time.monotonic()
        COPY.enabled = served
        try:
            results = run_steps(steps, self.work)
        finally:
            COPY.enabled = False
            COPY.pending.clear()
        self.steps += steps
        self.results += results
        self.ms["steps"] += round((time.monotonic() - clock) * 1000)
        return results

    def restart(self):
        shutil.copyfile(self.original, self.work)
        self.steps, self.results = [], []

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


OPEN = None


def opened():
    global OPEN
    if OPEN is None:
        OPEN = Open()
    return OPEN


def discard():
    global OPEN
    if OPEN is not None:
        OPEN.close()
    OPEN = None


def handle(request):
    if request.get("op") == "hello":
        return {"hello": HELLO or choose(request.get("path"))}
    if PCS is None:
        choose("auto")
    try:
        batch = opened()
    except QueryError as e:
        return {"error": str(e)}
    if request.get("restage"):
        batch.restart()
    if request.get("op") == "stage":
        try:
            return {"results": batch.stage(request["steps"])}
        except Exception:
            discard()  # the copy's state is unknown: this batch is over, the writer's commit says so
            raise
    read_back = bool(request.get("readBack"))
    try:
        batch.stage(request["steps"])
        reply = commit(batch, read_back)
    finally:
        discard()
    if reply.get("pushed") and not reply["pushed"]["ok"] and not PCS.writes_checked:
        # the copy's writes were not validated step by step: run the batch again with the real
        # tools, so that a refused step fails alone, with pcs's own message, and the rest goes in
        steps = batch.steps
        Known.forget()
        try:
            again = opened()
            again.stage(steps, served=False)
            reply = commit(again, read_back)
        except QueryError as e:
            return {"error": str(e)}
        finally:
            discard()
        reply["exact"] = True
    return reply


def commit(batch, read_back=False):
    """Pushes the batch's copy; replies with every staged step's result and the configuration."""
    clock, ms = time.monotonic(), batch.ms

    def lap(phase):
        nonlocal clock
        now = time.monotonic()
        ms[phase] = round((now - clock) * 1000)
        clock = now

    results, work, original = batch.results, batch.work, batch.original
    pushed = None
    if any(r["ok"] and not r.get("skipped") for r in results):
        code, out, err = runner().run(["cluster", "cib-push", work, "diff-against=" + original])
        pushed = {"ok": code == 0, "stdout": out, "stderr": err}
    lap("push")
    # The configuration after the push: what the callers' outputs and the next reads rest on.
    cib = read(original)
    if pushed and pushed["ok"] and not read_back:
        cib = predicted_configuration(work, batch.version)
    elif pushed and pushed["ok"]:
        try:
            cib = pushed_configuration(work, batch.version)
        except QueryError:  # pushed, and not read back: what was pushed is the best answer
            Known.forget()
            cib = read(work)
    elif pushed:
        Known.forget()
    lap("reread")
    return {"results": results, "pushed": pushed, "cib": cib, "ms": ms}


def read(path):
    with open(path) as f:
        return f.read()


def cibadmin_query(*args):
    query = subprocess.run(
        ["cibadmin", "--query", *args], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if query.returncode != 0:
        raise QueryError(f"cibadmin --query {' '.join(args)}: {query.stderr.strip()}")
    return query.stdout


class QueryError(Exception):
    pass


def cib_root():
    """The CIB's root element alone: its version (admin_epoch, epoch) for one cheap query."""
    return ET.fromstring(cibadmin_query("--xpath", "/cib", "--no-children"))


def version_of(root):
    return (root.get("admin_epoch"), root.get("epoch"))


def with_configuration(root, configuration):
    """
    A CIB for the copy: the root element, the configuration, and an empty status. The status (the
    operation history of every resource on every node) is most of a full read on a busy cluster,
    and what every pcs command on the copy would parse and write again; the push is a diff of the
    configuration against the original, so the status is never touched.
    """
    root = ET.fromstring(ET.tostring(root))
    for child in list(root):
        root.remove(child)
    root.append(configuration)
    ET.SubElement(root, "status")
    return ET.tostring(root, encoding="unicode")


def cluster_configuration(root=None):
    root = cib_root() if root is None else root
    return with_configuration(root, ET.fromstring(cibadmin_query("--scope", "configuration")))


class Known:
    """
    The configuration this process last pushed, and the CIB version it made: while the live CIB
    still has that version, nobody has changed the configuration since, and the next batch starts
    from it without reading it again (the configuration is most of what a batch reads: two
    queries of it, before and after the push, are a third of a batch's time at 100 resources).
    """

    version = None
    cib = None

    @classmethod
    def forget(cls):
        cls.version, cls.cib = None, None


def pushed_configuration(work, before):
    """
    The configuration after a push of work made on a CIB of version `before`. When the live CIB's
    version is the next epoch, the push was the only change since `before`: the configuration is
    the copy pushed, and is known for the next batch. Otherwise others changed it meanwhile
    (another batch of this writer, an administrator): it is read again, their changes with ours.
    """
    after = cib_root()
    admin_epoch, epoch = before
    if version_of(after) == (admin_epoch, str(int(epoch or 0) + 1)):
        cib = with_configuration(after, ET.parse(work).getroot().find("configuration"))
        Known.version, Known.cib = version_of(after), cib
        return cib
    Known.forget()
    return cluster_configuration()


def predicted_configuration(work, before):
    """
    The configuration after a push of work made on a CIB of version `before`, unread: the copy
    pushed, at the next epoch, as it is when the push was the only change (it is a diff: changes
    others made meanwhile are kept in the CIB, and only missing here). Known for the next batch,
    whose version check then tells: any other change meanwhile took the CIB past that epoch, and
    the next batch reads the configuration afresh. Saves a query on every batch's way back to the
    engine, which waits for it.
    """
    admin_epoch, epoch = before
    version = {"epoch": str(int(epoch or 0) + 1), "num_updates": "0"}
    text = read(work)
    # the copy is a CIB already (root, configuration, empty status): only its root's version
    # changes, in the text itself: parsing and writing it again would cost every batch time that
    # grows with the CIB
    root = ROOT_TAG.search(text)
    tag, found = root.group(0) if root else "", 0
    for name, value in version.items():
        tag, n = re.subn(r'(\s%s=")[^"]*"' % name, r'\g<1>%s"' % value, tag)
        found += n
    if found == len(version):
        cib = text[: root.start()] + tag + text[root.end() :]
    else:  # not as pcs writes it: through the parser
        element = ET.fromstring(text)
        for name, value in version.items():
            element.set(name, value)
        cib = with_configuration(element, element.find("configuration"))
    Known.version, Known.cib = (admin_epoch, version["epoch"]), cib
    return cib


ROOT_TAG = re.compile(r"<cib\b[^>]*>")


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


if __name__ == "__main__":
    # pcs's own subprocesses get stdin from /dev/null above: the requests stream is ours alone.
    serve(sys.stdin.buffer, sys.__stdout__)
