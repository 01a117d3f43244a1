import functools
import os
import subprocess

from pcs.settings import FLAVOUR

usefile, filename = False, ""


def run(args, ignore_stderr=False, string_for_stdin=None, env_extend=None, binary_output=False):
    """pcs's old-style runner: (output, exit code), CIB_file set from -f."""
    env = {**os.environ, **(env_extend or {}), **({"CIB_file": filename} if usefile else {})}
    p = subprocess.run(args, input=string_for_stdin, capture_output=True, text=True, env=env)
    return (p.stdout if ignore_stderr else p.stdout + p.stderr), p.returncode


def _new_cmd_runner():
    from pcs.lib.external import CommandRunner

    return CommandRunner({"CIB_file": filename} if usefile else {})


def _kept_without_cache_clear(make):
    kept = []

    def first():
        if not kept:
            kept.append(make())
        return kept[0]

    return first


# The runner the push uses: made once and kept (an lru_cache) in pcs 0.11.5 and 0.12.0.2, made per
# call from 0.12.1 on; "unknown-runner": kept by means the writer cannot reset.
if FLAVOUR == "0.12.1":
    cmd_runner = _new_cmd_runner
elif FLAVOUR == "unknown-runner":
    cmd_runner = _kept_without_cache_clear(_new_cmd_runner)
else:
    cmd_runner = functools.lru_cache()(_new_cmd_runner)


@functools.lru_cache
def get_service_manager():
    return None


@functools.lru_cache
def read_known_hosts_file():
    return {}
