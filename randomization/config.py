"""Scene-sampling configuration: one section per randomized dimension.

Lengths in metres, angles in degrees, the robot base frame (+z up, table
along +x). Every section has ``enabled``: when false that dimension takes a
fixed value, the same for every episode. Ranges are (min, max) pairs.
"""

from __future__ import annotations

import dataclasses
import os

from ..core.dataconf import check_range
from ..core.errors import AssetError, ConfigError
from .palette import PALETTE
from .camera_effects import CameraEffectsConfig
from .pbr import PBR_FAMILIES
from .pbr_files import material_folders

TEXTURE_FAMILIES = ("checker", "stripes", "marble", "wood", "gradient", "tiles")
LIGHT_TYPES = ("directional", "spot", "point")
MAX_IMAGE_SIDE = 4096  # [px] per side of scene.image_size: 4096^2 RGB frames already cost 48 MiB each


@dataclasses.dataclass(frozen=True)
class CameraConfig:
    """A nominal camera: position and look-at point [m] with the table top at z = 0; vertical FoV [deg]."""

    name: str
    pos: tuple[float, float, float]
    lookat: tuple[float, float, float]
    fovy: float = 50.0

    def __post_init__(self):
        if not 10.0 <= self.fovy <= 120.0:
            raise ConfigError(f"scene.cameras.{self.name}.fovy", f"{self.fovy} deg is outside [10, 120]")


def _default_cameras() -> tuple[CameraConfig, ...]:
    """A context view and a detail view, like SynGrasp-1B's front and side cameras.

    ``front`` faces the robot across the table and shows the arm, the hand and the
    workspace; ``side`` looks down at the spawn region from 0.45 m so that even a
    4 cm target spans >= 32 px at 256^2 (median about 60 px; front about 30 px).
    """
    return (
        CameraConfig("front", (1.10, 0.0, 0.62), (0.42, 0.0, 0.16), 52.0),
        CameraConfig("side", (0.50, -0.42, 0.36), (0.51, 0.03, 0.0), 40.0),
    )


@dataclasses.dataclass(frozen=True)
class CameraJitterConfig:
    """Per-episode camera extrinsics and FoV noise (SynGrasp-1B: 15 cm ball, +-5 deg per axis).

    Attributes:
        pos_radius: positions are drawn uniformly in a ball of this radius [m].
        rot_deg: each camera-frame axis is rotated by up to +-rot_deg [deg].
        fovy_delta: (min, max) added to the nominal FoV [deg].
    """

    enabled: bool = True
    pos_radius: float = 0.15
    rot_deg: float = 5.0
    fovy_delta: tuple[float, float] = (-3.0, 3.0)

    def __post_init__(self):
        if self.pos_radius < 0 or self.rot_deg < 0:
            raise ConfigError("scene.camera_jitter", "pos_radius and rot_deg must be >= 0")
        check_range("scene.camera_jitter.fovy_delta", *self.fovy_delta)


@dataclasses.dataclass(frozen=True)
class ObjectsConfig:
    """Clutter: how many objects, how big, where they are dropped.

    Attributes:
        num_distractors: inclusive (min, max) count of non-target objects.
        size: (min, max) largest extent of an object after scaling [m], for objects whose
            category has no size range of its own.
        spawn_x / spawn_y: drop-position ranges in the base frame [m].
        min_separation: minimum gap between object footprints at drop time [m].
        target_min_thickness: the target's smallest extent must reach this [m] (redrawn otherwise).
        target_max_width: the target's middle extent must fit the gripper [m] (redrawn otherwise);
            None takes the robot spec's ``target_max_width`` (its gripper's width less a margin).
        own_appearance_prob: probability that an object with its own appearance (a catalog
            texture or colour) keeps it instead of drawing a palette colour; objects whose category
            appears twice in a scene always draw a colour, so instructions stay unambiguous.
        When disabled: only the catalog's first object, mid-size, upright, at the spawn centre.
    """

    enabled: bool = True
    num_distractors: tuple[int, int] = (0, 4)
    size: tuple[float, float] = (0.05, 0.075)
    spawn_x: tuple[float, float] = (0.40, 0.62)
    spawn_y: tuple[float, float] = (-0.18, 0.18)
    min_separation: float = 0.02
    target_min_thickness: float = 0.018
    target_max_width: float | None = None
    own_appearance_prob: float = 0.5

    def __post_init__(self):
        if not 0.0 <= self.own_appearance_prob <= 1.0:
            raise ConfigError("scene.objects.own_appearance_prob", f"{self.own_appearance_prob} is outside [0, 1]")
        check_range("scene.objects.num_distractors", *self.num_distractors, min_value=0)
        if 1 + self.num_distractors[1] > len(PALETTE):
            raise ConfigError("scene.objects.num_distractors", f"at most {len(PALETTE) - 1} distractors: each object "
                                                               f"needs its own of {len(PALETTE)} colours")
        check_range("scene.objects.size", *self.size, min_value=0.01)
        check_range("scene.objects.spawn_x", *self.spawn_x)
        check_range("scene.objects.spawn_y", *self.spawn_y)
        if self.target_max_width is not None and self.target_max_width <= self.target_min_thickness:
            raise ConfigError("scene.objects.target_max_width", "must exceed target_min_thickness, or be null "
                              "to take the robot's")


