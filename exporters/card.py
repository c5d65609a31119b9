"""The dataset card, ``README.md`` at a LeRobot dataset's root, written by finalize.

It states what a training engineer needs before using the data: the robot,
the cameras (resolution, field of view), the randomization (the run's
``scene`` config and the ranges actually drawn), the action definitions (which
one ``action`` holds), the code version and the run config. It is built from
files already on disk (``meta/info.json`` content, ``meta/syngrasp/episodes/chunk-*/file-*.parquet``,
``config.yaml`` when the folder was written by ``syngrasp generate``), so the
same dataset always gets the same card.
"""

from __future__ import annotations

import json
import os

import yaml

from ..core import layout, schema
from ..core.atomic import atomic_write_text
from .side import read_side_table, side_column

CARD = "README.md"


def _range(values: list[float], fmt: str = "{:.3f}") -> str:
    return f"{fmt.format(min(values))} to {fmt.format(max(values))}" if values else "n/a"


def _scene_summary(scenes: list[dict]) -> list[str]:
    heights = [s["table"]["top_z"] for s in scenes]
    lights = [len(s["lights"]) for s in scenes]
    objects = [len(s["objects"]) for s in scenes]
    sizes = [max(o["scale"]) for s in scenes for o in s["objects"]]
    cats: dict[str, int] = {}
    for s in scenes:
        c = s["objects"][s["target_index"]]["category"]
        cats[c] = cats.get(c, 0) + 1
    top = ", ".join(f"{k} ({v})" for k, v in sorted(cats.items(), key=lambda kv: (-kv[1], kv[0])))
    looks: dict[str, int] = {}
    for s in scenes:  # scenes written before the appearance distribution are wild
        looks[s.get("appearance", "wild")] = looks.get(s.get("appearance", "wild"), 0) + 1
    envs = sorted({s["environment"]["kind"] for s in scenes if s.get("environment")})
    return [
        "- appearance: " + ", ".join(f"{k} ({v})" for k, v in sorted(looks.items()))
        + (f"; environment light: {', '.join(envs)}" if envs else ""),
        f"- table top height (robot base frame): {_range(heights)} m",
        f"- lights per scene: {_range(lights, '{:d}')}",
        f"- objects per scene (target + distractors): {_range(objects, '{:d}')}",
        f"- object scale factors: {_range(sizes)}",
        f"- target categories: {top or 'n/a'}",
    ]


def _key_table(feats: dict, mode: str) -> list[str]:
    """The card's table of every per-frame feature, described from the episode schema (core/schema)."""
    lines = ["| key | dtype | shape per frame | unit | frame | meaning |", "|---|---|---|---|---|---|"]
    for key, ft in feats.items():
        m = schema.match(schema.episode_name(key, mode))
        if m is None:
            continue  # index columns (timestamp, frame_index, ...): LeRobot's own
        spec, _ = m
        lines.append(f"| `{key}` | {ft.get('dtype')} | {ft.get('shape')} | {spec.unit or '-'} | {spec.frame or '-'} "
                     f"| {spec.meaning} |")
    return lines


def _language_lines(feats: dict) -> list[str]:
    """The card's language section: LeRobot's language columns present in ``feats`` (core/schema.py)."""
    keys = [k for k, ft in schema.lerobot_language_features().items() if feats.get(k, {}).get("dtype") == ft["dtype"]]
    if not keys:
        return []
    lines = ["", "## Language", "",
             "LeRobot language columns of the data parquet (list of rows `role, content, style, timestamp, camera, "
             "tool_calls` per frame; no stats):", ""]
    lines += [f"- `{k}`: {schema.LANGUAGE_KEYS[k]}" for k in keys]
    return lines


def _episode_column_lines() -> list[str]:
    """The card's tables of the declared per-episode values: the columns of meta/episodes and of the side
    table (core/schema META, CAMERA_KEYS)."""
    lines = ["", "## Episode metadata", "", "Columns of `meta/episodes/chunk-*/file-*.parquet`, one value per episode:",
             "", "| column | dtype | length | unit | meaning |", "|---|---|---|---|---|"]
    for c in schema.EPISODE_COLUMNS:
        lines.append(f"| `{c.name}` | {c.dtype} | {c.length or 'scalar'} | {c.unit or '-'} | {c.meaning} |")
    lines += ["", "Columns of the side table `meta/syngrasp/episodes/chunk-*/file-*.parquet` (one row per "
              "`episode_index`; arrays flattened row-major):", "", "| column | type | unit | meaning |", "|---|---|---|---|"]
    for m in schema.META:
        if m.side:
            lines.append(f"| `{m.side}` | {m.type_name} | {m.unit or '-'} | {m.meaning} |")
    for ck in schema.CAMERA_KEYS:
        lines.append(f"| `{ck.side.format(cam='<cam>')}` | float64 {ck.shape} | {ck.unit} | {ck.meaning} ({ck.frame}) |")
    return lines


