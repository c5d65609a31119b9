"""Commands on a dataset folder as a whole: ``export``, ``validate``, ``stats``, ``convert``, ``finalize``."""

from __future__ import annotations

import json

from ...core import layout
from ...core.errors import ConfigError
from .common import add_config_args, run_config


def _export(args) -> int:
    from ...cluster.export import export_dataset

    export_dataset(args.dir, args.url, threads=args.threads)
    return 0


def _validate(args) -> int:
    from ...exporters.validate import validate

    problems = validate(args.dir)
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s) in {args.dir}" if problems else f"{args.dir}: OK")
    return 1 if problems else 0


def _stats(args) -> int:
    from ...exporters.report import dataset_stats

    stats = dataset_stats(args.dir)
    if not stats:
        raise ConfigError("dir", f"{args.dir} holds no syngrasp dataset")
    if args.json:
        print(json.dumps(stats, indent=1))
        return 0
    for fmt, s in stats.items():
        print(f"[{fmt}]")
        for k, v in s.items():
            print(f"  {k}: {v}")
    return 0


def _convert(args) -> int:
    from ...exporters.convert import convert
    from ..config import load_config

    cfg = load_config(args.config, args.overrides, seed=0, episodes=0)
    print(json.dumps(convert(args.src, args.dst, cfg, to=args.to, source=getattr(args, "from"))))
    return 0


def _finalize(args) -> int:
    from ...cluster.destination import Destination
    from ...cluster.driver import finalize_outputs
    from ...cluster.shards import num_shards

    cfg = run_config(args.dir)
    n = num_shards(cfg.episodes, cfg.writer.shard_size)
    flags = Destination(args.dir).listed_records(n)
    done = finalize_outputs(cfg, args.dir, lambda: (k for k in range(n) if flags[k]))
    print(json.dumps({"complete_shards": sum(flags), "planned_shards": n, "finalized": done}))
    return 0


def add_parsers(sub) -> None:
    ex = sub.add_parser("export", help="upload a finished dataset to a bucket (s3://, gs://, file://), verified")
    ex.add_argument("dir", help="local dataset folder written by syngrasp generate")
    ex.add_argument("url", help="destination, e.g. s3://bucket/prefix")
    ex.add_argument("--threads", type=int, default=4, help="parallel uploads")
    ex.set_defaults(func=_export)
    va = sub.add_parser("validate", help="check a dataset (LeRobot and/or HDF5); exit 1 listing problems")
    va.add_argument("dir")
    va.set_defaults(func=_validate)
    st = sub.add_parser("stats", help="summarise a dataset: episodes, frames, success, categories, lighting, bytes")
    st.add_argument("dir")
    st.add_argument("--json", action="store_true", help="print JSON only")
    st.set_defaults(func=_stats)
    cv = sub.add_parser("convert", help="re-write a folder's shards in another format (HDF5 to LeRobot v3.0 by default)")
    cv.add_argument("src", help=f"folder of shards (e.g. {layout.HDF5_GLOB})")
    cv.add_argument("dst", help="new dataset folder")
    cv.add_argument("--to", help="format(s) to write, as writer.format (default: LeRobot)")
    cv.add_argument("--from", help="format to read when SRC holds shards of several")
    add_config_args(cv)
    cv.set_defaults(func=_convert)
    fz = sub.add_parser("finalize", help="(re)write the dataset-level files of DIR's formats (LeRobot meta/, data/) "
                                         "from its complete shards")
    fz.add_argument("dir")
    fz.set_defaults(func=_finalize)
