"""PBR materials from a folder of the user's texture sets (scanned or authored, e.g. CC0 libraries).

Layout: one sub-folder per material, holding its maps as image files whose names
say the role (case-insensitive; the first match wins):

    materials/
      oak_planks/   oak_planks_Color.jpg  oak_planks_NormalGL.jpg  oak_planks_Roughness.jpg
      brushed_steel/ basecolor.png  normal.png  roughness.png  metallic.png  ao.png

- colour (required): ``color``, ``albedo``, ``basecolor``, ``diffuse`` (sRGB);
- normal (optional, flat when missing): ``normal``, ``normalgl``, ``nor``, ``nrm``; OpenGL
  convention (+Y up), or DirectX when the name holds ``dx`` (its green channel is flipped here);
- roughness (optional): ``roughness``, ``rough``, or ``gloss``/``glossiness`` (inverted); default 0.6;
- metallic (optional): ``metallic``, ``metalness``; default 0;
- occlusion (optional): ``ao``, ``ambientocclusion``, ``occlusion``; default 1;
- ``arm`` (optional): occlusion, roughness and metallic packed in R, G and B.

A name's words are split at ``_``, ``-``, ``.`` and spaces, and its last role word decides
(``oak_planks_NormalGL_2K.jpg`` is a normal map, ``brushed_metal_Color.jpg`` a colour map).

Maps are resampled to the render's texture size; a set should tile seamlessly, as
surfaces repeat it. Nothing is downloaded: bring the folders (README "Textures and
environment maps" lists CC0 sources).
"""

from __future__ import annotations

import functools
import os
import re

import numpy as np
from PIL import Image

from ..core.errors import AssetError
from .pbr import PbrMaps, PbrParams, pbr_maps
from ..core.scene import TextureSpec

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
# a word of a file name (split at _ - . and spaces) -> the map it holds; the last such word decides
ROLE_WORDS = {
    **dict.fromkeys(("color", "colour", "albedo", "basecolor", "diffuse", "diff", "col"), "color"),
    **dict.fromkeys(("normal", "normalgl", "nor", "nrm", "normaldx"), "normal"),
    **dict.fromkeys(("roughness", "rough"), "roughness"),
    **dict.fromkeys(("gloss", "glossiness"), "gloss"),
    **dict.fromkeys(("metallic", "metalness"), "metallic"),
    **dict.fromkeys(("ao", "ambientocclusion", "occlusion"), "ao"),
    "arm": "arm",  # occlusion, roughness, metallic packed in R, G, B
}


def _role_files(folder: str) -> dict[str, str]:
    """role -> file of a material folder: each image's role is the last role word in its name."""
    found: dict[str, str] = {}
    for f in sorted(os.listdir(folder)):
        if not f.lower().endswith(IMAGE_SUFFIXES):
            continue
        words = re.split(r"[_\-.\s]+", os.path.splitext(f)[0].lower())
        role = next((ROLE_WORDS[w] for w in reversed(words) if w in ROLE_WORDS), None)
        if role is not None and role not in found:
            found[role] = os.path.join(folder, f)
    return found


def material_folders(folder: str) -> tuple[str, ...]:
    """Sorted sub-folders of ``folder`` that hold a colour map (sorted, so ids are stable).

    Raises AssetError naming the folder when it is missing or holds no material."""
    if not os.path.isdir(folder):
        raise AssetError(f"{folder}: material folder does not exist; fix scene.appearance.material_folder")
    subs = sorted(os.path.join(folder, d) for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    mats = tuple(d for d in subs if "color" in _role_files(d))
    if not mats:
        raise AssetError(f"{folder}: no material sub-folder with a colour map (a file named *_Color.*, *albedo*, "
                         "*basecolor* or *diffuse*); see README 'Textures and environment maps'")
    return mats


def _read(path: str, size: int, mode: str) -> np.ndarray:
    try:
        with Image.open(path) as im:
            im = im.convert(mode)
            return np.asarray(im.resize((size, size), Image.Resampling.LANCZOS))
    except (OSError, ValueError) as e:
        raise AssetError(f"{path}: cannot read this texture map ({e}); re-export it as PNG or JPEG") from e


@functools.lru_cache(maxsize=16)
def load_material_folder(folder: str, size: int) -> PbrMaps:
    """Albedo, normal and ORM maps (each (size, size, 3) uint8, the encodings of randomization/pbr.py)
    of one material folder, with its scalar stand-ins (mean colour, roughness, metallic)."""
    files = _role_files(folder)
    if "color" not in files:
        raise AssetError(f"{folder}: no colour map (a file named *_Color.*, *albedo*, *basecolor* or *diffuse*)")
    albedo = _read(files["color"], size, "RGB")
    if "normal" in files:
        normal = _read(files["normal"], size, "RGB").copy()
        if "dx" in os.path.basename(files["normal"]).lower():
            normal[..., 1] = 255 - normal[..., 1]  # DirectX (+Y down) to OpenGL (+Y up)
    else:
        normal = np.broadcast_to(np.array([128, 128, 255], np.uint8), (size, size, 3)).copy()
    arm = _read(files["arm"], size, "RGB") if "arm" in files else None
    if "roughness" in files:
        rough = _read(files["roughness"], size, "L")
    elif "gloss" in files:
        rough = 255 - _read(files["gloss"], size, "L")
    else:
        rough = arm[..., 1] if arm is not None else np.full((size, size), 153, np.uint8)
    if "metallic" in files:
        metal = _read(files["metallic"], size, "L")
    else:
        metal = arm[..., 2] if arm is not None else np.zeros((size, size), np.uint8)
    if "ao" in files:
        ao = _read(files["ao"], size, "L")
    else:
        ao = arm[..., 0] if arm is not None else np.full((size, size), 255, np.uint8)
    orm = np.stack([ao, rough, metal], -1)
    params = PbrParams("folder", 0, tuple(float(c) for c in albedo.reshape(-1, 3).mean(0) / 255.0),
                       float(rough.mean() / 255.0), float(metal.mean() / 255.0))
    return PbrMaps(albedo, normal, orm, params)


@functools.lru_cache(maxsize=32)  # a material's three layers are read from one generation
def texture_maps(tex: TextureSpec, size: int) -> PbrMaps:
    """The maps of PBR texture ``tex`` (``tex.pbr``): a procedural family's, or a texture set's (family "folder")."""
    return load_material_folder(tex.file, size) if tex.family == "folder" else pbr_maps(tex.family, tex.seed, size)