@dataclasses.dataclass(frozen=True)
class TableConfig:
    """Table top height relative to the robot base and its size (SynGrasp-1B: -0.1 to +0.2 m).

    When disabled: height 0, size (0.8, 1.2).
    """

    enabled: bool = True
    height: tuple[float, float] = (-0.1, 0.2)
    size_x: tuple[float, float] = (0.7, 1.0)
    size_y: tuple[float, float] = (1.0, 1.5)
    near_x: float = 0.15

    def __post_init__(self):
        check_range("scene.table.height", *self.height)
        check_range("scene.table.size_x", *self.size_x, min_value=0.5)
        check_range("scene.table.size_y", *self.size_y, min_value=0.5)


@dataclasses.dataclass(frozen=True)
class LightingConfig:
    """Lights around the table plus a uniform ambient ("dome") term.

    Attributes:
        count: inclusive (min, max) number of lights.
        types: light types drawn from (directional, spot, point).
        intensity: (min, max) diffuse intensity per light, 0-1.
        temperature_k: (min, max) colour temperature [K].
        ambient: (min, max) uniform ambient light, 0-1.
        height / radius: light position above the table top and its horizontal distance
            from the table centre [m].
        shadow_prob: probability that a light may cast shadows; which of those do is a
            render setting (``render.shadows``, ``render.shadow_lights``).
        When disabled: one white directional light from above, ambient 0.35.
    """

    enabled: bool = True
    count: tuple[int, int] = (1, 3)
    types: tuple[str, ...] = LIGHT_TYPES
    intensity: tuple[float, float] = (0.25, 0.7)
    temperature_k: tuple[float, float] = (3000.0, 8000.0)
    ambient: tuple[float, float] = (0.15, 0.45)
    height: tuple[float, float] = (0.8, 2.0)
    radius: tuple[float, float] = (0.2, 1.5)
    shadow_prob: float = 1.0

    def __post_init__(self):
        check_range("scene.lighting.count", *self.count, min_value=1)
        check_range("scene.lighting.intensity", *self.intensity, min_value=0.0)
        check_range("scene.lighting.temperature_k", *self.temperature_k, min_value=1000.0)
        check_range("scene.lighting.ambient", *self.ambient, min_value=0.0)
        check_range("scene.lighting.height", *self.height, min_value=0.1)
        check_range("scene.lighting.radius", *self.radius, min_value=0.0)
        bad = [t for t in self.types if t not in LIGHT_TYPES]
        if bad or not self.types:
            raise ConfigError("scene.lighting.types", f"unknown light type(s) {bad}; choose from {', '.join(LIGHT_TYPES)}")
        if not 0.0 <= self.shadow_prob <= 1.0:
            raise ConfigError("scene.lighting.shadow_prob", "must be in [0, 1]")


