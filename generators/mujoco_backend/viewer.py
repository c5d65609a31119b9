"""MuJoCo's interactive viewer on a built scene (``preview_scene.py --interactive``)."""

from __future__ import annotations

from .sim import Sim


def launch_viewer(sim: Sim) -> None:
    """Open MuJoCo's viewer on ``sim``'s model and state; blocks until closed. Needs a display."""
    import mujoco.viewer

    mujoco.viewer.launch(sim.model, sim.data)
