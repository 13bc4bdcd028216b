#!/usr/bin/env bash
# Debian packages the project needs. Usage: scripts/system-deps.sh run|test
# run:  libraries for PDF reports (WeasyPrint: Pango) and audio decoding (ffmpeg).
# test: also Chromium for the browser tests, espeak-ng/sox for spoken answers,
#       PostgreSQL for the persistence tests, poppler-utils to read PDFs back.
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core ffmpeg)
if [ "${1:-run}" = "test" ]; then
  want+=(chromium espeak-ng sox postgresql poppler-utils)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
