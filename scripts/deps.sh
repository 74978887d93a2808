#!/usr/bin/env bash
# Installs what building and testing Sigil needs on Debian/Ubuntu, only when
# something is missing. Safe to run repeatedly; needs root (or sudo) only
# when it has something to install.
set -euo pipefail

need=()
pkg_missing() { ! dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in libpcap-dev pkg-config; do
  pkg_missing "$p" && need+=("$p")
done
# Tools the tests and scripts run: package name for each missing command.
# cc links every Rust binary and compiles mimalloc (the allocator).
for pair in cc:gcc zstd:zstd tcpdump:tcpdump tshark:tshark curl:curl ip:iproute2 python3:python3; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done

if ((${#need[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install Rust (https://rustup.rs) and re-run" >&2
  exit 1
fi
