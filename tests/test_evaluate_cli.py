"""``syngrasp evaluate`` end to end on a generated dataset: the command a user runs after ``generate``."""

import json
import math

import h5py
import numpy as np
import pytest
from PIL import Image

from syngrasp.app.cli import main
from syngrasp.cluster.local import generate_local
from syngrasp.app.config import load_config

from .conftest import TINY


def _summary(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval") / "run"
    generate_local(load_config(None, TINY, seed=3, episodes=3), str(out), progress=False)
    return out


def _recorded(dataset) -> dict[int, bool]:
    rec = {}
    for path in sorted(dataset.glob("shard-*.hdf5")):
        with h5py.File(path, "r") as f:
            for name, g in f["data"].items():
                rec[int(name.split("_")[1])] = bool(g.attrs["success"])
    return rec


@pytest.mark.sim
def test_evaluate_replay_reports_the_recorded_successes(dataset, capsys, tmp_path):
    recorded = _recorded(dataset)
    sheet = tmp_path / "sheet.png"
    assert main(["evaluate", str(dataset), "--policy", "replay", "--episodes", "0", "--quiet",
                 "--sheet", str(sheet)]) == 0
    out = capsys.readouterr().out
    s = _summary(out)
    assert s["policy"] == "replay" and s["n"] == len(recorded)
    assert s["successes"] == sum(recorded.values())  # open-loop replay reproduces every recorded outcome here
    lo, hi = s["ci95"]
    assert lo <= s["rate"] <= hi and 0 <= lo and hi <= 1
    assert "per category:" in out and "Wilson 95% interval" in out
    cat_lines = out.split("per category:")[1].split("video sheet:")[0].strip().splitlines()
    assert sum(int(line.split()[-1].split("/")[1]) for line in cat_lines if "/" in line) == len(recorded)
    img = np.asarray(Image.open(sheet))
    assert img.ndim == 3 and img.shape[0] >= 128 and img.std() > 5  # frames on it, not a blank canvas


@pytest.mark.sim
def test_evaluate_scripted_prints_each_split_with_an_interval(dataset, capsys, tmp_path):
    assert main(["evaluate", str(dataset), "--policy", "scripted", "--split", "unseen_scenes", "--episodes", "2",
                 "--quiet", "--sheet", str(tmp_path / "s.png")]) == 0
    out = capsys.readouterr().out
    s = _summary(out)
    assert s["n"] == 2 and set(s["per_split"]) == {"unseen_scenes"}
    assert math.isclose(s["rate"], s["successes"] / 2)
    assert "unseen_scenes" in out.split("per split:")[1].split("per category:")[0]


def test_evaluate_bad_policy_is_a_clear_error(dataset, capsys):
    assert main(["evaluate", str(dataset), "--policy", "nonsense"]) == 2
    assert "--policy" in capsys.readouterr().err
