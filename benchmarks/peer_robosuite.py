"""syngrasp's generation throughput next to robosuite's data-collection loop, in one run.

Usage: python benchmarks/peer_robosuite.py [--episodes 20] [--seed 0] [--procs N]
           [--rs-episodes 2] [--horizon 100] [--venv DIR] [--robosuite-only | --syngrasp-only]
           [key=value ...]

Unit: frames/s, where a frame is one recorded 10 Hz control step with two cameras rendered
at 256x256 RGB, plus robot state and action, written to HDF5. Both sides record at 10 Hz.

* robosuite frames/s = recorded steps of all processes / wall-clock seconds from launching
  --procs processes (default: one per CPU core; LP_NUM_THREADS=1 each when there are several)
  to the last one exiting, so interpreter start, environment creation and resets count. Each
  process builds Lift with a Panda (robosuite.make: has_renderer=False, offscreen rendering,
  use_camera_obs=True, cameras frontview + agentview at 256x256, control_freq=10, default
  controller: OSC pose for the arm), takes uniform random actions for --horizon steps per
  episode, --rs-episodes episodes, and writes every step's two images, robot state (joint
  pos/vel, eef pos/quat, gripper qpos), flattened sim state and action to HDF5 in robomimic's layout
  (data/demo_i/{actions,states,obs/*}, gzip), one file per process.
* syngrasp frames/s = "frames" in the manifest.json written by
  `syngrasp generate --out TMP --episodes N --seed S --quiet [key=value ...]` / wall-clock
  seconds of that command, from launch to exit.
* ratio = syngrasp frames/s / robosuite frames/s (> 1: syngrasp is faster).

robosuite is not a syngrasp dependency: it is pip-installed (pinned, from PyPI) into its own
virtual environment, created with this interpreter, and reused while it imports; right after
an install one short untimed episode fills numba's compile cache (a one-off cost). mujoco is
pinned to 3.3.7 there because mujoco 4.0 breaks robosuite 1.5.2 (its joint-type check in
get_joint_qpos_addr fails on every joint); mink 0.0.5, a robosuite dependency, needs numpy < 2.
Both sides run one after the other on the same machine, rendering through MUJOCO_GL=egl.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROBOSUITE = "1.5.2"
PINS = [f"robosuite=={ROBOSUITE}", "mujoco==3.3.7", "numpy==1.26.4", "h5py==3.16.0"]
CAMERAS = ("frontview", "agentview")
SIZE = 256
CONTROL_HZ = 10

# One robosuite collection process; argv[1] is a JSON object of settings.
CHILD = r"""
import json, os, sys
import h5py, numpy as np, robosuite

a = json.loads(sys.argv[1])
kwargs = dict(robots="Panda", has_renderer=False, has_offscreen_renderer=True, use_camera_obs=True,
              camera_names=a["cameras"], camera_heights=a["size"], camera_widths=a["size"],
              control_freq=a["control_hz"], horizon=a["horizon"])
env = robosuite.make("Lift", **kwargs)
low, high = env.action_spec
rng = np.random.default_rng(a["seed"])
keys = [c + "_image" for c in a["cameras"]] + [
    "robot0_joint_pos", "robot0_joint_vel", "robot0_eef_pos", "robot0_eef_quat", "robot0_gripper_qpos"]
frames = 0
with h5py.File(a["out"], "w") as f:
    data = f.create_group("data")
    data.attrs["env_args"] = json.dumps({"env_name": "Lift", "type": 1, "env_kwargs": kwargs})
    for ep in range(a["episodes"]):
        obs = env.reset()
        buf = {k: [] for k in keys + ["actions", "states"]}
        for _ in range(a["horizon"]):
            action = rng.uniform(low, high)
            for k in keys:
                buf[k].append(obs[k])
            buf["states"].append(env.sim.get_state().flatten())
            buf["actions"].append(action)
            obs, _, _, _ = env.step(action)
        demo = data.create_group(f"demo_{ep}")
        demo.attrs["num_samples"] = a["horizon"]
        for k, v in buf.items():
            name = k if k in ("actions", "states") else "obs/" + k
            demo.create_dataset(name, data=np.stack(v), compression="gzip")
        frames += a["horizon"]
    data.attrs["total"] = frames
