#!/usr/bin/env bash
# Install syngrasp into an empty venv with only its declared runtime dependencies (no test extras,
# which pull in packages such as networkx by accident), then build a catalog from a folder holding
# a non-watertight mesh and a corrupt file. Fails if an undeclared import crashes the build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet .
mkdir -p "$work/src/cup"
(cd "$work" && "$work/venv/bin/python" - <<'PYEOF'
import numpy as np
import trimesh

box = trimesh.creation.box((0.05, 0.06, 0.08))
open_box = trimesh.Trimesh(box.vertices, box.faces[:-2], process=False)  # one face missing: not watertight
assert not open_box.is_watertight
open_box.export("src/cup/open_box.stl")
trimesh.creation.icosphere(radius=0.03).export("src/cup/ball.stl")
open("src/cup/broken.obj", "w").write("v 0 0 nonsense\nf 1 2 3\n")
PYEOF
)
"$work/venv/bin/syngrasp" assets build "$work/src" --out "$work/catalog" --workers 1
"$work/venv/bin/python" - "$work/catalog" <<'PYEOF'
import json, os, sys

catalog = json.load(open(os.path.join(sys.argv[1], "catalog.json")))
accepted = {os.path.basename(o["source"]): o for o in catalog["objects"]}
rejected = {os.path.basename(r["source"]): r["reason"] for r in catalog["report"]["rejected"]}
assert "open_box.stl" in accepted, f"the non-watertight mesh was not imported: {rejected}"
assert any("not watertight" in n for n in accepted["open_box.stl"]["notes"]), accepted["open_box.stl"]
assert "ball.stl" in accepted and "broken.obj" in rejected, (sorted(accepted), rejected)
print("clean install: catalog built from a non-watertight mesh; undeclared-dependency check passed")
PYEOF
# a mixed collection (textured OBJ/MTL/PNG, GLB, URDF, MJCF primitives, twins, duplicates, .msh siblings,
# a 1.5 m table, a millimetre mesh): exit 0 and every file accounted for, each with a reason
"$work/venv/bin/python" tests/collection.py "$work/mixed" >/dev/null
"$work/venv/bin/syngrasp" assets build "$work/mixed" --out "$work/mixed_catalog" --workers 1
"$work/venv/bin/python" - "$work/mixed" "$work/mixed_catalog" <<'PYEOF'
import json, os, sys

src, out = sys.argv[1:]
cat = json.load(open(os.path.join(out, "catalog.json")))
rep = cat["report"]
files = sorted(os.path.normpath(os.path.join(d, n)) for d, _, ns in os.walk(src) for n in ns)
seen = sorted([o["source"] for o in cat["objects"]] + [r["source"] for r in rep["rejected"] + rep["skipped"]])
assert seen == files, set(files) ^ set(seen)
assert sum(o["has_texture"] for o in cat["objects"]) >= 2, "textures were dropped"
print(f"clean install: mixed collection -> {rep['accepted']} objects, {len(rep['rejected'])} rejected, {len(rep['skipped'])} skipped")
PYEOF
# robots add from the installed wheel (its robot_import sub-package ships): pybullet_data's xArm6 URDF
PB="$("$work/venv/bin/python" -c 'import pybullet_data; print(pybullet_data.getDataPath())')"
"$work/venv/bin/syngrasp" robots add cleanxarm --urdf "$PB/xarm/xarm6_with_gripper.urdf" --dir "$work/robots" >/dev/null
test -f "$work/robots/cleanxarm/robot.json"
echo "clean install: robots add wrote $work/robots/cleanxarm/robot.json"
