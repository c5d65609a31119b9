"""A small mixed object collection written in code, the way real ones arrive.

``write_collection(root)`` writes, under ``root``: an MJCF object with an OBJ +
MTL + PNG texture and its ``-visual`` twin; a textured GLB; a URDF object; the
same mesh as OBJ and STL; a visual OBJ with a ``_vhacd`` collision stand-in; an
MJCF referencing a ``.msh`` with STL/OBJ siblings; MJCF objects made of primitive
geoms (a nut of boxes, a plate cylinder, a capsule); a 1.5 m table; a mesh in
millimetres; a copy of a mesh under another name; a wide tray; a README and an
unreadable file. Returns the facts the tests check against.
"""

from __future__ import annotations

import os

import numpy as np
import trimesh
from PIL import Image

TEXTURE_RGB = (200, 60, 40)  # mean colour of the OBJ's texture
GLB_RGB = (40, 90, 200)


def _texture(path: str, rgb, seed: int) -> None:
    rng = np.random.default_rng(seed)
    img = np.clip(np.asarray(rgb, float) + rng.normal(0, 25, (32, 32, 3)), 0, 255).astype(np.uint8)
    img[::8] = np.asarray(rgb, np.uint8)  # stripes of the pure colour
    Image.fromarray(img).save(path)


def _box_uv(extents) -> trimesh.Trimesh:
    """A box with per-face UVs covering the whole texture (unwelded corners)."""
    box = trimesh.creation.box(extents=extents)
    tri = box.triangles.reshape(-1, 3)
    faces = np.arange(len(tri)).reshape(-1, 3)
    uv = np.tile([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]], (len(faces), 1))
    return trimesh.Trimesh(tri, faces, process=False), uv


