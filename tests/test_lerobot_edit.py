"""LeRobot ecosystem: per-episode stats columns survive an episode deletion, writer.action, dataset card."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from syngrasp.cluster.local import generate_local
from syngrasp.app.config import load_config
from syngrasp.core.errors import ConfigError
from syngrasp.assets.robot import load_robot
from syngrasp.exporters.convert import convert
from syngrasp.exporters.side import read_side_table
from syngrasp.exporters.formats.hdf5.reader import read_episode
from syngrasp.exporters.formats.hdf5.writer import HDF5ShardWriter
from syngrasp.exporters.validate import validate

from .conftest import TINY

pytestmark = pytest.mark.sim
STATS = ("min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99")
QS = {"q01": 0.01, "q10": 0.10, "q50": 0.50, "q90": 0.90, "q99": 0.99}


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    out = tmp_path_factory.mktemp("edit") / "ds"
    cfg = load_config(None, TINY + ["writer.shard_size=2", "writer.format=both"], seed=7, episodes=4)
    manifest = generate_local(cfg, str(out), progress=False)
    assert manifest["successes"] >= 3, "need at least three episodes to delete one"
    return out


def _episode_stats(row: dict, features: dict) -> dict:
    """Per-feature stats of one meta/episodes row, parsed as LeRobot's edit tool parses them."""
    out: dict = {}
    for col, value in row.items():
        if not col.startswith("stats/"):
            continue
        feature, stat = col[len("stats/"):].rsplit("/", 1)
        if features.get(feature, {}).get("dtype") == "video" and stat != "count":
            arr = np.array([np.asarray(np.concatenate([np.ravel(x) for x in np.ravel(c)])).item() for c in value], float)
            arr = arr.reshape(3, 1, 1)
        else:
            arr = np.asarray(value, dtype=float)
        out.setdefault(feature, {})[stat] = arr
    return out


def _aggregate(per_episode: list[dict]) -> dict:
    """Count-weighted mean, pooled variance, min/max envelope, count-weighted quantiles (LeRobot's rule)."""
    out = {}
    for feature in per_episode[0]:
        s = [e[feature] for e in per_episode]
        n = np.array([x["count"][0] for x in s], float)
        w = n.reshape(-1, *([1] * s[0]["mean"].ndim))
        means = np.stack([x["mean"] for x in s])
        mean = (means * w).sum(0) / n.sum()
        var = ((np.stack([x["std"] for x in s]) ** 2 + (means - mean) ** 2) * w).sum(0) / n.sum()
        agg = {"min": np.min([x["min"] for x in s], 0), "max": np.max([x["max"] for x in s], 0),
               "mean": mean, "std": np.sqrt(var), "count": np.array([n.sum()])}
        for q in QS:
            agg[q] = (np.stack([x[q] for x in s]) * w).sum(0) / n.sum()
        out[feature] = agg
    return out


def _frames(out, keep: set[int]) -> dict[str, list[np.ndarray]]:
    """Per remaining episode, the raw values of every feature: low-dim from data/, pixels from the HDF5 shards."""
    data = pd.concat([pd.read_parquet(p) for p in sorted(out.glob("data/*/*.parquet"))])
    side = read_side_table(str(out)).to_pydict()
    per: dict[str, list[np.ndarray]] = {}
    for e in sorted(keep):
        rows = data[data["episode_index"] == e]
        for col in rows.columns:
            if col in ("episode_index", "index", "task_index", "language_persistent", "language_events"):
                continue  # numbering, and text (no stats, as in LeRobot)
            per.setdefault(col, []).append(np.stack(rows[col].to_numpy()).reshape(len(rows), -1).astype(float))
        ep = read_episode(str(out / f"shard-{side['shard_index'][e]:06d}.hdf5"), side["source_episode_index"][e])
        for cam in ("front", "side"):
            key = f"observation.images.{cam}"
            per.setdefault(key, []).append(ep.frames[key].reshape(-1, 3).astype(float) / 255.0)
    return per


