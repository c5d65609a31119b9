"""The phases of a pick, declared once: what ``annotation.phase`` indices mean.

The planner labels every control tick of its trajectory with a ``Phase``; rollout records those
values unchanged as ``annotation.phase`` (int64 (T,)); the episode's ``phase_names`` meta stores
``PHASE_NAMES`` (the labels, in index order) so that a dataset says what its indices mean. The
environment reports the furthest phase reached by label, language gives one subtask text per phase.

Index -> label -> what happens (gripper command: 0 open, 1 closed):

    0 approach   transit from the start pose to the pre-grasp pose (collision-free joint path), open
    1 pre-grasp  straight approach along the gripper axis from the pre-grasp pose to the grasp pose, open
    2 grasp      the gripper closes on the target, the arm still (its first frame is the first
                 frame commanded closed)
    3 lift       straight lift by ``motion.lift_height``, closed
    4 shake      a small horizontal circle of the end effector, a test of grasp stability, closed
    5 hold       the arm still for ``motion.hold_time``; success needs the target lifted throughout

Episodes written before this module recorded the same indices with the same labels (the planner's
own names transit/approach/close were mapped by position), so their stored ``phase_names`` read
the same. core is the ground floor: this module imports nothing from the stages.
"""

from __future__ import annotations

import enum


class Phase(enum.IntEnum):
    """One phase of a pick; the value is the recorded ``annotation.phase`` index."""

    APPROACH = 0
    PRE_GRASP = 1
    GRASP = 2
    LIFT = 3
    SHAKE = 4
    HOLD = 5

    @property
    def label(self) -> str:
        """The recorded name: lower case, ``-`` for ``_`` (``Phase.PRE_GRASP.label == "pre-grasp"``)."""
        return self.name.lower().replace("_", "-")

    @property
    def meaning(self) -> str:
        """What happens in the phase (documentation)."""
        return _MEANINGS[self]


_MEANINGS = {
    Phase.APPROACH: "transit from the start pose to the pre-grasp pose on a collision-free joint path, gripper open",
    Phase.PRE_GRASP: "straight approach along the gripper axis from the pre-grasp pose to the grasp pose, gripper open",
    Phase.GRASP: "the gripper closes on the target while the arm holds still; the first frame commanded closed",
    Phase.LIFT: "straight lift of the grasped target by motion.lift_height, gripper closed",
    Phase.SHAKE: "a small horizontal circle of the end effector, a test of grasp stability, gripper closed",
    Phase.HOLD: "the arm holds still for motion.hold_time; success needs the target lifted throughout",
}

PHASES: tuple[Phase, ...] = tuple(Phase)
PHASE_NAMES: tuple[str, ...] = tuple(p.label for p in Phase)


def phase_named(label: str) -> Phase:
    """The Phase recorded as ``label``; a ValueError naming the labels when there is none."""
    for p in Phase:
        if p.label == label:
            return p
    raise ValueError(f"no phase is named {label!r}; the phases are {', '.join(PHASE_NAMES)} (core/phases.py)")