def card_text(out_dir: str, info: dict) -> str:
    """The card's Markdown for the dataset in ``out_dir`` whose info.json content is ``info``."""
    cols = {k: side_column(k) for k in (schema.SCENE, schema.VERSION, schema.SUCCESS)}
    side = read_side_table(out_dir, list(cols.values()), max_files=1).to_pydict()  # first 50,000 episodes
    scenes = [json.loads(s) for s in side.get(cols[schema.SCENE], [])]
    scenes = [s for s in scenes if {"table", "lights", "objects", "cameras", "target_index"} <= s.keys()]  # full SceneSpecs
    n_arm = int(info.get("features", {}).get(schema.STATE, {}).get("shape", [1])[0]) - 1
    cfg_path = os.path.join(out_dir, layout.CONFIG)
    cfg = None
    if os.path.isfile(cfg_path):
        with open(cfg_path) as f:
            cfg = yaml.safe_load(f)
    feats = info["features"]
    mode = schema.action_mode_of(feats)
    lines = [
        "---",
        "license: apache-2.0",
        "task_categories:",
        "- robotics",
        "tags:",
        "- LeRobot",
        "- syngrasp",
        "- synthetic",
        "- grasping",
        "configs:",
        "- config_name: default",
        "  data_files: data/*/*.parquet",
        "---",
        "",
        "# syngrasp synthetic grasping dataset",
        "",
        f"Simulated pick-and-lift episodes of the `{info.get('robot_type')}` robot: randomized table-top scenes "
        "built in MuJoCo, "
        "planned antipodal grasps validated by physics (lift, shake, hold), rendered from the cameras below. "
        "LeRobot v3.0 layout; load with `LeRobotDataset(repo_id, root=<this folder>)`.",
        "",
        f"- episodes: {info['total_episodes']}, frames: {info['total_frames']}, tasks (instructions): {info['total_tasks']}",
        f"- control rate: {info['fps']} Hz",  # not a schema key: LeRobot info.json's frame rate
        "",
        "## Robot",
        "",
        f"- robot: `{info.get('robot_type')}`, {n_arm} arm joints [rad] + parallel gripper",
        f"- `{schema.STATE}`: {n_arm} joint positions [rad] + gripper opening [m]",
        f"- `{schema.EE_POSE}`: grasp-site position [m] + quaternion (w, x, y, z), robot base frame",
        "",
        "## Cameras",
        "",
        "| key | resolution | vertical FoV [deg] (range over episodes) | codec |",
        "|---|---|---|---|",
    ]
    for key, ft in feats.items():
        m = schema.match(key)
        if m is None or m[0].storage != schema.VIDEO:
            continue  # RGB cameras only (depth videos are described in Keys)
        cam = m[1]
        fov = [c["fovy"] for s in scenes for c in s.get("cameras", ()) if c["name"] == cam]
        h, w = ft["shape"][:2]
        lines.append(f"| `{key}` | {w}x{h} | {_range(fov, '{:.1f}')} | {ft['info'].get('video.codec')} |")
    lines += ["", "## Keys", "", f"Every per-frame key (episode schema {schema.SCHEMA_VERSION}):", ""]
    lines += _key_table(feats, mode)
    lines += _language_lines(feats)
    lines += _episode_column_lines()
    lines += [
        "",
        "Per-episode intrinsics (3x3, pixels) and extrinsics (4x4, base frame to OpenCV camera) are in "
        "`meta/syngrasp/episodes/chunk-*/file-*.parquet`, with each episode's full scene description (SceneSpec JSON).",
        "",
        "## Actions",
        "",
        f"`action` holds the **{mode}** definition (`writer.action={mode}`); the other definition has its own key.",
        "",
        "| key | shape | definition |",
        "|---|---|---|",
    ]
    for definition, meaning in schema.action_definitions().items():
        key = schema.output_name(schema.action_source()[definition], mode)
        if key in feats:
            lines.append(f"| `{key}` | {feats[key]['shape']} | {meaning} |")
    trimmed = bool(((cfg or {}).get("rollout") or {}).get("trim_idle", False))
    hold = ((cfg or {}).get("motion") or {}).get("hold_time")
    hold = f"{float(hold):g} s" if isinstance(hold, (int, float)) else "final"
    lines += [
        "",
        f"Idle frames (the gripper closing in place, the {hold} hold after the shake test) were dropped "
        "(`rollout.trim_idle=true`); physics validated the whole motion." if trimmed else
        f"Episodes include the frames where the gripper closes in place and a {hold} hold after the shake test: "
        "they are what the physics check measured (the grasp must hold); `rollout.trim_idle=true` drops them.",
        "",
        "## Randomization",
        "",
        "Drawn per episode from `SeedSequence([seed, episode_index])`; ranges observed in this dataset:",
        "",
    ]
    lines += _scene_summary(scenes) if scenes else ["- (no per-episode scenes found)"]
    if cfg is not None:
        lines += ["", "Configured ranges (`scene` section of the run config):", "", "```yaml",
                  yaml.safe_dump(cfg.get("scene", {}), sort_keys=True).rstrip(), "```"]  # not a schema key: config
    versions = sorted(set(side.get(cols[schema.VERSION], [])))
    successes = side.get(cols[schema.SUCCESS], [])
    lines += [
        "",
        "## Provenance",
        "",
        f"- code: syngrasp {', '.join(versions) if versions else 'unknown'}",
        f"- successful episodes: {sum(successes)} of {len(successes)} written",
        "",
        "## Run config",
        "",
    ]
    if cfg is not None:
        lines += ["```yaml", yaml.safe_dump(cfg, sort_keys=True).rstrip(), "```"]
    else:
        lines += ["Not recorded here (the folder was not written by `syngrasp generate`, e.g. a conversion)."]
    return "\n".join(lines) + "\n"


def write_card(out_dir: str, info: dict) -> str:
    """Write ``out_dir/README.md`` atomically; returns its path."""
    path = os.path.join(out_dir, CARD)
    atomic_write_text(path, card_text(out_dir, info))
    return path


__all__ = ["CARD", "card_text", "write_card"]
