"""``syngrasp evaluate DIR --policy scripted|replay|CHECKPOINT``: closed-loop success in the data's world.

The environment is ``gym_syngrasp/Grasp-v0`` on the dataset's own config (envs/); this module
only wires the command line: which policy, which splits, how many draws, where the sheet goes.
"""

from __future__ import annotations

import json
import os
import sys

from ...core import layout
from ...core.errors import ConfigError

DEFAULT_SPLITS = ("seen", "unseen_scenes")


def _replay_actions(dataset_dir: str, mode: str, limit: int) -> dict[int, object]:
    """{episode index: recorded actions (T, A) in ``mode``} from the dataset's HDF5 shards."""
    from ...core.schema import ACTION_SOURCE
    from ...exporters.formats.hdf5.reader import read_episode, shard_episode_indices

    shards = layout.hdf5_shards(dataset_dir)
    if not shards:
        raise ConfigError("--policy replay", f"{dataset_dir} has no {layout.HDF5_GLOB}; replay reads the recorded actions "
                                             "from HDF5 shards (generate with writer.format=hdf5 or both)")
    out = {}
    for shard in shards:
        for idx in shard_episode_indices(shard):
            if limit and len(out) >= limit:
                return out
            ep = read_episode(shard, idx)
            out[idx] = ep.frames[ACTION_SOURCE[mode]]
    return out


def _lerobot_policy(path: str):
    """A LeRobot checkpoint as a policy; only when lerobot is importable."""
    try:
        import lerobot  # noqa: F401
    except ImportError:
        raise ConfigError("--policy", f"{path} looks like a LeRobot checkpoint, but lerobot is not installed here. "
                                      "Install lerobot and lerobot_env_syngrasp and run `lerobot-eval "
                                      f"--policy.path={path} --env.type=syngrasp --env.dataset_dir=DIR`, or pass "
                                      "--policy scripted / replay") from None
    from ..lerobot_policy import LeRobotPolicy  # pragma: no cover (needs lerobot)

    return LeRobotPolicy(path)  # pragma: no cover


def evaluate_command(args) -> int:
    from PIL import Image

    from ...envs import SPLITS, make_env
    from ...envs.config import load_splits, load_world
    from ...envs.evaluate import ReplayPolicy, ScriptedExpert, evaluate, format_summary, summarize, video_sheet

    world = load_world(args.dir, None, tuple(args.overrides))
    mode = args.action or world.action
    if args.policy == "scripted":
        policy = ScriptedExpert()
    elif args.policy == "replay":
        policy = ReplayPolicy(_replay_actions(args.dir, mode, args.episodes))
    elif os.path.isdir(args.policy):
        policy = _lerobot_policy(args.policy)
    else:
        raise ConfigError("--policy", f"'{args.policy}' is not scripted, replay or a checkpoint folder")
    if args.policy == "replay":
        draws = [("seen", {"options": {"index": i}}) for i in sorted(policy.recorded)]
    else:
        splits = tuple(args.split) if args.split else DEFAULT_SPLITS + (
            ("unseen_objects", "unseen_categories") if load_splits(args.dir) is not None else ())
        for s in splits:
            if s not in SPLITS:
                raise ConfigError("--split", f"'{s}' is not one of {', '.join(SPLITS)}")
        draws = [(s, {"seed": k}) for s in splits for k in range(args.episodes)]  # not a schema key: reset argument

    def progress(r) -> None:
        if not args.quiet:
            print(f"  {r.split} #{r.index} {r.category}: {'success' if r.success else r.failure_reason} "  # not a schema key
                  f"({r.steps} steps, {r.seconds:.1f} s)", file=sys.stderr, flush=True)

    rollouts = evaluate(lambda s: make_env(args.dir, None, args.overrides, s, mode, args.max_steps), policy, draws,
                        sample_rollouts=args.sheet_rollouts, progress=progress)
    summary = summarize(rollouts)
    print(format_summary(summary, policy.name))
    out = args.sheet or os.path.join(args.dir, f"eval_{policy.name}.png")
    Image.fromarray(video_sheet(rollouts)).save(out)
    print(f"video sheet: {out}")
    print(json.dumps({"policy": policy.name, "action": mode, **summary["overall"],  # not a schema key: report field
                      "per_split": {s: r["rate"] for s, r in summary["per_split"].items()},
                      "seconds": round(sum(r.seconds for r in rollouts), 1)}))
    return 0


def add_parsers(sub) -> None:
    ev = sub.add_parser("evaluate", help="closed-loop success of a policy in the dataset's own world "
                                         "(gym_syngrasp/Grasp-v0): rate with a Wilson 95%% interval per split "
                                         "and category, and a video sheet")
    ev.add_argument("dir", help=f"dataset folder written by syngrasp generate ({layout.CONFIG}, {layout.SPLITS})")
    ev.add_argument("--policy", required=True, help="scripted (the generator's planner), replay (recorded "
                                                    "actions, open loop) or a LeRobot checkpoint folder")
    ev.add_argument("--split", action="append", help="seen, unseen_scenes, unseen_objects, unseen_categories "
                                                     "(repeat; default seen + unseen_scenes, + the unseen_* "
                                                     f"splits when the dataset has {layout.SPLITS})")
    ev.add_argument("--episodes", type=int, default=10, help="draws per split (replay: episodes, 0 = all)")
    ev.add_argument("--action", choices=("ee_delta", "joint"), help="action definition (default: writer.action)")
    ev.add_argument("--max-steps", type=int, default=None, help="steps before truncation (default rollout.max_frames)")
    ev.add_argument("--sheet", help="video sheet PNG (default DIR/eval_<policy>.png)")
    ev.add_argument("--sheet-rollouts", type=int, default=4, help="rollouts per split shown on the sheet")
    ev.add_argument("--quiet", action="store_true", help="no per-episode lines")
    ev.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. render.preset=balanced")
    ev.set_defaults(func=evaluate_command)
