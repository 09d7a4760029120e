#!/usr/bin/env bash
# Installs the Debian packages the test suite drives (independent decoders, and the real BGP
# peers of test/interop) when they are missing. Idempotent; a fast, quiet no-op when all is there.
set -euo pipefail
# command name (or absolute path, for binaries outside PATH) -> Debian package
declare -A PKG=(
  [tshark]=tshark
  [bgpdump]=bgpdump
  [ip]=iproute2
  [/usr/lib/frr/bgpd]=frr          # FRR's bgpd is not on PATH; we run it without zebra
  [vtysh]=frr
  [bird]=bird2
  [birdc]=bird2
  [gobgpd]=gobgpd
  [gobgp]=gobgpd
  [exabgp]=exabgp
  [bgpctl]=openbgpd                # OpenBGPD's daemon is /usr/sbin/bgpd; bgpctl is unambiguous
  [/usr/sbin/freeradius]=freeradius  # the RADIUS address server of test/integration/daemon-radius.test.ts
  [ping]=iputils-ping               # real ICMP from plain hosts in test/e2e
  [clang]=clang                    # compiles the kernel backend's eBPF encapsulation (src/fib/backends/kernel)
  [/usr/include/bpf/bpf_helpers.h]=libbpf-dev
)
have() {
  case $1 in
    /*) [ -x "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}
declare -A want=()
for cmd in "${!PKG[@]}"; do
  have "$cmd" || want[${PKG[$cmd]}]=1
done
[ ${#want[@]} -eq 0 ] && exit 0
missing=("${!want[@]}")
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common would otherwise ask whether non-root users may capture.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
# OpenBGPD's privilege-separated processes chroot here; the package creates it only via systemd-tmpfiles.
$SUDO mkdir -p /run/openbgpd
