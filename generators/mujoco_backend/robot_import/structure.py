"""The structure of an imported robot: which bodies and joints are the arm, which the gripper.

Conventions: the arm is the single chain of jointed bodies from the root body down to the
*hand*, the first body below which the tree branches into two or more jointed subtrees
(the fingers). Arm joints are the joints of the bodies from the root to the hand; gripper
joints are every joint below the hand.
"""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np

from ....core.errors import ConfigError

MOVING = (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE))


@dataclasses.dataclass(frozen=True)
class Layout:
    """Arm and gripper of one compiled robot model (names)."""

    root: str
    hand: str
    arm_joints: tuple[str, ...]
    gripper_joints: tuple[str, ...]


def children(m: mujoco.MjModel, b: int) -> list[int]:
    return [c for c in range(1, m.nbody) if m.body_parentid[c] == b and c != b]


def subtree(m: mujoco.MjModel, b: int) -> list[int]:
    """Body ``b`` and every body below it."""
    out, todo = [], [b]
    while todo:
        x = todo.pop()
        out.append(x)
        todo.extend(children(m, x))
    return sorted(out)


def _joints_of(m: mujoco.MjModel, bodies) -> list[int]:
    bodies = set(bodies)
    return [j for j in range(m.njnt) if m.jnt_bodyid[j] in bodies]


def _body(m: mujoco.MjModel, name: str, what: str, fix: str) -> int:
    try:
        return m.body(name).id
    except KeyError:
        names = ", ".join(m.body(i).name for i in range(1, m.nbody))
        raise ConfigError(what, f"no body/link '{name}' in the model; bodies: {names}. {fix}") from None


def find_root(m: mujoco.MjModel, base: str | None) -> int:
    """The arm's root body: ``base`` when given, else the world's first child with joints below it."""
    if base:
        return _body(m, base, "--base", "Name the link the arm is mounted by")
    for c in children(m, 0):
        if _joints_of(m, subtree(m, c)):
            return c
    raise ConfigError("robot file", "no jointed body in the model: is this a robot?")


def find_flange(m: mujoco.MjModel, root: int) -> int:
    """The last body of an arm without gripper: follow single children from the root to the end."""
    b = root
    while True:
        kids = children(m, b)
        jointed = [c for c in kids if _joints_of(m, subtree(m, c))]
        if len(jointed) >= 2:
            raise ConfigError("--gripper", f"the arm file already branches at body '{m.body(b).name}' "
                                           "(it has a gripper); drop --gripper, or give --flange")
        if jointed:
            b = jointed[0]
        elif len(kids) == 1:
            b = kids[0]
        else:
            return b


def find_layout(m: mujoco.MjModel, base: str | None = None, hand: str | None = None) -> Layout:
    """Split the model into arm chain and gripper (see the module docstring).

    Raises:
        ConfigError: when no branch (no gripper) is found, or a joint is not a hinge or slide.
    """
    root = find_root(m, base)
    if hand:
        h = _body(m, hand, "--flange", "Name the link the gripper is mounted on")
        path = [h]
        while path[-1] != root:
            path.append(int(m.body_parentid[path[-1]]))
            if path[-1] == 0:
                raise ConfigError("--flange", f"'{hand}' is not below the arm root '{m.body(root).name}'")
        path = path[::-1]
    else:
        path, b = [root], root
        while True:
            jointed = [c for c in children(m, b) if _joints_of(m, subtree(m, c))]
            if len(jointed) >= 2:
                break
            if not jointed:
                raise ConfigError("robot file", f"no gripper found: the chain from '{m.body(root).name}' ends at "
                                                f"'{m.body(b).name}' without two jointed fingers; add the gripper "
                                                "with --gripper FILE, or name its mount with --flange")
            b = jointed[0]
            path.append(b)
        h = b
    arm = _joints_of(m, path)
    grip = [j for j in _joints_of(m, subtree(m, h)) if m.jnt_bodyid[j] != h]
    for j in arm + grip:
        if int(m.jnt_type[j]) not in MOVING:
            raise ConfigError("robot file", f"joint '{m.joint(j).name}' is a {mujoco.mjtJoint(m.jnt_type[j]).name}; "
                                            "arm and gripper joints must be hinges (revolute) or slides (prismatic)")
    if len(arm) < 3:
        raise ConfigError("robot file", f"the arm chain has {len(arm)} joint(s); give --base and --flange links")
    if not grip:
        raise ConfigError("robot file", "the gripper has no joints")
    return Layout(m.body(root).name, m.body(h).name, tuple(m.joint(j).name for j in arm),
                  tuple(m.joint(j).name for j in grip))


def geom_points(m: mujoco.MjModel, d: mujoco.MjData, g: int) -> np.ndarray:
    """(N, 3) world points on geom ``g``'s surface: mesh vertices, or its box/primitive corners."""
    R, p = d.geom_xmat[g].reshape(3, 3), d.geom_xpos[g]
    if m.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH:
        mid = m.geom_dataid[g]
        a, n = m.mesh_vertadr[mid], m.mesh_vertnum[mid]
        local = m.mesh_vert[a:a + n]
    else:
        s = np.array(m.geom_size[g], dtype=float)
        t = m.geom_type[g]
        if t == mujoco.mjtGeom.mjGEOM_SPHERE:
            h = np.array([s[0]] * 3)
        elif t in (mujoco.mjtGeom.mjGEOM_CAPSULE, mujoco.mjtGeom.mjGEOM_CYLINDER):
            h = np.array([s[0], s[0], s[1] + (s[0] if t == mujoco.mjtGeom.mjGEOM_CAPSULE else 0.0)])
        else:
            h = s[:3]
        grid = np.array(np.meshgrid(*[np.linspace(-1, 1, 5)] * 3)).reshape(3, -1).T
        grid = grid[np.max(np.abs(grid), axis=1) == 1]  # the box surface
        local = grid * h
    return local @ R.T + p


def is_collision(m: mujoco.MjModel, g: int) -> bool:
    return bool(m.geom_contype[g] or m.geom_conaffinity[g])


def body_points(m: mujoco.MjModel, d: mujoco.MjData, bodies, frame_body: int) -> np.ndarray:
    """(N, 3) collision-geom points of ``bodies`` in the frame of body ``frame_body``."""
    R, p = d.xmat[frame_body].reshape(3, 3), d.xpos[frame_body]
    pts = [geom_points(m, d, g) for g in range(m.ngeom) if m.geom_bodyid[g] in set(bodies) and is_collision(m, g)]
    if not pts:
        return np.zeros((0, 3))
    return (np.vstack(pts) - p) @ R
