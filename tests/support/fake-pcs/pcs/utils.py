import functools
import os
import subprocess

usefile, filename = False, ""


def run(args, ignore_stderr=False, string_for_stdin=None, env_extend=None, binary_output=False):
    """pcs's old-style runner: (output, exit code), CIB_file set from -f."""
    env = {**os.environ, **(env_extend or {}), **({"CIB_file": filename} if usefile else {})}
    p = subprocess.run(args, input=string_for_stdin, capture_output=True, text=True, env=env)
    return (p.stdout if ignore_stderr else p.stdout + p.stderr), p.returncode


@functools.lru_cache
def cmd_runner():
    return None


@functools.lru_cache
def get_service_manager():
    return None


@functools.lru_cache
def read_known_hosts_file():
    return {}
