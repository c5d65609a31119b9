#!/usr/bin/env bash
# Install syngrasp into a fresh Python 3.12 venv (runtime dependencies only, as a user would next
# to LeRobot 0.6, which needs 3.12) and generate 2 episodes there with the installed command.
# python3.12 comes from $PYTHON312, from PATH, or from pyenv; without one this fails, saying so.
# pybullet publishes no 3.12 wheel: the first run compiles it (minutes; pip caches the wheel).
set -euo pipefail
cd "$(dirname "$0")/.."
is312() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; }
PY312="${PYTHON312:-}"
if [ -z "$PY312" ] && command -v python3.12 >/dev/null 2>&1 && is312 python3.12; then
  PY312="$(python3.12 -c 'import sys; print(sys.executable)')"
fi
if [ -z "$PY312" ] && command -v pyenv >/dev/null 2>&1; then
  v="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -V | tail -1 || true)"
  if [ -n "$v" ]; then PY312="$(PYENV_VERSION="$v" pyenv which python3.12)"; fi
fi
if [ -z "$PY312" ] || ! is312 "$PY312"; then
  echo "check_python312: no usable Python 3.12 (tried \$PYTHON312, python3.12 on PATH, pyenv)." >&2
  echo "check_python312: install one (Debian/Ubuntu: apt install python3.12 python3.12-venv python3.12-dev;" >&2
  echo "check_python312: pyenv: pyenv install 3.12) or set PYTHON312=/path/to/python3.12" >&2
  exit 1
fi
if ! command -v g++ >/dev/null 2>&1; then  # pybullet's 3.12 source build needs a C++ compiler
  SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends g++ >/dev/null
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "check_python312: $PY312 ($("$PY312" -c 'import platform; print(platform.python_version())'))"
"$PY312" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet .
cd "$work"  # import the installed package, not the checkout
MUJOCO_GL="${MUJOCO_GL:-egl}" "$work/venv/bin/syngrasp" generate --out "$work/ds" --episodes 2 --seed 0 --workers 1 \
  --quiet "scene.image_size=[64,64]"
"$work/venv/bin/python" - "$work/ds" <<'PYEOF'
import json, os, sys

import syngrasp

assert sys.version_info[:2] == (3, 12), sys.version
assert "site-packages" in syngrasp.__file__, syngrasp.__file__
m = json.load(open(os.path.join(sys.argv[1], "manifest.json")))
assert m["episodes"] == 2 and m["shards"] >= 1, m
rows = [json.loads(line) for line in open(os.path.join(sys.argv[1], "shards.jsonl"))]
assert len(rows) == m["shards"], (len(rows), m["shards"])
for s in rows:
    for rel, meta in s["files"].items():
        assert os.path.getsize(os.path.join(sys.argv[1], rel)) == meta["bytes"], rel
print(f"check_python312: Python {sys.version.split()[0]}: 2 episodes, {m['frames']} frames, {m['successes']} successes")
PYEOF
