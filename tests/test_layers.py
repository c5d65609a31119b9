"""The layers hold: the generator reaches its simulator through the backend registry, the CLI is built
from its command groups, and the errors a user can meet are SyngraspErrors naming the key or file."""

import argparse
import hashlib
import os

import numpy as np
import pytest

from syngrasp.app.cli import COMMAND_GROUPS, build_parser, main
from syngrasp.app.config import load_config
from syngrasp.app.errors import describe
from syngrasp.core import layout
from syngrasp.core.errors import AssetError, ConfigError
from syngrasp.generators import backend as backend_mod
from syngrasp.generators.backend import Renderer, get_backend
from syngrasp.generators.episode import EpisodeGenerator

from .conftest import TINY

# ---------------------------------------------------------------- simulator backends


class CountingBackend:
    """The MuJoCo backend behind a wrapper that counts what the generator asks of it."""

    def __init__(self):
        self.inner = get_backend("mujoco")
        self.wrist_camera = self.inner.wrist_camera
        self.calls: dict[str, int] = {}

    def __getattr__(self, name):
        fn = getattr(self.inner, name)

        def counted(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            return fn(*args, **kwargs)

        return counted


@pytest.fixture
def counting(monkeypatch):
    monkeypatch.setattr(backend_mod, "_BACKENDS", dict(backend_mod._BACKENDS))
    monkeypatch.setattr(backend_mod, "_BACKEND_CACHE", dict(backend_mod._BACKEND_CACHE))
    backend_mod.register_backend("counting", CountingBackend)
    return get_backend("counting")


def _digest(res) -> dict[str, str]:
    return {k: hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest() for k, v in res.episode.frames.items()}


@pytest.mark.sim
def test_the_generator_reaches_its_simulator_through_the_registry(counting, generator, tiny_cfg, success_result):
    """rollout.backend names the backend; every build, camera, instance map and calibration goes through
    it, and the episode is the one the built-in backend gives."""
    cfg = load_config(None, [*TINY, "rollout.backend=counting", "observations.segmentation=true"], seed=tiny_cfg.seed,
                      episodes=4)
    gen = EpisodeGenerator(cfg)
    assert gen.backend is counting
    res = gen.generate(cfg.seed, success_result.episode.meta["episode_index"])
    assert {"compile", "renderer", "instance_map", "camera_extrinsics"} <= set(counting.calls)
    assert counting.calls["compile"] >= 1 and counting.calls["renderer"] >= 1
    frames = _digest(res)
    assert {k: frames[k] for k in _digest(success_result)} == _digest(success_result)  # segmentation added, rest equal
    assert any(k.startswith("observation.segmentation.") for k in frames)


@pytest.mark.sim
def test_the_mujoco_cameras_are_a_renderer(generator, tiny_cfg):
    scene, sim, _, _ = generator.setup(tiny_cfg.seed, 0, {})
    rig = generator.camera_rig(sim)
    try:
        assert isinstance(rig, Renderer)
        cam = rig.static[0]
        rgb, depth = rig.render_rgbd(sim, cam)
        assert rgb.shape == (*rig.size(cam), 3) and depth.shape == rig.size(cam) and depth.dtype == np.float32
        assert 0.0 < depth.min() and depth.max() <= rig.far  # metres, nothing beyond the far plane
        ids = generator.backend.instance_map(sim)
        assert (ids(rig.segmentation(sim, cam)) == ids.target_id).any()
    finally:
        rig.close()


def test_the_backend_is_recorded_only_when_not_the_default(counting, tmp_path):
    """Run folders written before rollout.backend existed hold the same config.yaml, so they resume."""
    from syngrasp.app.config import load_run_config
    from syngrasp.cluster.outdir import config_text

    default = load_config(None, [], seed=0, episodes=1)
    assert "backend" not in default.data_dict()["rollout"]
    (tmp_path / layout.CONFIG).write_text(config_text(default))
    assert load_run_config(str(tmp_path)).rollout.backend == "mujoco"
    other = load_config(None, ["rollout.backend=counting"], seed=0, episodes=1)
    assert other.data_dict()["rollout"]["backend"] == "counting"


def test_an_unknown_backend_is_a_config_error_at_load():
    with pytest.raises(ConfigError, match="rollout.backend.*'bullet3'.*mujoco"):
        load_config(None, ["rollout.backend=bullet3"], seed=0, episodes=1)
    with pytest.raises(ConfigError, match="rollout.backend"):
        get_backend("bullet3")
    with pytest.raises(ConfigError, match="rollout.crosscheck.*pybullet"):
        backend_mod.check_backend("gazebo")


# ---------------------------------------------------------------- the command line


def _commands(parser: argparse.ArgumentParser, prefix=()) -> set[tuple[str, ...]]:
    out = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.add(prefix + (name,))
                out |= _commands(sub, prefix + (name,))
    return out


def test_build_parser_holds_every_command_group_and_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    parser = build_parser()
    assert isinstance(parser, argparse.ArgumentParser)
    assert not os.listdir(tmp_path)  # building the parser wrote nothing
    assert _commands(parser) == {
        ("generate",), ("export",), ("validate",), ("stats",), ("convert",), ("finalize",), ("replay",),
        ("crosscheck",), ("robots",), ("robots", "check"), ("robots", "add"), ("config",), ("config", "show"),
        ("assets",), ("assets", "build"), ("assets", "inspect"), ("assets", "preview"),
        ("assets", "export-procedural"), ("preview",), ("report",), ("export-usd",), ("evaluate",)}
    assert all(callable(getattr(g, "add_parsers", None)) for g in COMMAND_GROUPS)
    args = parser.parse_args(["generate", "--out", "DIR", "--format", "hdf5", "grasp.top_k=4"])
    assert args.func.__module__ == "syngrasp.app.commands.generate" and args.overrides == ["grasp.top_k=4"]
    args = parser.parse_args(["robots", "check", "panda", "--skip-run"])
    assert args.func.__module__ == "syngrasp.app.commands.robots" and args.skip_run


# ---------------------------------------------------------------- errors a user can meet


def test_an_asset_a_stored_scene_names_but_the_catalog_lacks(tmp_path):
    from syngrasp.assets import build_catalog

    with pytest.raises(AssetError, match="'no_such_mug_000001' is not in this catalog.*scene.asset_sources"):
        build_catalog(("procedural",)).by_id("no_such_mug_000001")


def test_report_and_convert_of_a_folder_without_shards(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["convert", str(empty), str(tmp_path / "lr")]) == 2
    err = capsys.readouterr().err
    assert str(empty) in err and "no shards" in err and "syngrasp generate" in err and "resume" not in err
    assert main(["report", str(empty)]) == 2
    assert "config key 'dir'" in capsys.readouterr().err
    from syngrasp.review.report_data import load_report_data

    with pytest.raises(ConfigError, match="dir"):
        load_report_data(str(empty))


def test_a_checksum_mismatch_after_upload_is_a_run_failure(tmp_path):
    import fsspec

    from syngrasp.cluster.store import ChecksumMismatch, upload_verified

    local, remote = tmp_path / "a.bin", tmp_path / "bucket" / "a.bin"
    local.write_bytes(b"shard bytes")
    remote.parent.mkdir()
    fs = fsspec.filesystem("file")
    with pytest.raises(ChecksumMismatch, match="a.bin.*run the same command again") as e:
        upload_verified(fs, str(local), str(remote), "0" * 64)
    assert not remote.exists()  # the bad object is removed
    assert isinstance(e.value, OSError) and describe(e.value)[1] == 1
    real = hashlib.sha256(b"shard bytes").hexdigest()
    assert upload_verified(fs, str(local), str(remote), real) == "readback"


def test_preview_interactive_without_a_display(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["preview", "--interactive"]) == 2
    assert "config key '--interactive': needs a display" in capsys.readouterr().err
