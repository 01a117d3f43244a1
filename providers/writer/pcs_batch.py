# Runs on a cluster node as a long-lived process, one per batch in flight on the cluster during a
# `pulumi` operation (one or two): pcs is imported once (~0.3-0.7 s) instead of once per batch.
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
import base64
import contextlib
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

sys.argv = ["pcs"]
from pcs import app, utils  # noqa: E402  (pcs reads sys.argv on import)
from pcs.cli.common import lib_wrapper  # noqa: E402
from pcs.lib.external import CommandRunner  # noqa: E402

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

    def serve(self, args, stdin, env, real, via="runner"):
        """(stdout, stderr, exit code) of args, or of real() when it is not ours to serve."""
        tool, rest = os.path.basename(args[0]), list(args[1:])
        if tool == "crm_resource" and "--show-metadata" in rest or tool == "stonith_admin" and "--metadata" in rest:
            return self.cached((via, tool, *rest), real)
        cib_file = env.get("CIB_file")
        if not self.enabled or not cib_file or not os.path.realpath(cib_file).startswith(self.tmp):
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
_real_runner_run = CommandRunner.run
_real_utils_run = utils.run


def runner_run(self, args, stdin_string=None, env_extend=None, binary_output=False):
    env = {**self._env_vars, **(env_extend or {})}
    return COPY.serve(
        args, stdin_string, env, lambda: _real_runner_run(self, args, stdin_string, env_extend, binary_output)
    )


def utils_run(args, ignore_stderr=False, string_for_stdin=None, env_extend=None, binary_output=False):
    """utils.run's shape: (output, exit code), stderr within output unless ignored."""
    env = {**(env_extend or {}), **({"CIB_file": utils.filename} if utils.usefile else {})}

    def real():
        output, code = _real_utils_run(args, ignore_stderr, string_for_stdin, env_extend, binary_output)
        return output, "", code

    out, err, code = COPY.serve(list(args), string_for_stdin, env, real, via="utils")
    return (out if ignore_stderr else out + err), code


CommandRunner.run = runner_run
utils.run = utils_run


def pcs(argv):
    """One pcs command in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    utils.usefile, utils.filename, app.usefile, app.filename = False, "", False, ""
    # pcs keeps state for the life of its process, made for one command per process: its command
    # runner with the environment of the first command (CIB_file: a push after `-f` commands would
    # patch the file, not the cluster) and its library modules bound to the first command's
    # environment (after one refused command, every later one fails "Errors have occurred").
    utils.cmd_runner.cache_clear()
    utils.get_service_manager.cache_clear()
    utils.read_known_hosts_file.cache_clear()
    lib_wrapper._CACHE.clear()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            app.main(list(argv))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception as e:  # pcs bug or unexpected input: report it as this step's failure
            code, _ = 1, err.write(f"pcs raised {type(e).__name__}: {e}\n")
    return code, out.getvalue(), err.getvalue()


def configured(root):
    """The configuration's elements: the status section reuses resource ids (lrm_resource)."""
    configuration = root.find("configuration")
    return configuration.iter() if configuration is not None else iter(())


def has_id(path, ident):
    return any(el.get("id") == ident for el in configured(ET.parse(path).getroot()))


def drop_meta(work, steps):
    """Removes the named meta attributes of each step's element: one parse for a run of steps."""
    tree = ET.parse(work)
    # in resources only: a constraint's resource set refers to a resource by an element with its id
    resources = tree.getroot().find("configuration/resources")
    elements = {el.get("id"): el for el in (resources.iter() if resources is not None else ()) if el.get("id")}
    results = []
    for step in steps:
        el = elements.get(step["dropMeta"]["id"])
        if el is None:
            results.append({"ok": True, "skipped": "absent"})
            continue
        for meta in el.findall("meta_attributes"):
            for nvpair in meta.findall("nvpair"):
                if nvpair.get("name") in step["dropMeta"]["names"]:
                    meta.remove(nvpair)
            if len(meta) == 0:
                el.remove(meta)
        results.append({"ok": True})
    tree.write(work)
    return results


def run_steps(steps, work):
    results, i = [], 0
    while i < len(steps):
        if steps[i].get("dropMeta"):
            j = i
            while j < len(steps) and steps[j].get("dropMeta"):
                j += 1
            results += drop_meta(work, steps[i:j])
            i = j
        else:
            results.append(run_step(steps[i], work))
            i += 1
    return results


def run_step(step, work):
    if step.get("ifAbsent") and has_id(work, step["ifAbsent"]):
        return {"ok": True, "skipped": "exists"}
    if step.get("ifPresent") and not has_id(work, step["ifPresent"]):
        return {"ok": True, "skipped": "absent"}
    before = work + ".step"
    shutil.copyfile(work, before)
    for argv in step["argvs"]:
        code, out, err = pcs(["-f", work, *argv])
        if code != 0:
            shutil.copyfile(before, work)
            return {"ok": False, "argv": argv, "code": code, "stdout": out, "stderr": err}
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
    if reply.get("pushed") and not reply["pushed"]["ok"]:
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
        code, out, err = pcs(["cluster", "cib-push", work, "diff-against=" + original])
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
    # changes, in the text itself, as parsing and writing it again cost a batch ~13 ms at 100
    # resources
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
