"""The declared episode schema (core/schema.py) matches what episodes carry and what the writers write."""

import dataclasses
import json

import numpy as np
import pytest

from syngrasp.app.config import load_config
from syngrasp.assets.robot import available_robots, load_robot
from syngrasp.core import schema
from syngrasp.core.episode import Episode
from syngrasp.core.errors import SchemaError
from syngrasp.core.phases import PHASE_NAMES, Phase
from syngrasp.exporters.config import WriterConfig
from syngrasp.exporters.formats.hdf5.reader import read_episode
from syngrasp.exporters.formats.hdf5.writer import HDF5ShardWriter, hdf5_name
from syngrasp.exporters.formats.lerobot.finalize import finalize_lerobot
from syngrasp.exporters.formats.lerobot.layout import INDEX_FEATURES
from syngrasp.exporters.formats.lerobot.writer import LeRobotShardWriter
from syngrasp.exporters.validate import validate
from syngrasp.generators.episode import EpisodeGenerator

from .conftest import TINY

pytestmark = pytest.mark.sim


def _cameras(ep):
    return {c: ep.frames[f"observation.images.{c}"].shape[1:3] for c in ep.camera_names}


def _episode(name):
    """A recorded episode of robot ``name`` (failures kept, so the first planned grasp will do)."""
    cfg = load_config(None, TINY + [f"rollout.robot={name}", "rollout.keep_failures=true"], seed=3, episodes=8)
    gen = EpisodeGenerator(cfg)
    for idx in range(8):
        res = gen.generate(cfg.seed, idx)
        if res.episode is not None:
            return res.episode
    pytest.fail(f"{name}: no recorded episode in 8 indices of seed 3")


@pytest.mark.parametrize("name", available_robots())
def test_schema_shapes_follow_the_robot(name):
    ep = _episode(name)
    robot = load_robot(name)
    keys = schema.frame_keys(robot.n_arm, _cameras(ep), {})
    assert {k.name for k in keys} == set(ep.frames)
    T = ep.num_frames
    for k in keys:
        arr = ep.frames[k.name]
        assert arr.shape == (T, *k.shape), k.name
        assert str(arr.dtype) == k.dtype, k.name
    assert schema.check_frames(ep.frames) == []


def test_hdf5_env_args_and_schema(success_result, tiny_cfg, tmp_path):
    ep = success_result.episode
    HDF5ShardWriter(str(tmp_path), WriterConfig()).write(0, [ep], {"run_config": tiny_cfg.to_dict()})
    import h5py

    with h5py.File(tmp_path / hdf5_name(0)) as f:
        env = json.loads(f["data"].attrs["env_args"])
        declared = json.loads(f["data"].attrs["schema"])
    assert env["env_name"] == "syngrasp" and isinstance(env["type"], int)
    assert env["env_kwargs"]["robot"] == tiny_cfg.rollout.robot
    assert env["env_kwargs"]["control_freq"] == ep.meta["fps"]
    assert env["env_kwargs"]["cameras"] == {c: list(hw) for c, hw in _cameras(ep).items()}
    assert {k["key"]: k["shape"] for k in declared["frame_keys"]} == {k: list(v.shape[1:]) for k, v in ep.frames.items()}
    assert validate(str(tmp_path)) == []


def test_lerobot_features_come_from_the_schema(success_result, tiny_cfg, tmp_path):
    ep = success_result.episode
    robot = load_robot(tiny_cfg.rollout.robot)
    for mode in ("ee_delta", "joint"):
        out = tmp_path / mode
        opts = dataclasses.replace(WriterConfig(), action=mode)
        # the writer records the robot the run config names; finalize reads it from the shard
        LeRobotShardWriter(str(out), opts).write(0, [ep], {"shard_index": 0, "run_config": tiny_cfg.to_dict()})
        info = finalize_lerobot(str(out), [0], opts).info
        assert info["robot_type"] == robot.name
        low = {k: v for k, v in info["features"].items() if v["dtype"] != "video" and k not in INDEX_FEATURES}
        assert low == schema.lerobot_features(robot.n_arm, _cameras(ep), {}, robot.feature_names(), mode)
        assert info["features"]["action"]["shape"] == ([7] if mode == "ee_delta" else [robot.n_arm + 1])
        card = (out / "README.md").read_text()
        assert "| `observation.state` | float32 | [%d] |" % (robot.n_arm + 1) in card


