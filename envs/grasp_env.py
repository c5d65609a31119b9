"""``gym_syngrasp/Grasp-v0``: one generated scene per episode, stepped like the generator's rollout.

A reset runs the generator's own steps for (run seed, episode index) in the generator's order,
``EpisodeGenerator.setup`` (sample, settle, free start pose, grasps and the final target), then
``ensure_visible`` and ``describe`` (the instruction), so the scene, cameras, lights and
instruction are the ones ``syngrasp generate`` records for that index. A step ramps the arm's
joint targets over one control period in ``rollout.ctrl_blocks`` blocks of ``rollout.physics_dt``
steps, as ``generators.rollout.execute`` does, so recorded actions replay (envs/README in the
repository README, "Evaluate in the data's world").
"""

from __future__ import annotations

import dataclasses

import gymnasium
import numpy as np
from gymnasium import spaces

from ..core.phases import Phase
from ..core.schema import EPISODE_INDEX, FAILURE_REASON
from ..core.errors import ConfigError
from ..generators.camera_effects import apply_camera_effects
from ..generators.episode import EpisodeGenerator
from ..generators.rollout import joint_actions, run_joint_actions, target_height
from ..planners.ik import solve_ik
from ..planners.motion import JointTrajectory, PlanningFailure
from .config import ACTIONS, load_splits, load_world, load_written
from .splits import SPLITS, SplitPicker

# phases an episode can reach, judged from the state (core/phases.py; SHAKE is a planned motion only)
APPROACH, PRE_GRASP, GRASP, LIFT, HOLD = Phase.APPROACH, Phase.PRE_GRASP, Phase.GRASP, Phase.LIFT, Phase.HOLD
NEAR = 0.05  # [m] beyond the pre-grasp offset: the grasp frame is close enough to count as pre-grasp
FAILURES = {APPROACH: "not_reached", PRE_GRASP: "not_grasped", GRASP: "not_lifted", LIFT: "not_lifted",
            HOLD: "slipped"}


def rotvec_to_mat(v: np.ndarray) -> np.ndarray:
    """(3, 3) rotation of the axis-angle vector ``v`` (3,) [rad] (Rodrigues)."""
    th = float(np.linalg.norm(v))
    if th < 1e-12:
        return np.eye(3)
    k = np.asarray(v, float) / th
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(th) * K + (1 - np.cos(th)) * (K @ K)


