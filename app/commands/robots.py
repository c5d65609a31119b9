"""``syngrasp robots``: list the robots ``rollout.robot`` can name, check one (``robots check``), add one from
a vendor's URDF or MJCF (``robots add``)."""

from __future__ import annotations

import json
import os
import sys

from ...core.errors import ConfigError


def _robots_add(args) -> int:
    import shutil

    from ...assets.robot import ROBOTS_DIR, ROBOTS_ENV, find_robot, user_robots_dir
    from ...generators.mujoco_backend.robot_import.importer import MARKER, ImportOptions, import_robot

    name = args.name
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ConfigError("robots add", f"'{name}' is not a usable robot name: use letters, digits, _ and -")
    if os.path.isdir(os.path.join(ROBOTS_DIR, name)):
        raise ConfigError("robots add", f"'{name}' is a built-in robot; choose another name")
    base = args.dir or next((d for d in os.environ.get(ROBOTS_ENV, "").split(os.pathsep) if d), None) or user_robots_dir()
    out = os.path.join(os.path.abspath(os.path.expanduser(base)), name)
    home = tuple(float(v) for v in args.home.split(",")) if args.home else None
    old = None
    if os.path.exists(out):
        if not args.force:
            raise ConfigError("robots add", f"{out} exists; pass --force to replace it")
        if not os.path.isfile(os.path.join(out, MARKER)):
            raise ConfigError("robots add", f"{out} was not made by `syngrasp robots add` (no {MARKER}); "
                                            "it is left alone: choose another name or --dir")
        old = out + f".old-{os.getpid()}"
        os.replace(out, old)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    try:
        report = import_robot(ImportOptions(name, args.urdf or args.mjcf, args.gripper, args.base, args.flange, home),
                              out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old)
    meas = report["measured"]
    print(f"syngrasp: robot '{name}' written to {out}")
    print(f"  hand {meas['hand']}, fingers {', '.join(meas['finger_bodies'])}, drive {meas['drive_joint']}")
    curve = meas["gripper_width_curve"]
    print(f"  gripper opening {max(w for _, w in curve) * 1000:.1f} mm, closed {min(w for _, w in curve) * 1000:.1f} mm")
    if meas["home_target_m"]:
        print(f"  home: grasp site at {meas['home_target_m']} m (base frame), pointing down")
    for key, val in report["assumed"].items():
        if val:
            print(f"  assumed {key}: {val}")
    try:
        ref = name if find_robot(name) == out else f"path:{out}"
    except ConfigError:  # written outside the folders searched for names
        ref = f"path:{out}"
    print(f"next: syngrasp robots check {ref}   then   syngrasp generate ... rollout.robot={ref}")
    return 0


def _robots(args) -> int:
    from ...assets.robot import available_robots, load_robot

    rows = []
    for name in available_robots():
        r = load_robot(name)
        rows.append({"name": name, "arm_dof": r.n_arm, "gripper_stroke_m": round(r.gripper_stroke, 4),
                     "gripper_max_width_m": round(r.gripper_max_width, 4),
                     "target_max_width_m": round(r.target_max_width, 4)})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'robot':<10} {'arm DoF':>7} {'gripper stroke':>15} {'max target width':>17}")
    for row in rows:
        print(f"{row['name']:<10} {row['arm_dof']:>7} {row['gripper_stroke_m'] * 1000:>12.1f} mm "
              f"{row['target_max_width_m'] * 1000:>14.1f} mm")
    print("select one with rollout.robot=<name>")
    return 0


