"""``syngrasp config show``: the resolved run config, every key with the doc its dataclass declares."""

from __future__ import annotations

from .common import add_config_args


def _config_show(args) -> int:
    from ..config import load_config
    from ..config_show import render

    cfg = load_config(None if args.defaults else args.config, [] if args.defaults else args.overrides,
                      seed=0, episodes=0)
    print(render(cfg), end="")
    return 0


def add_parsers(sub) -> None:
    cf = sub.add_parser("config", help="the run config: `config show` prints every key, resolved, with its doc")
    csub = cf.add_subparsers(dest="config_command", required=True)
    cs = csub.add_parser("show", help="print the resolved config (file + overrides) with each key's doc")
    cs.add_argument("--defaults", action="store_true", help="the defaults only (ignore --config and overrides)")
    add_config_args(cs)
    cs.set_defaults(func=_config_show)