class GraspEnv(gymnasium.Env):
    """The generator's world as a gymnasium Env (API: syngrasp/envs/__init__.py)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, dataset_dir=None, config=None, overrides=(), split="seen", action=None, max_steps=None,
                 render_mode="rgb_array"):
        world = load_world(dataset_dir, config, tuple(overrides))
        if action is not None:
            if action not in ACTIONS:
                raise ConfigError("action", f"'{action}' is not one of {', '.join(ACTIONS)}")  # not a schema key
            world = dataclasses.replace(world, action=action)
        if split not in SPLITS:
            raise ConfigError("split", f"'{split}' is not one of {', '.join(SPLITS)}")
        self.world, self.split, self.dataset_dir = world, split, dataset_dir
        self.gen = EpisodeGenerator(world)  # catalog and robot; no renderer (made in reset, in the stepping process)
        self.robot = self.gen.robot
        self.picker = SplitPicker(self.gen, world, split, load_splits(dataset_dir), load_written(dataset_dir))
        self.max_steps = int(max_steps) if max_steps is not None else world.rollout.max_frames
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "render_fps": int(round(world.motion.control_hz))}  # video writers want an int
        n = self.robot.n_arm
        h, w = world.scene.image_size
        cams = {c.name: (h, w) for c in world.scene.cameras}
        if world.observations.wrist_camera:
            cams[self.gen.backend.wrist_camera] = (world.observations.wrist_height, world.observations.wrist_width)
        self.cameras = tuple(cams)
        self.observation_space = spaces.Dict({
            "pixels": spaces.Dict({c: spaces.Box(0, 255, (*hw, 3), np.uint8) for c, hw in cams.items()}),
            "agent_pos": spaces.Box(-np.inf, np.inf, (n + 1,), np.float32),
        })
        if world.action == "joint":
            self.action_space = spaces.Box(-np.pi * 2, np.pi * 2, (n + 1,), np.float32)
        else:
            self.action_space = spaces.Box(-1.0, 1.0, (7,), np.float32)
        self.task = ""  # the episode's instruction; lerobot-eval asks for task_description first
        self._rig = None
        self._sim = None
        self._episode_count = 0

    # ---- episode set-up ------------------------------------------------------------------------
    @property
    def task_description(self) -> str:
        """The instruction of the current episode (LeRobot's name for ``task``)."""
        return self.task

    def reset(self, *, seed=None, options=None):
        """The split's ``seed``-th scene (None: the next one), or generation index ``options["index"]``."""
        super().reset(seed=seed)
        options = options or {}
        if "index" in options:
            index = int(options["index"])
            self._setup(index)
        else:
            k = seed if seed is not None else self._episode_count
            self._setup_split(int(k))
        self._episode_count += 1
        return self._obs(), self._info()

    def _setup_split(self, k: int) -> None:
        for index in self.picker.candidates(k):
            self._setup(index)
            if self.picker.accepts(self.scene.target):
                return
        raise RuntimeError(f"no scene of split {self.split} found from draw {k}; report this")  # pragma: no cover

    def _setup(self, index: int) -> None:
        """Build episode ``index`` exactly as ``EpisodeGenerator.generate`` does up to its first attempt."""
        self._close_rig()
        gen, seed = self.gen, self.world.seed
        timings: dict[str, float] = {}
        scene, sim, grasps, rng = gen.setup(seed, index, timings)
        target_points = gen.collision_points(scene, scene.target_index)
        scene, sim, rig, _, visible = gen.ensure_visible(scene, sim, target_points, rng.spawn(1)[0])
        lang_rng, _cloud_rng = rng.spawn(2)
        scene, _ = gen.describe(scene, sim, lang_rng)
        sim.set_target(scene)
        rig.restart()  # frames depend on states alone, as in the recording
        self.index, self.scene, self._sim, self._rig = index, scene, sim, rig
        self._grasps, self._plan_rng, self.visible = grasps, rng, visible
        self.task = scene.instruction
        self._effects = {fx.camera: fx for fx in scene.camera_effects if fx.camera in rig.names}
        self._rest_z = target_height(sim)
        self._settled = sim.get_state()
        self._q_cmd = np.asarray(scene.robot_start_qpos, float)
        self._ee_ref = sim.ee_pose()
        self._t = 0
        self._lifted_ticks = 1 if self._rise() >= self.world.motion.success_height else 0
        self._phase = APPROACH
        self._closed = False
        self._success = False
        self._frames: dict[str, np.ndarray] = {}
        self._update_phase()

    # ---- stepping ------------------------------------------------------------------------------
    def step(self, action):
        """Apply one dataset action over one control period (1 / motion.control_hz s)."""
        if self._sim is None:
            raise RuntimeError("call reset() before step()")
        a = np.asarray(action, np.float64).reshape(-1)
        if a.shape != self.action_space.shape:
            raise ConfigError("action", f"the policy's action has shape {a.shape}; this env takes {self.world.action} "  # not a schema key: the step argument
                                        f"actions of shape {self.action_space.shape}: give a policy trained on this "
                                        "dataset's action definition (writer.action), or pass action=...")
        sim, n = self._sim, self.robot.n_arm
        lo, hi = sim.joint_limits[:, 0], sim.joint_limits[:, 1]
        if self.world.action == "joint":
            target = np.clip(a[:n], lo, hi)
        else:
            ref = np.eye(4)
            ref[:3, :3] = rotvec_to_mat(a[3:6]) @ self._ee_ref[:3, :3]
            ref[:3, 3] = self._ee_ref[:3, 3] + a[:3]
            q = solve_ik(sim, ref, self._q_cmd)
            if q is None:  # unreachable: stay, and re-anchor the reference on what the arm is commanded to
                target, ref = self._q_cmd, sim.fk(self._q_cmd)
            else:
                target = q
            self._ee_ref = ref
        self._closed = bool(a[-1] > 0.5)
        row = np.concatenate([target, [1.0 if self._closed else 0.0]])[None]
        run_joint_actions(sim, self._q_cmd, row, 1.0 / self.world.motion.control_hz, self.world.rollout.ctrl_blocks)
        self._q_cmd = np.asarray(target, float)
        self._t += 1
        self._frames = {}
        m = self.world.motion
        self._lifted_ticks = self._lifted_ticks + 1 if self._rise() >= m.success_height else 0
        was = self._success
        self._success = was or self._lifted_ticks >= int(round(m.hold_time * m.control_hz)) + 1
        self._update_phase()
        terminated = self._success
        truncated = not terminated and self._t >= self.max_steps
        reward = 1.0 if self._success and not was else 0.0
        return self._obs(), reward, terminated, truncated, self._info()

    def _rise(self) -> float:
        return target_height(self._sim) - self._rest_z

    def _update_phase(self) -> None:
        sim, m = self._sim, self.world.motion
        rise = self._rise()
        target = sim.object_pose(self.scene.target_index)[:3, 3]
        near = np.linalg.norm(sim.ee_pose()[:3, 3] - target) < m.pregrasp_offset + NEAR
        name = self.scene.target.name
        touching = any((c.robot_a and c.body_b == name) or (c.robot_b and c.body_a == name) for c in sim.contacts())
        closed = self._closed
        phase = APPROACH
        if near:
            phase = PRE_GRASP
        if touching and closed:
            phase = GRASP
            if rise >= 0.25 * m.success_height:
                phase = LIFT
        if rise >= m.success_height and touching:
            phase = HOLD
        self._phase = max(self._phase, phase)

    # ---- observations ----------------------------------------------------------------------------
    def _obs(self) -> dict:
        sim = self._sim
        state = np.empty(self.robot.n_arm + 1, np.float32)
        state[:-1] = sim.arm_qpos()
        state[-1] = sim.gripper_width()
        return {"pixels": {c: self._image(c) for c in self.cameras}, "agent_pos": state}

    def _image(self, cam: str) -> np.ndarray:
        """Camera ``cam``'s RGB (H, W, 3) uint8 at the current tick, with the scene's camera effects."""
        if cam not in self._frames:
            img = self._rig.render(self._sim, cam)
            if cam in self._effects:
                img = apply_camera_effects(img, self._effects[cam], self._t)
            self._frames[cam] = img
        return self._frames[cam]

    def _info(self) -> dict:
        return {
            "task": self.task,
            "is_success": bool(self._success),
            FAILURE_REASON: "" if self._success else FAILURES[self._phase],
            "phase": Phase(self._phase).label,
            EPISODE_INDEX: self.index,
            "run_seed": self.world.seed,
            "split": self.split,
            "target_category": self.scene.target.category,
            "target_asset": self.scene.target.asset_id,
            "step": self._t,
        }

    def render(self):
        """The first camera's current frame, (H, W, 3) uint8."""
        return None if self._sim is None else self._image(self.cameras[0])

    # ---- the generator's planner, for the scripted expert ----------------------------------------
    def expert_plan(self) -> JointTrajectory | None:
        """The generator's first attempt for this scene: its best-ranked grasp that plans within
        ``rollout.max_frames`` (same grasps, same planner stream); None when none plans.

        Call right after reset; the sim's state is restored afterwards.
        """
        state = self._sim.get_state()
        try:
            for g in self._grasps:
                try:
                    traj = self.gen.plan(self.scene, self._sim, g, self._plan_rng)
                except PlanningFailure:
                    continue
                if len(traj) <= self.world.rollout.max_frames:
                    return traj
            return None
        finally:
            self._sim.set_state(state)

    def actions_of(self, traj: JointTrajectory) -> np.ndarray:
        """(T, A) float32 actions of a planned trajectory in this env's definition: ``joint`` as
        ``generators.rollout.joint_actions``; ``ee_delta`` as the grasp-frame motion between its
        planned waypoints (FK), base frame, + gripper command."""
        if self.world.action == "joint":
            return joint_actions(traj)
        from ..core.geometry import rotvec_from_mat

        E = [self._sim.fk(q) for q in traj.q]
        out = np.zeros((len(traj), 7), np.float32)
        for t in range(len(traj) - 1):
            out[t, :3] = E[t + 1][:3, 3] - E[t][:3, 3]
            out[t, 3:6] = rotvec_from_mat(E[t + 1][:3, :3] @ E[t][:3, :3].T)
        out[:, 6] = traj.gripper
        return out

    # ---- clean-up --------------------------------------------------------------------------------
    def _close_rig(self) -> None:
        if self._rig is not None:
            self._rig.close()
            self._rig = None

    def close(self):
        self._close_rig()
        self._sim = None