def test_validate_names_a_wrong_shaped_key(success_result, tmp_path):
    """A shard edited after writing (the writers refuse such episodes): validate names the wrong-shaped,
    undeclared and mistyped keys."""
    ep = success_result.episode
    HDF5ShardWriter(str(tmp_path), WriterConfig()).write(0, [ep], {})
    import h5py

    with h5py.File(tmp_path / hdf5_name(0), "r+") as f:
        g = f[f"data/demo_{ep.meta['episode_index']}"]
        del g["obs/annotation.object_pose"]
        g["obs"].create_dataset("annotation.object_pose", data=np.zeros((ep.num_frames, 6), np.float32))
        g["obs"].create_dataset("observation.mystery", data=np.zeros((ep.num_frames, 2), np.float32))
        g.attrs["grasp_width"] = "wide"
        g.attrs["phase_names"] = json.dumps(["approach", "grasp"])  # fewer names than the recorded phases
    problems = validate(str(tmp_path))
    assert any("annotation.object_pose" in p and "(6,)" in p and "(7,)" in p for p in problems), problems
    assert any("observation.mystery" in p and "not a declared" in p for p in problems), problems
    assert any("grasp_width" in p and "float" in p for p in problems), problems
    assert any("annotation.phase" in p and "2 phase names" in p for p in problems), problems


# ---- a key declared once reaches every writer, reader and checker -----------------------------------
WRENCH = "observation.wrench"


@pytest.fixture
def wrench_declared(monkeypatch):
    """A new per-frame key, declared only by adding it to the declaration tuple."""
    spec = schema.KeySpec(WRENCH, "float32", lambda d: (6,), "N, N m", "robot base",
                          "wrist force-torque: force (3) + torque (3)")
    monkeypatch.setattr(schema.frames, "FRAME_KEYS", schema.frames.FRAME_KEYS + (spec,))
    return spec


def _with_wrench(ep):
    frames = dict(ep.frames)
    frames[WRENCH] = np.linspace(-1, 1, ep.num_frames * 6, dtype=np.float32).reshape(ep.num_frames, 6)
    return Episode(frames, ep.cameras, dict(ep.meta))


def test_an_undeclared_key_is_refused_by_every_writer(success_result, tmp_path):
    ep = _with_wrench(success_result.episode)
    for writer in (HDF5ShardWriter, LeRobotShardWriter):
        with pytest.raises(SchemaError, match=WRENCH) as err:
            writer(str(tmp_path / writer.name), WriterConfig()).write(0, [ep], {"shard_index": 0})
        assert err.value.key == WRENCH and "not a declared" in str(err.value)
        assert not list((tmp_path / writer.name).rglob("*.*"))


def test_a_declared_key_reaches_hdf5_lerobot_validate_and_the_declarations(wrench_declared, success_result,
                                                                            tiny_cfg, tmp_path):
    ep = _with_wrench(success_result.episode)
    robot = load_robot(tiny_cfg.rollout.robot)
    # the public declarations
    assert wrench_declared in schema.FRAME_KEYS and schema.spec(WRENCH).shape_text == "(6,)"
    assert {"key": WRENCH, "dtype": "float32", "shape": [6], "unit": "N, N m", "frame": "robot base",
            "meaning": wrench_declared.meaning, "storage": "column", "optional": False} in \
        schema.describe(robot.n_arm, _cameras(ep), {})
    schema.check_episode(ep)
    # HDF5: written, described in the file, read back, validated
    h5 = tmp_path / "h5"
    HDF5ShardWriter(str(h5), WriterConfig()).write(0, [ep], {"run_config": tiny_cfg.to_dict()})
    import h5py

    with h5py.File(h5 / hdf5_name(0)) as f:
        assert f[f"data/demo_{ep.meta['episode_index']}/obs/{WRENCH}"].shape == (ep.num_frames, 6)
        described = {k["key"]: k for k in json.loads(f["data"].attrs["schema"])["frame_keys"]}
    assert described[WRENCH]["unit"] == "N, N m"
    back = read_episode(str(h5 / hdf5_name(0)), ep.meta["episode_index"])
    np.testing.assert_array_equal(back.frames[WRENCH], ep.frames[WRENCH])
    assert validate(str(h5)) == []
    # LeRobot: a data column, an info.json feature from lerobot_features, the card's key table, validate
    feats = schema.lerobot_features(robot.n_arm, _cameras(ep), {}, robot.feature_names())
    assert feats[WRENCH] == {"dtype": "float32", "shape": [6], "names": [f"{WRENCH}_{i}" for i in range(6)]}
    out = tmp_path / "lerobot"
    LeRobotShardWriter(str(out), WriterConfig()).write(0, [ep], {"run_config": tiny_cfg.to_dict(), "shard_index": 0})
    info = finalize_lerobot(str(out), [0], WriterConfig(), tiny_cfg.to_dict()).info
    assert info["features"][WRENCH] == feats[WRENCH]
    assert f"| `{WRENCH}` | float32 | [6] | N, N m | robot base |" in (out / "README.md").read_text()
    assert validate(str(out)) == []
    # a shard whose key no longer matches its declaration is reported
    with h5py.File(h5 / hdf5_name(0), "r+") as f:
        g = f[f"data/demo_{ep.meta['episode_index']}/obs"]
        del g[WRENCH]
        g.create_dataset(WRENCH, data=np.zeros((ep.num_frames, 6), np.float64))
    assert any(WRENCH in p and "float64" in p and "float32" in p for p in validate(str(h5)))


