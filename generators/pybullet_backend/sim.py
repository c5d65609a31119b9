"""PyBullet backend of the PhysicsSim Protocol, built from a SceneSpec (used to cross-check grasps).

The scene is rebuilt from the same data as the MuJoCo model (generators/mujoco_backend/build.py):
the table box, each object's convex collision pieces from the catalog with the
object's mass shared among them by volume, and the robot from the URDF named in
its spec (``robot.json`` ``urdf`` section, joints mapped by name).

Differences that remain, by design of the engines (see README "Cross-check"):
- friction: MuJoCo takes the larger of two geoms' coefficients and uses an
  elliptic cone; PyBullet multiplies them and uses a pyramid of two friction
  directions. Coefficients are converted so that every object pair with the
  table or a finger gets MuJoCo's value: objects keep theirs, every other body
  gets ``max(its own, the object's) / the object's``.
- contacts: MuJoCo's are soft (solref/solimp); PyBullet's are rigid with
  position correction.
- gripper: MuJoCo's finger actuator is a proportional position servo (grip
  force grows with the remaining opening, capped); PyBullet's position motor
  pushes with up to its force limit (the URDF's effort, or ``gripper_force``).
- robot collision shapes: the URDF has no separate finger pads; the finger
  meshes collide.

One PyBullet client (``p.DIRECT``) per instance; ``close()`` (or ``with``) disconnects.
"""

from __future__ import annotations

import numpy as np
import pybullet as p

from ...assets.catalog import AssetCatalog
from ...assets.meshes import object_geometry
from ...assets.robot import RobotSpec
from ...core.errors import ConfigError
from ...core.geometry import make_pose, mat_to_quat, quat_to_mat
from ...core.scene import SceneSpec
from ..backend import Contact
from ..config import PyBulletConfig, RolloutConfig
from ..crosscheck import missing_urdf_error
from ..physics_params import OBJECT_FRICTION, TABLE_FRICTION, TABLE_THICKNESS

GRAVITY = -9.81  # m/s^2
MJ_DEFAULT_FRICTION = (1.0, 0.005, 0.0001)  # MuJoCo's default geom friction (robot links without their own)


def _xyzw(R: np.ndarray) -> list[float]:
    w, x, y, z = mat_to_quat(R)
    return [float(x), float(y), float(z), float(w)]


def _mat(xyzw) -> np.ndarray:
    x, y, z, w = xyzw
    return quat_to_mat(np.array([w, x, y, z]))


def _against_objects(own) -> tuple[float, float, float]:
    """PyBullet coefficients of a non-object body whose product with an object's equals MuJoCo's max rule."""
    return tuple(max(a, o) / o for a, o in zip(own, OBJECT_FRICTION))


