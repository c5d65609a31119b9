"""RRT-Connect in joint space with shortcut smoothing, driven by the episode's generator.

Kuffner & LaValle's bidirectional RRT: two trees grow from start and goal,
each extension of one tree is followed by a greedy connect of the other. Edges
are checked at a fixed joint-space resolution through a validity function, so
any backend's collision checker plugs in. All randomness comes from ``rng``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Valid = Callable[[np.ndarray], bool]


def _edge_ok(a: np.ndarray, b: np.ndarray, valid: Valid, resolution: float) -> bool:
    n = max(1, int(np.ceil(np.max(np.abs(b - a)) / resolution)))
    return all(valid(a + (b - a) * (k / n)) for k in range(1, n + 1))


class _Tree:
    def __init__(self, root: np.ndarray):
        self.nodes = [root]
        self.parent = [-1]

    def nearest(self, q: np.ndarray) -> int:
        d = np.linalg.norm(np.asarray(self.nodes) - q, axis=1)
        return int(np.argmin(d))

    def add(self, q: np.ndarray, parent: int) -> int:
        self.nodes.append(q)
        self.parent.append(parent)
        return len(self.nodes) - 1

    def path_to_root(self, i: int) -> list[np.ndarray]:
        out = []
        while i != -1:
            out.append(self.nodes[i])
            i = self.parent[i]
        return out


def _extend(tree: _Tree, target: np.ndarray, step: float, valid: Valid, res: float) -> tuple[int, bool]:
    """One step from the nearest node toward ``target``; (new node index or -1, reached target)."""
    i = tree.nearest(target)
    q = tree.nodes[i]
    d = target - q
    dist = float(np.linalg.norm(d))
    reached = dist <= step
    new = target if reached else q + d * (step / dist)
    if not _edge_ok(q, new, valid, res):
        return -1, False
    return tree.add(new, i), reached


def rrt_connect(
    start: np.ndarray,
    goal: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    valid: Valid,
    rng: np.random.Generator,
    *,
    step: float = 0.3,
    resolution: float = 0.05,
    max_iters: int = 2000,
) -> list[np.ndarray] | None:
    """A collision-free joint path [start, ..., goal] (each (n,) [rad]) or None after ``max_iters``.

    ``valid(q)`` says whether configuration q is collision-free; samples are uniform in
    [lower, upper]; edges are checked every ``resolution`` rad (max-norm).
    """
    if _edge_ok(start, goal, valid, resolution):
        return [start, goal]
    ta, tb = _Tree(np.asarray(start, float)), _Tree(np.asarray(goal, float))
    a_is_start = True
    for _ in range(max_iters):
        sample = rng.uniform(lower, upper)
        ia, _ = _extend(ta, sample, step, valid, resolution)
        if ia >= 0:
            qa = ta.nodes[ia]
            while True:  # connect: keep stepping the other tree toward the new node
                ib, reached = _extend(tb, qa, step, valid, resolution)
                if ib < 0:
                    break
                if reached:
                    pa = ta.path_to_root(ia)[::-1]
                    pb = tb.path_to_root(ib)[1:]
                    path = pa + pb
                    return path if a_is_start else path[::-1]
        ta, tb = tb, ta
        a_is_start = not a_is_start
    return None


def shortcut(path: list[np.ndarray], valid: Valid, rng: np.random.Generator, rounds: int = 40, resolution: float = 0.05):
    """Remove detours: repeatedly join two random waypoints directly when that edge is valid."""
    path = [np.asarray(p, float) for p in path]
    for _ in range(rounds):
        if len(path) <= 2:
            break
        i, j = sorted(rng.choice(len(path), size=2, replace=False))
        if j - i < 2:
            continue
        if _edge_ok(path[i], path[j], valid, resolution):
            path = path[: i + 1] + path[j:]
    return path
