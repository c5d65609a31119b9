"""``syngrasp generate``: a sharded dataset, in this process, on local worker processes or on Ray."""

from __future__ import annotations

import json
import sys

from ...core.errors import ConfigError
from .common import add_config_args


def _generate(args) -> int:
    from ...cluster.local import generate_local
    from ...cluster.store import is_remote, safe_url
    from ..config import load_config

    overrides = list(args.overrides) + ([f"writer.format={args.format}"] if args.format else [])
    cfg = load_config(args.config, overrides, seed=args.seed, episodes=args.episodes)
    if args.workers is not None and args.workers < 0:
        raise ConfigError("--workers", f"{args.workers} is negative; use 0 for in-process or N >= 1 workers")
    print(f"syngrasp: writing {cfg.episodes} episode indices (seed {cfg.seed}) to {safe_url(args.out)}", file=sys.stderr)
    if args.workers == 0 and args.address is None:
        if is_remote(args.out):
            raise ConfigError("--out", "in-process runs (--workers 0) write to a local folder; drop --workers 0")
        manifest = generate_local(cfg, args.out, progress=not args.quiet, verify=args.verify)
    elif cfg.cluster.executor == "processes" or (
        cfg.cluster.executor == "auto" and args.address is None and not is_remote(args.out)
    ):
        if args.address is not None or is_remote(args.out):
            raise ConfigError("cluster.executor", "processes write to a local --out on this machine; use ray")
        from ...cluster.processes import generate_processes

        manifest = generate_processes(cfg, args.out, workers=args.workers, progress=not args.quiet, verify=args.verify)
    else:
        from ...cluster.ray_driver import generate_ray

        manifest = generate_ray(cfg, args.out, workers=args.workers, address=args.address, progress=not args.quiet,
                                verify=args.verify)
    from ...cluster.driver import error_share_exceeded

    redone = manifest.get("redone", [])
    for r in redone:
        print(f"syngrasp: resume: shard {r['shard']} regenerated: {r['problem']}", file=sys.stderr)
    print(json.dumps({**{k: manifest[k] for k in ("episodes", "frames", "successes", "errors", "bytes", "shards")},
                      "redone_shards": len(redone)}))
    too_many = error_share_exceeded(manifest, cfg)
    if too_many:
        print(f"syngrasp: error: {too_many}", file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    g = sub.add_parser("generate", help="generate a sharded dataset (resumes an interrupted run in --out)")
    g.add_argument("--out", required=True, help="output directory")
    g.add_argument("--episodes", type=int, help="number of episode indices to attempt")
    g.add_argument("--seed", type=int, help="run seed")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: one per CPU core); 0 runs in this process (cluster.executor picks processes or Ray)",
    )
    g.add_argument("--address", help="join an existing Ray cluster, e.g. 'auto' (as under ray submit)")
    g.add_argument("--verify", action="store_true",
                   help="on resume, also check the sha256 of every complete shard's files (parallel; slow at scale)")
    g.add_argument("--format", help="output format(s), writer.format: a registered format or alias, comma-separated")
    add_config_args(g)
    g.set_defaults(func=_generate)
