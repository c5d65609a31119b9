"""MaterialSpecs and EnvironmentSpecs -> MuJoCo materials, textures and the image-based light.

One description, two engines: a material's albedo (its texture's RGB layer and
``rgba``) is what both engines draw. The classic engine shades it with Phong
(specular, shininess); Filament shades materials with ``roughness``/``metallic``
physically and reads their normal and occlusion-roughness-metallic layers,
which are uploaded only for the Filament engine (the classic one never samples
them). The environment is a skybox texture: the classic engine draws it as the
background, Filament draws it as the background and lights the scene with it
(``light type="image"``).
"""

from __future__ import annotations

import functools

import mujoco
import numpy as np

from ...randomization.environment import EnvironmentMap, cube_directions, direction_to_texel, load_environment
from ...randomization.environment import procedural_environment, to_ldr
from ...randomization.pbr_files import texture_maps
from ...core.scene import EnvironmentSpec, MaterialSpec, TextureSpec
from ...randomization.textures import texture_image

ENVIRONMENT_SIZE = 128  # px: cube-face side of environment maps (they light through roughness-blurred lookups)
ENVIRONMENT_MEAN = 0.18  # linear mean radiance the environment's 8-bit faces are normalised to
_ROLE = mujoco.mjtTextureRole


class MaterialRegistry:
    """Adds MaterialSpecs (and their textures, generated once per model) to an MjSpec.

    ``pbr_layers``: for a physically based engine (Filament): albedo textures are marked sRGB (it
    decodes them to linear light before shading; the classic engine shades the stored values
    directly), and PBR-family textures bring their normal and ORM layers.
    """

    def __init__(self, spec: mujoco.MjSpec, pbr_layers: bool):
        self.spec = spec
        self.pbr_layers = pbr_layers
        self.textures: dict[tuple[TextureSpec, int, str], str] = {}

    def _texture(self, tex: TextureSpec, size: int, layer: str) -> str:
        """Name of the 2D texture holding ``layer`` (albedo, normal, orm) of ``tex`` at ``size`` px."""
        key = (tex, size, layer)  # one registry per model, so the engine (pbr_layers) is fixed
        if key not in self.textures:
            img = texture_image(tex, size) if layer == "albedo" else getattr(texture_maps(tex, size), layer)
            name = f"tex{len(self.textures)}"
            t = self.spec.add_texture(name=name, type=mujoco.mjtTexture.mjTEXTURE_2D, width=img.shape[1],
                                      height=img.shape[0], nchannel=3)
            if layer != "albedo":  # normal and ORM texels are data, not colours
                t.colorspace = mujoco.mjtColorSpace.mjCOLORSPACE_LINEAR
            elif self.pbr_layers:
                t.colorspace = mujoco.mjtColorSpace.mjCOLORSPACE_SRGB
            t.data = np.ascontiguousarray(img).tobytes()
            self.textures[key] = name
        return self.textures[key]

    def add(self, name: str, m: MaterialSpec, texture_size: int, uniform: bool = True) -> str:
        """Material ``mat_<name>``; its texture, if any, generated at ``texture_size`` [px], mapped
        by world size (``uniform``, ``texrepeat`` repeats per metre) or by the mesh's own texture
        coordinates."""
        mat = self.spec.add_material(name=f"mat_{name}")
        mat.rgba = list(m.rgba)
        mat.specular = m.specular
        mat.shininess = m.shininess
        mat.reflectance = m.reflectance
        if m.physical:
            mat.roughness = max(m.roughness, 0.0)
            mat.metallic = max(m.metallic, 0.0)
        if m.texture is not None:
            layers = [""] * int(_ROLE.mjNTEXROLE)
            layers[int(_ROLE.mjTEXROLE_RGB)] = self._texture(m.texture, texture_size, "albedo")
            if self.pbr_layers and m.texture.pbr:
                layers[int(_ROLE.mjTEXROLE_NORMAL)] = self._texture(m.texture, texture_size, "normal")
                layers[int(_ROLE.mjTEXROLE_ORM)] = self._texture(m.texture, texture_size, "orm")
            mat.textures = layers
            mat.texrepeat = list(m.texrepeat)
            mat.texuniform = uniform
        return mat.name


@functools.lru_cache(maxsize=8)
def environment_map(kind: str, seed: int, file: str, size: int) -> EnvironmentMap:
    """The environment's radiance cube: procedural (sky/room from ``seed``) or the user's ``file``."""
    return load_environment(file, size) if kind == "file" else procedural_environment(kind, seed, size)


@functools.lru_cache(maxsize=4)
def _skybox_lookup(size: int, rotation_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(face, row, col) of the environment texel each MuJoCo skybox texel shows.

    MuJoCo's skybox is an OpenGL cube (y up) turned so that its +y axis is the world's +z:
    texel direction g (the OpenGL cube convention of randomization/environment.py) looks along
    world (g_x, -g_z, g_y); the environment is then turned by ``rotation_deg`` about +z.
    """
    g, _ = cube_directions(size)
    world = np.stack([g[..., 0], -g[..., 2], g[..., 1]], -1)
    c, s = np.cos(np.radians(rotation_deg)), np.sin(np.radians(rotation_deg))
    rot = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])  # world -> environment frame
    return direction_to_texel(world @ rot.T, size)


def skybox_faces(env: EnvironmentSpec, size: int = ENVIRONMENT_SIZE) -> np.ndarray:
    """(6 * size, size, 3) uint8 sRGB faces of MuJoCo's skybox texture for ``env``, normalised so the
    map's mean radiance is ENVIRONMENT_MEAN (its brightness is set by the image light's intensity)."""
    emap = environment_map(env.kind, env.seed, env.file, size)
    ldr = to_ldr(emap, ENVIRONMENT_MEAN / max(emap.mean_radiance, 1e-9))
    f, r, c = _skybox_lookup(size, round(float(env.rotation), 3))
    return np.ascontiguousarray(ldr[f, r, c]).reshape(6 * size, size, 3)


def image_light_intensity(env: EnvironmentSpec) -> float:
    """Filament image-light intensity that makes the environment deliver ``env.intensity`` [lux]
    on an upward-facing surface: a uniform environment of radiance L gives E = pi L."""
    return float(env.intensity / (np.pi * ENVIRONMENT_MEAN))


def add_environment(spec: mujoco.MjSpec, env: EnvironmentSpec, size: int = ENVIRONMENT_SIZE,
                    physical: bool = False) -> None:
    """The environment as the skybox texture ``environment``, and with ``physical`` (an engine that
    shades physically: Filament) an image light that uses it, its texels marked sRGB (decoded to linear
    radiance). The classic engine draws the skybox only: it has no image lights, and an extra light
    costs it per pixel."""
    faces = skybox_faces(env, size)
    tex = spec.add_texture(name="environment", type=mujoco.mjtTexture.mjTEXTURE_SKYBOX, width=size,
                           height=6 * size, nchannel=3)
    tex.data = faces.tobytes()
    if not physical:
        return
    tex.colorspace = mujoco.mjtColorSpace.mjCOLORSPACE_SRGB
    spec.worldbody.add_light(name="environment", type=mujoco.mjtLightType.mjLIGHT_IMAGE, texture="environment",
                             intensity=image_light_intensity(env), diffuse=[0.0, 0.0, 0.0],
                             specular=[0.0, 0.0, 0.0], castshadow=False)
