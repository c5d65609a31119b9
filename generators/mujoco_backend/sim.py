"""A compiled scene with its robot: state access, kinematics, collision queries and rendering.

`Sim` is the MuJoCo backend of ``backend.PhysicsSim``. It also implements the
planners' `Kinematics` and `CollisionChecker` protocols on a private scratch
`MjData`, so planning never disturbs the simulated state.
"""

from __future__ import annotations

import mujoco
import numpy as np

from ...assets.robot import RobotSpec
from ...core.geometry import make_pose, mat_to_quat
from ...core.scene import SceneSpec
from ..backend import Contact


class Sim:
    """MuJoCo model + data for one SceneSpec.

    Frames: everything is in the robot base frame (= MuJoCo world frame).
    """

    def __init__(self, model: mujoco.MjModel, scene: SceneSpec, robot: RobotSpec):
        self.model = model
        self.data = mujoco.MjData(model)
        self._scratch = mujoco.MjData(model)
        self.scene = scene
        self.robot = robot
        m = model
        jid = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, j) for j in robot.arm_joints]
        self.arm_qadr = np.array([m.jnt_qposadr[j] for j in jid])
        self.arm_dadr = np.array([m.jnt_dofadr[j] for j in jid])
        self.joint_limits = np.array([m.jnt_range[j] for j in jid])  # (n_arm, 2) [rad]
        self.finger_qadr = np.array(
            [m.jnt_qposadr[mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, j)] for j in robot.gripper_joints]
        )
        self.arm_act = np.array([mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_ACTUATOR, a) for a in robot.arm_actuators])
        self.grip_act = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_ACTUATOR, robot.gripper_actuator)
        self.ee_site = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_SITE, robot.ee_site)
        root = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, robot.root_body)
        self.robot_bodies = {b for b in range(m.nbody) if self._descends(b, root)}
        self.obj_bodies = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, o.name) for o in scene.objects]
        self.obj_qadr = [m.jnt_qposadr[m.body_jntadr[b]] for b in self.obj_bodies]
        self.obj_dadr = [m.jnt_dofadr[m.body_jntadr[b]] for b in self.obj_bodies]
        self.set_target(scene)
        self.n_arm = robot.n_arm

    def set_target(self, scene: SceneSpec) -> None:
        """Adopt ``scene`` (same objects, possibly another target) for target queries."""
        self.scene = scene
        self.target_body = self.obj_bodies[scene.target_index]

    def _descends(self, body: int, root: int) -> bool:
        while body > 0:
            if body == root:
                return True
            body = int(self.model.body_parentid[body])
        return False

    # ----- state -------------------------------------------------------------
    def reset_robot(self, q_arm, gripper_ctrl: float) -> None:
        """Place the arm at ``q_arm`` (n_arm,) [rad] with the gripper at command ``gripper_ctrl``
        (actuator units; its joints at the spec's ``finger_qpos``), at rest."""
        d = self.data
        d.qpos[self.arm_qadr] = q_arm
        d.qpos[self.finger_qadr] = self.robot.finger_qpos(gripper_ctrl)
        d.qvel[:] = 0.0
        d.ctrl[self.arm_act] = q_arm
        d.ctrl[self.grip_act] = gripper_ctrl
        mujoco.mj_forward(self.model, d)

    @property
    def timestep(self) -> float:
        return float(self.model.opt.timestep)

    def get_state(self) -> np.ndarray:
        """(mj_stateSize,) integration state: time, qpos, qvel, act, ctrl, ... (mjSTATE_INTEGRATION)."""
        spec = mujoco.mjtState.mjSTATE_INTEGRATION
        state = np.empty(mujoco.mj_stateSize(self.model, spec))
        mujoco.mj_getState(self.model, self.data, state, spec)
        return state

    def set_state(self, state: np.ndarray) -> None:
        mujoco.mj_setState(self.model, self.data, state, mujoco.mjtState.mjSTATE_INTEGRATION)
        mujoco.mj_forward(self.model, self.data)

    def positions(self) -> np.ndarray:
        """(nq,) generalized positions: what a recorded frame keeps to be drawn again."""
        return self.data.qpos.copy()

    def set_positions(self, qpos: np.ndarray) -> None:
        """Show ``qpos`` (nq,): kinematics and cameras only, no dynamics (for rendering a recording)."""
        self.data.qpos[:] = qpos
        mujoco.mj_kinematics(self.model, self.data)
        mujoco.mj_camlight(self.model, self.data)

    def set_arm_targets(self, q) -> None:
        self.data.ctrl[self.arm_act] = q

    def set_gripper_target(self, ctrl: float) -> None:
        self.data.ctrl[self.grip_act] = ctrl

    def arm_qpos(self) -> np.ndarray:
        return self.data.qpos[self.arm_qadr].copy()

    def gripper_width(self) -> float:
        """Distance between the finger pads [m], from the gripper joints through the robot spec's
        ``gripper_width_curve``."""
        return self.robot.width_from_command(self.robot.command_from_qpos(self.data.qpos[self.finger_qadr]))

    def ee_pose(self) -> np.ndarray:
        """(4, 4) pose of the grasp site in the base frame."""
        return make_pose(self.data.site_xmat[self.ee_site].reshape(3, 3), self.data.site_xpos[self.ee_site])

    def object_pose(self, i: int) -> np.ndarray:
        """(4, 4) pose of scene object ``i`` in the base frame."""
        b = self.obj_bodies[i]
        return make_pose(self.data.xmat[b].reshape(3, 3), self.data.xpos[b])

    def set_object_pose(self, i: int, pose: np.ndarray) -> None:
        """Teleport object ``i`` to ``pose`` (4, 4), at rest."""
        a, v = self.obj_qadr[i], self.obj_dadr[i]
        self.data.qpos[a : a + 3] = pose[:3, 3]
        self.data.qpos[a + 3 : a + 7] = mat_to_quat(pose[:3, :3])
        self.data.qvel[v : v + 6] = 0.0
        mujoco.mj_forward(self.model, self.data)

    def object_speed(self) -> float:
        """Largest linear speed of any object [m/s]."""
        return max(float(np.linalg.norm(self.data.qvel[a : a + 3])) for a in self.obj_dadr)

    def step(self, n: int) -> None:
        mujoco.mj_step(self.model, self.data, nstep=n)

    def settle(self, max_time: float = 2.0, speed_tol: float = 0.005) -> float:
        """Let dropped objects come to rest while the robot holds its pose; returns sim time used [s]."""
        dt = self.model.opt.timestep
        steps = 0
        chunk = int(round(0.1 / dt))
        while steps * dt < max_time:
            self.step(chunk)
            steps += chunk
            if steps * dt >= 0.3 and self.object_speed() < speed_tol:
                break
        self.data.qvel[:] = 0.0
        mujoco.mj_forward(self.model, self.data)
        return steps * dt

    # ----- planners.Kinematics -------------------------------------------------
    def fk(self, q) -> np.ndarray:
        """(4, 4) grasp-site pose for arm joints ``q`` (n_arm,) [rad]."""
        s = self._scratch
        s.qpos[:] = self.data.qpos
        s.qpos[self.arm_qadr] = q
        mujoco.mj_kinematics(self.model, s)
        return make_pose(s.site_xmat[self.ee_site].reshape(3, 3), s.site_xpos[self.ee_site])

    def jacobian(self, q) -> np.ndarray:
        """(6, n_arm) site Jacobian [linear; angular] in the base frame at ``q``."""
        s = self._scratch
        s.qpos[:] = self.data.qpos
        s.qpos[self.arm_qadr] = q
        mujoco.mj_kinematics(self.model, s)
        mujoco.mj_comPos(self.model, s)
        jp = np.zeros((3, self.model.nv))
        jr = np.zeros((3, self.model.nv))
        mujoco.mj_jacSite(self.model, s, jp, jr, self.ee_site)
        return np.vstack([jp[:, self.arm_dadr], jr[:, self.arm_dadr]])

    # ----- planners.CollisionChecker --------------------------------------------
    def robot_contacts(self, q, opening: float, allow_target: bool, tol: float = 0.001) -> list[str]:
        """Names of non-robot bodies the robot touches at ``q`` with the pads ``opening`` [m] apart.

        Objects are at their current simulated poses; penetrations shallower
        than ``tol`` [m] are ignored; the target is ignored when ``allow_target``.
        """
        m, s = self.model, self._scratch
        s.qpos[:] = self.data.qpos
        s.qpos[self.arm_qadr] = q
        s.qpos[self.finger_qadr] = self.robot.finger_qpos(self.robot.command_from_width(opening))
        mujoco.mj_fwdPosition(m, s)
        hits = []
        for i in range(s.ncon):
            c = s.contact[i]
            if c.dist > -tol:
                continue
            b1, b2 = int(m.geom_bodyid[c.geom[0]]), int(m.geom_bodyid[c.geom[1]])
            r1, r2 = b1 in self.robot_bodies, b2 in self.robot_bodies
            if r1 == r2:
                continue
            other = b2 if r1 else b1
            if allow_target and other == self.target_body:
                continue
            hits.append(mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, other) or "world")
        return hits

    def _body_name(self, b: int) -> str:
        return mujoco.mj_id2name(self.model, mujoco.mjtObj.mjOBJ_BODY, b) or ("world" if b == 0 else str(b))

    def contacts(self) -> list[Contact]:
        """Current contacts between distinct bodies; the table (a world geom) is named ``table``."""
        m, d = self.model, self.data
        out = []
        for i in range(d.ncon):
            c = d.contact[i]
            b1, b2 = int(m.geom_bodyid[c.geom[0]]), int(m.geom_bodyid[c.geom[1]])
            if b1 == b2:
                continue
            n1 = "table" if b1 == 0 else self._body_name(b1)
            n2 = "table" if b2 == 0 else self._body_name(b2)
            out.append(Contact(n1, n2, -float(c.dist), b1 in self.robot_bodies, b2 in self.robot_bodies))
        return out

    def robot_penetration(self) -> float:
        """Deepest current contact [m] between the robot and anything but the target (0 when none)."""
        m, d = self.model, self.data
        deepest = 0.0
        for i in range(d.ncon):
            c = d.contact[i]
            if c.dist >= 0:
                continue
            b1, b2 = int(m.geom_bodyid[c.geom[0]]), int(m.geom_bodyid[c.geom[1]])
            r1, r2 = b1 in self.robot_bodies, b2 in self.robot_bodies
            if r1 != r2 and (b2 if r1 else b1) != self.target_body:
                deepest = max(deepest, -float(c.dist))
        return deepest

    def in_collision(self, q, opening: float, allow_target: bool) -> bool:
        """planners.CollisionChecker: any contact at ``q`` with the pads ``opening`` [m] apart."""
        return bool(self.robot_contacts(q, opening, allow_target))
