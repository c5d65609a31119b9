"""A contact sheet of catalog objects in their own appearance, drawn by the project's renderer.

Each tile is one object alone on a sampled table (own appearance kept, no
distractors, standing upright as authored, bright neutral light), seen from
the scene camera that shows most of it, cropped to the object and resized to
``tile`` px. Used by ``syngrasp assets preview``.
"""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np
from PIL import Image

from ..assets.catalog import AssetCatalog, ObjectAsset
from ..assets.meshes import object_geometry
from ..assets.robot import RobotSpec
from ..core.config import load_config
from ..core.rng import episode_rng
from ..randomization.scene import sample_scene
from .build import build_model
from .render import SceneRenderer

IMAGE = 256  # px: render size before cropping


def object_tile(asset: ObjectAsset, robot: RobotSpec, seed: int, tile: int) -> np.ndarray:
    """(tile, tile, 3) uint8 close-up of ``asset`` keeping its own appearance."""
    cfg = load_config(None, [f"scene.image_size=[{IMAGE},{IMAGE}]", "scene.objects.num_distractors=[0,0]",
                             "scene.objects.own_appearance_prob=1.0", "scene.objects.target_max_width=1.0",
                             "scene.objects.target_min_thickness=0.0", "scene.lighting.intensity=[0.6,0.7]",
                             "scene.lighting.ambient=[0.4,0.45]", "scene.lighting.temperature_k=[5000,6500]"],
                      seed=seed, episodes=1)
    catalog = AssetCatalog((asset,))
    scene = sample_scene(cfg.scene, catalog, robot, episode_rng(seed, 0))
    o = scene.objects[0]
    lowest = float(np.min(object_geometry(asset, tuple(o.scale)).visual.vertices[:, 2]))
    upright = dataclasses.replace(o, quat=(1.0, 0.0, 0.0, 0.0), pos=(o.pos[0], o.pos[1], scene.table.top_z - lowest))
    scene = dataclasses.replace(scene, objects=(upright,))
    model = build_model(scene, catalog, robot, cfg.render)
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    r = SceneRenderer(model, IMAGE, IMAGE, cfg.render)
    try:
        body = model.body("obj0").id
        geoms = [g for g in range(model.ngeom) if model.geom_bodyid[g] == body]
        masks = [np.isin(r.segmentation(data, c), geoms) for c in range(model.ncam)]
        cam = int(np.argmax([m.sum() for m in masks]))
        img, mask = r.rgb(data, cam), masks[cam]
    finally:
        r.close()
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return np.zeros((tile, tile, 3), np.uint8)
    cy, cx = (ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2
    half = min(max(ys.max() - ys.min(), xs.max() - xs.min()) * 0.65 + 4, IMAGE / 2)
    cx, cy = np.clip(cx, half, IMAGE - half), np.clip(cy, half, IMAGE - half)  # keep the crop inside the image
    box = [int(cx - half), int(cy - half), int(cx + half), int(cy + half)]
    return np.asarray(Image.fromarray(img).crop(box).resize((tile, tile), Image.Resampling.LANCZOS))


def object_sheet(assets: list[ObjectAsset], robot: RobotSpec, cols: int = 6, tile: int = 128, seed: int = 0) -> np.ndarray:
    """(rows * tile, cols * tile, 3) uint8 grid of ``object_tile`` images, row-major."""
    tiles = [object_tile(a, robot, seed + i, tile) for i, a in enumerate(assets)]
    tiles += [np.full((tile, tile, 3), 255, np.uint8)] * (-len(tiles) % cols)
    rows = [np.concatenate(tiles[i:i + cols], axis=1) for i in range(0, len(tiles), cols)]
    return np.concatenate(rows, axis=0)
