"""LeRobot language columns (language_persistent, language_events) and the declared syngrasp/* columns of
meta/episodes, read back with pyarrow from a tiny run and compared with the HDF5 twin."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from syngrasp.app.config import load_config
from syngrasp.cluster.local import generate_local
from syngrasp.core import schema
from syngrasp.exporters.formats.hdf5.reader import read_episode
from syngrasp.exporters.formats.lerobot.tables import episode_column_type
from syngrasp.exporters.lerobot_language import rows_array
from syngrasp.exporters.validate import validate
from syngrasp.randomization.language import TEMPLATES, VERBS, Description, paraphrases

from .conftest import TINY


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lang") / "ds"
    cfg = load_config(None, TINY + ["writer.shard_size=2", "writer.format=both"], seed=7, episodes=3)
    manifest = generate_local(cfg, str(out), progress=False)
    assert manifest["successes"] >= 2, "too few successful episodes to test the language columns"
    data = pq.read_table(out / "data/chunk-000/file-000.parquet")
    eps = pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet")
    side = pq.read_table(out / "meta/syngrasp/episodes/chunk-000/file-000.parquet").to_pydict()
    twins = [read_episode(str(out / f"shard-{k:06d}.hdf5"), i)
             for k, i in zip(side["shard_index"], side["source_episode_index"])]
    return out, data, eps, side, twins


def _active(rows: list[dict], t: float, style: str) -> dict | None:
    """The row of ``style`` active at ``t``: the latest whose timestamp is <= t (LeRobot's active_at rule)."""
    live = [r for r in rows if r["style"] == style and r["timestamp"] <= t]
    return max(live, key=lambda r: r["timestamp"]) if live else None


def _episode_frames(data: pa.Table, row: dict) -> pa.Table:
    lo = row["dataset_from_index"] - data["index"][0].as_py()
    return data.slice(lo, row["length"])


@pytest.mark.sim
def test_subtask_of_every_frame_is_its_phase_subtask(run):
    out, data, eps, _, twins = run
    info = json.loads((out / "meta/info.json").read_text())
    for key in (schema.LANGUAGE_PERSISTENT, schema.LANGUAGE_EVENTS):
        assert info["features"][key] == {"dtype": "language", "shape": [1], "names": None}
    for row, twin in zip(eps.to_pylist(), twins):
        frames = _episode_frames(data, row)
        persistent = frames[schema.LANGUAGE_PERSISTENT].to_pylist()
        phase = frames["annotation.phase"].to_numpy()
        np.testing.assert_array_equal(phase, twin.frames["annotation.phase"])
        subtasks = json.loads(twin.meta["subtasks"])
        assert all(p == persistent[0] for p in persistent), "the persistent slice differs between frames"
        for t, (ts, rows) in enumerate(zip(frames["timestamp"].to_pylist(), persistent)):
            got = _active(rows, ts, "subtask")
            assert got is not None and got["content"] == subtasks[int(phase[t])], (row["episode_index"], t)
            assert got["role"] == "assistant" and got["camera"] is None and got["tool_calls"] is None
        # one subtask row per phase run, starting on the run's first frame
        runs = 1 + int(np.count_nonzero(np.diff(phase)))
        assert sum(r["style"] == "subtask" for r in persistent[0]) == runs
        assert frames[schema.LANGUAGE_EVENTS].to_pylist() == [[] for _ in range(row["length"])]


@pytest.mark.sim
def test_task_aug_holds_paraphrases_naming_the_same_target(run):
    _, data, eps, side, twins = run
    for row, twin, language in zip(eps.to_pylist(), twins, side["language"]):
        rows = _episode_frames(data, row)[schema.LANGUAGE_PERSISTENT][0].as_py()
        aug = [r for r in rows if r["style"] == "task_aug"]
        texts = [r["content"] for r in aug]
        assert texts[0] == twin.meta["instruction"] == row["tasks"][0]
        assert texts[1:] == json.loads(twin.meta["task_aug"]) and len(texts) >= 3
        assert len(set(texts)) == len(texts), texts
        phrase = json.loads(language)["phrase"]
        scene = json.loads(side["scene"][row["episode_index"]])
        target = scene["objects"][scene["target_index"]]
        nouns = {target["category"], *target.get("synonyms", ())}
        for text in texts:
            assert phrase in text and any(n in text for n in nouns), (text, phrase)
        assert all(r["role"] == "user" and r["timestamp"] == 0.0 for r in aug)


@pytest.mark.sim
def test_meta_episodes_columns_equal_the_hdf5_twin(run):
    out, _, eps, side, twins = run
    for c in schema.EPISODE_COLUMNS:
        assert eps.schema.field(c.name).type == episode_column_type(c), c.name
    for row, twin, scene_json in zip(eps.to_pylist(), twins, side["scene"]):
        m = twin.meta
        scene = json.loads(scene_json)
        target = scene["objects"][scene["target_index"]]
        assert row["syngrasp/seed"] == m["seed"] == 7
        assert row["syngrasp/source_episode_index"] == m["episode_index"]
        assert row["syngrasp/success"] is bool(m["success"]) and row["syngrasp/failure_reason"] == m["failure_reason"]
        assert row["syngrasp/object_id"] == m["object_id"] == target["asset_id"]
        assert row["syngrasp/object_category"] == m["object_category"] == target["category"]
        np.testing.assert_array_equal(row["syngrasp/object_scale"], m["object_scale"])
        np.testing.assert_allclose(row["syngrasp/object_scale"], target["scale"])
        assert row["syngrasp/object_mass"] == m["object_mass"] == target["mass"]
        np.testing.assert_array_equal(row["syngrasp/object_friction"], m["object_friction"])
        assert row["syngrasp/grasp_width"] == m["grasp_width"]
        np.testing.assert_array_equal(row["syngrasp/grasp_pose"], np.asarray(m["grasp_pose"]).reshape(-1))
    # strings get no stats; the side table keeps only what LeRobot has no column for
    stats = json.loads((out / "meta/stats.json").read_text())
    assert not any(k.startswith("language") for k in stats)
    assert not any(c.startswith(("stats/language", "stats/syngrasp")) for c in eps.column_names)
    assert "subtasks" not in side and "phase_names" in side and not any("/" in c for c in side)
    card = (out / "README.md").read_text()
    assert "## Language" in card and "`syngrasp/grasp_pose` | float64 | 16" in card


@pytest.mark.sim
def test_validate_clean_then_names_a_broken_subtask(run, tmp_path):
    out, data, eps, _, _ = run
    assert validate(str(out)) == []
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    rows = data[schema.LANGUAGE_PERSISTENT].to_pylist()
    first = eps.to_pylist()[0]
    for i in range(first["length"]):  # the same slice on every frame, but the second subtask starts a frame late
        k = [j for j, r in enumerate(rows[i]) if r["style"] == "subtask"][1]
        rows[i][k] = dict(rows[i][k], timestamp=rows[i][k]["timestamp"] + 0.1)
    col = rows_array(rows, data.schema.field(schema.LANGUAGE_PERSISTENT).type)
    t = data.set_column(data.column_names.index(schema.LANGUAGE_PERSISTENT), schema.LANGUAGE_PERSISTENT, col)
    pq.write_table(t, broken / "data/chunk-000/file-000.parquet")
    problems = validate(str(broken))
    assert any("episode 0" in p and "active subtask" in p and "annotation.phase" in p for p in problems), problems


def test_paraphrases_reword_around_the_same_phrase():
    for k in range(len(TEMPLATES)):
        for verb in VERBS:
            phrase = "small red mug left of the blue bowl"
            text = TEMPLATES[k].format(verb=verb, verb_it=VERBS[verb], obj=phrase)
            desc = Description(text, k, verb, phrase, ("colour", "size"), "left of", 1, True)
            out = paraphrases(desc)
            assert len(out) == 4 and len({text, *out}) == 5
            assert all(phrase in p for p in out)
            assert paraphrases(desc) == out  # deterministic
    with pytest.raises(ValueError, match="must be in"):
        paraphrases(desc, len(TEMPLATES))


@pytest.mark.sim
def test_episodes_from_before_the_columns_still_export(success_result, tmp_path):
    """An episode without task_aug and object_* meta (HDF5 written by an earlier version) exports with
    null syngrasp/object_* cells and subtask rows only; validate stays clean."""
    from syngrasp.core.episode import Episode
    from syngrasp.exporters.config import WriterConfig
    from syngrasp.exporters.formats.lerobot.finalize import finalize_lerobot
    from syngrasp.exporters.formats.lerobot.writer import LeRobotShardWriter

    ep = success_result.episode
    old = {k: v for k, v in ep.meta.items() if k != "task_aug" and not k.startswith("object_")}
    LeRobotShardWriter(str(tmp_path), WriterConfig()).write(0, [Episode(ep.frames, ep.cameras, old)],
                                                            {"shard_index": 0, "run_config": {"rollout": {"robot": "panda"}}})
    finalize_lerobot(str(tmp_path), [0], WriterConfig())
    row = pq.read_table(tmp_path / "meta/episodes/chunk-000/file-000.parquet").to_pylist()[0]
    assert row["syngrasp/object_id"] is None and row["syngrasp/object_scale"] is None
    assert row["syngrasp/seed"] == ep.meta["seed"]
    rows = pq.read_table(tmp_path / "data/chunk-000/file-000.parquet")[schema.LANGUAGE_PERSISTENT][0].as_py()
    assert {r["style"] for r in rows} == {"subtask"}
    assert validate(str(tmp_path)) == []