@dataclasses.dataclass(frozen=True)
class MaterialsConfig:
    """Surface properties of objects, table, floor, walls and robot (MuJoCo material model).

    Attributes:
        specular / shininess / reflectance: (min, max), each 0-1. Reflectance makes
            MuJoCo render mirror passes; keep it 0 on a CPU unless needed.
        robot_shade: (min, max) grey level of the robot's white parts.
        When disabled: specular 0.3, shininess 0.3, reflectance 0, robot shade 0.92.
    """

    enabled: bool = True
    specular: tuple[float, float] = (0.0, 0.6)
    shininess: tuple[float, float] = (0.0, 0.8)
    reflectance: tuple[float, float] = (0.0, 0.0)
    robot_shade: tuple[float, float] = (0.75, 1.0)

    def __post_init__(self):
        for k in ("specular", "shininess", "reflectance", "robot_shade"):
            lo, hi = getattr(self, k)
            check_range(f"scene.materials.{k}", lo, hi, min_value=0.0)
            if hi > 1.0:
                raise ConfigError(f"scene.materials.{k}", f"max {hi} > 1")


@dataclasses.dataclass(frozen=True)
class TexturesConfig:
    """Procedural (and optional image-file) textures for table, floor and walls.

    Attributes:
        families: procedural families to use, from checker, stripes, marble, wood, gradient, tiles.
        table_library: number of distinct table textures (texture id -> family and seed).
        background_library: number of distinct floor/wall textures.
        folder: optional folder of .png/.jpg images mixed in with probability ``folder_prob``.
        repeat: (min, max) texture repeats across a surface.
        When disabled: plain colours, no textures.
    """

    enabled: bool = True
    families: tuple[str, ...] = TEXTURE_FAMILIES
    table_library: int = 1000
    background_library: int = 1200
    folder: str | None = None
    folder_prob: float = 0.0
    repeat: tuple[float, float] = (1.0, 4.0)

    def __post_init__(self):
        bad = [f for f in self.families if f not in TEXTURE_FAMILIES]
        if bad or not self.families:
            raise ConfigError(
                "scene.textures.families", f"unknown texture family {bad}; choose from {', '.join(TEXTURE_FAMILIES)}"
            )
        if self.table_library < 1 or self.background_library < 1:
            raise ConfigError("scene.textures", "table_library and background_library must be >= 1")
        check_range("scene.textures.repeat", *self.repeat, min_value=0.1)
        if not 0.0 <= self.folder_prob <= 1.0:
            raise ConfigError("scene.textures.folder_prob", "must be in [0, 1]")
        if self.folder is not None:
            if not os.path.isdir(self.folder):
                raise ConfigError("scene.textures.folder", f"folder '{self.folder}' does not exist; fix the path or remove the key")
            if not image_files(self.folder):
                raise ConfigError("scene.textures.folder", f"folder '{self.folder}' holds no .png/.jpg/.jpeg images")
        elif self.folder_prob > 0:
            raise ConfigError("scene.textures.folder_prob", "is > 0 but scene.textures.folder is not set")


PHYSICAL_REALISTIC_SHARE = 0.8  # realistic scenes under a physically based engine; the rest stay wild


def resolve_realism(cfg: "SceneConfig", physical: bool) -> "SceneConfig":
    """``cfg`` with the realism switches left unset (None) chosen for the engine: with a physically
    based one (``physical``: Filament) 80% realistic scenes and camera effects on, with the classic
    one wild scenes and no camera effects. Values that were set are kept."""
    app, fx = cfg.appearance, cfg.camera_effects
    if app.realistic_share is None:
        app = dataclasses.replace(app, realistic_share=PHYSICAL_REALISTIC_SHARE if physical else 0.0)
    if fx.enabled is None:
        fx = dataclasses.replace(fx, enabled=physical)
    return dataclasses.replace(cfg, appearance=app, camera_effects=fx)


def image_files(folder: str) -> tuple[str, ...]:
    """Sorted image paths of a texture folder (sorted, so texture ids are stable)."""
    exts = (".png", ".jpg", ".jpeg")
    return tuple(sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(exts)))


@dataclasses.dataclass(frozen=True)
class BackgroundConfig:
    """Walls around the workspace, the floor and the sky.

    Attributes:
        walls: put up to three walls (behind and beside the table) at ``wall_distance``.
        wall_distance: (min, max) distance of each wall from the table centre [m].
        skybox: gradient sky with random colours.
        When disabled: grey floor, no walls, default sky.
    """

    enabled: bool = True
    walls: bool = True
    wall_distance: tuple[float, float] = (1.3, 2.5)
    skybox: bool = True

    def __post_init__(self):
        check_range("scene.background.wall_distance", *self.wall_distance, min_value=0.8)


