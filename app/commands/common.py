"""Arguments and look-ups several commands share."""

from __future__ import annotations

import argparse


def add_config_args(p: argparse.ArgumentParser) -> None:
    """``--config FILE`` and ``key=value`` overrides (the run config of app/config.py)."""
    p.add_argument("--config", help="YAML config file; keys not given keep their defaults")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. grasp.top_k=4")


def run_config(out_dir: str):
    """The RunConfig that ``syngrasp generate`` saved in ``out_dir``."""
    from ..config import load_run_config

    return load_run_config(out_dir)
