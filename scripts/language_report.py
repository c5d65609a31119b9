"""How varied the instructions are over many episodes (scene sampling only: no physics, no rendering).

    PYTHONPATH=... python3 scripts/language_report.py [--episodes 1000] [--seed 0] [key=value ...]

Each episode's scene is sampled as ``syngrasp generate`` samples it, and its
instruction is composed from the drop poses and the front camera's sampled
pose (generation uses the settled poses, which differ by millimetres to
centimetres). Prints one JSON object: distinct instructions, templates and
verbs used, share with a spatial relation, with a size word, with a colour,
and share without a unique phrase.
"""

from __future__ import annotations

import argparse
import collections
import json

import numpy as np


def main() -> None:
    from syngrasp.assets import build_catalog, load_robot
    from syngrasp.assets.meshes import object_geometry
    from syngrasp.app.config import load_config
    from syngrasp.core.geometry import quat_to_mat
    from syngrasp.core.rng import episode_rng
    from syngrasp.randomization.language import TEMPLATES, describe_target
    from syngrasp.randomization.scene import sample_scene

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg = load_config(None, args.overrides, seed=args.seed, episodes=args.episodes)
    catalog = build_catalog(cfg.scene.asset_sources)
    robot = load_robot(cfg.rollout.robot)
    texts, templates, verbs = collections.Counter(), collections.Counter(), collections.Counter()
    rel = size = colour = ambiguous = 0
    for i in range(args.episodes):
        rng = episode_rng(args.seed, i)
        scene = sample_scene(cfg.scene, catalog, robot, rng)
        pos = np.array([o.pos for o in scene.objects])
        sizes = np.array([max(object_geometry(catalog.by_id(o.asset_id), tuple(o.scale)).visual.extents)
                          for o in scene.objects])
        c = scene.cameras[0]
        R = quat_to_mat(c.quat) @ np.diag([1.0, -1.0, -1.0])
        T = np.eye(4)
        T[:3, :3], T[:3, 3] = R.T, -R.T @ np.asarray(c.pos)
        d = describe_target(scene, pos, sizes, T, rng.spawn(1)[0])
        texts[d.text] += 1
        templates[d.template] += 1
        verbs[d.verb] += 1
        rel += bool(d.relation)
        size += "size" in d.attributes
        colour += "colour" in d.attributes
        ambiguous += not d.unique
    n = args.episodes
    print(json.dumps({
        "episodes": n,
        "distinct_instructions": len(texts),
        "most_common": texts.most_common(3),
        "templates_used": f"{len(templates)}/{len(TEMPLATES)}",
        "verbs": dict(verbs),
        "share_spatial_relation": round(rel / n, 3),
        "share_size_word": round(size / n, 3),
        "share_colour": round(colour / n, 3),
        "share_not_unique": round(ambiguous / n, 3),
    }, indent=1))


if __name__ == "__main__":
    main()
