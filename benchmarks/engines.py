"""End-to-end cost of each render preset, whole process tree, in one run (optionally next to robosuite).

Usage: python benchmarks/engines.py [--episodes 10] [--seed 0] [--workers 1] [--presets fast,balanced,photoreal]
           [--robosuite] [key=value ...]

For each preset, ``syngrasp generate --out TMP --episodes N --seed S --workers W
render.preset=P`` runs as a child process, one preset after the other, the same
episodes each time. Per preset it reports:

* frames: recorded frames (manifest.json), each a 10 Hz step with every camera rendered
  (2 x 256^2 RGB by default);
* wall_frames_per_s and wall_frames_per_s_per_worker: frames / wall seconds from launch
  to exit (start-up, Ray-free process pool or in-process run, finalize, everything);
* frames_per_cpu_s: frames / CPU seconds (user + system) of the whole process tree
  (the command and every worker it waited for, start-up included): the per-core figure
  that does not depend on what else the machine is running;
* core_hours_per_billion_frames: 1e9 / frames_per_cpu_s / 3600.

``--robosuite`` also runs robosuite's Lift collection loop (benchmarks/peer_robosuite.py:
two 256^2 cameras, 10 Hz, HDF5) in the same run and reports each preset's ratio to it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

PRESETS = ("fast", "balanced", "photoreal")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_preset(preset: str, episodes: int, seed: int, workers: int, overrides: list[str]) -> dict:
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    exe = shutil.which("syngrasp", path=path)
    if exe is None:
        sys.exit("engines: no 'syngrasp' command; run `bash scripts/setup.sh` first")
    env = {**os.environ, "MUJOCO_GL": "egl"}
    with tempfile.TemporaryDirectory(prefix=f"engines-{preset}-") as out:
        cmd = [exe, "generate", "--out", out, "--episodes", str(episodes), "--seed", str(seed), "--workers",
               str(workers), "--quiet", f"render.preset={preset}", *overrides]
        c0, t0 = _children_cpu(), time.perf_counter()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
        if r.returncode != 0:
            sys.exit(f"engines: {' '.join(cmd)} failed (exit {r.returncode}):\n{r.stderr[-3000:]}")
        with open(os.path.join(out, "manifest.json")) as f:
            manifest = json.load(f)
    frames = manifest["frames"]
    per_cpu = frames / cpu
    return {
        "frames": frames,
        "successes": manifest.get("successes"),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "wall_frames_per_s": round(frames / wall, 2),
        "wall_frames_per_s_per_worker": round(frames / wall / max(workers, 1), 2),
        "frames_per_cpu_s": round(per_cpu, 2),
        "core_hours_per_billion_frames": round(1e9 / per_cpu / 3600),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1, help="syngrasp worker processes (0: in the command's process)")
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--robosuite", action="store_true", help="also time robosuite's Lift loop in this run")
    ap.add_argument("--rs-procs", type=int, default=1, help="robosuite processes (with --robosuite)")
    ap.add_argument("overrides", nargs="*", metavar="key=value")
    args = ap.parse_args()
    os.environ.setdefault("LP_NUM_THREADS", "1")
    report: dict = {"unit": "frame = one 10 Hz step, every camera rendered", "cpu_cores": os.cpu_count(),
                    "settings": {"episodes": args.episodes, "seed": args.seed, "workers": args.workers,
                                 "overrides": args.overrides}, "presets": {}}
    for preset in [p for p in args.presets.split(",") if p]:
        report["presets"][preset] = run_preset(preset, args.episodes, args.seed, args.workers, args.overrides)
    if args.robosuite:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import peer_robosuite as peer

        py, _ = peer.venv_python(os.path.expanduser("~/.cache/syngrasp/peer-robosuite-venv"))
        c0 = _children_cpu()
        rs = peer.run_robosuite(py, args.rs_procs, 2, 100, args.seed)
        rs["frames_per_cpu_s"] = round(rs["frames"] / (_children_cpu() - c0), 2)
        rs["wall_frames_per_s_per_proc"] = round(rs["frames_per_s"] / args.rs_procs, 2)
        report["robosuite"] = rs
        for name, r in report["presets"].items():
            r["ratio_to_robosuite_per_cpu_s"] = round(r["frames_per_cpu_s"] / rs["frames_per_cpu_s"], 2)
            r["ratio_to_robosuite_wall_per_worker"] = round(
                r["wall_frames_per_s_per_worker"] / rs["wall_frames_per_s_per_proc"], 2)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
