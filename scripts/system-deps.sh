#!/usr/bin/env bash
# Install the Debian packages Licheng needs, only those missing (root, Debian 12).
#   scripts/system-deps.sh run    -> what the product needs (make run)
#   scripts/system-deps.sh test   -> plus PostgreSQL, Chromium, poppler… (make test)
set -euo pipefail
run_pkgs=(gettext libmagic1 libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk ffmpeg)
test_pkgs=(postgresql chromium poppler-utils qpdf ghostscript)
case "${1:-run}" in
  run) want=("${run_pkgs[@]}") ;;
  test) want=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "Run as root (or install them yourself): apt-get install -y ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
