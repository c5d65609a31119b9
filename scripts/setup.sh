#!/usr/bin/env bash
# One-command set-up on a bare Debian/Ubuntu machine (root or sudo):
# system libraries for headless MuJoCo rendering (EGL/Mesa, OSMesa), then syngrasp itself.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if command -v apt-get >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libopengl0 libgles2 libosmesa6 >/dev/null
else
  echo "setup: no apt-get; install EGL/Mesa (libEGL, Mesa DRI drivers) with your package manager" >&2
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "setup: syngrasp needs Python 3.11; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet -e ".[test]"
"$PY" -c "import os; os.environ.setdefault('MUJOCO_GL', 'egl'); import mujoco; r = mujoco.Renderer(mujoco.MjModel.from_xml_string('<mujoco/>'), 8, 8); r.render(); print('setup: MuJoCo', mujoco.__version__, 'renders offscreen with', os.environ['MUJOCO_GL'])"
