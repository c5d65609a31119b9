"""Stable per-episode instance ids from MuJoCo geom ids (the segmentation render's output).

One rule for every robot: 0 background (floor, walls, pedestal, sky), 1 table, then one id
per robot body in model order, then the target, then each distractor in scene order.
"""

from __future__ import annotations

import json

import mujoco
import numpy as np

from .sim import Sim

BACKGROUND_ID = 0
TABLE_ID = 1


class InstanceIds:
    """Maps MuJoCo geom ids (as the segmentation render returns them) to stable instance ids.

    Attributes:
        lut: (ngeom + 1,) int32; ``lut[g + 1]`` is geom g's instance id, ``lut[0]`` (geom -1,
            nothing drawn) the background.
        names: instance name -> id: ``background``, ``table``, ``robot/<body>``, ``object/<obj name>``.
        target_id: id of the target object.
    """

    def __init__(self, sim: Sim):
        m = sim.model
        names = {"background": BACKGROUND_ID, "table": TABLE_ID}
        body_id: dict[int, int] = {}
        for b in sorted(sim.robot_bodies):
            name = mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, b) or f"body{b}"
            body_id[b] = names[f"robot/{name}"] = len(names)
        order = [sim.scene.target_index] + [i for i in range(len(sim.scene.objects)) if i != sim.scene.target_index]
        for i in order:
            body_id[sim.obj_bodies[i]] = names[f"object/{sim.scene.objects[i].name}"] = len(names)
        self.target_id = body_id[sim.obj_bodies[sim.scene.target_index]]
        self.names = names
        lut = np.zeros(m.ngeom + 1, np.int32)
        table = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, "table")
        for g in range(m.ngeom):
            lut[g + 1] = body_id.get(int(m.geom_bodyid[g]), BACKGROUND_ID)
        lut[table + 1] = TABLE_ID
        self.lut = lut

    def __call__(self, geom_ids: np.ndarray) -> np.ndarray:
        """(H, W) int32 instance ids of an (H, W) geom-id image (-1 = nothing drawn)."""
        return self.lut[geom_ids + 1]

    def to_json(self, target_name: str) -> str:
        """The episode's ``segmentation_ids``: {"ids": {name: id}, "target_id": id, "target": name}."""
        return json.dumps({"ids": self.names, "target_id": int(self.target_id), "target": target_name}, sort_keys=True)
