#!/usr/bin/env bash
# Create .venv with Python 3.12 (from .python-version) and install the pinned requirements.
#   scripts/bootstrap-venv.sh requirements.txt|requirements-dev.txt
set -euo pipefail
req=${1:-requirements.txt}
export UV_PYTHON_DOWNLOADS=never
find_python() {
  local want; want=$(cat .python-version)
  if command -v pyenv >/dev/null 2>&1; then
    local p; p=$(pyenv which python 2>/dev/null || true)
    if [ -n "$p" ] && "$p" -c "import sys; sys.exit(sys.version_info[:2] < (3, 12))" 2>/dev/null; then echo "$p"; return; fi
  fi
  for p in "python$want" python3.13 /root/.pyenv/versions/"$want"*/bin/python; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c "import sys; sys.exit(sys.version_info[:2] < (3, 12))" 2>/dev/null; then
      command -v "$p"; return
    fi
  done
  echo "Licheng needs Python >= 3.12 (see .python-version); none found." >&2; exit 1
}
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import sys; sys.exit(sys.version_info[:2] < (3, 12))"; then
  rm -rf .venv
  "$(find_python)" -m venv .venv
fi
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q uv==0.13.9
if [ "$req" = requirements-dev.txt ]; then
  .venv/bin/uv pip sync -q --python .venv/bin/python "$req"
else
  .venv/bin/uv pip install -q --python .venv/bin/python -r "$req"
fi
