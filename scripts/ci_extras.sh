#!/usr/bin/env bash
# System packages that some tests need beyond scripts/setup.sh:
#   chromium   the headless browser that tests/test_report.py opens the HTML report in (Debian's package)
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
if ! command -v chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
chromium --version
