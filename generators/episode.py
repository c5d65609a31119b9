"""One (run_seed, episode_index) -> one Episode: sample, build, settle, plan, validate, record."""

from __future__ import annotations

import dataclasses
import json
import time
from contextlib import contextmanager

import numpy as np

from .. import __version__
from ..assets import build_catalog, load_robot
from ..assets.meshes import ObjectGeometry, object_geometry
from ..core.episode import Episode
from ..core.rng import episode_rng
from ..core.scene import SceneSpec
from ..planners.grasp import sample_grasps, sample_surface
from ..planners.motion import JointLimits, JointTrajectory, PlanningFailure, plan_pick
from ..randomization.holdout import Holdout, holdout
from ..randomization.language import describe_target, paraphrases, subtask_texts
from ..randomization.scene import redraw_view, sample_scene, with_target
from ..core.schema import CAMERA_EXTRINSICS, INTRINSICS, SEGMENTATION_IDS, episode_meta, extrinsics_key
from .backend import Renderer, SceneSim, get_backend
from .config import GenerationConfig
from .crosscheck import check_grasp
from .physics_params import OBJECT_FRICTION
from .rollout import ObservationPlan, execute, joint_actions, render_recording, target_height, trim_idle
from .visibility import is_visible, target_views

STAGES = ("scene_build", "grasp_planning", "visibility", "motion", "physics", "render", "labels", "write")
CROSSCHECK_DROPPED = "crosscheck_dropped"
HELD_OUT = "held_out"  # the final target is kept out of the data (eval.holdout_fraction)


@dataclasses.dataclass
class EpisodeResult:
    """Outcome of one episode index; ``episode`` is None when nothing is to be written."""

    episode_index: int
    success: bool
    failure_reason: str
    attempts: int
    episode: Episode | None
    timings: dict[str, float]
    visibility_redraws: int = 0
    crosscheck: str = ""  # with rollout.crosscheck: "held" or "dropped" for the chosen attempt, else ""
    target_category: str = ""  # category of the scene's final target ("" when no scene was built)


@contextmanager
def _timed(timings: dict, key: str):
    t0 = time.perf_counter()
    try:
        yield
    finally:
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - t0


