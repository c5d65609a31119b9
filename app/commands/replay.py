"""Recorded episodes executed again: ``replay`` (fresh MuJoCo sims) and ``crosscheck`` (another engine)."""

from __future__ import annotations

import json
import os
import sys

from ...core import layout, schema
from ...core.errors import ConfigError
from .common import run_config


def _replay(args) -> int:
    from ...core.scene import SceneSpec
    from ...core.schema import ACTION_SOURCE
    from ...exporters.formats.hdf5.reader import read_episode, shard_episode_indices
    from ...generators.episode import EpisodeGenerator
    from ...generators.replay import replay_succeeds

    gen = EpisodeGenerator(run_config(args.dir))
    total = ok = 0
    for shard in layout.hdf5_shards(args.dir):
        for idx in shard_episode_indices(shard):
            if args.limit and total >= args.limit:
                break
            ep = read_episode(shard, idx)
            good = replay_succeeds(gen, SceneSpec.from_json(ep.meta[schema.SCENE]), ep.frames[ACTION_SOURCE["joint"]])
            total += 1
            ok += int(good == bool(ep.meta[schema.SUCCESS]))
    print(json.dumps({"replayed": total, "reproduced": ok, "rate": round(ok / max(total, 1), 3)}))
    return 0


def _crosscheck(args) -> int:
    from ...cluster.crosscheck import crosscheck_dataset, format_summary, summarize
    from ...generators.backend import check_backends
    from ..config import load_check_config

    if args.engine not in check_backends():
        raise ConfigError("--engine", f"'{args.engine}' is not one of {', '.join(check_backends())}")
    cfg = load_check_config(args.dir, args.overrides)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    count = [0]

    def progress(row: dict) -> None:
        count[0] += 1
        if not args.quiet:
            held = "error" if row["error"] else ("held" if row["engine_held"] else "dropped")
            print(f"  episode {row[schema.EPISODE_INDEX]}: {args.engine} {held}", file=sys.stderr, flush=True)

    rows = crosscheck_dataset(args.dir, args.engine, cfg, workers, args.limit, progress)
    summary = summarize(rows)
    print(format_summary(summary, args.engine))
    print(json.dumps({"engine": args.engine, "checked_now": count[0], **summary["overall"], "errors": summary["errors"]}))
    return 0


def add_parsers(sub) -> None:
    rp = sub.add_parser("replay", help="replay recorded action.joint of HDF5 episodes in fresh sims; report how many succeed")
    rp.add_argument("dir", help=f"dataset folder with {layout.HDF5_GLOB} and {layout.CONFIG}")
    rp.add_argument("--limit", type=int, default=0, help="replay at most this many episodes (0: all)")
    rp.set_defaults(func=_replay)
    xc = sub.add_parser("crosscheck", help="re-execute each recorded episode's action.joint in another engine; "
                                           f"held/dropped side table DIR/{layout.CROSSCHECK_TABLE} and agreement rate")
    xc.add_argument("dir", help=f"dataset folder with {layout.HDF5_GLOB} and {layout.CONFIG}")
    xc.add_argument("--engine", default="pybullet", help="cross-check engine (default pybullet)")
    xc.add_argument("--workers", type=int, default=None, help="worker processes (default: one per CPU core)")
    xc.add_argument("--limit", type=int, default=0, help="check at most this many episodes in all (0: all)")
    xc.add_argument("--quiet", action="store_true", help="no per-episode lines")
    xc.add_argument("overrides", nargs="*", metavar="key=value", help="rollout.pybullet.* overrides, e.g. "
                                                                      "rollout.pybullet.friction_scale=0")
    xc.set_defaults(func=_crosscheck)
