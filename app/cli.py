"""``syngrasp`` command line.

Exit codes: 0 success, 1 a failed check or run (more episode errors than cluster.max_error_share, a full disk, an
unreachable store), 2 bad input (config, flags, assets, an --out that is a file or cannot be written, malformed YAML),
130 interrupted (Ctrl-C; completed shards stay, the partial one is discarded). app/errors.py turns each into one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..core.errors import ConfigError
from .assets_cli import add_read_limit_args, assets_build, assets_inspect
from .errors import guarded


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="YAML config file; keys not given keep their defaults")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. grasp.top_k=4")


def _config_show(args) -> int:
    from .config import load_config
    from .config_show import render

    cfg = load_config(None if args.defaults else args.config, [] if args.defaults else args.overrides,
                      seed=0, episodes=0)
    print(render(cfg), end="")
    return 0


def _generate(args) -> int:
    from ..cluster.local import generate_local
    from .config import load_config

    from ..cluster.store import is_remote, safe_url

    overrides = list(args.overrides) + ([f"writer.format={args.format}"] if args.format else [])
    cfg = load_config(args.config, overrides, seed=args.seed, episodes=args.episodes)
    if args.workers is not None and args.workers < 0:
        raise ConfigError("--workers", f"{args.workers} is negative; use 0 for in-process or N >= 1 workers")
    print(f"syngrasp: writing {cfg.episodes} episode indices (seed {cfg.seed}) to {safe_url(args.out)}", file=sys.stderr)
    if args.workers == 0 and args.address is None:
        if is_remote(args.out):
            raise ConfigError("--out", "in-process runs (--workers 0) write to a local folder; drop --workers 0")
        manifest = generate_local(cfg, args.out, progress=not args.quiet, verify=args.verify)
    elif cfg.cluster.executor == "processes" or (
        cfg.cluster.executor == "auto" and args.address is None and not is_remote(args.out)
    ):
        if args.address is not None or is_remote(args.out):
            raise ConfigError("cluster.executor", "processes write to a local --out on this machine; use ray")
        from ..cluster.processes import generate_processes

        manifest = generate_processes(cfg, args.out, workers=args.workers, progress=not args.quiet, verify=args.verify)
    else:
        from ..cluster.ray_driver import generate_ray

        manifest = generate_ray(cfg, args.out, workers=args.workers, address=args.address, progress=not args.quiet,
                                verify=args.verify)
    from ..cluster.driver import error_share_exceeded

    redone = manifest.get("redone", [])
    for r in redone:
        print(f"syngrasp: resume: shard {r['shard']} regenerated: {r['problem']}", file=sys.stderr)
    print(json.dumps({**{k: manifest[k] for k in ("episodes", "frames", "successes", "errors", "bytes", "shards")},
                      "redone_shards": len(redone)}))
    too_many = error_share_exceeded(manifest, cfg)
    if too_many:
        print(f"syngrasp: error: {too_many}", file=sys.stderr)
        return 1
    return 0


def _export(args) -> int:
    from ..cluster.export import export_dataset

    export_dataset(args.dir, args.url, threads=args.threads)
    return 0


def _validate(args) -> int:
    from ..exporters.validate import validate

    problems = validate(args.dir)
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s) in {args.dir}" if problems else f"{args.dir}: OK")
    return 1 if problems else 0


def _stats(args) -> int:
    from ..exporters.report import dataset_stats

    stats = dataset_stats(args.dir)
    if not stats:
        raise ConfigError("dir", f"{args.dir} holds no syngrasp dataset")
    if args.json:
        print(json.dumps(stats, indent=1))
        return 0
    for fmt, s in stats.items():
        print(f"[{fmt}]")
        for k, v in s.items():
            print(f"  {k}: {v}")
    return 0


def _convert(args) -> int:
    from ..assets.robot import load_robot
    from ..exporters.convert import convert_hdf5_to_lerobot
    from .config import load_config

    cfg = load_config(args.config, args.overrides, seed=0, episodes=0)
    robot = load_robot(cfg.rollout.robot)
    info = convert_hdf5_to_lerobot(args.src, args.dst, cfg.writer, robot.name, robot.feature_names())
    print(json.dumps({k: info[k] for k in ("total_episodes", "total_frames", "total_tasks")}))
    return 0


def _run_config(out_dir: str):
    """The RunConfig that ``syngrasp generate`` saved in ``out_dir``."""
    from .config import load_run_config

    return load_run_config(out_dir)


def _finalize(args) -> int:
    from ..cluster.destination import Destination
    from ..cluster.shards import num_shards
    from ..assets.robot import load_robot
    from ..exporters.lerobot_meta import finalize_lerobot

    cfg = _run_config(args.dir)
    n = num_shards(cfg.episodes, cfg.writer.shard_size)
    flags = Destination(args.dir).listed_records(n)
    robot = load_robot(cfg.rollout.robot)
    info = finalize_lerobot(args.dir, (k for k in range(n) if flags[k]), robot.name, cfg.writer,
                            robot.feature_names())
    print(json.dumps({"complete_shards": sum(flags), "planned_shards": n, "episodes": info["total_episodes"]}))
    return 0


def _replay(args) -> int:
    import glob

    from ..core import schema
    from ..exporters.hdf5 import read_episode, shard_episode_indices
    from ..generators.episode import EpisodeGenerator
    from ..generators.replay import replay_succeeds
    from ..randomization.spec import SceneSpec

    gen = EpisodeGenerator(_run_config(args.dir))
    total = ok = 0
    for shard in sorted(glob.glob(os.path.join(args.dir, "shard-*.hdf5"))):
        for idx in shard_episode_indices(shard):
            if args.limit and total >= args.limit:
                break
            ep = read_episode(shard, idx)
            good = replay_succeeds(gen, SceneSpec.from_json(ep.meta[schema.SCENE]), ep.frames[schema.ACTION_JOINT])
            total += 1
            ok += int(good == bool(ep.meta[schema.SUCCESS]))
    print(json.dumps({"replayed": total, "reproduced": ok, "rate": round(ok / max(total, 1), 3)}))
    return 0


def _robots_add(args) -> int:
    import shutil

    from ..assets.robot import ROBOTS_DIR, ROBOTS_ENV, find_robot, user_robots_dir
    from ..generators.mujoco_backend.robot_import.importer import MARKER, ImportOptions, import_robot

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
    from ..assets.robot import available_robots, load_robot

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

    from ..assets.robot import find_robot, load_robot
    from ..generators.mujoco_backend.robot_check import CheckResult, Finding, check_robot, check_run
    from .config import load_config

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
        from ..cluster.local import generate_local

        say(f"syngrasp: tiny run of {cfg.episodes} episodes with {robot.name} ...")
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="syngrasp-robot-check-") as tmp:
            results.append(check_run(generate_local(cfg, tmp, progress=False)))
        timings["run_s"] = round(time.perf_counter() - t1, 2)
    out = args.out or f"robot_check_{robot.name}.png"
    if static_ok:
        from .. import preview_scene

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


def _add_robots_parser(sub) -> None:
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


def _crosscheck(args) -> int:
    from ..cluster.crosscheck import crosscheck_dataset, format_summary, summarize
    from ..core.schema import EPISODE_INDEX
    from .config import load_check_config
    from ..generators.backend import check_backends

    if args.engine not in check_backends():
        raise ConfigError("--engine", f"'{args.engine}' is not one of {', '.join(check_backends())}")
    cfg = load_check_config(args.dir, args.overrides)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    count = [0]

    def progress(row: dict) -> None:
        count[0] += 1
        if not args.quiet:
            held = "error" if row["error"] else ("held" if row["engine_held"] else "dropped")
            print(f"  episode {row[EPISODE_INDEX]}: {args.engine} {held}", file=sys.stderr, flush=True)

    rows = crosscheck_dataset(args.dir, args.engine, cfg, workers, args.limit, progress)
    summary = summarize(rows)
    print(format_summary(summary, args.engine))
    print(json.dumps({"engine": args.engine, "checked_now": count[0], **summary["overall"], "errors": summary["errors"]}))
    return 0


def _assets_preview(args) -> int:
    from PIL import Image

    from ..assets import asset_sources, build_catalog, load_robot
    from ..generators.config import RenderConfig
    from ..generators.object_sheet import object_sheet

    sources = tuple(s if s in asset_sources() or ":" in s else f"catalog:{s}" for s in args.sources)
    catalog = build_catalog(sources)
    picks, seen = [], {}
    for a in catalog.objects:  # textured objects first, at most --per-category of each category
        if (a.texture or not args.textured_only) and seen.get(a.category, 0) < args.per_category:
            seen[a.category] = seen.get(a.category, 0) + 1
            picks.append(a)
    if not picks:
        raise ConfigError("assets preview", "no object to show; drop --textured-only or name another catalog")
    sheet = object_sheet(picks[: args.limit], load_robot(args.robot), RenderConfig(), cols=args.cols, tile=args.tile, seed=args.seed)
    tmp = args.out + ".tmp.png"
    Image.fromarray(sheet).save(tmp)
    os.replace(tmp, args.out)
    print(f"{len(picks[: args.limit])} objects -> {args.out}")
    return 0


def _assets_export(args) -> int:
    from ..assets.ingest import export_procedural

    print(export_procedural(args.dir, args.per_category))
    return 0


def _report(args) -> int:
    from ..tools.report_html import write_report

    out = args.out or os.path.join(args.dir, "report.html")
    try:
        write_report(args.dir, out, episodes_shown=args.episodes)
    except FileNotFoundError as e:
        raise ConfigError("dir", str(e)) from e
    print(out)
    return 0


def _export_usd(args) -> int:
    from ..tools.usd_export import export_episode_usd

    info = export_episode_usd(args.dir, args.episode, args.out, _run_config(args.dir))
    print(json.dumps(info))
    return 0


def _add_ecosystem_commands(sub) -> None:
    """``report`` (HTML page about a run) and ``export-usd`` (one episode as a USD stage)."""
    rep = sub.add_parser("report", help="write one self-contained HTML report about a finished run")
    rep.add_argument("dir", help="dataset folder written by syngrasp generate (HDF5 and/or LeRobot)")
    rep.add_argument("--out", help="HTML file to write (default: DIR/report.html)")
    rep.add_argument("--episodes", type=int, default=6, help="random episodes on the contact sheet")
    rep.set_defaults(func=_report)
    usd = sub.add_parser("export-usd", help="write one recorded episode as a USD stage (robot, objects, lights, "
                                            "cameras, time-sampled body transforms)")
    usd.add_argument("dir", help="dataset folder with shard-*.hdf5 and config.yaml")
    usd.add_argument("--episode", type=int, required=True, help="generation episode index")
    usd.add_argument("--out", required=True, help="USD file to write (.usd, .usda or .usdc)")
    usd.set_defaults(func=_export_usd)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["preview"]:
        from .. import preview_scene

        return preview_scene.main(argv[1:])
    parser = argparse.ArgumentParser(prog="syngrasp", description="Synthetic grasp-data factory.")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="generate a sharded dataset (resumes an interrupted run in --out)")
    g.add_argument("--out", required=True, help="output directory")
    g.add_argument("--episodes", type=int, help="number of episode indices to attempt")
    g.add_argument("--seed", type=int, help="run seed")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: one per CPU core); 0 runs in this process (cluster.executor picks processes or Ray)",
    )
    g.add_argument("--address", help="join an existing Ray cluster, e.g. 'auto' (as under ray submit)")
    g.add_argument("--verify", action="store_true",
                   help="on resume, also check the sha256 of every complete shard's files (parallel; slow at scale)")
    g.add_argument("--format", choices=("hdf5", "lerobot", "both"), help="output format (writer.format)")
    _add_config_args(g)
    g.set_defaults(func=_generate)
    ex = sub.add_parser("export", help="upload a finished dataset to a bucket (s3://, gs://, file://), verified")
    ex.add_argument("dir", help="local dataset folder written by syngrasp generate")
    ex.add_argument("url", help="destination, e.g. s3://bucket/prefix")
    ex.add_argument("--threads", type=int, default=4, help="parallel uploads")
    ex.set_defaults(func=_export)
    va = sub.add_parser("validate", help="check a dataset (LeRobot and/or HDF5); exit 1 listing problems")
    va.add_argument("dir")
    va.set_defaults(func=_validate)
    st = sub.add_parser("stats", help="summarise a dataset: episodes, frames, success, categories, lighting, bytes")
    st.add_argument("dir")
    st.add_argument("--json", action="store_true", help="print JSON only")
    st.set_defaults(func=_stats)
    cv = sub.add_parser("convert", help="convert HDF5 shards to a LeRobot v3.0 dataset")
    cv.add_argument("src", help="folder of shard-*.hdf5")
    cv.add_argument("dst", help="new LeRobot dataset folder")
    _add_config_args(cv)
    cv.set_defaults(func=_convert)
    fz = sub.add_parser("finalize", help="(re)write LeRobot meta/ and data/ from the complete shards in DIR")
    fz.add_argument("dir")
    fz.set_defaults(func=_finalize)
    rp = sub.add_parser("replay", help="replay recorded action.joint of HDF5 episodes in fresh sims; report how many succeed")
    rp.add_argument("dir", help="dataset folder with shard-*.hdf5 and config.yaml")
    rp.add_argument("--limit", type=int, default=0, help="replay at most this many episodes (0: all)")
    rp.set_defaults(func=_replay)
    _add_robots_parser(sub)
    cf = sub.add_parser("config", help="the run config: `config show` prints every key, resolved, with its doc")
    csub = cf.add_subparsers(dest="config_command", required=True)
    cs = csub.add_parser("show", help="print the resolved config (file + overrides) with each key's doc")
    cs.add_argument("--defaults", action="store_true", help="the defaults only (ignore --config and overrides)")
    _add_config_args(cs)
    cs.set_defaults(func=_config_show)
    xc = sub.add_parser("crosscheck", help="re-execute each recorded episode's action.joint in another engine; "
                                           "held/dropped side table DIR/crosscheck.parquet and agreement rate")
    xc.add_argument("dir", help="dataset folder with shard-*.hdf5 and config.yaml")
    xc.add_argument("--engine", default="pybullet", help="cross-check engine (default pybullet)")
    xc.add_argument("--workers", type=int, default=None, help="worker processes (default: one per CPU core)")
    xc.add_argument("--limit", type=int, default=0, help="check at most this many episodes in all (0: all)")
    xc.add_argument("--quiet", action="store_true", help="no per-episode lines")
    xc.add_argument("overrides", nargs="*", metavar="key=value", help="rollout.pybullet.* overrides, e.g. "
                                                                      "rollout.pybullet.friction_scale=0")
    xc.set_defaults(func=_crosscheck)
    assets = sub.add_parser("assets", help="build and inspect object catalogs")
    asub = assets.add_subparsers(dest="assets_command", required=True)
    ab = asub.add_parser("build", help="import, validate, repair and decompose a folder of objects into a catalog")
    ab.add_argument("src", help="folder of OBJ/STL/PLY/GLB/GLTF/URDF/MJCF files; category = first sub-folder")
    ab.add_argument("--out", required=True, help="catalog folder to write")
    ab.add_argument("--categories", help="CSV (path,category) or JSON mapping: files, size_ranges, categories (display names, synonyms)")
    ab.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel processes")
    ab.add_argument("--cache", help="decomposition cache folder (default: OUT/cache/coacd)")
    ab.add_argument("--size-mode", choices=("keep", "category"), default="keep",
                    help="keep: metric size (units detected); category: rescale within each category's size range")
    ab.add_argument("--units", choices=("auto", "m", "cm", "mm"), default="auto",
                    help="unit of files whose format does not fix it (default: detected from the size)")
    ab.add_argument("--robot", default="panda", help="robot whose gripper opening decides which objects can be targets")
    ab.add_argument("--no-load-check", action="store_true",
                    help="skip compiling every accepted object in a MuJoCo scene (objects that cannot load are then "
                         "found only by generate)")
    add_read_limit_args(ab)
    ab.set_defaults(func=assets_build)
    ai = asub.add_parser("inspect", help="counts by category and a sample of the rejects")
    ai.add_argument("catalog")
    ai.set_defaults(func=assets_inspect)
    ap = asub.add_parser("preview", help="contact sheet (PNG) of objects in their own appearance")
    ap.add_argument("sources", nargs="+", help="catalog folders, or 'procedural'")
    ap.add_argument("--out", required=True, help="PNG file to write")
    ap.add_argument("--textured-only", action="store_true", help="only objects with a texture")
    ap.add_argument("--per-category", type=int, default=2)
    ap.add_argument("--limit", type=int, default=24)
    ap.add_argument("--cols", type=int, default=6)
    ap.add_argument("--tile", type=int, default=128, help="tile side [px]")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--robot", default="panda")
    ap.set_defaults(func=_assets_preview)
    ae = asub.add_parser("export-procedural", help="write the procedural objects as OBJ files, one folder per category")
    ae.add_argument("dir")
    ae.add_argument("--per-category", type=int, default=100)
    ae.set_defaults(func=_assets_export)
    sub.add_parser("preview", help="render a scene contact sheet (options: syngrasp preview --help)")
    _add_ecosystem_commands(sub)
    from .evaluate import add_evaluate_parser

    add_evaluate_parser(sub)
    args = parser.parse_args(argv)
    return guarded(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
