#!/usr/bin/env bash
# Installs the Debian packages the test suite drives (independent decoders now;
# real BGP peers later) when they are missing. Idempotent; quiet when all is there.
set -euo pipefail
# command -> Debian package
declare -A PKG=(
  [tshark]=tshark
  [bgpdump]=bgpdump
)
missing=()
for cmd in "${!PKG[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
