"""``syngrasp export-usd DIR --episode I --out ep.usd``: one recorded episode as a USD stage.

Finds the episode in DIR's HDF5 shards, rebuilds and settles its scene with the run's
config, and hands it to the MuJoCo backend's stage writer (generators/mujoco_backend/usd.py,
which documents the stage layout).
"""

from __future__ import annotations

import os

from ..core import layout
from ..core.errors import ConfigError
from ..core.schema import SCENE
from ..generators.config import GenerationConfig


def _find_episode(root: str, index: int):
    from ..exporters.formats.hdf5.reader import read_episode, shard_episode_indices

    for path in layout.hdf5_shards(root):
        if index in shard_episode_indices(path):
            return read_episode(path, index)
    raise ConfigError("--episode", f"episode {index} is not in any {root}/{layout.HDF5_GLOB}; "
                                   "list them with syngrasp stats or pick a written episode index")


def export_episode_usd(root: str, index: int, out: str, cfg: GenerationConfig) -> dict:
    """Export generation episode ``index`` of the dataset in ``root`` (HDF5 shards) to ``out``.

    ``cfg`` is the run's config (the app loads it from ``root/config.yaml``).
    """
    from ..generators.episode import EpisodeGenerator
    from ..generators.mujoco_backend.usd import write_stage
    from ..core.scene import SceneSpec

    try:
        import pxr  # noqa: F401
    except ImportError as e:
        raise ConfigError("export-usd", "needs usd-core: pip install usd-core") from e
    episode = _find_episode(root, index)
    gen = EpisodeGenerator(cfg)
    scene = SceneSpec.from_json(episode.meta[SCENE])
    sim = gen.make_sim(scene)
    sim.set_target(scene)
    d = os.path.dirname(os.path.abspath(out))
    os.makedirs(d, exist_ok=True)
    return write_stage(sim, episode, out)