env.close()
print(json.dumps({"frames": frames, "bytes": os.path.getsize(a["out"])}))
"""

PROBE = "import h5py, mujoco, robosuite; print(robosuite.__version__)"


def venv_python(venv: str) -> tuple[str, float]:
    """The venv's python, creating or repairing the venv first if needed; returns (python, setup seconds)."""
    py = os.path.join(venv, "bin", "python")
    env = {**os.environ, "MUJOCO_GL": "egl"}

    def ready() -> bool:
        if not os.path.isfile(py):
            return False
        r = subprocess.run([py, "-c", PROBE], capture_output=True, text=True, env=env)
        return r.returncode == 0 and r.stdout.strip().splitlines()[-1:] == [ROBOSUITE]

    if ready():
        return py, 0.0
    t0 = time.perf_counter()
    print(f"peer_robosuite: installing {' '.join(PINS)} into {venv}", file=sys.stderr)
    if not os.path.isfile(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([py, "-m", "pip", "install", "--quiet", *PINS], check=True)
    if not ready():
        sys.exit(f"peer_robosuite: robosuite in {venv} does not import after install; delete it and retry")
    run_robosuite(py, procs=1, episodes=1, horizon=2, seed=0)  # fills numba's and Python's caches, untimed
    return py, time.perf_counter() - t0


def run_robosuite(py: str, procs: int, episodes: int, horizon: int, seed: int) -> dict:
    """Launch ``procs`` collection processes at once and time them from launch to the last exit."""
    env = {**os.environ, "MUJOCO_GL": "egl"}
    if procs > 1:
        env["LP_NUM_THREADS"] = "1"
    with tempfile.TemporaryDirectory(prefix="peer-robosuite-") as tmp:
        t0 = time.perf_counter()
        children = []
        for i in range(procs):
            settings = {"cameras": list(CAMERAS), "size": SIZE, "control_hz": CONTROL_HZ, "horizon": horizon,
                        "episodes": episodes, "seed": seed + i, "out": os.path.join(tmp, f"proc{i}.hdf5")}
            children.append(subprocess.Popen([py, "-c", CHILD, json.dumps(settings)], env=env,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outs = [c.communicate() for c in children]
        seconds = time.perf_counter() - t0
    frames = nbytes = 0
    for c, (out, err) in zip(children, outs):
        if c.returncode != 0:
            sys.exit(f"peer_robosuite: a robosuite process failed (exit {c.returncode}):\n{err[-3000:]}")
        res = json.loads(out.strip().splitlines()[-1])
        frames += res["frames"]
        nbytes += res["bytes"]
    return {"frames": frames, "seconds": round(seconds, 2), "frames_per_s": round(frames / seconds, 2),
            "bytes_per_frame": round(nbytes / max(frames, 1))}


def run_syngrasp(episodes: int, seed: int, overrides: list[str]) -> dict:
    """Time ``syngrasp generate`` into a fresh folder; frames come from its manifest.json."""
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    exe = shutil.which("syngrasp", path=path)
    if exe is None:
        sys.exit("peer_robosuite: no 'syngrasp' command; run `pip install -e .` in the repository first")
    env = {**os.environ, "MUJOCO_GL": "egl"}
    with tempfile.TemporaryDirectory(prefix="peer-syngrasp-") as out:
        cmd = [exe, "generate", "--out", out, "--episodes", str(episodes), "--seed", str(seed), "--quiet", *overrides]
        t0 = time.perf_counter()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if r.returncode != 0:
            sys.exit(f"peer_robosuite: syngrasp generate failed (exit {r.returncode}):\n{r.stderr[-3000:]}")
        with open(os.path.join(out, "manifest.json")) as f:
            manifest = json.load(f)
    frames = manifest["frames"]
    return {"frames": frames, "seconds": round(seconds, 2), "frames_per_s": round(frames / seconds, 2),
            "episodes": manifest.get("episodes"), "successes": manifest.get("successes"),
            "bytes_per_frame": round(manifest.get("bytes", 0) / max(frames, 1))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--episodes", type=int, default=20, help="syngrasp episode indices to attempt")
    p.add_argument("--seed", type=int, default=0, help="syngrasp run seed; robosuite process i uses seed + i")
    p.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="parallel robosuite processes")
    p.add_argument("--rs-episodes", type=int, default=2, help="robosuite episodes per process")
    p.add_argument("--horizon", type=int, default=100, help="robosuite steps per episode (10 s at 10 Hz)")
    p.add_argument("--venv", default=os.path.expanduser("~/.cache/syngrasp/peer-robosuite-venv"),
                   help="virtual environment holding robosuite (created if missing)")
    side = p.add_mutually_exclusive_group()
    side.add_argument("--robosuite-only", action="store_true", help="run only the robosuite side")
    side.add_argument("--syngrasp-only", action="store_true", help="run only the syngrasp side")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="syngrasp config overrides")
    args = p.parse_args()

    report: dict = {"unit": f"frames/s; frame = one {CONTROL_HZ} Hz step, {len(CAMERAS)} cameras x {SIZE}x{SIZE} RGB"}
    if not args.robosuite_only:
        report["syngrasp"] = run_syngrasp(args.episodes, args.seed, args.overrides)
    if not args.syngrasp_only:
        py, setup_s = venv_python(args.venv)
        report["robosuite"] = run_robosuite(py, args.procs, args.rs_episodes, args.horizon, args.seed)
        report["robosuite"].update(version=ROBOSUITE, venv=args.venv, venv_setup_s=round(setup_s, 1))
    if "syngrasp" in report and "robosuite" in report:
        report["ratio_syngrasp_over_robosuite"] = round(
            report["syngrasp"]["frames_per_s"] / report["robosuite"]["frames_per_s"], 2)
    report["settings"] = {
        "syngrasp": {"episodes": args.episodes, "seed": args.seed, "overrides": args.overrides},
        "robosuite": {"task": "Lift", "robot": "Panda", "cameras": list(CAMERAS), "size": SIZE,
                      "control_hz": CONTROL_HZ, "actions": "uniform random", "procs": args.procs,
                      "episodes_per_proc": args.rs_episodes, "horizon": args.horizon,
                      "lp_num_threads": 1 if args.procs > 1 else None, "pins": PINS},
        "cpu_cores": os.cpu_count(),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
