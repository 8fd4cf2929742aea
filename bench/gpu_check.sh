#!/usr/bin/env bash
# GPU check (issue 29): every CUDA path measured in one run, one table; see bench/gpu_check.py --help.
#   bash bench/gpu_check.sh [--out gpu_check.json] [gpu_check.py options]
# Without CUDA it runs the tiny CPU fallback and says "no CUDA". Stops after 8 minutes (GPU_CHECK_TIMEOUT).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
exec timeout --signal=INT --kill-after=20 "${GPU_CHECK_TIMEOUT:-480}" python3 bench/gpu_check.py "$@"
