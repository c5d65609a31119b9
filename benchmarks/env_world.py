"""Is the environment the data's world? Two measurements (README "Evaluate in the data's world").

1. Open-loop replay: the first ``--replays`` recorded successes of run seed ``--seed`` (generated
   in process, exactly as ``syngrasp generate`` records them) are replayed in gym_syngrasp/Grasp-v0
   from the same (seed, index), with ``writer.action=ee_delta`` and ``joint``; the share that
   succeeds again.
2. Scripted expert on held-out scenes: for ``--held-out`` indices past the dataset's range
   (``unseen_scenes``), the generator's success (``generate(record=False)``: up to
   grasp.max_attempts planned grasps validated in physics) vs the scripted expert in the env
   (the generator's first plannable grasp, one try).

    MUJOCO_GL=egl python -m syngrasp.benchmarks.env_world --replays 20 --held-out 30
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from syngrasp.app.config import load_config
from syngrasp.envs import make_env
from syngrasp.envs.evaluate import ReplayPolicy, ScriptedExpert, run_episode, wilson
from syngrasp.generators.episode import EpisodeGenerator

TINY = ["scene.image_size=[64,64]", "render.preset=balanced"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--episodes", type=int, default=40, help="the dataset's range [0, episodes)")
    ap.add_argument("--replays", type=int, default=20)
    ap.add_argument("--held-out", type=int, default=30)
    ap.add_argument("--out", default=None, help="JSON file for the results")
    args = ap.parse_args()
    cfg = load_config(None, TINY, seed=args.seed, episodes=args.episodes)
    gen = EpisodeGenerator(cfg)
    res: dict = {"seed": args.seed, "config": TINY}

    t0 = time.perf_counter()
    recorded: dict[int, dict[str, np.ndarray]] = {}
    for idx in range(args.episodes):
        r = gen.generate(cfg.seed, idx)
        if r.success:
            recorded[idx] = {"ee_delta": r.episode.frames["action"], "joint": r.episode.frames["action.joint"]}
        if len(recorded) == args.replays:
            break
    res["generate_s"] = round(time.perf_counter() - t0, 1)
    for mode in ("ee_delta", "joint"):
        t0 = time.perf_counter()
        env = make_env(config=cfg, action=mode)
        policy = ReplayPolicy({i: a[mode] for i, a in recorded.items()})
        ok = [run_episode(env, policy, {"options": {"index": i}}).success for i in recorded]
        env.close()
        k, n = sum(ok), len(ok)
        res[f"replay_{mode}"] = {"reproduced": k, "n": n, "rate": round(k / n, 3),
                                 "ci95": [round(v, 3) for v in wilson(k, n)],
                                 "failed_indices": [i for i, o in zip(recorded, ok) if not o],
                                 "seconds": round(time.perf_counter() - t0, 1)}
        print(mode, res[f"replay_{mode}"], flush=True)

    t0 = time.perf_counter()
    indices = list(range(args.episodes, args.episodes + args.held_out))
    gen_ok = [gen.generate(cfg.seed, i, record=False).success for i in indices]
    res["generator_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    env = make_env(config=cfg, split="unseen_scenes", action=cfg.writer.action)
    expert = ScriptedExpert()
    exp_ok = [run_episode(env, expert, {"seed": k}).success for k in range(args.held_out)]
    env.close()
    res["expert_s"] = round(time.perf_counter() - t0, 1)
    for name, ok in (("generator", gen_ok), ("expert", exp_ok)):
        k, n = sum(ok), len(ok)
        res[f"held_out_{name}"] = {"successes": k, "n": n, "rate": round(k / n, 3),
                                   "ci95": [round(v, 3) for v in wilson(k, n)]}
    res["held_out_both"] = sum(a and b for a, b in zip(gen_ok, exp_ok))
    res["held_out_indices"] = [indices[0], indices[-1]]
    print(json.dumps(res, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
