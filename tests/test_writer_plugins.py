"""Output formats are plugins: a third-party format found through its entry point (a real ``*.dist-info``
on the path, no pip install) is chosen with ``writer.format``, writes its shard files through the atomic
template in worker processes, and its finalize hook runs once with the complete shards; unknown and
broken formats are errors that name what is registered."""

import glob
import json
import os
import textwrap

import numpy as np
import pytest

from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.cluster.driver import run
from syngrasp.core.errors import ConfigError, PluginError
from syngrasp.exporters.formats import format_names, format_spec, get_format, resolve

from .conftest import TINY

NAME = "npzshards"
PLUGIN = '''
"""A third-party output format: one .npz of every frame array per shard; finalize writes an index."""
import dataclasses
import json
import os

import numpy as np

from syngrasp.exporters.base import ShardWriter
from syngrasp.exporters.formats import Format


@dataclasses.dataclass(frozen=True)
class NpzConfig:
    """Attributes:
        compress: write np.savez_compressed files."""

    compress: bool = False


class NpzWriter(ShardWriter):
    def outputs(self, shard_index, episodes):
        return [f"npz/shard-{shard_index:06d}.npz"]

    def write_shard(self, paths, episodes, attrs):
        (tmp,) = paths.values()
        arrays = {f"{e.meta['episode_index']}/{k}": v for e in episodes for k, v in e.frames.items()}
        arrays["written_to"] = np.array(tmp)  # the path the template handed over
        arrays["compress"] = np.array(FORMAT.settings(self.options).compress)
        arrays["pid"] = np.array(os.getpid())
        with open(tmp, "wb") as f:
            (np.savez_compressed if FORMAT.settings(self.options).compress else np.savez)(f, **arrays)


def finalize(out_dir, shard_indices, options, run_config):
    shards = list(shard_indices)
    with open(os.path.join(out_dir, "npz", "finalize_calls.jsonl"), "a") as f:
        f.write(json.dumps({"shards": shards, "format": options.format, "seed": run_config["seed"],
                            "pid": os.getpid()}) + "\\n")
    return {"shards": len(shards)}


FORMAT = Format("npzshards", NpzWriter, None, NpzConfig, finalize)
'''