REALISTIC_SURFACES = PBR_FAMILIES
ENVIRONMENT_KINDS = ("sky", "room")


@dataclasses.dataclass(frozen=True)
class AppearanceConfig:
    """The appearance distribution: realistic scenes (PBR material families, photometric lights,
    an image-based environment light) mixed with wild ones (today's saturated procedural domain
    randomization: checker/stripes/marble textures, palette colours, Phong lights).

    Attributes:
        realistic_share: share of scenes drawn realistic, in [0, 1]; the rest are wild. None (default)
            follows the render engine (``resolve_realism``): 0.8 with Filament, which draws what
            realistic scenes are made of (PBR materials, image-based light); 0 with the classic
            engine, whose presets are there for speed and the wild look.
        table / floor / walls: PBR families (randomization/pbr.py) each surface draws from.
        tile_size: (min, max) size [m] of one texture tile on the table, floor and walls.
        environments: procedural environment kinds drawn ("sky": daylight through windows
            and sky; "room": an interior lit by ceiling panels).
        hdri_folder: optional folder of the user's own equirectangular ``.hdr`` environment maps,
            used with probability ``hdri_prob`` (see README "Textures and environment maps").
        material_folder: optional folder of the user's PBR texture sets, one sub-folder per
            material (randomization/pbr_files.py), drawn for the table, floor and walls with
            probability ``material_prob`` instead of a procedural family.
        key_illuminance: (min, max) illuminance [lux] of the key light at the table.
        fill_count: inclusive (min, max) number of extra fill lights (no shadows).
        fill_ratio: (min, max) fill-light illuminance relative to the key's.
        environment_illuminance: (min, max) illuminance [lux] the environment light adds.
        temperature_k: (min, max) colour temperature [K] of lights and environment.
        bulbradius: (min, max) radius [m] of the key light's emitter (shadow softness).
        own_appearance_prob: in realistic scenes, probability that an object with its own look
            (a catalog texture or colour) keeps it.
    """

    realistic_share: float | None = None
    table: tuple[str, ...] = ("wood", "laminate", "stone", "marble", "concrete", "fabric", "brushed_metal", "tile")
    floor: tuple[str, ...] = ("wood", "laminate", "concrete", "stone", "tile", "fabric")
    walls: tuple[str, ...] = ("paper", "concrete", "plastic", "laminate", "tile")
    tile_size: tuple[float, float] = (0.4, 1.2)
    environments: tuple[str, ...] = ENVIRONMENT_KINDS
    hdri_folder: str | None = None
    hdri_prob: float = 0.0
    material_folder: str | None = None
    material_prob: float = 0.0
    key_illuminance: tuple[float, float] = (8000.0, 40000.0)
    fill_count: tuple[int, int] = (0, 2)
    fill_ratio: tuple[float, float] = (0.1, 0.4)
    environment_illuminance: tuple[float, float] = (4000.0, 20000.0)
    temperature_k: tuple[float, float] = (2800.0, 6500.0)
    bulbradius: tuple[float, float] = (0.02, 0.3)
    own_appearance_prob: float = 1.0

    def __post_init__(self):
        for k in ("realistic_share", "hdri_prob", "material_prob", "own_appearance_prob"):
            if getattr(self, k) is not None and not 0.0 <= getattr(self, k) <= 1.0:
                raise ConfigError(f"scene.appearance.{k}", f"{getattr(self, k)} is outside [0, 1]")
        for k in ("table", "floor", "walls"):
            fams = getattr(self, k)
            bad = [f for f in fams if f not in REALISTIC_SURFACES]
            if bad or not fams:
                raise ConfigError(f"scene.appearance.{k}", f"unknown material family {bad}; choose from "
                                  f"{', '.join(REALISTIC_SURFACES)}")
        bad = [e for e in self.environments if e not in ENVIRONMENT_KINDS]
        if bad or not self.environments:
            raise ConfigError("scene.appearance.environments", f"unknown kind {bad}; choose from {', '.join(ENVIRONMENT_KINDS)}")
        for k in ("tile_size", "key_illuminance", "fill_ratio", "environment_illuminance", "bulbradius"):
            check_range(f"scene.appearance.{k}", *getattr(self, k), min_value=0.0)
        check_range("scene.appearance.fill_count", *self.fill_count, min_value=0)
        check_range("scene.appearance.temperature_k", *self.temperature_k, min_value=1000.0)
        if self.hdri_folder is not None:
            if not os.path.isdir(self.hdri_folder):
                raise ConfigError("scene.appearance.hdri_folder", f"folder '{self.hdri_folder}' does not exist; fix the "
                                  "path or remove the key")
            if not any(f.lower().endswith(".hdr") for f in os.listdir(self.hdri_folder)):
                raise ConfigError("scene.appearance.hdri_folder", f"folder '{self.hdri_folder}' holds no .hdr "
                                  "environment maps (equirectangular Radiance files; convert .exr to .hdr)")
        elif self.hdri_prob > 0:
            raise ConfigError("scene.appearance.hdri_prob", "is > 0 but scene.appearance.hdri_folder is not set")
        if self.material_folder is not None:
            try:
                material_folders(self.material_folder)
            except AssetError as e:
                raise ConfigError("scene.appearance.material_folder", str(e)) from None
        elif self.material_prob > 0:
            raise ConfigError("scene.appearance.material_prob", "is > 0 but scene.appearance.material_folder is not set")


