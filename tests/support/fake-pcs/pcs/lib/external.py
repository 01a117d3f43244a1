import os
import subprocess


class CommandRunner:
    """pcs's library runner, as pcs_batch.py patches it: run(args, stdin_string, env_extend, binary_output)."""

    def __init__(self, env_vars):
        self._env_vars = dict(env_vars)

    @property
    def env_vars(self):
        return dict(self._env_vars)

    def run(self, args, stdin_string=None, env_extend=None, binary_output=False):
        env = {**os.environ, **self._env_vars, **(env_extend or {})}
        p = subprocess.run(args, input=stdin_string, capture_output=True, text=True, env=env)
        return p.stdout, p.stderr, p.returncode