# ---- check_episode ---------------------------------------------------------------------------------
def _altered(ep, frames=None, meta=None, drop_meta=(), cameras=None):
    f = {**ep.frames, **(frames or {})}
    m = {k: v for k, v in {**ep.meta, **(meta or {})}.items() if k not in drop_meta}
    return Episode(f, cameras if cameras is not None else ep.cameras, m)


@pytest.mark.parametrize("change,key,needle", [
    (lambda ep: _altered(ep, frames={schema.STATE: ep.frames[schema.STATE].astype(np.float64)}),
     schema.STATE, "dtype float64, the schema declares float32"),
    (lambda ep: _altered(ep, frames={schema.OBJECT_POSE: ep.frames[schema.OBJECT_POSE][:, :6]}),
     schema.OBJECT_POSE, "per-frame shape (6,), the schema declares (7,)"),
    (lambda ep: _altered(ep, frames={schema.PHASE: ep.frames[schema.PHASE][:-1]}),
     schema.PHASE, "frames"),
    (lambda ep: Episode({k: v for k, v in ep.frames.items() if k != schema.bbox_key("side")}, ep.cameras, ep.meta),
     schema.bbox_key("side"), "missing"),
    (lambda ep: _altered(ep, drop_meta=(schema.SEED,)), schema.SEED, "missing"),
    (lambda ep: _altered(ep, meta={schema.SUCCESS: "yes"}), schema.SUCCESS, "declares bool"),
    (lambda ep: _altered(ep, meta={schema.GRASP_POSE: np.eye(3)}), schema.GRASP_POSE, "shape (3, 3)"),
    (lambda ep: _altered(ep, meta={schema.SCENE: "{not json"}), schema.SCENE, "not JSON"),
    (lambda ep: _altered(ep, meta={schema.PHASE_NAMES_KEY: json.dumps({"a": 1})}), schema.PHASE_NAMES_KEY, "list"),
    (lambda ep: _altered(ep, meta={"robot": "panda"}), "robot", "not a declared meta key"),
    (lambda ep: _altered(ep, cameras={c: {**v, schema.INTRINSICS: np.eye(4)} for c, v in ep.cameras.items()}),
     "cameras.front.intrinsics", "(3, 3)"),
    (lambda ep: _altered(ep, meta={schema.PHASE_NAMES_KEY: json.dumps(["approach", "pre-grasp"])}),
     schema.PHASE, "outside the 2 phase names"),
], ids=["dtype", "shape", "frame-count", "missing-key", "missing-meta", "meta-type", "meta-shape", "meta-json",
        "meta-json-kind", "undeclared-meta", "calibration", "phase-range"])
def test_check_episode_names_the_key_and_the_problem(success_result, change, key, needle):
    schema.check_episode(success_result.episode)
    with pytest.raises(SchemaError) as err:
        schema.check_episode(change(success_result.episode))
    assert err.value.key == key and needle in str(err.value), str(err.value)
    assert f"episode key '{key}'" in str(err.value)


def test_a_shard_holds_one_layout_and_distinct_indices(success_result):
    ep = success_result.episode
    with pytest.raises(SchemaError, match="appears twice"):
        schema.check_episodes([ep, ep])
    small = {k: (v[:, :32, :32] if k.startswith(schema.spec(schema.IMAGES).prefix) else v) for k, v in ep.frames.items()}
    other = Episode(small, ep.cameras, {**ep.meta, schema.EPISODE_INDEX: ep.meta[schema.EPISODE_INDEX] + 1})
    with pytest.raises(SchemaError, match="a shard holds one layout") as err:
        schema.check_episodes([ep, other])
    assert err.value.key.startswith(schema.spec(schema.IMAGES).prefix)


def test_the_generator_writes_every_declared_meta_key(success_result):
    """Generator and declarations agree: every declared key but the run's own and the option-bound ones."""
    ep = success_result.episode
    run_set = {schema.SHARD_INDEX}
    option_bound = {m.name for m in schema.META if m.option}
    assert set(ep.meta) == {m.name for m in schema.META} - run_set - option_bound
    assert list(ep.meta) == [m.name for m in schema.META if m.name in ep.meta]


