"""Looking at data: ``preview`` (a seed's scene, preview_scene.py), ``report`` (review/) and
``export-usd`` (interop/)."""

from __future__ import annotations

import json
import os

from ...core import layout
from .common import run_config


def _report(args) -> int:
    from ...review.report_html import write_report

    out = args.out or os.path.join(args.dir, layout.REPORT)
    write_report(args.dir, out, episodes_shown=args.episodes)
    print(out)
    return 0


def _export_usd(args) -> int:
    from ...interop.usd_export import export_episode_usd

    info = export_episode_usd(args.dir, args.episode, args.out, run_config(args.dir))
    print(json.dumps(info))
    return 0


def add_parsers(sub) -> None:
    """``preview`` (``syngrasp preview ...`` runs preview_scene.py's own parser: app.cli.main hands it
    the arguments), ``report`` (HTML page about a run) and ``export-usd`` (one episode as a USD stage)."""
    sub.add_parser("preview", help="render a scene contact sheet (options: syngrasp preview --help)")
    rep = sub.add_parser("report", help="write one self-contained HTML report about a finished run")
    rep.add_argument("dir", help="dataset folder written by syngrasp generate (HDF5 and/or LeRobot)")
    rep.add_argument("--out", help=f"HTML file to write (default: DIR/{layout.REPORT})")
    rep.add_argument("--episodes", type=int, default=6, help="random episodes on the contact sheet")
    rep.set_defaults(func=_report)
    usd = sub.add_parser("export-usd", help="write one recorded episode as a USD stage (robot, objects, lights, "
                                            "cameras, time-sampled body transforms)")
    usd.add_argument("dir", help=f"dataset folder with {layout.HDF5_GLOB} and {layout.CONFIG}")
    usd.add_argument("--episode", type=int, required=True, help="generation episode index")
    usd.add_argument("--out", required=True, help="USD file to write (.usd, .usda or .usdc)")
    usd.set_defaults(func=_export_usd)
