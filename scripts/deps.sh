#!/usr/bin/env bash
# deps.sh -- install the Debian 12 packages emcc needs to build, test, demo and benchmark.
# Installs only what is missing; runs apt-get update first, as a fresh machine needs.
set -euo pipefail

build_pkgs=(gcc pkg-config meson ninja-build libevent-dev libxml2-dev libsqlite3-dev
	libsodium-dev libinih-dev libjansson-dev libcmocka-dev libssl-dev libcurl4-openssl-dev
	libre-dev)
run_pkgs=(curl openssl sqlite3 procps libfaketime python3 sip-tester jq tftp-hpa)
bench_pkgs=(nginx-light python3 kamailio tftpd-hpa)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
case "${1:-}" in
bench) want+=("${bench_pkgs[@]}") ;;
fuzz) want+=(clang libclang-rt-14-dev) ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# tftpd-hpa is the benchmark's peer, run by bench/run.sh on a loopback address: not a system
# service, whose 0.0.0.0:69 would take port 69 from every emccd on this machine.
if [[ " ${missing[*]} " == *" tftpd-hpa "* ]]; then
	$SUDO sh -c 'invoke-rc.d tftpd-hpa stop; update-rc.d tftpd-hpa disable;
		systemctl disable --now tftpd-hpa' >/dev/null 2>&1 || true
fi