def _robots_check(args) -> int:
    """``syngrasp robots check NAME``: the checks of generators/mujoco_backend/robot_check.py, a tiny run, a preview."""
    import tempfile
    import time

    from ...assets.robot import find_robot, load_robot
    from ...generators.mujoco_backend.robot_check import CheckResult, Finding, check_robot, check_run
    from ..config import load_config

    t0 = time.perf_counter()
    say = (lambda m: None) if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    if args.episodes < 1:
        raise ConfigError("--episodes", f"{args.episodes}: give at least 1 (or --skip-run)")
    cfg = load_config(None, [f"rollout.robot={args.name}", "render.preset=balanced", *args.overrides],
                      seed=args.seed, episodes=args.episodes)
    robot = load_robot(cfg.rollout.robot)
    robot_json = os.path.join(find_robot(cfg.rollout.robot), "robot.json")
    results = check_robot(robot, cfg.scene, robot_json)
    static_ok = not any(r.status == "skip" for r in results)
    timings = {"static_s": round(time.perf_counter() - t0, 2)}
    if args.skip_run:
        results.append(CheckResult("run", "skip", reason="--skip-run"))
    elif not static_ok:
        results.append(CheckResult("run", "skip", reason="the MJCF lacks elements the spec names"))
    else:
        from ...cluster.local import generate_local

        say(f"syngrasp: tiny run of {cfg.episodes} episodes with {robot.name} ...")
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="syngrasp-robot-check-") as tmp:
            results.append(check_run(generate_local(cfg, tmp, progress=False)))
        timings["run_s"] = round(time.perf_counter() - t1, 2)
    out = args.out or f"robot_check_{robot.name}.png"
    if static_ok:
        from ... import preview_scene

        t1 = time.perf_counter()
        try:
            preview_scene.render_sheet(cfg, cfg.seed, 0).save(out)
            results.append(CheckResult("preview", "pass", details={"png": os.path.abspath(out)},
                                       notes=(f"wrote {out}: check the robot and the target are in view",)))
        except Exception as e:  # a robot that breaks the preview is a finding, not a crash
            results.append(CheckResult("preview", "fail", (Finding("preview", f"the preview sheet failed: "
                                                                   f"{type(e).__name__}: {e}"),)))
        timings["preview_s"] = round(time.perf_counter() - t1, 2)
    ok = all(r.status != "fail" for r in results) and static_ok
    timings["total_s"] = round(time.perf_counter() - t0, 2)
    if args.json:
        print(json.dumps({"robot": robot.name, "ref": cfg.rollout.robot, "robot_json": robot_json, "ok": ok,
                          "checks": [r.to_dict() for r in results], "timings": timings}, indent=1))
    else:
        print(f"robot {robot.name} ({robot_json})")
        for r in results:
            print(r.text())
        print(f"{'all checks pass' if ok else 'some checks FAIL'} ({timings['total_s']:.1f} s)")
    return 0 if ok else 1


def add_parsers(sub) -> None:
    """``robots`` (list) and its subcommands ``robots check`` and ``robots add``."""
    rb = sub.add_parser("robots", help="list the robots rollout.robot can name: arm DoF and gripper stroke; "
                                       "check one with `robots check NAME`")
    rb.add_argument("--json", action="store_true", help="print JSON only")
    rb.set_defaults(func=_robots)
    rsub = rb.add_subparsers(dest="robots_command", required=False)
    ck = rsub.add_parser("check", help="check a robot like the built-in ones: spec vs MJCF, width curve vs finger "
                                       "geometry, grasp site, home pose in view, self-collision, a tiny run, a "
                                       "preview sheet; exit 1 when a check fails")
    ck.add_argument("name", help="robot name (built-in, rollout.robots_dir, $SYNGRASP_ROBOTS, user folder) or path:DIR")
    ck.add_argument("--episodes", type=int, default=6, help="episodes of the tiny run (default 6)")
    ck.add_argument("--seed", type=int, default=0, help="run seed of the tiny run and the preview")
    ck.add_argument("--skip-run", action="store_true", help="skip the tiny generation run")
    ck.add_argument("--out", help="preview sheet PNG (default robot_check_<name>.png here)")
    ck.add_argument("--json", action="store_true", help="print a machine-readable report only")
    ck.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. rollout.robots_dir=DIR")
    ck.set_defaults(func=_robots_check)
    ra = rsub.add_parser("add", help="make a robot folder from a vendor URDF or MJCF (+ gripper file): arm and "
                                     "gripper found, gripper width, grasp site, boxes and home pose measured")
    ra.add_argument("name", help="the robot's name (rollout.robot=NAME)")
    src = ra.add_mutually_exclusive_group(required=True)
    src.add_argument("--urdf", help="the robot's URDF (package:// meshes are found above it or in installed packages)")
    src.add_argument("--mjcf", help="the robot's MJCF")
    ra.add_argument("--gripper", help="a separate gripper file (MJCF or URDF), attached at the arm's last link")
    ra.add_argument("--base", help="the arm's base link (default: the first jointed link)")
    ra.add_argument("--flange", help="the link the gripper hangs from (default: found where the fingers branch)")
    ra.add_argument("--home", help="home joint positions q1,q2,... [rad] (default: by IK, hand above the table)")
    ra.add_argument("--dir", help="robots folder to write to (default: first of $SYNGRASP_ROBOTS, else "
                                  "~/.local/share/syngrasp/robots)")
    ra.add_argument("--force", action="store_true", help="replace a robot folder this command made earlier")
    ra.set_defaults(func=_robots_add)