def _distribution(root, dist: str, entry_points: str, module: str | None = None, source: str = ""):
    """A module and an installed-distribution record (``<dist>-0.1.dist-info``) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    if module:
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    return root


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """The npz format installed on sys.path, and on PYTHONPATH for spawned workers."""
    root = _distribution(tmp_path / "site", "syngrasp-npz", f"[syngrasp.writers]\n{NAME} = syngrasp_npz:FORMAT\n",
                         "syngrasp_npz", PLUGIN)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p))
    return root


@pytest.mark.sim
def test_a_plugin_format_is_chosen_written_atomically_and_finalized_once(plugin, tmp_path):
    from syngrasp.cluster.processes import generate_processes

    assert NAME in format_names()
    cfg = load_config(None, TINY + ["scene.image_size=[32,32]", f"writer.format={NAME}", "writer.shard_size=1",
                                    f"writer.options.{NAME}.compress=true"], seed=7, episodes=2)
    out = tmp_path / "run"
    manifest = generate_processes(cfg, str(out), workers=1, progress=False)  # a spawned worker writes the shards
    assert manifest["episodes"] == 2 and manifest["errors"] == 0, manifest
    assert not glob.glob(str(out / "shard-*.hdf5")) and not (out / "meta").exists() and not (out / "syngrasp").exists()
    written = 0
    for k in range(2):
        final = out / f"npz/shard-{k:06d}.npz"
        rec = json.loads((out / f"shard-{k:06d}.json").read_text())
        assert list(rec["files"]) == [f"npz/shard-{k:06d}.npz"]
        with np.load(final) as z:
            tmp = str(z["written_to"])
            assert bool(z["compress"]) is True  # its config section reached the worker's writer
            assert int(z["pid"]) != os.getpid()  # written in a spawned worker, which found the plugin itself
            episodes = sorted({int(n.split("/")[0]) for n in z.files if "/" in n})
            states = [z[f"{i}/observation.state"] for i in episodes]
        # written under a temporary name beside the final one, then renamed: nothing half-written is visible
        assert os.path.dirname(tmp) == str(final.parent) and os.path.basename(tmp) != final.name
        assert not os.path.exists(tmp)
        assert episodes == rec["episodes_written"] and all(s.shape[1] == 8 for s in states)
        written += len(episodes)
    assert written == manifest["successes"]
    assert sorted(os.listdir(out / "npz")) == ["finalize_calls.jsonl", "shard-000000.npz", "shard-000001.npz"]
    calls = [json.loads(line) for line in (out / "npz/finalize_calls.jsonl").read_text().splitlines()]
    assert calls == [{"shards": [0, 1], "format": NAME, "seed": 7, "pid": os.getpid()}]  # once, by the driver

    # syngrasp finalize asks the registry too: the plugin's hook runs again with the complete shards
    assert main(["finalize", str(out)]) == 0
    calls = [json.loads(line) for line in (out / "npz/finalize_calls.jsonl").read_text().splitlines()]
    assert len(calls) == 2 and calls[1]["shards"] == [0, 1]


def test_an_unknown_format_names_the_registered_ones(plugin, tmp_path, capsys):
    for spec in ("parquet", "hdf5,parquet"):
        with pytest.raises(ConfigError) as e:
            load_config(None, [f"writer.format={spec}"], seed=0, episodes=1)
        assert e.value.key == "writer.format"
        assert "unknown format 'parquet'" in str(e.value) and f"hdf5, lerobot, {NAME}" in str(e.value)
        assert "both = hdf5+lerobot" in str(e.value)
    assert main(["generate", "--out", str(tmp_path / "x"), "--episodes", "1", "--seed", "0", "--format", "parquet"]) == 2
    err = capsys.readouterr().err
    assert "writer.format" in err and "unknown format 'parquet'" in err and NAME in err
    assert not (tmp_path / "x").exists()


def test_aliases_lists_and_plugin_sections(plugin):
    assert format_spec("both") == ("hdf5", "lerobot")
    assert format_spec(f"lerobot, {NAME},both") == ("lerobot", NAME, "hdf5")
    assert [f.name for f in resolve("both")] == ["hdf5", "lerobot"]
    assert get_format("lerobot").finalize is not None and get_format("hdf5").finalize is None
    cfg = load_config(None, [f"writer.format=hdf5,{NAME}", f"writer.options.{NAME}.compress=true"], seed=0, episodes=1)
    assert get_format(NAME).settings(cfg.writer).compress is True
    assert get_format("lerobot").settings(cfg.writer) is cfg.writer  # built-in keys sit directly under writer.
    assert "options" not in cfg.data_dict()["writer"] or cfg.data_dict()["writer"]["options"]
    with pytest.raises(ConfigError) as e:
        load_config(None, [f"writer.options.{NAME}.level=3"], seed=0, episodes=1)
    assert e.value.key == f"writer.options.{NAME}.level" and "compress" in str(e.value)
    with pytest.raises(ConfigError, match="built-in formats' keys sit directly under writer"):
        load_config(None, ["writer.options.lerobot.video_crf=3"], seed=0, episodes=1)
    with pytest.raises(ConfigError) as e:
        load_config(None, ["writer.options.parquet.x=1"], seed=0, episodes=1)
    assert e.value.key == "writer.options.parquet" and NAME in str(e.value)


_FORMAT_SRC = "from syngrasp.exporters.base import ShardWriter\nfrom syngrasp.exporters.formats import Format\n"


@pytest.mark.parametrize("name,attr,source,needle", [
    ("broken1", "FORMAT", "1 / 0\n", "fails to load (ZeroDivisionError"),
    ("broken2", "NOT_A_FORMAT", "NOT_A_FORMAT = {}\n", "is a dict, not a syngrasp.exporters.formats.Format"),
    ("broken3", "RENAMED", _FORMAT_SRC + "RENAMED = Format('renamed', ShardWriter)\n", "declares the format 'renamed'"),
])
def test_a_broken_plugin_is_named(tmp_path, monkeypatch, name, attr, source, needle):
    module = f"syngrasp_{name}"
    root = _distribution(tmp_path / "site", "syngrasp-broken", f"[syngrasp.writers]\n{name} = {module}:{attr}\n",
                         module, source)
    monkeypatch.syspath_prepend(str(root))
    with pytest.raises(PluginError) as e:
        get_format(name)
    assert needle in str(e.value) and "syngrasp-broken" in str(e.value)


def test_a_plugin_may_not_take_a_built_in_name(tmp_path, monkeypatch):
    root = _distribution(tmp_path / "site", "syngrasp-squatter", "[syngrasp.writers]\nlerobot = nowhere:FORMAT\n")
    monkeypatch.syspath_prepend(str(root))
    with pytest.raises(PluginError, match="'lerobot' of distribution 'syngrasp-squatter'.*reuses a built-in"):
        format_names()
    assert format_spec("both") == ("hdf5", "lerobot")  # naming the built-ins needs no plugin listing


@pytest.mark.parametrize("fmt,named", [("lerobot", "lerobot"), ("both", "lerobot"), (NAME, NAME)])
def test_a_format_with_a_finalize_step_needs_a_local_folder(plugin, fmt, named):
    cfg = load_config(None, [f"writer.format={fmt}"], seed=0, episodes=1)
    with pytest.raises(ConfigError, match=f"{named} output is finalized from a local folder"):
        run(cfg, "memory://syngrasp-test/run", lambda *a: pytest.fail("no executor may start"), progress=False)
