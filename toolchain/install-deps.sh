#!/usr/bin/env bash
# Debian packages needed only to rebuild toolchain/core.wasm from source (plugin builds
# use the committed core.wasm and need npm packages alone). Idempotent.
set -euo pipefail
pkgs=(clang lld wasi-libc libclang-rt-dev-wasm32)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
