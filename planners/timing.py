"""Time parameterisation of joint paths under velocity, acceleration and jerk limits (ruckig)."""

from __future__ import annotations

import numpy as np
from ruckig import InputParameter, Result, Ruckig, Trajectory


def time_parameterize(
    waypoints: list[np.ndarray], vmax: np.ndarray, amax: np.ndarray, jmax: np.ndarray, dt: float
) -> np.ndarray:
    """Sample a stop-at-each-waypoint, jerk-limited trajectory through ``waypoints`` every ``dt`` [s].

    Each segment is ruckig's time-optimal, synchronised motion between waypoints
    at rest. Returns (T, n) joint positions [rad], excluding the first waypoint
    and ending exactly on the last.
    """
    n = len(waypoints[0])
    otg = Ruckig(n)
    segments = []
    for a, b in zip(waypoints, waypoints[1:]):
        inp = InputParameter(n)
        inp.current_position = list(map(float, a))
        inp.target_position = list(map(float, b))
        inp.current_velocity = inp.current_acceleration = [0.0] * n
        inp.target_velocity = inp.target_acceleration = [0.0] * n
        inp.max_velocity, inp.max_acceleration, inp.max_jerk = list(vmax), list(amax), list(jmax)
        traj = Trajectory(n)
        if otg.calculate(inp, traj) not in (Result.Working, Result.Finished):
            raise ValueError("ruckig could not parameterise a segment")
        segments.append(traj)
    ends = np.cumsum([seg.duration for seg in segments])
    out = []
    for k in range(1, int(np.floor(ends[-1] / dt + 1e-9)) + 1):
        t = k * dt
        i = min(int(np.searchsorted(ends, t - 1e-12)), len(segments) - 1)
        local = t - (ends[i - 1] if i else 0.0)
        out.append(np.asarray(segments[i].at_time(min(local, segments[i].duration))[0]))
    if not out or np.max(np.abs(out[-1] - waypoints[-1])) > 1e-9:
        out.append(np.asarray(waypoints[-1], float))
    return np.asarray(out)
