"""Closed-loop evaluation in the data's world: policies, the rollout loop, Wilson intervals, a video sheet.

A policy is anything with ``reset(env, obs, info)`` (called after each ``env.reset``) and
``act(obs) -> action`` (the env's action definition). Built in: ``ScriptedExpert`` (the
generator's own planner) and ``ReplayPolicy`` (a recorded episode's actions, open loop).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable
from typing import Protocol

import numpy as np

from ..core.schema import EPISODE_INDEX, FAILURE_REASON


class Policy(Protocol):
    name: str

    def reset(self, env, obs: dict, info: dict) -> None:
        """Start an episode of ``env`` (already reset to ``obs``, ``info``)."""

    def act(self, obs: dict) -> np.ndarray:
        """The next action (the env's definition, float32)."""


def _hold_action(env, obs) -> np.ndarray:
    """Stay where the arm is, gripper open, in the env's action definition."""
    u = env.unwrapped
    if u.world.action == "joint":
        return np.r_[obs["agent_pos"][:-1], 0.0].astype(np.float32)
    return np.zeros(7, np.float32)


class ScriptedExpert:
    """The generator's planner in the environment: its first plannable grasp (``GraspEnv.expert_plan``),
    executed step by step through ``env.step``; it holds still once the plan is done (or when none plans)."""

    name = "scripted"

    def reset(self, env, obs, info):
        u = env.unwrapped
        traj = u.expert_plan()
        self.actions = u.actions_of(traj) if traj is not None else None
        self.hold = _hold_action(env, obs) if traj is None else None
        self.t = 0

    def act(self, obs):
        if self.actions is None:
            return self.hold
        a = self.actions[min(self.t, len(self.actions) - 1)]
        self.t += 1
        return a


class ReplayPolicy:
    """A recorded episode's actions, open loop; ``actions[index]`` (T, A) in the env's definition."""

    name = "replay"

    def __init__(self, actions: dict[int, np.ndarray]):
        self.recorded = actions

    def reset(self, env, obs, info):
        self.actions = self.recorded[info[EPISODE_INDEX]]
        self.hold = self.actions[-1].copy()
        if env.unwrapped.world.action == "ee_delta":
            self.hold[:6] = 0.0
        self.t = 0

    def act(self, obs):
        a = self.actions[self.t] if self.t < len(self.actions) else self.hold
        self.t += 1
        return a


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (lo, hi) of a success rate k/n (z = 1.96: 95%); (0, 1) when n = 0."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


@dataclasses.dataclass
class Rollout:
    """One evaluated episode: its split, generation index, target category, outcome, steps, seconds, and
    sample frames (first camera, (H, W, 3) uint8) for the video sheet."""

    split: str
    index: int
    category: str
    success: bool
    failure_reason: str
    phase: str
    steps: int
    seconds: float
    frames: list


def run_episode(env, policy: Policy, reset_kw: dict, keep_frames: int = 0) -> Rollout:
    """Reset ``env`` with ``reset_kw``, run ``policy`` until terminated or truncated; keep ``keep_frames``
    evenly spaced frames of the first camera (0: none)."""
    t0 = time.perf_counter()
    obs, info = env.reset(**reset_kw)
    policy.reset(env, obs, info)
    cam = env.unwrapped.cameras[0]
    seen = [obs["pixels"][cam]] if keep_frames else []
    steps = 0
    while True:
        obs, _, term, trunc, info = env.step(policy.act(obs))
        steps += 1
        if keep_frames:
            seen.append(obs["pixels"][cam])
        if term or trunc:
            break
    frames = [seen[i] for i in np.linspace(0, len(seen) - 1, keep_frames).round().astype(int)] if keep_frames else []
    return Rollout(info["split"], info[EPISODE_INDEX], info["target_category"], bool(info["is_success"]),
                   info[FAILURE_REASON], info["phase"], steps, time.perf_counter() - t0, frames)


def evaluate(make: Callable[[str], object], policy: Policy, draws: Iterable[tuple[str, dict]], sample_rollouts: int = 4,
             frames_per_rollout: int = 6, progress: Callable[[Rollout], None] | None = None) -> list[Rollout]:
    """Run ``policy`` on each (split, reset kwargs) of ``draws``; ``make(split)`` gives that split's env
    (made once per split). The first ``sample_rollouts`` rollouts of each split keep frames."""
    envs: dict[str, object] = {}
    out: list[Rollout] = []
    kept: dict[str, int] = {}
    try:
        for split, kw in draws:
            if split not in envs:
                envs[split] = make(split)
            keep = frames_per_rollout if kept.get(split, 0) < sample_rollouts else 0
            kept[split] = kept.get(split, 0) + 1
            r = run_episode(envs[split], policy, kw, keep)
            out.append(r)
            if progress:
                progress(r)
    finally:
        for e in envs.values():
            e.close()
    return out


def summarize(rollouts: list[Rollout]) -> dict:
    """{"overall": row, "per_split": {split: row}, "per_category": {cat: row}}, row = n, successes, rate,
    ci95 (Wilson), failure_reasons (counts)."""
    def row(rs):
        k, n = sum(r.success for r in rs), len(rs)
        reasons: dict[str, int] = {}
        for r in rs:
            if not r.success:
                reasons[r.failure_reason] = reasons.get(r.failure_reason, 0) + 1
        return {"n": n, "successes": k, "rate": round(k / n, 4) if n else 0.0,
                "ci95": [round(v, 4) for v in wilson(k, n)], "failure_reasons": reasons}

    def by(key):
        groups: dict[str, list] = {}
        for r in rollouts:
            groups.setdefault(getattr(r, key), []).append(r)
        return {g: row(rs) for g, rs in sorted(groups.items())}

    return {"overall": row(rollouts), "per_split": by("split"), "per_category": by("category")}


def format_summary(summary: dict, policy: str) -> str:
    """Human-readable lines: overall, per split, per category (rate [95% CI] k/n)."""
    def line(name, r):
        lo, hi = r["ci95"]
        return f"  {name:<20} {100 * r['rate']:5.1f}%  [{100 * lo:5.1f}, {100 * hi:5.1f}]  {r['successes']}/{r['n']}"

    out = [f"policy {policy}: success rate (Wilson 95% interval)", line("all", summary["overall"]), "per split:"]
    out += [line(s, r) for s, r in summary["per_split"].items()]
    out.append("per category:")
    out += [line(c, r) for c, r in summary["per_category"].items()]
    return "\n".join(out)


def video_sheet(rollouts: list[Rollout], tile: int = 128) -> np.ndarray:
    """(rows * (tile + 16), cols * tile, 3) uint8 grid: one row per rollout that kept frames, its sample
    frames left to right, labelled with split, index, category and outcome."""
    from PIL import Image, ImageDraw

    rows = [r for r in rollouts if r.frames]
    if not rows:
        return np.zeros((16, tile, 3), np.uint8)
    cols = max(len(r.frames) for r in rows)
    sheet = Image.new("RGB", (cols * tile, len(rows) * (tile + 16)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, r in enumerate(rows):
        y = i * (tile + 16)
        outcome = "success" if r.success else f"fail: {r.failure_reason} ({r.phase})"  # not a schema key: label
        draw.text((2, y + 2), f"{r.split} #{r.index} {r.category}: {outcome}", fill=(0, 0, 0))
        for j, f in enumerate(r.frames):
            sheet.paste(Image.fromarray(f).resize((tile, tile)), (j * tile, y + 16))
    return np.asarray(sheet)
