#!/usr/bin/env bash
# Debian's chromium for the browser tests (tests/web), driven by playwright-core.
# Idempotent, like toolchain/install-deps.sh.
set -euo pipefail
if [ -x /usr/bin/chromium ] && dpkg -s chromium >/dev/null 2>&1; then exit 0; fi
echo "installing: chromium"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version