class EpisodeGenerator:
    """Holds what is shared across episodes of a run (config, catalog, robot, the simulation backend
    ``rollout.backend`` names)."""

    def __init__(self, cfg: GenerationConfig):
        self.cfg = cfg
        self.backend = get_backend(cfg.rollout.backend)
        self.robot = load_robot(cfg.rollout.robot)
        self.catalog = build_catalog(cfg.scene.asset_sources)
        self._holdouts: dict[int, Holdout] = {}

    def holdout(self, run_seed: int) -> Holdout:
        """The run's held-out targets (``eval.holdout_fraction``; randomization/holdout.py), cached per seed."""
        if run_seed not in self._holdouts:
            self._holdouts[run_seed] = holdout(self.catalog, run_seed, self.cfg.eval.holdout_fraction)
        return self._holdouts[run_seed]

    def compile(self, scene: SceneSpec) -> SceneSim:
        """Compile ``scene`` into a sim at its drop poses (nothing simulated yet)."""
        obs = self.cfg.observations
        wrist = (obs.wrist_height, obs.wrist_width) if obs.wrist_camera else None
        return self.backend.compile(scene, self.catalog, self.robot, self.cfg.render, wrist, self.cfg.rollout.physics_dt)

    def make_sim(self, scene: SceneSpec) -> SceneSim:
        """Compile ``scene`` and let its objects settle with the robot at its start pose."""
        sim = self.compile(scene)
        sim.reset_robot(np.asarray(scene.robot_start_qpos), self.robot.gripper_ctrl_open)
        sim.settle(self.cfg.rollout.settle_time)
        return sim

    def camera_rig(self, sim: SceneSim) -> Renderer:
        """The scene's cameras, plus the robot's wrist camera when ``observations.wrist_camera``."""
        cams = sim.scene.cameras
        names = tuple(c.name for c in cams)
        obs = self.cfg.observations
        if not obs.wrist_camera:
            return self.backend.renderer(sim, names, cams[0].height, cams[0].width, self.cfg.render)
        wrist = self.backend.wrist_camera
        return self.backend.renderer(sim, names + (wrist,), cams[0].height, cams[0].width, self.cfg.render,
                                     sizes={wrist: (obs.wrist_height, obs.wrist_width)}, moving=(wrist,))

    def describe(self, scene: SceneSpec, sim: SceneSim, rng: np.random.Generator):
        """The scene with a varied instruction for its target, told from the settled poses and the
        front (first) camera's viewpoint; also returns the Description."""
        n = len(scene.objects)
        positions = np.array([sim.object_pose(i)[:3, 3] for i in range(n)])
        sizes = np.array([float(max(self.geometry(scene, i).visual.extents)) for i in range(n)])
        desc = describe_target(scene, positions, sizes, self.backend.camera_extrinsics(sim, scene.cameras[0].name), rng)
        return dataclasses.replace(scene, instruction=desc.text), desc

    def observation_plan(self, scene: SceneSpec, sim: SceneSim, rig: Renderer, rng: np.random.Generator) -> ObservationPlan:
        """What to record beyond RGB (``observations`` config); point clouds fuse the static cameras,
        cropped to the table's footprint from 1 cm below its top to 0.6 m above."""
        obs = self.cfg.observations
        t = scene.table
        lo = np.array([t.center[0] - t.size[0] / 2, t.center[1] - t.size[1] / 2, t.top_z - 0.01])
        hi = np.array([t.center[0] + t.size[0] / 2, t.center[1] + t.size[1] / 2, t.top_z + 0.6])
        return ObservationPlan(
            depth=obs.depth,
            segmentation=obs.segmentation,
            ids=self.backend.instance_map(sim) if obs.segmentation else None,
            moving=rig.moving,
            cloud_cameras=rig.static,
            cloud_points=obs.point_cloud,
            cloud_bounds=(lo, hi),
            cloud_voxel=obs.point_cloud_voxel,
            rng=rng,
        )

    def ensure_visible(self, scene: SceneSpec, sim: SceneSim, target_points: np.ndarray, rng: np.random.Generator):
        """Redraw cameras and lights until the target is visible (``visibility`` config).

        Cameras and lights do not touch physics, so a redraw recompiles the
        model and carries the settled state over. Returns (scene, sim, open
        Renderer, redraws, visible).
        """
        vcfg = self.cfg.visibility
        rig = self.camera_rig(sim)
        redraws = 0
        side = min(rig.height, rig.width)
        while vcfg.enabled:
            ids = self.backend.instance_map(sim)
            if is_visible(target_views(sim, rig, ids, target_points, vcfg.ring_px), vcfg, side):
                break
            if redraws == vcfg.max_redraws:
                return scene, sim, rig, redraws, False
            rig.close()
            state = sim.get_state()
            scene = redraw_view(self.cfg.scene, scene, rng)
            sim = self.compile(scene)
            sim.set_state(state)
            rig = self.camera_rig(sim)
            redraws += 1
        return scene, sim, rig, redraws, True

    def geometry(self, scene: SceneSpec, i: int) -> ObjectGeometry:
        """Meshes of object ``i`` in its body frame [m]: visual, collision hulls, grasp surface."""
        o = scene.objects[i]
        return object_geometry(self.catalog.by_id(o.asset_id), tuple(o.scale))

    def collision_points(self, scene: SceneSpec, i: int) -> np.ndarray:
        """(N, 3) vertices of object ``i``'s collision hulls, body frame [m]."""
        return np.vstack([h.vertices for h in self.geometry(scene, i).hulls])

    def _in_world(self, mesh, sim: SceneSim, i: int):
        m = mesh.copy()
        m.apply_transform(sim.object_pose(i))
        return m

    def _choose_target(self, scene: SceneSpec, sim: SceneSim, rng: np.random.Generator):
        """Grasps for the sampled target; when it has none, for the next object that has some.

        Returns (scene with the chosen target, grasps); grasps is empty when no object has any.
        """
        n = len(scene.objects)
        geos = [self.geometry(scene, i) for i in range(n)]
        surface = []
        for i, g in enumerate(geos):
            pts = np.vstack([sample_surface(h, max(20, 200 // len(g.hulls)), rng)[0] for h in g.hulls])
            P = sim.object_pose(i)
            surface.append(pts @ P[:3, :3].T + P[:3, 3])
        order = [scene.target_index] + [i for i in range(n) if i != scene.target_index]
        for j in order:
            obstacles = [surface[i] for i in range(n) if i != j]
            grasps = sample_grasps(
                self._in_world(geos[j].grasp, sim, j),
                np.vstack(obstacles) if obstacles else np.zeros((0, 3)),
                scene.table.top_z,
                self.robot.gripper_boxes,
                self.robot.gripper_max_width,
                self.cfg.grasp,
                rng,
            )
            if grasps:
                return with_target(scene, j), grasps
        return scene, []

    def setup(self, run_seed: int, index: int, timings: dict[str, float]):
        """Sample and settle the scene of episode ``index`` and rank grasps on its target.

        Returns (scene with its final target and start pose, settled sim, grasps best
        first, the episode's generator for the draws that follow).
        """
        rng = episode_rng(run_seed, index)
        with _timed(timings, "scene_build"):
            scene = sample_scene(self.cfg.scene, self.catalog, self.robot, rng)
            sim = self.make_sim(scene)
            scene = self._free_start(scene, sim, rng)
        with _timed(timings, "grasp_planning"):
            scene, grasps = self._choose_target(scene, sim, rng)
        sim.set_target(scene)
        return scene, sim, grasps, rng

    def _free_start(self, scene: SceneSpec, sim: SceneSim, rng: np.random.Generator, tries: int = 20) -> SceneSpec:
        """Keep the sampled start pose if collision-free, else redraw it (home plus noise) and place the arm there."""
        q = np.asarray(scene.robot_start_qpos)
        lo, hi = sim.joint_limits[:, 0], sim.joint_limits[:, 1]
        width = self.robot.width_from_command(self.robot.gripper_ctrl_open)
        for _ in range(tries):
            if np.all(q >= lo) and np.all(q <= hi) and not sim.in_collision(q, width, allow_target=False):
                break
            q = np.asarray(self.robot.home_qpos) + rng.uniform(-1, 1, self.robot.n_arm) * self.robot.start_noise
        else:
            q = np.asarray(self.robot.home_qpos)
        if np.array_equal(q, scene.robot_start_qpos):
            return scene
        sim.reset_robot(q, self.robot.gripper_ctrl_open)
        return dataclasses.replace(scene, robot_start_qpos=tuple(float(v) for v in q))

    def plan(self, scene: SceneSpec, sim: SceneSim, grasp, rng: np.random.Generator) -> JointTrajectory:
        """Pick motion for ``grasp`` from the scene's start pose; raises PlanningFailure."""
        r = self.robot
        limits = JointLimits(
            sim.joint_limits[:, 0],
            sim.joint_limits[:, 1],
            np.asarray(r.max_joint_velocity),
            np.asarray(r.max_joint_acceleration),
            np.asarray(r.max_joint_jerk),
        )
        return plan_pick(
            sim, sim, np.asarray(scene.robot_start_qpos), np.asarray(r.home_qpos), grasp,
            r.width_from_command(r.gripper_ctrl_open), self.cfg.motion, limits, rng,
        )

    def generate(self, run_seed: int, index: int, record: bool = True) -> EpisodeResult:
        """Plan, validate in physics and (with ``record``) render episode ``index``.

        With ``record``, the settled scene's cameras and lights are first redrawn
        until the target is visible (``visibility`` config). Up to
        ``grasp.max_attempts`` planned grasps are executed in physics, recording
        the state at each control tick; the first success (or, with
        ``rollout.keep_failures``, the last attempt) is then rendered from those
        states, kinematics only. ``record=False`` stops after validation and
        returns no Episode.
        """
        timings: dict[str, float] = {k: 0.0 for k in STAGES}
        scene, sim, grasps, rng = self.setup(run_seed, index, timings)
        if self.cfg.eval.holdout_fraction > 0 and self.holdout(run_seed).held_out(scene.target.asset_id,
                                                                                  scene.target.category):
            return EpisodeResult(index, False, HELD_OUT, 0, None, timings, target_category=scene.target.category)
        res = self._plan_and_record(run_seed, index, record, scene, sim, grasps, rng, timings)
        res.target_category = scene.target.category
        return res

    def _plan_and_record(self, run_seed, index, record, scene, sim, grasps, rng, timings) -> EpisodeResult:
        if not grasps:
            return EpisodeResult(index, False, "no_grasp_candidates", 0, None, timings)
        target_points = self.collision_points(scene, scene.target_index)
        rig, redraws, visible = None, 0, True
        if record:
            with _timed(timings, "visibility"):
                scene, sim, rig, redraws, visible = self.ensure_visible(scene, sim, target_points, rng.spawn(1)[0])
        try:
            lang_rng, cloud_rng = rng.spawn(2)
            scene, desc = self.describe(scene, sim, lang_rng)
            sim.set_target(scene)
            if not visible and self.cfg.visibility.require:
                return EpisodeResult(index, False, "target_not_visible", 0, None, timings, redraws)
            return self._attempt_and_render(run_seed, index, scene, sim, rig, grasps, target_points, redraws, record,
                                            rng, timings, desc, cloud_rng)
        finally:
            if rig is not None:
                rig.close()

    def _attempt_and_render(self, run_seed, index, scene, sim, rig, grasps, target_points, redraws, record, rng,
                            timings, desc, cloud_rng) -> EpisodeResult:
        cfg = self.cfg
        settled = sim.get_state()
        settled_poses = {i: sim.object_pose(i) for i in range(len(scene.objects))}
        rest_z = target_height(sim)
        attempts, reason, chosen, checked = 0, "", None, ""
        for g in grasps:
            with _timed(timings, "motion"):
                try:
                    traj = self.plan(scene, sim, g, rng)
                except PlanningFailure as e:
                    reason = reason or e.reason
                    continue
            if len(traj) > cfg.rollout.max_frames:
                reason = reason or "timeout"
                continue
            attempts += 1
            sim.set_state(settled)
            ok, why, rec = execute(sim, traj, rest_z, cfg.motion.success_height, cfg.rollout.ctrl_blocks, timings)
            checked = ""
            if ok and cfg.rollout.crosscheck:
                with _timed(timings, "crosscheck"):
                    held = check_grasp(cfg.rollout.crosscheck, scene, self.catalog, self.robot, joint_actions(traj),
                                       cfg, settled_poses).held
                checked = "held" if held else "dropped"
                if not held and cfg.rollout.require_agreement:
                    ok, why = False, CROSSCHECK_DROPPED
            chosen = (g, traj, ok, why, rec)
            if ok or attempts >= cfg.grasp.max_attempts:
                break
        if chosen is None:
            return EpisodeResult(index, False, reason or "path_not_found", 0, None, timings, redraws)
        grasp, traj, ok, why, rec = chosen
        if not record or (not ok and not cfg.rollout.keep_failures):
            return EpisodeResult(index, ok, why, attempts, None, timings, redraws, checked)

        if cfg.rollout.trim_idle:
            traj, rec = trim_idle(sim, traj, rec)
        plan = self.observation_plan(scene, sim, rig, cloud_rng)
        rig.restart()  # the recording's frames depend on its states alone, not on the visibility renders
        frames = render_recording(sim, traj, rec, rig, target_points, timings, plan)
        names = rig.names
        cameras = {c: {INTRINSICS: rig.intrinsics(c), CAMERA_EXTRINSICS: rig.extrinsics(sim, c)} for c in names}
        for c in rig.moving:  # a moving camera's episode calibration is that of frame 0
            cameras[c][CAMERA_EXTRINSICS] = frames[extrinsics_key(c)][0].astype(np.float64)
        # the declared meta keys (core/schema META); schema_version and phase_names are the schema's own
        meta = episode_meta(
            instruction=scene.instruction,
            seed=int(run_seed),
            episode_index=int(index),
            success=bool(ok),
            failure_reason=why,
            attempts=attempts,
            grasp_pose=grasp.pose.astype(np.float64),
            grasp_width=float(grasp.width),
            scene=scene.to_json(),
            version=__version__,
            fps=float(cfg.motion.control_hz),
            max_penetration_m=float(rec.max_penetration),
            visibility_redraws=int(redraws),
            subtasks=json.dumps(list(subtask_texts(desc))),
            language=desc.to_json(),
            task_aug=json.dumps(list(paraphrases(desc))),
            object_id=scene.target.asset_id,
            object_category=scene.target.category,
            object_scale=np.asarray(scene.target.scale, np.float64),
            object_mass=float(scene.target.mass),
            object_friction=np.asarray(OBJECT_FRICTION, np.float64),  # every object geom's (mujoco_backend/build.py)
            **({} if plan.ids is None else {SEGMENTATION_IDS: plan.ids.to_json(scene.target.name)}),
        )
        return EpisodeResult(index, ok, why, attempts, Episode(frames, cameras, meta), timings, redraws, checked)
