"""LeRobot's language columns of the data parquet, built from an episode's phases and language meta.

LeRobot (0.6, ``lerobot/datasets/language.py``) declares two per-frame columns, both
``{"dtype": "language", "shape": [1]}`` in info.json and without stats:

    language_persistent  list<struct<role, content, style, timestamp: float32, camera, tool_calls>>
                         on EVERY frame, the episode's whole persistent slice, identical across its
                         frames; a row is active from its ``timestamp`` [s] until the next row of its
                         style (``active_at`` below, LeRobot's ``language_render.active_at``)
    language_events      list<struct<role, content, style, camera, tool_calls>>: rows fired at the frame

syngrasp writes, as LeRobot's own annotation writer orders them (timestamp, style, role):

    subtask   role assistant, one row per run of ``annotation.phase``, at the run's first frame,
              content = the phase's subtask text (meta ``subtasks``, one per phase)
    task_aug  role user, at frame 0: the instruction, then its paraphrases (meta ``task_aug``);
              LeRobot's renderer rotates ``${task}`` through them

and an empty ``language_events`` list on every frame. The row layout comes from core/schema.py.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np
import pyarrow as pa

from ..core import schema
from ..core.episode import Episode

_ARROW = {"string": pa.string(), "float32": pa.float32()}
SUBTASK_STYLE = "subtask"  # LeRobot's language row style of a phase's subtask text
TASK_AUG_STYLE = "task_aug"  # not a schema key: LeRobot's language row style of the instruction's paraphrases
assert {SUBTASK_STYLE, TASK_AUG_STYLE} <= set(schema.PERSISTENT_STYLES)
ASSISTANT, USER = "assistant", "user"  # roles of the rows


def _arrow(type_name: str) -> pa.DataType:
    if type_name == "list<json>":
        return pa.list_(pa.json_() if hasattr(pa, "json_") else pa.string())
    return _ARROW[type_name]


def row_type(fields: Sequence[tuple[str, str, bool]]) -> pa.StructType:
    """The Arrow struct of one language row from its declared (field, type, nullable) triples."""
    return pa.struct([pa.field(n, _arrow(t), nullable=nullable) for n, t, nullable in fields])


PERSISTENT_TYPE = pa.list_(row_type(schema.PERSISTENT_ROW_FIELDS))
EVENTS_TYPE = pa.list_(row_type(schema.EVENT_ROW_FIELDS))


def frame_timestamps(num_frames: int, fps: float) -> np.ndarray:
    """(T,) float32 frame times [s], exactly as the data parquet's ``timestamp`` column stores them."""
    return (np.arange(num_frames, dtype=np.int64) / float(fps)).astype(np.float32)


def _json_list(meta: dict, key: str) -> list[str]:
    value = meta.get(key)
    if value is None or value == "":
        return []
    return [str(x) for x in (json.loads(value) if isinstance(value, str) else value)]


def persistent_rows(episode: Episode) -> list[dict[str, Any]]:
    """The episode's persistent rows (see the module docstring), sorted by (timestamp, style, role).

    Subtask rows need meta ``subtasks`` (JSON list indexed by ``annotation.phase``); task_aug rows
    need meta ``task_aug`` (JSON list). Episodes without them get no such rows. A phase without a
    subtask text is a ValueError naming the episode and the fix.
    """
    meta = episode.meta
    ts = frame_timestamps(episode.num_frames, float(meta[schema.FPS]))
    rows: list[dict[str, Any]] = []
    subtasks = _json_list(meta, schema.SUBTASKS)
    phase = np.asarray(episode.frames.get(schema.PHASE, np.zeros(0, np.int64)))
    if subtasks and len(phase):
        starts = np.concatenate([[0], np.flatnonzero(np.diff(phase)) + 1])
        for i in starts.tolist():
            p = int(phase[i])
            if not 0 <= p < len(subtasks):
                raise ValueError(f"episode {meta.get(schema.EPISODE_INDEX)}: {schema.PHASE} {p} has no subtask text "
                                 f"(meta {schema.SUBTASKS} has {len(subtasks)}); regenerate the episode")
            rows.append(_row(ASSISTANT, subtasks[p], SUBTASK_STYLE, float(ts[i])))
    aug = _json_list(meta, schema.TASK_AUG)
    if aug and len(ts):
        seen: set[str] = set()
        for text in [str(meta[schema.INSTRUCTION]), *aug]:
            text = text.strip()
            if text and text not in seen:
                seen.add(text)
                rows.append(_row(USER, text, TASK_AUG_STYLE, float(ts[0])))
    rows.sort(key=lambda r: (r["timestamp"], r["style"], r["role"]))  # stable: the instruction stays first
    return rows


def _row(role: str, content: str, style: str, timestamp: float) -> dict[str, Any]:
    return {"role": role, "content": content, "style": style, "timestamp": timestamp, "camera": None,
            "tool_calls": None}


