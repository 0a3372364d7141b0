#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12 machine, idempotently:
# Debian packages (Pango, HarfBuzz subsetting, a CJK font, libpq headers; Chromium with --browser),
# then .venv with the pinned requirements. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei libpq-dev gettext)
[ $want_browser = 1 ] && debs+=(chromium)

missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

req=requirements.txt
[ "${WITH_DEV:-0}" = 1 ] && req=requirements-dev.txt
stamp=.venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$(basename $req .txt)
if [ ! -f "$stamp" ]; then
  echo "==> Creating .venv and installing $req"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  # psycopg2 builds from source against Debian's libpq (not the -binary wheel).
  .venv/bin/pip install -q --no-binary psycopg2 -r "$req"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
