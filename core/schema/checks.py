"""Checks of whole episodes against the declarations: what every writer runs before writing."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import SchemaError
from ..phases import PHASE_NAMES
from . import frames, meta


def phase_problems(phase: Any, meta_values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, problem) when ``annotation.phase`` values fall outside the episode's phase names (meta
    ``phase_names``, else core/phases.py's)."""
    if not isinstance(phase, np.ndarray) or not phase.size:
        return []
    names = meta_values.get(meta.PHASE_NAMES_KEY)
    try:
        n = len(json.loads(names)) if isinstance(names, str) else len(PHASE_NAMES)
    except ValueError:
        return []  # reported as a meta problem
    if phase.min() < 0 or phase.max() >= n:
        return [(frames.PHASE, f"{frames.PHASE} has values in [{phase.min()}, {phase.max()}], outside the "
                               f"{n} phase names [0, {n})")]
    return []


def episode_problems(frame_arrays: Mapping[str, Any], cameras: Mapping[str, Mapping[str, Any]],
                     meta_values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, problem) for every way an episode's frames, calibration and meta differ from the schema."""
    problems = frames.frame_problems(frame_arrays)
    _, cams, opts = frames.infer_layout(frame_arrays)
    problems += meta.meta_problems(meta_values, opts)
    problems += meta.camera_problems(cameras, sorted(cams))
    problems += phase_problems(frame_arrays.get(frames.PHASE), meta_values)
    return problems


def _raise(problems: list[tuple[str, str]], where: str) -> None:
    if problems:
        key, message = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise SchemaError(key, f"{where}: {message}{more}; the episode schema is declared in core/schema")


def check_episode(episode: Any) -> None:
    """Raise SchemaError naming the first key of ``episode`` (an Episode: frames, cameras, meta) that
    differs from the schema: an undeclared or missing frame or meta key, a wrong dtype, per-frame shape,
    frame count, meta type, calibration shape, or a phase index without a phase name."""
    where = f"episode {episode.meta.get(meta.EPISODE_INDEX, '?')}"
    _raise(episode_problems(episode.frames, episode.cameras, episode.meta), where)


def check_episodes(episodes: Sequence[Any]) -> None:
    """``check_episode`` for each of a shard's episodes, then that they share one layout (the same keys
    with the same per-frame shapes) and that no episode index repeats."""
    seen: dict[Any, int] = {}
    first = None
    for i, ep in enumerate(episodes):
        check_episode(ep)
        idx = ep.meta[meta.EPISODE_INDEX]
        if idx in seen:
            raise SchemaError(meta.EPISODE_INDEX, f"episode index {idx} appears twice in one shard "
                                                  f"(positions {seen[idx]} and {i})")
        seen[idx] = i
        layout = {k: tuple(v.shape[1:]) for k, v in ep.frames.items()}
        if first is None:
            first = layout
        elif layout != first:
            key = sorted(set(layout.items()) ^ set(first.items()))[0][0]
            raise SchemaError(key, f"episode {idx}: {key} differs from the shard's first episode "
                                   f"({layout.get(key)} vs {first.get(key)} per frame); a shard holds one layout")