def test_per_episode_stats_survive_deleting_an_episode(ds):
    info = json.loads((ds / "meta/info.json").read_text())
    rows = pd.read_parquet(ds / "meta/episodes/chunk-000/file-000.parquet").to_dict("records")
    feats = info["features"]
    expected = [k for k in feats if k not in ("episode_index", "index", "task_index") and feats[k]["dtype"] != "language"]
    for k in expected:
        for s in STATS:
            assert f"stats/{k}/{s}" in rows[0], (k, s)
    per_ep = [_episode_stats(r, feats) for r in rows]
    assert per_ep[0]["observation.images.front"]["mean"].shape == (3, 1, 1)
    assert per_ep[0]["action"]["mean"].shape == (7,) and per_ep[0]["action"]["count"].shape == (1,)

    # delete episode 1, as lerobot-edit-dataset --operation.type delete_episodes: stats.json is then
    # aggregated from the remaining episodes' columns alone
    keep = set(range(len(rows))) - {1}
    new = _aggregate([per_ep[e] for e in sorted(keep)])
    raw = _frames(ds, keep)
    for key, parts in raw.items():
        # each remaining episode's columns equal statistics recomputed from its own frames
        for e, x in zip(sorted(keep), parts):
            s = per_ep[e][key]
            got = {k: np.ravel(v) for k, v in s.items()}
            assert got["count"][0] == (len(x) if not key.startswith("observation.images.") else len(x) // (64 * 64))
            np.testing.assert_allclose(got["min"], x.min(0), rtol=0, atol=1e-12, err_msg=key)
            np.testing.assert_allclose(got["max"], x.max(0), rtol=0, atol=1e-12, err_msg=key)
            np.testing.assert_allclose(got["mean"], x.mean(0), rtol=1e-9, atol=1e-12, err_msg=key)
            np.testing.assert_allclose(got["std"], x.std(0), rtol=1e-7, atol=1e-12, err_msg=key)
            for q, p in QS.items():
                ref = np.quantile(x, p, axis=0, method="inverted_cdf" if key.startswith("observation.images.") else "linear")
                np.testing.assert_allclose(got[q], ref, rtol=0, atol=1e-9, err_msg=(key, q))
        # the aggregate equals statistics over all remaining frames (quantiles: LeRobot's weighted approximation)
        x = np.concatenate(parts)
        a = {k: np.ravel(v) for k, v in new[key].items()}
        np.testing.assert_allclose(a["min"], x.min(0), atol=1e-12, err_msg=key)
        np.testing.assert_allclose(a["max"], x.max(0), atol=1e-12, err_msg=key)
        np.testing.assert_allclose(a["mean"], x.mean(0), rtol=1e-9, atol=1e-12, err_msg=key)
        np.testing.assert_allclose(a["std"], x.std(0), rtol=1e-6, atol=1e-9, err_msg=key)
        assert np.all((a["q01"] <= a["q50"] + 1e-12) & (a["q50"] <= a["q99"] + 1e-12)), key
        assert np.all((a["q50"] >= x.min(0) - 1e-12) & (a["q50"] <= x.max(0) + 1e-12)), key
    # the deleted episode mattered: the new statistics differ from the full dataset's
    full = json.loads((ds / "meta/stats.json").read_text())
    assert not np.allclose(new["observation.state"]["mean"], full["observation.state"]["mean"])
    # and aggregating every episode's columns reproduces finalize's meta/stats.json
    every = _aggregate(per_ep)
    for key in expected:
        for s in ("min", "max", "mean", "std", "count"):
            np.testing.assert_allclose(np.ravel(every[key][s]), np.ravel(full[key][s]), rtol=1e-6, atol=1e-9,
                                       err_msg=(key, s))


def test_action_key_choice(ds, tmp_path):
    with pytest.raises(ConfigError, match="writer.action"):
        load_config(None, ["writer.action=cartesian"], seed=0, episodes=1)
    robot = load_robot("panda")
    cfg = load_config(None, ["writer.action=joint"], seed=0, episodes=0)
    opts = cfg.writer
    done = convert(str(ds), str(tmp_path / "joint"), cfg)
    info = json.loads((tmp_path / "joint/meta/info.json").read_text())
    assert done["lerobot"]["episodes"] == info["total_episodes"] > 0
    assert info["features"]["action"]["shape"] == [robot.n_arm + 1]
    assert info["features"]["action"]["names"] == robot.feature_names()["action.joint"]
    assert info["features"]["action.ee_delta"]["names"][0] == "dx"
    assert info["features"]["action.ee_delta"]["shape"] == [7] and "action.joint" not in info["features"]
    assert validate(str(tmp_path / "joint")) == []
    side = read_side_table(str(ds)).to_pydict()
    ep = read_episode(str(ds / f"shard-{side['shard_index'][0]:06d}.hdf5"), side["source_episode_index"][0])
    data = pd.read_parquet(tmp_path / "joint/data/chunk-000/file-000.parquet")
    first = data[data["episode_index"] == 0]
    np.testing.assert_array_equal(np.stack(first["action"].to_numpy()), ep.frames["action.joint"])
    np.testing.assert_array_equal(np.stack(first["action.ee_delta"].to_numpy()), ep.frames["action"])
    card = (tmp_path / "joint/README.md").read_text()
    assert "holds the **joint** definition" in card and "`action.ee_delta`" in card
    # HDF5: 'actions' holds the joint targets, the EE delta is 'actions_ee_delta'; reading maps back
    HDF5ShardWriter(str(tmp_path / "h5"), opts).write(0, [ep], {"shard_index": 0})
    import h5py

    with h5py.File(tmp_path / "h5/shard-000000.hdf5") as f:
        g = f[f"data/demo_{ep.meta['episode_index']}"]
        np.testing.assert_array_equal(g["actions"][()], ep.frames["action.joint"])
        np.testing.assert_array_equal(g["actions_ee_delta"][()], ep.frames["action"])
        assert "actions_joint" not in g and f["data"].attrs["action"] == "joint"
    back = read_episode(str(tmp_path / "h5/shard-000000.hdf5"), ep.meta["episode_index"])
    np.testing.assert_array_equal(back.frames["action"], ep.frames["action"])
    np.testing.assert_array_equal(back.frames["action.joint"], ep.frames["action.joint"])
    assert validate(str(tmp_path / "h5")) == []


def test_dataset_card(ds):
    card = (ds / "README.md").read_text()
    assert card.startswith("---\nlicense: apache-2.0")
    info = json.loads((ds / "meta/info.json").read_text())
    assert f"episodes: {info['total_episodes']}, frames: {info['total_frames']}" in card
    for needle in ("## Robot", "`panda`", "`observation.images.front` | 64x64", "holds the **ee_delta** definition",
                   "## Randomization", "table top height", "syngrasp 0.1.0", "## Run config", "seed: 7"):
        assert needle in card, needle
    scenes = [json.loads(s) for s in read_side_table(str(ds)).to_pydict()["scene"]]
    lo = min(s["table"]["top_z"] for s in scenes)
    assert f"{lo:.3f} to" in card
    looks = {a: sum(s["appearance"] == a for s in scenes) for a in {s["appearance"] for s in scenes}}
    assert "- appearance: " + ", ".join(f"{k} ({v})" for k, v in sorted(looks.items())) in card