@dataclasses.dataclass(frozen=True)
class RobotStartConfig:
    """Start configuration: home plus uniform noise of ``noise_scale`` x the robot spec's start_noise.

    When disabled: the robot spec's home pose.
    """

    enabled: bool = True
    noise_scale: float = 1.0

    def __post_init__(self):
        if self.noise_scale < 0:
            raise ConfigError("scene.robot_start.noise_scale", "must be >= 0")


@dataclasses.dataclass(frozen=True)
class SceneConfig:
    """What a scene may contain. ``asset_sources``: registered sources for the catalog
    (objects are drawn by category first, then within it), or ``catalog:DIR`` for a
    catalog built with ``syngrasp assets build``;
    ``image_size``: (height, width) of every camera [px]."""

    asset_sources: tuple[str, ...] = ("pybullet_random", "pybullet_named", "procedural")
    image_size: tuple[int, int] = (256, 256)
    cameras: tuple[CameraConfig, ...] = dataclasses.field(default_factory=_default_cameras)
    camera_jitter: CameraJitterConfig = dataclasses.field(default_factory=CameraJitterConfig)
    objects: ObjectsConfig = dataclasses.field(default_factory=ObjectsConfig)
    table: TableConfig = dataclasses.field(default_factory=TableConfig)
    lighting: LightingConfig = dataclasses.field(default_factory=LightingConfig)
    materials: MaterialsConfig = dataclasses.field(default_factory=MaterialsConfig)
    textures: TexturesConfig = dataclasses.field(default_factory=TexturesConfig)
    background: BackgroundConfig = dataclasses.field(default_factory=BackgroundConfig)
    robot_start: RobotStartConfig = dataclasses.field(default_factory=RobotStartConfig)
    appearance: AppearanceConfig = dataclasses.field(default_factory=AppearanceConfig)
    camera_effects: CameraEffectsConfig = dataclasses.field(default_factory=CameraEffectsConfig)

    def __post_init__(self):
        if not self.asset_sources:
            raise ConfigError("scene.asset_sources", "must name at least one asset source")
        if min(self.image_size) < 16:
            raise ConfigError("scene.image_size", f"{self.image_size} is too small; use at least 16x16 pixels")
        if max(self.image_size) > MAX_IMAGE_SIDE:
            raise ConfigError("scene.image_size", f"{list(self.image_size)} is too large; each side must be in "
                                                  f"[16, {MAX_IMAGE_SIDE}] px")
        if not self.cameras:
            raise ConfigError("scene.cameras", "at least one camera is required")
        names = [c.name for c in self.cameras]
        if len(set(names)) != len(names):
            raise ConfigError("scene.cameras", f"camera names must be unique, got {names}")
