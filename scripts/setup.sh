#!/usr/bin/env bash
# One-command set-up on a Debian/Ubuntu machine (a laptop, or a cluster node under `ray up`):
#   1. apt: EGL/Mesa for headless MuJoCo rendering, Vulkan with Mesa's lavapipe for the Filament
#      engine (render.engine=filament; GPU nodes add their driver's Vulkan ICD), rsync and ssh (Ray's cluster launcher
#      copies files with rsync over ssh), python3-venv (skipped when all are installed);
#   2. a project virtual environment, made with the first supported Python found
#      (3.11 or 3.12): never the system Python's site-packages;
#   3. syngrasp (editable) with its runtime dependencies, plus extras on request.
#
# Usage: bash scripts/setup.sh [--test] [--extras LIST]
#   --test           also install the test extras (pytest, moto, import-linter)
#   --extras LIST    comma-separated extras, e.g. test,gcs (same as SYNGRASP_EXTRAS=LIST)
# Environment:
#   SYNGRASP_VENV    venv folder (default: .venv in the repository)
#   PYTHON           interpreter to build the venv from (default: python3, python3.12,
#                    python3.11 on PATH, then pyenv's 3.12 or 3.11)
#   SYNGRASP_NO_APT=1  skip the apt step (libraries installed some other way)
# Prints the venv's path last; use .venv/bin/syngrasp, .venv/bin/python, or `source .venv/bin/activate`.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
VENV="${SYNGRASP_VENV:-$REPO/.venv}"
EXTRAS="${SYNGRASP_EXTRAS:-}"

while [ $# -gt 0 ]; do
  case "$1" in
    --test) EXTRAS="${EXTRAS:+$EXTRAS,}test" ;;
    --extras) shift; EXTRAS="${EXTRAS:+$EXTRAS,}${1:?--extras needs a list, e.g. test,gcs}" ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "setup: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# 1. System packages.
APT_PKGS="libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libopengl0 libgles2 libosmesa6 libvulkan1 mesa-vulkan-drivers rsync openssh-client python3-venv"
apt_install() {  # installs those of "$@" that are missing; a no-op (no apt-get update) when none is
  local missing="" p sudo=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to apt-get install:$missing" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "setup: apt-get install$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
USE_APT=0
if [ "${SYNGRASP_NO_APT:-0}" = 1 ]; then
  echo "setup: SYNGRASP_NO_APT=1: skipping apt ($APT_PKGS)"
elif command -v apt-get >/dev/null 2>&1; then
  USE_APT=1
  apt_install $APT_PKGS
else
  echo "setup: no apt-get; install EGL/Mesa (libEGL, Mesa DRI drivers), rsync and ssh with your package manager" >&2
fi

# 2. The venv, from a supported Python.
supported() {  # $1: interpreter; true when it is 3.11 or 3.12 and can make venvs with pip
  "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' >/dev/null 2>&1
}
find_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  local c v
  for c in python3 python3.12 python3.11; do
    if command -v "$c" >/dev/null 2>&1 && supported "$(command -v "$c")"; then command -v "$c"; return; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for v in 3.12 3.11; do
      c="$(pyenv versions --bare 2>/dev/null | grep -E "^$v(\.[0-9]+)?$" | sort -V | tail -1 || true)"
      if [ -n "$c" ] && supported "$(pyenv root)/versions/$c/bin/python3"; then echo "$(pyenv root)/versions/$c/bin/python3"; return; fi
    done
  fi
}

if [ -x "$VENV/bin/python" ]; then
  if ! supported "$VENV/bin/python"; then
    echo "setup: $VENV holds Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'); syngrasp needs 3.11 or 3.12: remove $VENV or set SYNGRASP_VENV" >&2
    exit 1
  fi
else
  PY="$(find_python)"
  if [ -z "$PY" ] || ! supported "$PY"; then
    echo "setup: no Python 3.11 or 3.12 with venv support found${PY:+ ($PY is not one)}." >&2
    echo "setup: install one (Debian 12: apt install python3 python3-venv; Ubuntu 24.04: apt install python3.12-venv;" >&2
    echo "setup: Ubuntu 22.04: apt install python3.11 python3.11-venv) or set PYTHON=/path/to/python3.12" >&2
    exit 1
  fi
  PY="$("$PY" -c 'import sys; print(sys.executable)')"  # the interpreter itself, not a pyenv shim
  PYVER="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if [ "$PYVER" = 3.12 ] && [ "${PY#/usr/bin/}" != "$PY" ] && [ "$USE_APT" = 1 ]; then
    # pybullet (it ships the Panda and object meshes) publishes no 3.12 wheel: pip compiles it once
    apt_install g++ python3.12-dev
  fi
  echo "setup: creating $VENV with $PY ($PYVER)"
  "$PY" -m venv "$VENV"
fi

# 3. syngrasp into the venv.
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".${EXTRAS:+[$EXTRAS]}"
"$VENV/bin/python" -c "import os; os.environ.setdefault('MUJOCO_GL', 'egl'); import mujoco; r = mujoco.Renderer(mujoco.MjModel.from_xml_string('<mujoco/>'), 8, 8); r.render(); print('setup: MuJoCo', mujoco.__version__, 'renders offscreen with', os.environ['MUJOCO_GL'])"
if [ "$USE_APT" = 1 ] || [ -e /usr/share/vulkan/icd.d/lvp_icd.x86_64.json ]; then
  "$VENV/bin/python" -c "import mujoco.studio.window; from mujoco import mjrf; mjrf.Context(mjrf.ContextConfig(graphics_api=mjrf.GraphicsApi.GRAPHICS_API_VULKAN, software_rendering=True)); print('setup: Filament renders through Vulkan (lavapipe)')" 2>/dev/null \
    || echo "setup: Filament (render.engine=filament) cannot make a Vulkan context: install libvulkan1 and mesa-vulkan-drivers" >&2
fi
echo "setup: syngrasp${EXTRAS:+[$EXTRAS]} installed in the venv $VENV"
echo "$VENV"