class PyBulletSim:
    """A SceneSpec with its robot in one PyBullet client. Frames: base frame = PyBullet world frame."""

    def __init__(self, scene: SceneSpec, catalog: AssetCatalog, robot: RobotSpec, cfg: PyBulletConfig):
        if robot.urdf is None:
            raise missing_urdf_error("pybullet", robot)
        self.robot, self.scene, self.cfg = robot, scene, cfg
        self.n_arm = robot.n_arm
        self.cid = p.connect(p.DIRECT)
        try:
            self._build(catalog)
        except BaseException:
            self.close()
            raise

    # ----- building ------------------------------------------------------------
    def _build(self, catalog: AssetCatalog) -> None:
        c, cfg, scene = self.cid, self.cfg, self.scene
        p.setGravity(0.0, 0.0, GRAVITY, physicsClientId=c)
        p.setTimeStep(cfg.dt, physicsClientId=c)
        p.setPhysicsEngineParameter(numSolverIterations=cfg.solver_iterations, physicsClientId=c)
        t = scene.table
        shape = p.createCollisionShape(p.GEOM_BOX, halfExtents=[t.size[0] / 2, t.size[1] / 2, TABLE_THICKNESS / 2],
                                       physicsClientId=c)
        self.table = p.createMultiBody(0.0, shape, -1, [t.center[0], t.center[1], t.top_z - TABLE_THICKNESS / 2],
                                       physicsClientId=c)
        self._friction(self.table, -1, _against_objects(TABLE_FRICTION))
        self._build_robot()
        self.objects: list[int] = []
        self._com: list[np.ndarray] = []  # base inertial-frame origin in each object's body frame [m]
        for o in scene.objects:
            geo = object_geometry(catalog.by_id(o.asset_id), tuple(o.scale))
            shapes = [p.createCollisionShape(p.GEOM_MESH, vertices=np.asarray(h.vertices).tolist(), physicsClientId=c)
                      for h in geo.hulls]
            masses = [o.mass * h.volume / geo.volume for h in geo.hulls]
            centers = [np.asarray(h.center_mass, dtype=float) for h in geo.hulls]
            n = len(shapes) - 1
            body = p.createMultiBody(
                baseMass=masses[0], baseCollisionShapeIndex=shapes[0], baseVisualShapeIndex=-1,
                basePosition=list(o.pos), baseOrientation=_xyzw(quat_to_mat(np.asarray(o.quat))),
                baseInertialFramePosition=centers[0].tolist(),
                linkMasses=masses[1:], linkCollisionShapeIndices=shapes[1:], linkVisualShapeIndices=[-1] * n,
                linkPositions=[[0.0, 0.0, 0.0]] * n, linkOrientations=[[0.0, 0.0, 0.0, 1.0]] * n,
                linkInertialFramePositions=[ci.tolist() for ci in centers[1:]],
                linkInertialFrameOrientations=[[0.0, 0.0, 0.0, 1.0]] * n,
                linkParentIndices=[0] * n, linkJointTypes=[p.JOINT_FIXED] * n, linkJointAxis=[[0.0, 0.0, 1.0]] * n,
                physicsClientId=c,
            )
            self.objects.append(body)
            self._com.append(centers[0])
            for link in range(-1, n):
                self._friction(body, link, OBJECT_FRICTION, scale=cfg.friction_scale)
            # createMultiBody places the inertial frame at basePosition: move the body frame there instead
            self.set_object_pose(len(self.objects) - 1, make_pose(quat_to_mat(np.asarray(o.quat)), np.asarray(o.pos)))
        self.target = self.objects[scene.target_index]

    def _friction(self, body: int, link: int, coeffs, scale: float = 1.0) -> None:
        p.changeDynamics(body, link, lateralFriction=coeffs[0] * scale, spinningFriction=coeffs[1],
                         rollingFriction=coeffs[2], physicsClientId=self.cid)

    def _build_robot(self) -> None:
        c, u = self.cid, self.robot.urdf
        self.body = p.loadURDF(u.path, [0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], useFixedBase=True,
                               flags=p.URDF_USE_INERTIA_FROM_FILE, physicsClientId=c)
        joints, links, self._max_force = {}, {}, {}
        for j in range(p.getNumJoints(self.body, physicsClientId=c)):
            info = p.getJointInfo(self.body, j, physicsClientId=c)
            joints[info[1].decode()] = j
            links[info[12].decode()] = j
            self._max_force[j] = float(info[10])
        self.link_names = {v: k for k, v in links.items()}
        self.link_names[-1] = p.getBodyInfo(self.body, physicsClientId=c)[0].decode()

        def index(names, table, what):
            missing = [n for n in names if n not in table]
            if missing:
                raise ConfigError("robot", f"{u.path} has no {what} {', '.join(missing)} named in robot "
                                           f"'{self.robot.name}' robot.json 'urdf' section")
            return [table[n] for n in names]

        self.arm_idx = index(u.arm_joints, joints, "joint")
        self.finger_idx = index(u.gripper_joints, joints, "joint")
        (self.ee_idx,) = index([u.ee_link], links, "link")
        fingers = index(u.finger_links, links, "link")
        for link in range(-1, p.getNumJoints(self.body, physicsClientId=c)):
            own = u.finger_friction if link in fingers else MJ_DEFAULT_FRICTION
            self._friction(self.body, link, _against_objects(own))
        self.arm_force = [self._max_force[j] for j in self.arm_idx]
        grip = self.cfg.gripper_force
        self.grip_force = [grip if grip is not None else self._max_force[j] for j in self.finger_idx]
        self._arm_target = np.zeros(self.n_arm)
        self._grip_target = self.robot.gripper_ctrl_open

    # ----- lifecycle -------------------------------------------------------------
    def close(self) -> None:
        """Disconnect the client (idempotent)."""
        if getattr(self, "cid", -1) >= 0 and p.isConnected(self.cid):
            p.disconnect(self.cid)
        self.cid = -1

    def __enter__(self) -> PyBulletSim:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----- PhysicsSim ----------------------------------------------------------------
    @property
    def timestep(self) -> float:
        return self.cfg.dt

    def reset_robot(self, q_arm, gripper_ctrl: float) -> None:
        for j, q in zip(self.arm_idx, q_arm):
            p.resetJointState(self.body, j, float(q), 0.0, physicsClientId=self.cid)
        for j, q in zip(self.finger_idx, self.robot.finger_qpos(gripper_ctrl)):
            p.resetJointState(self.body, j, float(q), 0.0, physicsClientId=self.cid)
        self.set_arm_targets(np.asarray(q_arm, dtype=float))
        self.set_gripper_target(gripper_ctrl)

    def get_state(self):
        return (p.saveState(physicsClientId=self.cid), self._arm_target.copy(), self._grip_target)

    def set_state(self, state) -> None:
        sid, arm, grip = state
        p.restoreState(stateId=sid, physicsClientId=self.cid)
        self.set_arm_targets(arm)
        self.set_gripper_target(grip)

    def positions(self) -> np.ndarray:
        """Arm and finger joint positions, then each object's inertial-frame position (3) and quaternion (x,y,z,w)."""
        joints = p.getJointStates(self.body, self.arm_idx + self.finger_idx, physicsClientId=self.cid)
        out = [s[0] for s in joints]
        for b in self.objects:
            pos, q = p.getBasePositionAndOrientation(b, physicsClientId=self.cid)
            out.extend(pos)
            out.extend(q)
        return np.asarray(out)

    def set_positions(self, qpos: np.ndarray) -> None:
        k = len(self.arm_idx) + len(self.finger_idx)
        for j, q in zip(self.arm_idx + self.finger_idx, qpos[:k]):
            p.resetJointState(self.body, j, float(q), physicsClientId=self.cid)
        for n, b in enumerate(self.objects):
            v = qpos[k + 7 * n : k + 7 * n + 7]
            p.resetBasePositionAndOrientation(b, v[:3].tolist(), v[3:].tolist(), physicsClientId=self.cid)

    def step(self, n: int) -> None:
        for _ in range(n):
            p.stepSimulation(physicsClientId=self.cid)

    def set_arm_targets(self, q) -> None:
        self._arm_target = np.asarray(q, dtype=float).copy()
        p.setJointMotorControlArray(self.body, self.arm_idx, p.POSITION_CONTROL, targetPositions=self._arm_target.tolist(),
                                    forces=self.arm_force, physicsClientId=self.cid)

    def set_gripper_target(self, ctrl: float) -> None:
        self._grip_target = float(ctrl)
        p.setJointMotorControlArray(self.body, self.finger_idx, p.POSITION_CONTROL,
                                    targetPositions=[float(q) for q in self.robot.finger_qpos(self._grip_target)],
                                    forces=self.grip_force,
                                    physicsClientId=self.cid)

    def arm_qpos(self) -> np.ndarray:
        return np.array([s[0] for s in p.getJointStates(self.body, self.arm_idx, physicsClientId=self.cid)])

    def gripper_width(self) -> float:
        """Distance between the finger pads [m], from the gripper joints through the robot spec's
        ``gripper_width_curve`` (as the MuJoCo backend measures it)."""
        q = [s[0] for s in p.getJointStates(self.body, self.finger_idx, physicsClientId=self.cid)]
        return self.robot.width_from_command(self.robot.command_from_qpos(q))

    def ee_pose(self) -> np.ndarray:
        s = p.getLinkState(self.body, self.ee_idx, computeForwardKinematics=True, physicsClientId=self.cid)
        return make_pose(_mat(s[5]), np.asarray(s[4]))

    def object_pose(self, i: int) -> np.ndarray:
        pos, q = p.getBasePositionAndOrientation(self.objects[i], physicsClientId=self.cid)
        R = _mat(q)
        return make_pose(R, np.asarray(pos) - R @ self._com[i])

    def set_object_pose(self, i: int, pose: np.ndarray) -> None:
        R, t = pose[:3, :3], pose[:3, 3]
        p.resetBasePositionAndOrientation(self.objects[i], (t + R @ self._com[i]).tolist(), _xyzw(R),
                                          physicsClientId=self.cid)
        p.resetBaseVelocity(self.objects[i], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], physicsClientId=self.cid)

    def object_speed(self) -> float:
        return max(float(np.linalg.norm(p.getBaseVelocity(b, physicsClientId=self.cid)[0])) for b in self.objects)

    def settle(self, max_time: float = 2.0, speed_tol: float = 0.005) -> float:
        """Same schedule as the MuJoCo Sim: 0.1 s chunks, at least 0.3 s, until every object is slower than speed_tol."""
        chunk = max(1, int(round(0.1 / self.cfg.dt)))
        steps = 0
        while steps * self.cfg.dt < max_time:
            self.step(chunk)
            steps += chunk
            if steps * self.cfg.dt >= 0.3 and self.object_speed() < speed_tol:
                break
        for b in self.objects:
            p.resetBaseVelocity(b, [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], physicsClientId=self.cid)
        return steps * self.cfg.dt

    def _name(self, body: int, link: int) -> str:
        if body == self.body:
            return self.link_names.get(link, str(link))
        if body == self.table:
            return "table"
        return self.scene.objects[self.objects.index(body)].name

    def contacts(self) -> list[Contact]:
        out = []
        for cp in p.getContactPoints(physicsClientId=self.cid):
            a, b = cp[1], cp[2]
            if a == b:
                continue
            out.append(Contact(self._name(a, cp[3]), self._name(b, cp[4]), -float(cp[8]), a == self.body, b == self.body))
        return out

    def robot_penetration(self) -> float:
        deepest = 0.0
        for cp in p.getContactPoints(bodyA=self.body, physicsClientId=self.cid):
            if cp[2] != self.body and cp[2] != self.target:
                deepest = max(deepest, -float(cp[8]))
        return deepest


def make_pybullet(scene: SceneSpec, catalog: AssetCatalog, robot: RobotSpec, rollout: RolloutConfig) -> PyBulletSim:
    """The cross-check factory registered as "pybullet" (settings: ``rollout.pybullet``)."""
    return PyBulletSim(scene, catalog, robot, rollout.pybullet)
