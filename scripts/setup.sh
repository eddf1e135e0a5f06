#!/usr/bin/env bash
# Installs qforge's build and test dependencies from Debian 12's packages.
# Skips apt entirely when everything is already present; installs tests/clients' npm packages when missing or stale.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libsentencepiece-dev libpcre2-dev libopenblas-dev
  libgtest-dev libgmock-dev libbenchmark-dev nettle-dev
  clang libclang-rt-14-dev
  libxml2-utils
  libcpp-httplib-dev
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The byte-for-byte tests run reference implementations under node (tests/clients); Debian's packages serve
# where node or npm is not installed some other way.
if ! command -v node > /dev/null 2>&1 || ! command -v npm > /dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all dependencies present"
else
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The npm packages those tests compare against, at the versions package-lock.json pins.
clients="$(cd "$(dirname "$0")/.." && pwd)/tests/clients"
if [ ! -d "$clients/node_modules" ] || [ "$clients/package-lock.json" -nt "$clients/node_modules" ]; then
  echo "setup: npm ci in tests/clients"
  (cd "$clients" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$clients/node_modules"
fi
