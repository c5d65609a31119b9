"""Entry point that ``ray submit cluster/gen.yaml app/submit.py -- ARGS`` runs on the head node.

``ray submit`` copies this file to ``~/submit.py`` and runs ``python ~/submit.py ARGS`` in
a login shell, whose ``~/.bashrc`` activates the syngrasp venv (the launcher configs'
setup commands add that line). Should another Python run it, it re-runs itself with the
venv's Python (``$SYNGRASP_VENV``, default ``~/syngrasp/.venv``). It joins the running
cluster (``--address auto``) and runs ``syngrasp generate`` with ARGS, e.g.
``--out s3://bucket/prefix --episodes 1000000 --seed 0``.
"""

import os
import sys


def _venv_python() -> str:
    venv = os.environ.get("SYNGRASP_VENV") or os.path.expanduser("~/syngrasp/.venv")
    return os.path.join(venv, "bin", "python")


if __name__ == "__main__":
    venv_py = _venv_python()
    if sys.prefix == sys.base_prefix and os.path.isfile(venv_py):  # not in a venv: use syngrasp's
        os.execv(venv_py, [venv_py, *sys.argv])
    try:
        from syngrasp.app.cli import main
    except ImportError as e:
        sys.exit(f"submit.py: cannot import syngrasp with {sys.executable} ({e}); run scripts/setup.sh on the "
                 f"head node, or set SYNGRASP_VENV to the venv it made (looked for {venv_py})")
    args = sys.argv[1:]
    if "--address" not in args:
        args = ["--address", "auto", *args]
    sys.exit(main(["generate", *args]))
