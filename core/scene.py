"""SceneSpec: the plain-data description of one scene, stored with every episode.

All poses are in the robot base frame (metres; quaternions w, x, y, z). The
spec is JSON-serialisable and is all a backend needs to rebuild the scene.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .dataconf import from_dict, to_dict


@dataclasses.dataclass(frozen=True)
class CameraEffectsSpec:
    """The camera effects drawn for one camera in one episode; the defaults are the identity.

    Attributes:
        camera: camera name.
        noise_seed: seeds each frame's noise, with the frame index: ``SeedSequence([noise_seed, frame])``.
        full_well: electrons at linear full scale per 256^2 pixel; 0 means no shot noise.
        read_noise_dn: read-noise sigma [DN of the 8-bit output, in the blacks]; 0 means none.
        wb_gains: linear (r, g, b) gains of the white-balance error.
        exposure_ev: exposure offset [stops].
        vignetting: fraction of light lost at the image corners, in [0, 1).
        defocus_sigma: Gaussian blur sigma [px at 256^2]; 0 means sharp.
        motion_length: motion-streak length [px at 256^2]; 0 means none.
        motion_angle_deg: streak direction [deg], counter-clockwise from the image's +x (right) axis.
    """

    camera: str
    noise_seed: int = 0
    full_well: float = 0.0
    read_noise_dn: float = 0.0
    wb_gains: tuple[float, float, float] = (1.0, 1.0, 1.0)
    exposure_ev: float = 0.0
    vignetting: float = 0.0
    defocus_sigma: float = 0.0
    motion_length: float = 0.0
    motion_angle_deg: float = 0.0

    @property
    def is_identity(self) -> bool:
        """True when applying this spec leaves every frame unchanged."""
        return (self.full_well == 0.0 and self.read_noise_dn == 0.0 and self.wb_gains == (1.0, 1.0, 1.0)
                and self.exposure_ev == 0.0 and self.vignetting == 0.0 and self.defocus_sigma == 0.0
                and self.motion_length == 0.0)


@dataclasses.dataclass(frozen=True)
class TextureSpec:
    """A texture: procedural ``family`` drawn from ``seed``, or an image ``file`` (family "file").
    ``pbr``: the family is a physically based one (randomization/pbr.py: albedo, normal and ORM
    maps), else a pattern family (randomization/textures.py). Its pixel resolution is a render
    setting (``render.texture_size``), not part of the scene."""

    family: str
    seed: int
    file: str = ""
    pbr: bool = False


@dataclasses.dataclass(frozen=True)
class MaterialSpec:
    """A surface's look, drawn by every render engine from this one description.

    ``rgba`` in [0, 1] (sRGB; multiplies the texture's albedo), optional ``texture`` repeated
    ``texrepeat`` (2,) times across the surface. Classic (Phong) engine: specular, shininess and
    reflectance in [0, 1]. Physically based engines: ``roughness`` and ``metallic`` in [0, 1]
    (-1: not described physically, so Filament shades the material with its Phong
    approximation); a texture of a PBR family (randomization/pbr.py) also brings its normal
    and occlusion-roughness-metallic maps.
    """

    rgba: tuple[float, float, float, float]
    specular: float = 0.3
    shininess: float = 0.3
    reflectance: float = 0.0
    texture: TextureSpec | None = None
    texrepeat: tuple[float, float] = (1.0, 1.0)
    roughness: float = -1.0
    metallic: float = -1.0

    @property
    def physical(self) -> bool:
        """True when the material has physically based properties (roughness / metallic)."""
        return self.roughness >= 0.0 or self.metallic >= 0.0


@dataclasses.dataclass(frozen=True)
class ObjectSpec:
    """One object as dropped: ``pos``/``quat`` is the pose before settling; ``mass`` [kg].

    ``category`` is the singular display noun; ``synonyms`` other nouns for it. ``appearance``
    "own" keeps the catalog object's texture or colour (``color_name`` is then the asset's own
    colour words, "pink and yellow", or ""), "random"
    uses the palette colour ``color_name`` in ``material``. ``variant``: with "own", which of the
    asset's looks (``ObjectAsset.appearances()``; 0 the main one, others colour variants) is drawn;
    its texture file is ``material.texture.file``.
    """

    name: str
    asset_id: str
    category: str
    scale: tuple[float, float, float]
    color_name: str
    material: MaterialSpec
    pos: tuple[float, float, float]
    quat: tuple[float, float, float, float]
    mass: float
    appearance: str = "random"
    synonyms: tuple[str, ...] = ()
    variant: int = 0

    @property
    def rgba(self) -> tuple[float, float, float, float]:
        return self.material.rgba


@dataclasses.dataclass(frozen=True)
class TableSpec:
    """Axis-aligned table: ``center`` (x, y) and ``size`` (x, y) [m], top at ``top_z``."""

    center: tuple[float, float]
    size: tuple[float, float]
    top_z: float
    material: MaterialSpec


@dataclasses.dataclass(frozen=True)
class WallSpec:
    """A vertical wall: box centre ``pos`` (3,) and half-sizes ``half`` (3,) [m]."""

    pos: tuple[float, float, float]
    half: tuple[float, float, float]
    material: MaterialSpec


@dataclasses.dataclass(frozen=True)
class BackgroundSpec:
    """Floor material, walls, and an optional gradient sky (rgb, rgb) in [0, 1]."""

    floor: MaterialSpec
    walls: tuple[WallSpec, ...]
    sky: tuple[tuple[float, float, float], tuple[float, float, float]] | None


@dataclasses.dataclass(frozen=True)
class CameraSpec:
    """Pinhole camera: ``pos`` [m], orientation ``quat`` (w, x, y, z) of the MuJoCo camera frame
    (x right, y up, looking along -z), base frame; ``fovy`` [deg]; image (height, width) [px]."""

    name: str
    pos: tuple[float, float, float]
    quat: tuple[float, float, float, float]
    fovy: float
    height: int
    width: int


@dataclasses.dataclass(frozen=True)
class LightSpec:
    """A light of ``type`` directional, spot or point: ``pos`` [m], unit ``dir``, ``diffuse`` rgb in [0, 1]
    (the classic engine's brightness and colour).

    ``intensity`` > 0 makes the light photometric for physically based engines: illuminance
    [lux] for a directional light, luminous intensity [cd] for spot and point lights, colour
    ``diffuse`` normalised; 0 leaves the scene to Filament's classic-compatible fallback
    lighting. ``bulbradius`` [m] is the emitter's radius (softer shadows when larger).
    """

    type: str
    pos: tuple[float, float, float]
    dir: tuple[float, float, float]
    diffuse: tuple[float, float, float]
    castshadow: bool
    intensity: float = 0.0
    bulbradius: float = 0.02


@dataclasses.dataclass(frozen=True)
class EnvironmentSpec:
    """Image-based light and visible background of a physically lit scene.

    ``kind`` "sky" or "room": procedural, from ``seed`` (randomization/environment.py);
    "file": the user's HDR image ``file``. ``intensity`` scales its radiance (Filament image-light
    intensity); ``rotation`` [deg] turns it about the vertical axis; ``exposure`` [EV] is the
    camera's exposure compensation for the scene's light level.
    """

    kind: str
    seed: int
    intensity: float
    rotation: float = 0.0
    file: str = ""
    exposure: float = 0.0


@dataclasses.dataclass(frozen=True)
class SceneSpec:
    """Everything needed to rebuild one scene; ``objects[target_index]`` is the target.

    ``ambient`` (3,) is the uniform ("dome") light; ``robot_shade`` the grey level of
    the robot's tintable materials. ``appearance`` is "wild" (saturated procedural domain
    randomization, classic lights) or "realistic" (PBR material families, photometric lights,
    ``environment`` light); ``camera_effects`` holds the drawn sensor effects of each camera
    that has any (``CameraEffectsSpec.camera`` names it), applied to its RGB frames.
    """

    robot: str
    robot_start_qpos: tuple[float, ...]
    robot_shade: float
    table: TableSpec
    background: BackgroundSpec
    objects: tuple[ObjectSpec, ...]
    target_index: int
    cameras: tuple[CameraSpec, ...]
    lights: tuple[LightSpec, ...]
    ambient: tuple[float, float, float]
    instruction: str
    appearance: str = "wild"
    environment: EnvironmentSpec | None = None
    camera_effects: tuple[CameraEffectsSpec, ...] = ()

    @property
    def target(self) -> ObjectSpec:
        return self.objects[self.target_index]

    def to_json(self) -> str:
        return json.dumps(to_dict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "SceneSpec":
        data: dict[str, Any] = json.loads(text)
        return from_dict(cls, data)
