import h5py
import numpy as np
import pytest

from syngrasp.core import schema
from syngrasp.core.errors import SchemaError
from syngrasp.exporters import get_format
from syngrasp.exporters.formats.hdf5 import writer as hdf5_writer
from syngrasp.exporters.formats.hdf5.reader import read_episode

pytestmark = pytest.mark.sim


@pytest.mark.parametrize("mode", ["ee_delta", "joint"])
def test_arrays_round_trip(tmp_path, tiny_cfg, success_result, mode):
    """Every frame key, meta key and calibration entry comes back as written, whichever action ``action`` holds."""
    import dataclasses

    ep = success_result.episode
    w = get_format("hdf5").writer(str(tmp_path), dataclasses.replace(tiny_cfg.writer, action=mode))
    (rel,) = w.write(3, [ep], {"run_config": tiny_cfg.to_dict(), "shard_index": 3})
    assert rel == "shard-000003.hdf5"
    path = str(tmp_path / rel)
    assert not list(tmp_path.glob("*.tmp"))
    back = read_episode(path, ep.meta["episode_index"])
    assert set(back.frames) == set(ep.frames)
    for k, arr in ep.frames.items():
        np.testing.assert_array_equal(back.frames[k], arr, err_msg=k)
        assert back.frames[k].dtype == arr.dtype, k
    assert set(back.cameras) == set(ep.cameras)
    for cam in ep.cameras:
        for entry in ep.cameras[cam]:
            np.testing.assert_array_equal(back.cameras[cam][entry], ep.cameras[cam][entry])
    assert list(back.meta) == list(ep.meta)  # declared order, nothing lost or added
    for k, v in ep.meta.items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(back.meta[k], v, err_msg=k)
        else:
            assert back.meta[k] == v and type(back.meta[k]) is type(v), k
    schema.check_episode(back)
    with h5py.File(path) as f:
        demo = f[f"data/demo_{ep.meta['episode_index']}"]
        assert f["data"].attrs["total"] == ep.num_frames
        assert demo.attrs["num_samples"] == ep.num_frames
        assert demo["obs/observation.images.front"].chunks[0] == 1
        assert demo["obs/observation.state"].chunks is None  # a column: contiguous
        assert demo["actions"].shape == (ep.num_frames, 7 if mode == "ee_delta" else ep.frames["action.joint"].shape[1])
        assert set(demo.attrs) == {"num_samples"} | {k for k in ep.meta if schema.meta_key(k).hdf5 == schema.HDF5_ATTR}
        assert demo[schema.GRASP_POSE].shape == (4, 4)


def test_an_episode_off_the_schema_is_refused_before_any_file(tmp_path, tiny_cfg, success_result):
    ep = success_result.episode
    w = get_format("hdf5").writer(str(tmp_path), tiny_cfg.writer)
    meta = {k: v for k, v in ep.meta.items() if k != schema.SCENE}
    meta[schema.EPISODE_INDEX] = ep.meta[schema.EPISODE_INDEX] + 1
    bad = type(ep)(dict(ep.frames), ep.cameras, meta)
    with pytest.raises(SchemaError, match="'scene'") as err:
        w.write(0, [ep, bad], {})
    assert err.value.key == schema.SCENE and "missing" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_nothing(tmp_path, tiny_cfg, success_result, monkeypatch):
    """A failure half-way through writing (here: the second episode's meta) leaves no file behind."""
    ep = success_result.episode
    w = get_format("hdf5").writer(str(tmp_path), tiny_cfg.writer)
    other = type(ep)(dict(ep.frames), ep.cameras, {**ep.meta, schema.EPISODE_INDEX: ep.meta[schema.EPISODE_INDEX] + 1})
    real = hdf5_writer._write_meta
    calls = []

    def failing(g, meta):
        calls.append(meta[schema.EPISODE_INDEX])
        if len(calls) == 2:
            raise OSError("disk full")
        real(g, meta)

    monkeypatch.setattr(hdf5_writer, "_write_meta", failing)
    with pytest.raises(OSError, match="disk full"):
        w.write(0, [ep, other], {})
    assert len(calls) == 2 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["ee_delta", "joint"])
def test_cheap_reader_follows_the_action_definition(tmp_path, tiny_cfg, success_result, mode):
    """read_episode_arrays (crosscheck's reader) finds action.joint whichever definition ``action`` holds."""
    import dataclasses

    from syngrasp.exporters.formats.hdf5.reader import read_episode_arrays

    ep = success_result.episode
    w = get_format("hdf5").writer(str(tmp_path), dataclasses.replace(tiny_cfg.writer, action=mode))
    (rel,) = w.write(0, [ep], {"run_config": tiny_cfg.to_dict(), "shard_index": 0})
    arrays, attrs = read_episode_arrays(str(tmp_path / rel), ep.meta["episode_index"],
                                        ("action.joint", "observation.state"))
    np.testing.assert_array_equal(arrays["action.joint"], ep.frames["action.joint"])
    np.testing.assert_array_equal(arrays["observation.state"], ep.frames["observation.state"])
    assert attrs["instruction"] == ep.meta["instruction"]