def _struct(rows: list[dict[str, Any]], struct: pa.StructType) -> pa.StructArray:
    children = []
    for f in struct:
        if pa.types.is_list(f.type):  # tool_calls: syngrasp emits none
            children.append(pa.nulls(len(rows), f.type))
        else:
            children.append(pa.array([r[f.name] for r in rows], f.type))
    return pa.StructArray.from_arrays(children, fields=list(struct))


def rows_array(per_frame: Sequence[Sequence[dict[str, Any]]], list_type: pa.ListType) -> pa.ListArray:
    """A language column (``PERSISTENT_TYPE`` or ``EVENTS_TYPE``) from per-frame lists of row dicts;
    ``tool_calls`` is written null (``pa.array`` cannot build Arrow's JSON type from Python values)."""
    flat = [r for rows in per_frame for r in rows]
    offsets = np.concatenate([[0], np.cumsum([len(rows) for rows in per_frame])]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), _struct(flat, list_type.value_type), type=list_type)


def language_columns(episodes: list[Episode]) -> dict[str, pa.Array]:
    """``language_persistent`` and ``language_events`` for the frames of ``episodes``, in order."""
    struct = PERSISTENT_TYPE.value_type
    parts, take, counts, base = [], [], [], 0
    for e in episodes:
        rows = persistent_rows(e)
        parts.append(_struct(rows, struct))
        take.append(np.tile(np.arange(base, base + len(rows), dtype=np.int64), e.num_frames))  # same slice per frame
        counts.append(np.full(e.num_frames, len(rows), np.int64))
        base += len(rows)
    values = pa.concat_arrays(parts) if parts else _struct([], struct)
    values = values.take(pa.array(np.concatenate(take))) if take else values
    offsets = np.concatenate([[0], np.cumsum(np.concatenate(counts))]) if counts else np.zeros(1, np.int64)
    offsets = offsets.astype(np.int32)
    persistent = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=PERSISTENT_TYPE)
    frames = len(offsets) - 1
    events = pa.ListArray.from_arrays(pa.array(np.zeros(frames + 1, np.int32)), _struct([], EVENTS_TYPE.value_type),
                                      type=EVENTS_TYPE)
    return {schema.LANGUAGE_PERSISTENT: persistent, schema.LANGUAGE_EVENTS: events}


def active_at(rows: Sequence[dict], t: float, style: str) -> dict | None:
    """The row of ``style`` active at frame time ``t`` [s]: the latest with timestamp <= t (LeRobot's
    ``active_at``); None before the first."""
    live = [r for r in rows if r.get("style") == style and r["timestamp"] <= t]
    return max(live, key=lambda r: r["timestamp"]) if live else None


def check_language(name: str, persistent: Sequence[Sequence[dict]], events: Sequence[Sequence[dict]],
                   timestamps: np.ndarray, phase: np.ndarray | None) -> list[str]:
    """Problems of one episode's language columns (frames in order): the persistent slice must be the
    same on every frame, of persistent styles only; with subtask rows, every frame has an active
    subtask that starts where the frame's ``annotation.phase`` run starts. ``persistent``/``events``:
    per frame, the rows as dicts; ``timestamps`` (T,) [s]."""
    problems = []
    if not len(persistent):
        return problems
    first = list(persistent[0])
    if any(list(rows) != first for rows in persistent[1:]):
        problems.append(f"{name}: {schema.LANGUAGE_PERSISTENT} differs between frames of the episode; "
                        "LeRobot expects the episode's whole persistent slice on every frame")
    bad = sorted({str(r.get("style")) for r in first} - set(schema.PERSISTENT_STYLES))
    if bad:
        problems.append(f"{name}: {schema.LANGUAGE_PERSISTENT} has rows of styles {bad}, not persistent styles "
                        f"{list(schema.PERSISTENT_STYLES)}")
    if any(len(rows) for rows in events):
        bad_ev = sorted({str(r.get("style")) for rows in events for r in rows} & set(schema.PERSISTENT_STYLES))
        if bad_ev:
            problems.append(f"{name}: {schema.LANGUAGE_EVENTS} has rows of persistent styles {bad_ev}")
    if phase is None or not any(r.get("style") == SUBTASK_STYLE for r in first):
        return problems
    starts = np.concatenate([[0], np.flatnonzero(np.diff(phase)) + 1])
    run_start = timestamps[starts[np.searchsorted(starts, np.arange(len(phase)), side="right") - 1]]
    wrong = 0
    for t, t0 in zip(timestamps.tolist(), run_start.tolist()):
        row = active_at(first, t, SUBTASK_STYLE)
        wrong += row is None or row["timestamp"] != t0
    if wrong:
        problems.append(f"{name}: the active subtask does not start with the {schema.PHASE} run in {wrong} "
                        "frames; re-export the episode (syngrasp convert) to rebuild the language columns")
    return problems