def _write_obj(path: str, mesh, uv, mtl: str = "") -> None:
    """An OBJ with per-vertex UVs (``vt``) and, optionally, an ``mtllib`` line."""
    lines = [f"mtllib {mtl}", "usemtl skin"] if mtl else []
    lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in mesh.vertices] + [f"vt {u} {v}" for u, v in uv]
    lines += [f"f {a + 1}/{a + 1} {b + 1}/{b + 1} {c + 1}/{c + 1}" for a, b, c in mesh.faces]
    _write(path, "\n".join(lines) + "\n")


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def write_collection(root: str) -> dict:
    j = os.path.join
    # 1. MJCF with a textured OBJ (MTL + PNG), and its visual twin
    d = j(root, "milk_cartons")
    os.makedirs(j(d, "meshes"), exist_ok=True)
    mesh, uv = _box_uv((0.07, 0.07, 0.16))
    _texture(j(d, "meshes", "carton.png"), TEXTURE_RGB, 0)
    _write_obj(j(d, "meshes", "carton.obj"), mesh, uv, "carton.mtl")
    _write(j(d, "meshes", "carton.mtl"), "newmtl skin\nKd 1 1 1\nmap_Kd carton.png\n")
    body = ('<mujoco model="carton"><compiler meshdir="meshes" texturedir="meshes"/><asset>'
            '<texture name="t" type="2d" file="carton.png"/><material name="m" texture="t"/>'
            '<mesh name="carton" file="carton.obj"/></asset><worldbody><body name="carton">'
            '<geom type="mesh" mesh="carton" material="m"{extra}/></body></worldbody></mujoco>')
    _write(j(d, "carton.xml"), body.format(extra=""))
    _write(j(d, "carton-visual.xml"), body.format(extra=' contype="0" conaffinity="0" rgba="1 1 1 0.3"'))
    # 2. textured GLB
    d = j(root, "toys")
    os.makedirs(d, exist_ok=True)
    mesh, uv = _box_uv((0.05, 0.04, 0.06))
    _texture(j(d, "glb.png"), GLB_RGB, 1)
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, image=Image.open(j(d, "glb.png")))
    mesh.export(j(d, "block.glb"))
    os.remove(j(d, "glb.png"))
    # 3. URDF object
    trimesh.creation.cylinder(radius=0.03, height=0.1).export(j(d, "drum.stl"))
    _write(j(d, "drum.urdf"), '<robot name="drum"><link name="l"><visual><geometry><mesh filename="drum.stl"/></geometry>'
                              '<material name="r"><color rgba="0.9 0.1 0.1 1"/></material></visual></link></robot>')
    # 4. one mesh as OBJ and STL side by side
    ball = trimesh.creation.icosphere(subdivisions=2, radius=0.03)
    ball.export(j(d, "ball.obj"))
    ball.export(j(d, "ball.stl"))
    # 5. identical mesh under another name
    d2 = j(root, "balls")
    os.makedirs(d2, exist_ok=True)
    ball.export(j(d2, "copy_of_ball.ply"))
    # 6. visual mesh with a VHACD collision stand-in (two convex pieces of an L shape)
    d = j(root, "brackets")
    os.makedirs(d, exist_ok=True)
    a = trimesh.creation.box(extents=(0.08, 0.02, 0.02)).apply_translation((0.04, 0.01, 0.01))
    b = trimesh.creation.box(extents=(0.02, 0.02, 0.06)).apply_translation((0.01, 0.01, 0.03))
    trimesh.util.concatenate([a, b]).export(j(d, "bracket.obj"))
    trimesh.util.concatenate([a, b]).export(j(d, "bracket_vhacd.obj"))
    # 7. MJCF referencing a .msh, with .stl/.obj siblings
    d = j(root, "cans")
    os.makedirs(d, exist_ok=True)
    can = trimesh.creation.cylinder(radius=0.033, height=0.12, sections=24)
    _write(j(d, "can.msh"), "binary mujoco mesh placeholder")
    can.export(j(d, "can.stl"))
    can.export(j(d, "can.obj"))
    _write(j(d, "can.xml"), '<mujoco><asset><mesh name="can" file="can.msh"/></asset><worldbody><body>'
                            '<geom type="mesh" mesh="can" rgba="0.2 0.7 0.2 1"/></body></worldbody></mujoco>')
    # 8. primitive-geom MJCF objects
    d = j(root, "nuts")
    _write(j(d, "hex_nut.xml"),
           '<mujoco><worldbody><body name="nut">'
           '<geom type="box" size="0.012 0.03 0.01" pos="0.02 0 0.01" rgba="0.7 0.7 0.1 1"/>'
           '<geom type="box" size="0.012 0.03 0.01" pos="-0.02 0 0.01" rgba="0.7 0.7 0.1 1"/>'
           '<geom type="box" size="0.008 0.012 0.01" pos="0 0.022 0.01" rgba="0.7 0.7 0.1 1"/>'
           '<geom type="box" size="0.008 0.012 0.01" pos="0 -0.022 0.01" rgba="0.7 0.7 0.1 1"/>'
           '</body></worldbody></mujoco>')
    _write(j(d, "peg.xml"),
           '<mujoco><worldbody><body name="peg" euler="0 0 0">'
           '<geom type="capsule" fromto="0 0 0.02 0.09 0 0.02" size="0.014" rgba="0.3 0.3 0.9 1"/>'
           '<geom type="sphere" pos="0.1 0 0.02" size="0.018" rgba="0.3 0.3 0.9 1"/>'
           '</body></worldbody></mujoco>')
    d = j(root, "plates")
    _write(j(d, "plate.xml"), '<mujoco><worldbody><body><geom type="cylinder" size="0.09 0.008" rgba="1 1 1 1"/>'
                              '<geom type="ellipsoid" size="0.05 0.05 0.01" pos="0 0 0.006" rgba="1 1 1 1"/>'
                              '</body></worldbody></mujoco>')
    # 9. a 1.5 m table, a wide tray (distractor only), a millimetre mesh
    d = j(root, "furniture")
    os.makedirs(d, exist_ok=True)
    trimesh.creation.box(extents=(1.5, 0.8, 0.75)).export(j(d, "table.stl"))
    d = j(root, "trays")
    os.makedirs(d, exist_ok=True)
    trimesh.creation.box(extents=(0.22, 0.16, 0.12)).export(j(d, "tray.stl"))
    d = j(root, "blocks")
    os.makedirs(d, exist_ok=True)
    mm = trimesh.creation.box(extents=(32.0, 45.0, 58.0))
    mm.export(j(d, "mm_block.stl"))
    # 10. a scanned-object MJCF: default classes, a textured visual mesh and convex collision meshes
    d = j(root, "bowls", "gso_bowl")
    os.makedirs(j(d, "meshes"), exist_ok=True)
    mesh, uv = _box_uv((0.12, 0.12, 0.05))
    _write_obj(j(d, "meshes", "model.obj"), mesh, uv)  # UVs, no MTL: the MJCF material supplies the image
    _texture(j(d, "texture.png"), (60, 160, 70), 2)
    for k, x in enumerate((-0.03, 0.03)):
        trimesh.creation.box(extents=(0.06, 0.12, 0.05)).apply_translation((x, 0, 0)).export(j(d, "meshes", f"model_collision_{k}.obj"))
    _write(j(d, "model.xml"),
           '<mujoco model="bowl"><compiler meshdir="meshes" angle="radian"/><default><default class="visual">'
           '<geom group="2" type="mesh" contype="0" conaffinity="0"/></default><default class="collision">'
           '<geom group="3" type="mesh"/></default></default><asset><texture type="2d" name="tex" file="texture.png"/>'
           '<material name="mat" texture="tex" specular="0.5"/><mesh file="model.obj"/><mesh file="model_collision_0.obj"/>'
           '<mesh file="model_collision_1.obj"/></asset><worldbody><body name="model" euler="0 0 1.5708">'
           '<geom material="mat" mesh="model" class="visual"/><geom mesh="model_collision_0" class="collision"/>'
           '<geom mesh="model_collision_1" class="collision"/><site name="s" pos="0 0 0.1"/></body></worldbody></mujoco>')
    # 11. not objects
    _write(j(root, "README.txt"), "downloaded collection\n")
    _write(j(root, "toys", "broken.stl"), "solid nothing\nendsolid\n")
    return {
        "textured_obj": "carton.xml",
        "textured_glb": "block.glb",
        "mm_extents": (0.032, 0.045, 0.058),
        "carton_extents": (0.07, 0.07, 0.16),
    }


if __name__ == "__main__":  # used by scripts/check_clean_install.sh (runtime dependencies only)
    import sys

    print(write_collection(sys.argv[1]))
