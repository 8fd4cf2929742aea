#!/usr/bin/env bash
# One-command install for videobert on Debian/Ubuntu (run as root or with sudo available).
#   bash install.sh            # system packages + videobert with every extra + test tools
# System packages: ffmpeg (tools), espeak-ng (synthetic narration audio), sox, Java (METEOR),
# chromium (the headless browser of the `videobert explore` tests).
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if command -v apt-get >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  pkgs="ffmpeg espeak-ng sox chromium"
  command -v java >/dev/null 2>&1 || pkgs="$pkgs default-jre-headless"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $pkgs >/dev/null
else
  echo "install.sh: no apt-get; install ffmpeg, espeak-ng and a Java runtime with your package manager" >&2
fi
PY=${PYTHON:-python3}
# torch/torchvision: pinned to the release pair this project is tested with.
if ! "$PY" -c "import torch, torchvision" >/dev/null 2>&1; then
  "$PY" -m pip install -q "torch==2.14.1" "torchvision==0.29.1"
fi
"$PY" -m pip install -q -e ".[all,test,docs]"
echo "videobert installed: $("$PY" -m videobert --version)"
