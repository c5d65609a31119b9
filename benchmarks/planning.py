"""Planner quality and cost over many seeded scenes, physics-validated, no rendering.

Usage: python benchmarks/planning.py [--scenes 200] [--seed 0] [key=value ...]

Reports the share of scenes (1-5 objects by default) with a successful pick
within ``grasp.max_attempts`` attempts, the failure histogram, attempts used,
and planning time per episode (grasp sampling + motion planning), median and p95.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import time

os.environ.setdefault("MUJOCO_GL", "egl")

import numpy as np  # noqa: E402

from syngrasp.app.config import load_config  # noqa: E402
from syngrasp.generators.episode import EpisodeGenerator  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg = load_config(None, args.overrides, seed=args.seed, episodes=args.scenes)
    gen = EpisodeGenerator(cfg)
    outcomes: collections.Counter = collections.Counter()
    attempts: collections.Counter = collections.Counter()
    plan_s = []
    t0 = time.perf_counter()
    for i in range(args.scenes):
        r = gen.generate(cfg.seed, i, record=False)
        outcomes[r.failure_reason or "success"] += 1
        attempts[r.attempts] += 1
        plan_s.append(r.timings["grasp_planning"] + r.timings["motion"])
    n = args.scenes
    print(json.dumps({
        "scenes": n,
        "success_rate": round(outcomes["success"] / n, 3),
        "outcomes": dict(outcomes.most_common()),
        "attempts_used": {str(k): v for k, v in sorted(attempts.items())},
        "planning_s_per_episode_median": round(float(np.median(plan_s)), 3),
        "planning_s_per_episode_p95": round(float(np.percentile(plan_s, 95)), 3),
        "wall_s": round(time.perf_counter() - t0, 1),
        "friction_mu": cfg.grasp.friction_mu,
    }, indent=1))


if __name__ == "__main__":
    main()
