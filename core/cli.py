"""``syngrasp`` command line.

Exit codes: 0 success, 1 a failed check, 2 bad input (config, flags, assets),
130 interrupted (Ctrl-C; completed shards stay, the partial one is discarded).
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import SyngraspError


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="YAML config file; keys not given keep their defaults")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. grasp.top_k=4")


def _generate(args) -> int:
    from ..cluster.local import generate_local
    from .config import load_config

    cfg = load_config(args.config, args.overrides, seed=args.seed, episodes=args.episodes)
    print(f"syngrasp: writing {cfg.episodes} episode indices (seed {cfg.seed}) to {args.out}", file=sys.stderr)
    manifest = generate_local(cfg, args.out, progress=not args.quiet)
    summary = {k: manifest[k] for k in ("episodes", "frames", "successes", "bytes")}
    summary["shards"] = len(manifest["shards"])
    print(json.dumps(summary))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["preview"]:
        from .. import preview_scene

        return preview_scene.main(argv[1:])
    parser = argparse.ArgumentParser(prog="syngrasp", description="Synthetic grasp-data factory.")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="generate a sharded dataset (resumes an interrupted run in --out)")
    g.add_argument("--out", required=True, help="output directory")
    g.add_argument("--episodes", type=int, help="number of episode indices to attempt")
    g.add_argument("--seed", type=int, help="run seed")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_config_args(g)
    g.set_defaults(func=_generate)
    sub.add_parser("preview", help="render a scene contact sheet (options: syngrasp preview --help)")
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SyngraspError as e:
        print(f"syngrasp: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("syngrasp: interrupted; completed shards are kept, the partial shard was discarded", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
