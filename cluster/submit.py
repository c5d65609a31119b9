"""Entry point that ``ray submit cluster/gen.yaml cluster/submit.py -- ARGS`` runs on the head node.

It joins the running cluster (``--address auto``) and runs ``syngrasp generate``
with ARGS, e.g. ``--out s3://bucket/prefix --episodes 1000000 --seed 0``.
"""

import sys

from syngrasp.core.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if "--address" not in args:
        args = ["--address", "auto", *args]
    sys.exit(main(["generate", *args]))
