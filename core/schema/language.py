"""LeRobot's language columns, as syngrasp fills them.

LeRobot (0.6) stores language annotations in two per-frame columns of the data parquet, each a list of
rows (lerobot/datasets/language.py): ``language_persistent`` holds, on EVERY frame of an episode, the
episode's whole persistent slice (rows of styles subtask, plan, memory, motion, task_aug, each with the
``timestamp`` [s] at which it becomes active; the row active at frame time t is the latest one with
timestamp <= t, ``active_at``); ``language_events`` holds on each frame the event rows fired at that
frame (no timestamp). info.json declares both as ``{"dtype": "language", "shape": [1]}``; they get no stats.
"""

from __future__ import annotations

LANGUAGE_PERSISTENT = "language_persistent"
LANGUAGE_EVENTS = "language_events"
# (field, Arrow type name, nullable) of one row, in LeRobot's order; "json" is Arrow's JSON extension type.
PERSISTENT_ROW_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("role", "string", False), ("content", "string", True), ("style", "string", True),
    ("timestamp", "float32", False), ("camera", "string", True), ("tool_calls", "list<json>", True),
)
EVENT_ROW_FIELDS: tuple[tuple[str, str, bool], ...] = tuple(f for f in PERSISTENT_ROW_FIELDS if f[0] != "timestamp")
PERSISTENT_STYLES = ("subtask", "plan", "memory", "motion", "task_aug")
LANGUAGE_KEYS: dict[str, str] = {
    LANGUAGE_PERSISTENT: "every frame: the episode's task_aug rows (role user, t = 0: the instruction, then its "
                         "paraphrases, meta task_aug) and one subtask row (role assistant) per phase, at the "
                         "phase's first frame, holding that phase's subtask text (meta subtasks)",
    LANGUAGE_EVENTS: "every frame: an empty list (syngrasp fires no language events)",
}


def lerobot_language_features() -> dict[str, dict]:
    """info.json ``features`` of the two language columns, as LeRobot's ``language_feature_info()`` declares them."""
    return {k: {"dtype": "language", "shape": [1], "names": None} for k in LANGUAGE_KEYS}
