"""A contact sheet of catalog objects in their own appearance, drawn by the project's renderer.

Each tile is one object alone on a sampled table (own appearance kept, no
distractors, standing upright as authored, bright neutral light), seen from
the scene camera that shows most of it, cropped to the object and resized to
``tile`` px, drawn by a simulation backend (``generators.backend``) with its classic
raster engine. Used by ``syngrasp assets preview``.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from PIL import Image

from ..assets.catalog import AssetCatalog, ObjectAsset
from ..assets.meshes import object_geometry
from ..assets.robot import RobotSpec
from ..core.errors import AssetError
from ..core.dataconf import apply_override, from_dict, to_dict
from ..core.rng import episode_rng
from ..randomization.config import SceneConfig
from ..randomization.scene import sample_scene
from .backend import get_backend
from .config import RenderConfig

IMAGE = 256  # px: render size before cropping


# the close-up look: one object, its own appearance, soft even light
TILE_SCENE = (f"image_size=[{IMAGE},{IMAGE}]", "objects.num_distractors=[0,0]", "objects.own_appearance_prob=1.0",
              "objects.target_max_width=1.0", "objects.target_min_thickness=0.0", "lighting.intensity=[0.6,0.7]",
              "lighting.ambient=[0.4,0.45]", "lighting.temperature_k=[5000,6500]")


def tile_scene_config(base: SceneConfig) -> SceneConfig:
    """``base`` with the close-up settings of ``TILE_SCENE``."""
    tree = to_dict(base)
    for item in TILE_SCENE:
        apply_override(tree, item)
    return from_dict(SceneConfig, tree)


def object_tile(asset: ObjectAsset, robot: RobotSpec, seed: int, tile: int, render: RenderConfig,
                scene_cfg: SceneConfig | None = None, backend: str = "mujoco") -> np.ndarray:
    """(tile, tile, 3) uint8 close-up of ``asset`` keeping its own appearance: the scene is built with
    ``render``'s settings and drawn by the classic engine of ``backend`` (a registered simulation backend)."""
    cfg_scene = tile_scene_config(scene_cfg or SceneConfig())
    asset = dataclasses.replace(asset, distractor_only=False)  # a tile shows it alone: as the scene's only object
    catalog = AssetCatalog((asset,))
    scene = sample_scene(cfg_scene, catalog, robot, episode_rng(seed, 0))
    o = scene.objects[0]
    lowest = float(np.min(object_geometry(asset, tuple(o.scale)).visual.vertices[:, 2]))
    upright = dataclasses.replace(o, quat=(1.0, 0.0, 0.0, 0.0), pos=(o.pos[0], o.pos[1], scene.table.top_z - lowest))
    scene = dataclasses.replace(scene, objects=(upright,))
    sim_backend = get_backend(backend)
    sim = sim_backend.compile(scene, catalog, robot, render)
    sim.set_positions(sim.positions())  # kinematics and cameras of the initial state
    names = tuple(c.name for c in scene.cameras)
    rig = sim_backend.renderer(sim, names, IMAGE, IMAGE, dataclasses.replace(render, engine="classic"))
    try:
        ids = sim_backend.instance_map(sim)  # the only object is the target
        masks = [ids(rig.segmentation(sim, c)) == ids.target_id for c in names]
        cam = int(np.argmax([m.sum() for m in masks]))
        img, mask = rig.render(sim, names[cam]), masks[cam]
    finally:
        rig.close()
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return np.zeros((tile, tile, 3), np.uint8)
    cy, cx = (ys.min() + ys.max()) / 2, (xs.min() + xs.max()) / 2
    half = min(max(ys.max() - ys.min(), xs.max() - xs.min()) * 0.65 + 4, IMAGE / 2)
    cx, cy = np.clip(cx, half, IMAGE - half), np.clip(cy, half, IMAGE - half)  # keep the crop inside the image
    box = [int(cx - half), int(cy - half), int(cx + half), int(cy + half)]
    return np.asarray(Image.fromarray(img).crop(box).resize((tile, tile), Image.Resampling.LANCZOS))


def _unavailable(tile: int) -> np.ndarray:
    """A grey tile with a red cross: the object could not be drawn."""
    img = np.full((tile, tile, 3), 200, np.uint8)
    k = np.arange(tile)
    img[k, k] = img[k, tile - 1 - k] = (200, 40, 40)
    return img


def object_sheet(assets: list[ObjectAsset], robot: RobotSpec, render: RenderConfig, cols: int = 6, tile: int = 128,
                 seed: int = 0) -> np.ndarray:
    """(rows * tile, cols * tile, 3) uint8 grid of ``object_tile`` images, row-major. Distractor-only
    objects are drawn like any other; an object that cannot be drawn gets a crossed grey tile and a warning."""
    tiles = []
    for i, a in enumerate(assets):
        try:
            tiles.append(object_tile(a, robot, seed + i, tile, render))
        except (AssetError, RuntimeError, ValueError) as e:  # one object that cannot be drawn never stops the sheet
            warnings.warn(f"{a.asset_id}: no tile ({type(e).__name__}: {e})", stacklevel=2)
            tiles.append(_unavailable(tile))
    tiles += [np.full((tile, tile, 3), 255, np.uint8)] * (-len(tiles) % cols)
    rows = [np.concatenate(tiles[i:i + cols], axis=1) for i in range(0, len(tiles), cols)]
    return np.concatenate(rows, axis=0)
