"""``syngrasp report``: the HTML page renders in a real headless Chromium, images and plots included."""

import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from syngrasp.cluster.local import generate_local
from syngrasp.app.cli import main
from syngrasp.app.config import load_config

from .conftest import TINY

pytestmark = pytest.mark.sim


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: run bash scripts/ci_extras.sh (apt-get install chromium)")
    return path


def _browser(html_path, *args):
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--virtual-time-budget=10000", *args, f"file://{html_path}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "ds"
    cfg = load_config(None, TINY + ["writer.shard_size=3", "writer.format=both"], seed=7, episodes=6)
    manifest = generate_local(cfg, str(out), progress=False)
    assert manifest["successes"] >= 3
    return out, manifest


def _check_page(html_path, shot, shown):
    page = html_path.read_text()
    assert "src=\"http" not in page and "src='http" not in page  # self-contained
    n_img = page.count("<img ")
    assert n_img == shown + 6, n_img  # contact strips + six plot figures
    dom = _browser(html_path, "--dump-dom").stdout
    ok = re.search(r'data-images-ok="(\d+)"', dom)
    total = re.search(r'data-images-total="(\d+)"', dom)
    assert ok and total, "the page's load script did not run"
    assert int(ok.group(1)) == int(total.group(1)) == n_img
    _browser(html_path, f"--screenshot={shot}", "--window-size=1200,3000")
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert img.shape[:2] == (3000, 1200)
    # the first contact strip sits below the header: its rows hold rendered scenes, not page white
    body = img[250:2900, :900]
    non_white = np.mean(np.any(body < 235, axis=2))
    assert non_white > 0.2, non_white
    colours = len(np.unique(body.reshape(-1, 3) // 8, axis=0))
    assert colours > 500, colours
    return page


def test_report_renders_in_chromium(run, tmp_path):
    out, manifest = run
    html_path = tmp_path / "report.html"
    assert main(["report", str(out), "--out", str(html_path)]) == 0
    shown = min(6, manifest["successes"])
    page = _check_page(html_path, tmp_path / "shot.png", shown)
    assert f"success rate <b>{manifest['successes'] / 6:.1%}</b> of 6 attempted" in page
    assert page.count("class='ep'") == shown


def test_report_from_lerobot_only(run, tmp_path):
    out, manifest = run
    root = tmp_path / "lr"
    shutil.copytree(out, root, ignore=shutil.ignore_patterns("shard-*.hdf5"))
    html_path = tmp_path / "lr.html"
    assert main(["report", str(root), "--out", str(html_path), "--episodes", "3"]) == 0
    _check_page(html_path, tmp_path / "lr.png", 3)


def test_report_refuses_an_empty_folder(tmp_path, capsys):
    os.makedirs(tmp_path / "empty")
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert "syngrasp generate" in capsys.readouterr().err
