"""Robots outside the source tree: ``path:DIR``, ``rollout.robots_dir``, ``$SYNGRASP_ROBOTS`` and the user
folder find them; ``syngrasp robots`` lists them, ``robots check`` checks them, a run records their name.

The robot is a copy of the built-in xarm6 under another name (its meshdir ``pybullet_data:xarm`` still resolves).
"""

import json
import os
import re
import shutil

import pytest

from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.assets.robot import ROBOTS_DIR, ROBOTS_ENV, find_robot, load_robot, resolve_dir, user_robots_dir
from syngrasp.cluster.local import generate_local
from syngrasp.core.errors import ConfigError
from syngrasp.generators.mujoco_backend.robot_check import load_robot_model

from .conftest import TINY

NAME = "myarm"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No robots from the developer's own $SYNGRASP_ROBOTS or user folder."""
    monkeypatch.delenv(ROBOTS_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def _edit(robot_dir, **changes) -> None:
    path = os.path.join(robot_dir, "robot.json")
    with open(path) as f:
        raw = json.load(f)
    raw.update(changes)
    with open(path, "w") as f:
        json.dump(raw, f)


@pytest.fixture
def robot_dir(tmp_path) -> str:
    """``tmp_path/robots/myarm``: the xarm6 folder copied, renamed in its robot.json."""
    d = tmp_path / "robots" / NAME
    shutil.copytree(os.path.join(ROBOTS_DIR, "xarm6"), d)
    _edit(d, name=NAME)
    return str(d)


def test_path_ref_loads_the_folder(robot_dir):
    r = load_robot(f"path:{robot_dir}")
    assert r.name == NAME
    assert r.mjcf_path == os.path.join(robot_dir, "xarm6.xml")
    assert os.path.isdir(r.meshdir) and r.meshdir.endswith(os.path.join("pybullet_data", "xarm"))
    assert r.arm_joints == load_robot("xarm6").arm_joints


def test_robots_dir_key_resolves_the_name_to_its_folder(robot_dir):
    cfg = load_config(None, [f"rollout.robots_dir={os.path.dirname(robot_dir)}", f"rollout.robot={NAME}"],
                      seed=0, episodes=1)
    assert cfg.rollout.robot == f"path:{robot_dir}"
    assert load_robot(cfg.rollout.robot).name == NAME
    with pytest.raises(ConfigError, match=f"unknown robot '{NAME}'"):  # not found without the key
        load_config(None, [f"rollout.robot={NAME}"], seed=0, episodes=1)


def test_env_folder_finds_the_robot_and_robots_lists_it(robot_dir, monkeypatch, capsys):
    monkeypatch.setenv(ROBOTS_ENV, os.pathsep.join(["/nonexistent/robots", os.path.dirname(robot_dir)]))
    assert find_robot(NAME) == robot_dir
    assert load_config(None, [f"rollout.robot={NAME}"], seed=0, episodes=1).rollout.robot == f"path:{robot_dir}"
    assert main(["robots", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"panda", "xarm6", NAME} <= set(rows)
    assert rows[NAME]["arm_dof"] == 6 and rows[NAME]["gripper_stroke_m"] == rows["xarm6"]["gripper_stroke_m"]
    assert main(["robots"]) == 0
    assert re.search(rf"^{NAME}\s+6\s", capsys.readouterr().out, re.M)


def test_user_folder_finds_the_robot(robot_dir, tmp_path):
    shutil.copytree(robot_dir, os.path.join(user_robots_dir(), "userarm"))
    assert user_robots_dir() == str(tmp_path / "xdg" / "syngrasp" / "robots")
    assert load_robot("userarm").name == NAME  # the name in robot.json wins over the folder's


def test_unknown_name_lists_the_searched_folders(robot_dir, monkeypatch):
    monkeypatch.setenv(ROBOTS_ENV, os.path.dirname(robot_dir))
    with pytest.raises(ConfigError) as e:
        load_robot("no_such_arm", extra_dir="/opt/more_robots")
    msg = str(e.value)
    for d in (ROBOTS_DIR, "/opt/more_robots", os.path.dirname(robot_dir), user_robots_dir()):
        assert d in msg
    assert NAME in msg and "syngrasp robots add" in msg and "path:DIR" in msg
    with pytest.raises(ConfigError, match="no robot.json in"):
        load_robot(f"path:{os.path.dirname(robot_dir)}")


@pytest.mark.parametrize("form", ["pkg", "absolute"])
def test_meshdir_forms_resolve_and_compile(robot_dir, form):
    meshes = resolve_dir("pybullet_data:xarm", robot_dir)
    _edit(robot_dir, meshdir="pkg:pybullet_data/xarm" if form == "pkg" else meshes)
    r = load_robot(f"path:{robot_dir}")
    assert r.meshdir == meshes
    model = load_robot_model(r, os.path.join(robot_dir, "robot.json")).model
    assert model.nmesh > 0


def test_missing_package_in_meshdir_names_the_fix(robot_dir):
    _edit(robot_dir, meshdir="pkg:no_such_package_xyz/meshes")
    with pytest.raises(ConfigError, match="no_such_package_xyz' is not installed; pip install it"):
        load_robot(f"path:{robot_dir}")


def _check(robot_dir, tmp_path, capsys) -> tuple[int, dict]:
    rc = main(["robots", "check", f"path:{robot_dir}", "--skip-run", "--json", "--out", str(tmp_path / "sheet.png")])
    return rc, json.loads(capsys.readouterr().out)


def test_robots_check_passes_on_the_copy(robot_dir, tmp_path, capsys):
    rc, report = _check(robot_dir, tmp_path, capsys)
    status = {c["name"]: c["status"] for c in report["checks"]}
    assert rc == 0 and report["ok"], report
    assert report["robot"] == NAME and report["robot_json"] == os.path.join(robot_dir, "robot.json")
    assert status == {"spec": "pass", "width_curve": "pass", "grasp_site": "pass", "home_view": "pass",
                      "self_collision": "pass", "run": "skip", "preview": "pass"}
    assert (tmp_path / "sheet.png").stat().st_size > 1000


def test_robots_check_fails_on_a_scaled_width_curve(robot_dir, tmp_path, capsys):
    curve = load_robot(f"path:{robot_dir}").gripper_width_curve
    _edit(robot_dir, gripper_width_curve=[[u, 1.3 * w] for u, w in curve])
    rc, report = _check(robot_dir, tmp_path, capsys)
    assert rc == 1 and not report["ok"]
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["width_curve"]["status"] == "fail"
    first = checks["width_curve"]["findings"][0]
    assert first["key"] == "gripper_width_curve"
    assert re.match(r"gripper_width_curve at command 0 says 115\.6 mm, the finger geoms are 88\.9 mm apart: "
                    r"re-measure with `syngrasp robots add myarm --urdf FILE --force` or edit .*/myarm/robot.json",
                    first["message"]), first["message"]
    assert first["measured"] == pytest.approx(0.0889, abs=5e-4) and first["expected"] == pytest.approx(0.1156, abs=1e-4)
    assert [f["key"] for f in checks["spec"]["findings"]] == ["gripper_max_width"]


def test_robots_check_fails_on_a_shifted_grasp_site(robot_dir, tmp_path, capsys):
    xml = os.path.join(robot_dir, "xarm6.xml")
    with open(xml) as f:
        text = f.read()
    assert '<site name="grasp_site" pos="0 0 0.163"' in text
    with open(xml, "w") as f:  # 6 cm along the closing axis (the gripper's y): beside the right pad
        f.write(text.replace('<site name="grasp_site" pos="0 0 0.163"', '<site name="grasp_site" pos="0 0.06 0.163"'))
    rc, report = _check(robot_dir, tmp_path, capsys)
    site = next(c for c in report["checks"] if c["name"] == "grasp_site")
    assert rc == 1 and site["status"] == "fail"
    (finding,) = site["findings"]
    assert abs(finding["measured"]) == pytest.approx(0.06, abs=1e-3)
    assert "from the middle of the open pads along the closing axis, outside the 88.9 mm between them" in finding["message"]
    assert "MJCF <site name=\"grasp_site\">" in finding["message"]


def test_robots_check_text_report_and_missing_joint(robot_dir, tmp_path, capsys):
    _edit(robot_dir, arm_joints=["joint1", "joint2", "joint3", "joint4", "joint5", "joint_typo"])
    assert main(["robots", "check", f"path:{robot_dir}", "--skip-run", "--out", str(tmp_path / "s.png")]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] spec" in out and "arm_joints names joint 'joint_typo'" in out
    assert "[SKIP] width_curve" in out and "[SKIP] run" in out and not (tmp_path / "s.png").exists()


@pytest.mark.sim
def test_run_with_path_robot_records_its_name(robot_dir, tmp_path, capsys):
    """A tiny run with rollout.robot=path:DIR writes robot_type = the spec's name; the robot has no
    ``urdf`` section, so the PyBullet cross-check of that dataset stops with an error naming its robot.json."""
    out = tmp_path / "run"
    cfg = load_config(None, TINY + [f"rollout.robot=path:{robot_dir}", "writer.format=both"], seed=3, episodes=3)
    manifest = generate_local(cfg, str(out), progress=False)
    assert manifest["episodes"] == 3 and manifest["errors"] == 0, manifest
    info = json.loads((out / "meta/info.json").read_text())
    assert info["robot_type"] == NAME
    assert main(["crosscheck", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{os.path.join(robot_dir, 'robot.json')}: urdf" in err
    assert "path, arm_joints, gripper_joints, ee_link, finger_links, finger_friction" in err
    assert f"syngrasp robots add {NAME} --urdf FILE" in err