# ---- phases: the recorded names say what was executed ------------------------------------------------
def test_recorded_phase_names_match_the_executed_motion(success_result, tiny_cfg):
    ep = success_result.episode
    names = json.loads(ep.meta[schema.PHASE_NAMES_KEY])
    assert names == list(PHASE_NAMES) == ["approach", "pre-grasp", "grasp", "lift", "shake", "hold"]
    phase = ep.frames[schema.PHASE]
    label = [names[i] for i in phase]
    assert label[0] == "approach" and label[-1] == "hold" and np.all(np.diff(phase) >= 0)
    assert [names[i] for i in sorted(set(phase.tolist()))] == names  # every phase, in order
    # the first frame commanded closed is the first "grasp" frame; before it the gripper is commanded open
    closed = ep.frames[schema.ACTION][:, 6] > 0.5
    first_closed = int(np.argmax(closed))
    assert label.index("grasp") == first_closed and not closed[:first_closed].any() and closed[first_closed:].all()
    # while "grasp": the arm holds still and the fingers close on the target
    n_arm = ep.frames[schema.STATE].shape[1] - 1
    g = np.flatnonzero(phase == Phase.GRASP)
    arm = ep.frames[schema.STATE][g, :n_arm]
    assert np.abs(arm - arm[0]).max() < 1e-2
    width = ep.frames[schema.STATE][:, n_arm]
    assert width[g[-1] + 1] < width[g[0]] - 1e-3
    # "pre-grasp" moves the grasp site straight onto the grasp pose; "lift" raises the target
    pre = np.flatnonzero(phase == Phase.PRE_GRASP)
    travel = np.linalg.norm(ep.frames[schema.EE_POSE][pre[-1] + 1, :3] - ep.frames[schema.EE_POSE][pre[0], :3])
    assert abs(travel - tiny_cfg.motion.pregrasp_offset) < 0.02
    lift = np.flatnonzero(phase == Phase.LIFT)
    z = ep.frames[schema.OBJECT_POSE][:, 2]
    assert z[lift[-1] + 1] - z[lift[0]] > 0.5 * tiny_cfg.motion.lift_height


# ---- the side table, generated ---------------------------------------------------------------------
def test_side_columns_are_what_the_lerobot_writer_writes(success_result):
    """exporters/side.py's generated columns equal the LeRobot writer's episodes table, column for column."""
    from syngrasp.exporters.formats.lerobot.tables import episodes_table
    from syngrasp.exporters.side import side_columns

    ep = success_result.episode
    ep = Episode(ep.frames, ep.cameras, {**ep.meta, schema.SHARD_INDEX: 5})
    table = episodes_table([ep], 5, {c: [0.0] for c in ep.camera_names}).to_pydict()
    generated = side_columns([ep])
    assert set(generated) <= set(table)
    for k, v in generated.items():
        assert v == table[k], k
    written_elsewhere = {"length"} | {k for k in table if "/" in k or k.startswith("video.")}
    assert set(table) - set(generated) == written_elsewhere


def test_a_declared_side_key_reaches_the_lerobot_tables_and_back(success_result, monkeypatch):
    """A meta key declared in META with a side column is written by the LeRobot format's episodes table and
    read back by its reader, as its declared type, with nothing in the format listing it."""
    from syngrasp.exporters.formats.lerobot import reader
    from syngrasp.exporters.formats.lerobot.tables import episodes_table

    extra = schema.MetaKey("test_extra_m", "float", "m", "a key declared only here", required=False,
                           side="test_extra_m")
    monkeypatch.setattr(schema.meta, "META", (*schema.meta.META, extra))
    ep = success_result.episode
    ep = Episode(ep.frames, ep.cameras, {**ep.meta, "test_extra_m": 1.25})
    row = episodes_table([ep], 4, {c: [0.0] for c in ep.camera_names}).to_pylist()[0]
    assert row["test_extra_m"] == 1.25
    back = reader._meta(row, {})
    assert back["test_extra_m"] == 1.25 and back[schema.SHARD_INDEX] == 4
    for m in schema.META:
        if m.side and m.name in ep.meta and m.name != schema.SHARD_INDEX:
            assert np.array_equal(np.asarray(back[m.name]), np.asarray(ep.meta[m.name])), m.name


def test_an_empty_shard_has_every_side_column():
    """A shard without episodes still writes the declared side columns (finalize and the reader see one table
    layout), with the LeRobot format's own length column."""
    from syngrasp.exporters.formats.lerobot.layout import LENGTH
    from syngrasp.exporters.formats.lerobot.tables import episodes_table

    names = episodes_table([], 0, {}).column_names
    sides = [m.side for m in schema.META if m.side]
    assert names[:2] == sides[:2] and names[2] == LENGTH
    assert names[3:] == sides[2:] + [c.name for c in schema.EPISODE_COLUMNS]
