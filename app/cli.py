"""``syngrasp`` command line: ``build_parser`` assembles every command group of ``app/commands/``;
``main`` parses and runs one command.

Exit codes: 0 success, 1 a failed check or run (more episode errors than cluster.max_error_share, a full disk, an
unreachable store), 2 bad input (config, flags, assets, an --out that is a file or cannot be written, malformed YAML),
130 interrupted (Ctrl-C; completed shards stay, the partial one is discarded). app/errors.py turns each into one line.
"""

from __future__ import annotations

import argparse
import sys

from .commands import assets, config, dataset, evaluate, generate, replay, review, robots
from .errors import guarded

# the command groups, in the order ``syngrasp --help`` lists them
COMMAND_GROUPS = (generate, dataset, replay, robots, config, assets, review, evaluate)


def build_parser() -> argparse.ArgumentParser:
    """The full ``syngrasp`` parser (every command, option and help text); builds it, runs nothing.

    Each parsed command carries ``func(args) -> exit code``. ``syngrasp preview ...`` is listed here but
    parsed by preview_scene.py's own parser (``main`` hands it the arguments).
    """
    parser = argparse.ArgumentParser(prog="syngrasp", description="Synthetic grasp-data factory.")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["preview"]:
        from .. import preview_scene

        return preview_scene.main(argv[1:])
    args = build_parser().parse_args(argv)
    return guarded(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
