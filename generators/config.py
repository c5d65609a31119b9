"""Rollout configuration."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from ..core.errors import ConfigError
from ..planners.config import GraspConfig, MotionConfig
from ..randomization.config import SceneConfig


@dataclasses.dataclass(frozen=True)
class PyBulletConfig:
    """The PyBullet cross-check backend (generators/pybullet_backend/sim.py).

    Attributes:
        dt: PyBullet timestep [s]; must divide the control period (1/240 s is PyBullet's tuned default).
        solver_iterations: constraint-solver iterations per step.
        friction_scale: multiplies every lateral friction coefficient (objects, table, fingers); 0
            makes every grasp impossible, a check that the cross-check can fail.
        gripper_force: force limit [N] of each finger's position controller; None takes the
            URDF's effort limit.
    """

    dt: float = 1.0 / 240.0
    solver_iterations: int = 100
    friction_scale: float = 1.0
    gripper_force: float | None = None

    def __post_init__(self):
        if not 1e-4 <= self.dt <= 0.01:
            raise ConfigError("rollout.pybullet.dt", f"{self.dt} is outside [0.0001, 0.01] s")
        if self.solver_iterations < 1:
            raise ConfigError("rollout.pybullet.solver_iterations", "must be >= 1")
        if self.friction_scale < 0:
            raise ConfigError("rollout.pybullet.friction_scale", f"{self.friction_scale} is negative")
        if self.gripper_force is not None and self.gripper_force <= 0:
            raise ConfigError("rollout.pybullet.gripper_force", "must be > 0 (or null for the URDF's limit)")


@dataclasses.dataclass(frozen=True)
class RolloutConfig:
    """Physics and recording settings.

    Attributes:
        backend: the simulation backend that builds, simulates and renders each scene, by its
            registered name (``generators.backend.register_backend``; built in: ``mujoco``).
        physics_dt: MuJoCo timestep [s]; must divide the control period.
        ctrl_blocks: joint targets are ramped in this many steps per control period.
        settle_time: longest drop-and-settle simulation before planning [s].
        keep_failures: also record and write episodes whose lift failed.
        robot: a robot's name (built in, in ``robots_dir``, in ``$SYNGRASP_ROBOTS`` or in the
            folder ``syngrasp robots add`` writes to; ``syngrasp robots`` lists them) or
            ``path:DIR`` (a folder holding robot.json). A name found outside the built-in folder
            is recorded as ``path:DIR`` in the resolved config, so workers and replays load
            the same files.
        robots_dir: an extra folder of robots (one sub-folder with robot.json each).
        max_frames: a plan longer than this many control steps is abandoned ("timeout").
        trim_idle: drop idle frames from the written episode (physics still validates the whole
            motion): close-phase frames once the fingers have stopped moving (opening changed
            by less than 0.5 mm since the previous frame) and every hold-phase frame but the first.
            Those frames exist because the success check needs them (the fingers must close
            before the lift, the object must stay up through the 1 s hold); in the data they
            teach a policy to wait. Off by default; see README "Idle frames".
        crosscheck: "" (off) or a cross-check engine ("pybullet"): every attempt that succeeds
            in MuJoCo is re-executed there from the same settled scene.
        require_agreement: with ``crosscheck``, an attempt succeeds only if the grasp also holds
            in the cross-check engine (else failure reason "crosscheck_dropped").
        pybullet: settings of the PyBullet backend.
    """

    backend: str = "mujoco"
    physics_dt: float = 0.002
    ctrl_blocks: int = 5
    settle_time: float = 2.0
    keep_failures: bool = False
    robot: str = "panda"
    robots_dir: str | None = None
    max_frames: int = 150
    trim_idle: bool = False
    crosscheck: str = ""
    require_agreement: bool = False
    pybullet: PyBulletConfig = dataclasses.field(default_factory=PyBulletConfig)

    def __post_init__(self):
        from .backend import backends, check_backends

        if self.backend not in backends():
            raise ConfigError("rollout.backend", f"'{self.backend}' is not one of: {', '.join(backends())}")
        if self.crosscheck and self.crosscheck not in check_backends():
            raise ConfigError("rollout.crosscheck", f"'{self.crosscheck}' is not one of: '' (off), {', '.join(check_backends())}")
        if self.require_agreement and not self.crosscheck:
            raise ConfigError("rollout.require_agreement", "needs rollout.crosscheck=<engine>, e.g. pybullet")
        if not 1e-4 <= self.physics_dt <= 0.01:
            raise ConfigError("rollout.physics_dt", f"{self.physics_dt} is outside [0.0001, 0.01] s")
        if self.ctrl_blocks < 1:
            raise ConfigError("rollout.ctrl_blocks", "must be >= 1")


# Render quality presets. Measured costs are in README.md ("Render presets").
RENDER_PRESETS: dict[str, dict] = {
    # cheapest pixels: no anti-aliasing, no shadows, 256 px textures, simplified robot
    "fast": dict(engine="classic", msaa=0, fxaa=False, shadows=False, shadow_size=1024, shadow_lights=1,
                 reflections=False, texture_size=256, robot_lod=True),
    # classic CPU default: FXAA instead of MSAA (half the cost on llvmpipe), one shadow, 512 px textures
    "balanced": dict(engine="classic", msaa=0, fxaa=True, shadows=True, shadow_size=512, shadow_lights=1,
                     reflections=False, texture_size=512, robot_lod=True),
    # classic on GPU nodes: 4x MSAA, every light casts a 4096 px shadow, reflections, 1024 px textures, full meshes
    "high": dict(engine="classic", msaa=4, fxaa=False, shadows=True, shadow_size=4096, shadow_lights=8,
                 reflections=True, texture_size=1024, robot_lod=False),
    # Filament PBR: image-based light, soft (PCSS) shadows, SSAO, tone mapping, FXAA; 512 px PBR textures
    "photoreal": dict(engine="filament", msaa=0, fxaa=True, shadows=True, shadow_size=1024, shadow_lights=2,
                      reflections=False, texture_size=512, robot_lod=True, ssao=False, shadow_type="pcf"),
}
RENDER_ENGINES = ("classic", "filament")
FILAMENT_DEVICES = ("auto", "cpu", "gpu")
TONE_MAPPERS = ("pbr_neutral", "aces", "filmic", "linear")


@dataclasses.dataclass(frozen=True)
class RenderConfig:
    """How frames are rendered; a preset fills every key left unset (None).

    Attributes:
        preset: ``photoreal`` (default: Filament PBR; README "Render presets" says why),
            ``fast``, ``balanced`` (classic engine on CPUs) or ``high`` (classic, GPU nodes).
        engine: ``classic`` (MuJoCo's OpenGL renderer through EGL: Phong shading, shadow maps)
            or ``filament`` (MuJoCo's Filament PBR renderer through Vulkan: metallic/roughness
            materials, normal and ORM maps, image-based light, soft shadows, SSAO, tone mapping).
            Both draw the same SceneSpec, cameras and recorded states.
        filament_device: Filament's Vulkan device: ``cpu`` (Mesa lavapipe), ``gpu`` (the GPU's
            Vulkan driver) or ``auto`` (the GPU when an NVIDIA Vulkan driver is installed).
        msaa: classic engine: offscreen multisampling, samples per pixel (0, 2, 4, 8); 0 = off.
        fxaa: anti-aliasing of each RGB frame (classic: numpy FXAA, generators/mujoco_backend/postfx.py;
            Filament: its own FXAA pass).
        shadows: lights cast shadows (shadow mapping).
        shadow_size: shadow-map side [px]; larger is sharper and slower (Filament caps it at 2048).
        shadow_lights: at most this many lights cast shadows, the brightest first.
        reflections: classic engine: mirror reflections of materials with reflectance > 0
            (Filament reflects its environment light through the materials' roughness instead).
        texture_size: side [px] of generated textures (floor and walls, 1 m or more from the
            cameras, get half of it); every 2D texture is mipmapped.
        robot_lod: render the welded, simplified robot meshes (assets/lod.py); false keeps
            the full meshes, for close-up cameras.
        lod_keep: share of each robot visual mesh's triangles the LOD keeps, in (0, 1].
        ssao: Filament: screen-space ambient occlusion (contact darkening in creases and under objects).
        shadow_type: Filament's shadow filter: ``pcf`` (edges blurred uniformly), ``vsm``
            (variance shadow maps, soft) or ``pcss`` (penumbra grows with the light's
            ``bulbradius`` and the distance to the occluder; about 3x the cost of pcf on the CPU).
        ssao_quality: Filament's SSAO sampling, blur and upsampling quality: ``low``, ``medium``,
            ``high`` or ``ultra``.
        tone_mapping: Filament's tone mapper: ``pbr_neutral`` (Khronos PBR Neutral, keeps albedo
            colours), ``aces``, ``filmic`` or ``linear``.
    """

    preset: str = "photoreal"
    engine: str | None = None
    filament_device: str = "auto"
    msaa: int | None = None
    fxaa: bool | None = None
    shadows: bool | None = None
    shadow_size: int | None = None
    shadow_lights: int | None = None
    reflections: bool | None = None
    texture_size: int | None = None
    robot_lod: bool | None = None
    lod_keep: float = 0.15
    ssao: bool | None = None
    shadow_type: str = "pcf"
    tone_mapping: str = "pbr_neutral"
    ssao_quality: str = "low"

    def __post_init__(self):
        if self.preset not in RENDER_PRESETS:
            raise ConfigError("render.preset", f"'{self.preset}' is not one of {', '.join(RENDER_PRESETS)}")
        for k, v in RENDER_PRESETS[self.preset].items():
            if getattr(self, k) is None:
                object.__setattr__(self, k, v)
        if self.ssao is None:  # Filament-only switch; off where a preset leaves it
            object.__setattr__(self, "ssao", False)
        if self.shadow_type not in ("pcf", "vsm", "pcss"):
            raise ConfigError("render.shadow_type", f"'{self.shadow_type}' is not one of pcf, vsm, pcss")
        if self.engine not in RENDER_ENGINES:
            raise ConfigError("render.engine", f"'{self.engine}' is not one of {', '.join(RENDER_ENGINES)}")
        if self.filament_device not in FILAMENT_DEVICES:
            raise ConfigError("render.filament_device", f"'{self.filament_device}' is not one of {', '.join(FILAMENT_DEVICES)}")
        if self.tone_mapping not in TONE_MAPPERS:
            raise ConfigError("render.tone_mapping", f"'{self.tone_mapping}' is not one of {', '.join(TONE_MAPPERS)}")
        if self.ssao_quality not in ("low", "medium", "high", "ultra"):
            raise ConfigError("render.ssao_quality", f"'{self.ssao_quality}' is not one of low, medium, high, ultra")
        if self.msaa not in (0, 2, 4, 8):
            raise ConfigError("render.msaa", f"{self.msaa} is not one of 0, 2, 4, 8")
        if self.shadow_size % 64 or not 256 <= self.shadow_size <= 8192:
            raise ConfigError("render.shadow_size", f"{self.shadow_size} is not a multiple of 64 in [256, 8192]")
        if self.shadow_lights < 0:
            raise ConfigError("render.shadow_lights", "must be >= 0")
        if not 16 <= self.texture_size <= 4096:
            raise ConfigError("render.texture_size", f"{self.texture_size} is outside [16, 4096] px")
        if not 0.0 < self.lod_keep <= 1.0:
            raise ConfigError("render.lod_keep", f"{self.lod_keep} is outside (0, 1]")


@dataclasses.dataclass(frozen=True)
class VisibilityConfig:
    """Checks on the settled scene, before planning, that the target is visible.

    A scene passes when at least one camera sees at least ``min_pixels``
    unoccluded target pixels (segmentation render) whose mean colour differs
    from a ``ring_px`` wide ring around them by at least ``min_contrast``
    (Euclidean RGB distance, channels in [0, 1]), and at least one camera's
    target box (projected hulls) has a longer side of ``min_box_px`` or more.
    Pixel thresholds are for 256 x 256 images and scale with the image (side for
    ``min_box_px``, area for ``min_pixels``). Otherwise the camera and light draws are redrawn from the episode's
    generator, at most ``max_redraws`` times (the last draw is kept).
    """

    enabled: bool = True
    min_pixels: int = 200
    min_contrast: float = 0.08
    min_box_px: float = 32.0
    ring_px: int = 3
    max_redraws: int = 6
    require: bool = True

    def __post_init__(self):
        if self.min_pixels < 0 or self.max_redraws < 0 or self.ring_px < 1:
            raise ConfigError("visibility", "min_pixels and max_redraws must be >= 0, ring_px >= 1")
        if not 0.0 <= self.min_contrast <= 1.7:
            raise ConfigError("visibility.min_contrast", f"{self.min_contrast} is outside [0, 1.7]")


@dataclasses.dataclass(frozen=True)
class ObservationsConfig:
    """Optional observations recorded with each frame, beyond the static cameras' RGB.

    Attributes:
        wrist_camera: add the robot's wrist camera (its mount comes from the robot spec,
            ``wrist_camera`` in assets/robots/<robot>/robot.json); its extrinsics move, so
            they are recorded per frame as ``observation.extrinsics.wrist``.
        wrist_height / wrist_width: wrist image size [px].
        depth: per camera, float32 (H, W) z-depth [m] along the optical axis, from the RGB pass.
        segmentation: per camera, int32 (H, W) instance ids (0 background, 1 table, robot
            links, the target, each distractor; mapping in the episode's ``segmentation_ids``),
            and the target's box from its visible pixels (``annotation.bbox_visible.<cam>``).
        point_cloud: N > 0 fuses the static cameras' depth and RGB into (N, 6) points per frame
            (xyz [m] in the robot base frame + rgb in [0, 1]); 0 = off. Needs no other option.
        point_cloud_voxel: voxel size [m] of the grid the fused points are averaged on before
            farthest-point sampling.
    """

    wrist_camera: bool = False
    wrist_height: int = 128
    wrist_width: int = 128
    depth: bool = False
    segmentation: bool = False
    point_cloud: int = 0
    point_cloud_voxel: float = 0.005

    def __post_init__(self):
        if not (16 <= self.wrist_height <= 2048 and 16 <= self.wrist_width <= 2048):
            raise ConfigError("observations.wrist_height/wrist_width", "must be in [16, 2048] px")
        if self.point_cloud < 0:
            raise ConfigError("observations.point_cloud", f"{self.point_cloud} is negative; 0 turns it off")
        if not 0.0 < self.point_cloud_voxel <= 0.05:
            raise ConfigError("observations.point_cloud_voxel", f"{self.point_cloud_voxel} is outside (0, 0.05] m")


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Held-out splits for evaluation (envs/, ``syngrasp evaluate``), fixed at generation time.

    Attributes:
        holdout_fraction: share of the catalog's target categories, and then of the objects of
            the remaining categories, kept out of the dataset as targets (randomization/holdout.py:
            chosen by hashing category names and object ids with the run seed). An episode whose
            final target is held out is not written (failure reason "held_out"); the environment's
            ``unseen_objects`` / ``unseen_categories`` splits draw exactly those. 0 (default) holds
            nothing out.
    """

    holdout_fraction: float = 0.0

    def __post_init__(self):
        if not 0.0 <= self.holdout_fraction < 1.0:
            raise ConfigError("eval.holdout_fraction", f"{self.holdout_fraction} is outside [0, 1); 0 holds nothing out")


def resolve_generation(scene: SceneConfig, render: RenderConfig, rollout: RolloutConfig, motion: MotionConfig):
    """The run-level resolution and checks every generation config gets; returns (scene, rollout).

    Realism switches left unset follow the render engine (README "Render presets"); a robot found
    outside the built-in folder is recorded as ``path:DIR``; the cross-check engine must load the
    robot; ``rollout.physics_dt`` must divide the control period. Shared by the app's RunConfig and
    the environment's WorldConfig (envs/config.py) so both see the same world.
    """
    import os

    from ..assets.robot import PATH_PREFIX, ROBOTS_DIR, find_robot
    from ..randomization.config import resolve_realism

    scene = resolve_realism(scene, physical=render.engine == "filament")
    robot_dir = find_robot(rollout.robot, rollout.robots_dir)
    if os.path.dirname(robot_dir) != ROBOTS_DIR:  # out of tree: record the folder itself
        rollout = dataclasses.replace(rollout, robot=PATH_PREFIX + robot_dir)
    if rollout.crosscheck:  # the engine must be able to load this robot (a URDF for PyBullet)
        from ..assets.robot import load_robot
        from .crosscheck import require_engine_robot

        require_engine_robot(rollout.crosscheck, load_robot(rollout.robot), os.path.join(robot_dir, "robot.json"))
    ctrl_dt = 1.0 / motion.control_hz
    ratio = ctrl_dt / rollout.physics_dt
    if abs(ratio - round(ratio)) > 1e-6:
        raise ConfigError("rollout.physics_dt", f"must divide the control period {ctrl_dt} s")
    return scene, rollout


class GenerationConfig(Protocol):
    """The config sections an ``EpisodeGenerator`` reads; the app's ``RunConfig`` satisfies it.

    Generators type against this Protocol so that no stage imports the app layer's root config.
    """

    @property
    def scene(self) -> SceneConfig: ...

    @property
    def grasp(self) -> GraspConfig: ...

    @property
    def motion(self) -> MotionConfig: ...

    @property
    def rollout(self) -> RolloutConfig: ...

    @property
    def render(self) -> RenderConfig: ...

    @property
    def visibility(self) -> VisibilityConfig: ...

    @property
    def observations(self) -> ObservationsConfig: ...

    @property
    def eval(self) -> EvalConfig: ...
