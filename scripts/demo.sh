#!/usr/bin/env bash
# demo.sh -- the troubleshooting guide's lab on this machine: ClusterOne (visiting, 127.0.7.100)
# and ClusterTwo (home, 127.0.7.200) as two emccd processes; the simulated 7821 SEPC80084AA8743
# at 127.0.7.104 registered at ClusterOne; user adgjm of ClusterTwo logs in with EMCC, the phone
# moves to its home cluster with test_emcc_udp's line, then logs out and comes back. Each step is
# printed, then the two clusters' trace lines for the login, tied together by its request number.
set -euo pipefail
BUILD=${1:-build}
EMCCD="$BUILD/src/daemon/emccd"
EMCC="$BUILD/src/cli/emcc"
PHONE="$BUILD/src/phone/emcc-phone"
V=127.0.7.100 H=127.0.7.200 PHONE_IP=127.0.7.104 DEV=SEPC80084AA8743
DIR=$(mktemp -d /tmp/emcc-demo.XXXXXX)
PIDS=()

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
one() { EMCC_SOCKET="$DIR/ClusterOne/admin.sock" "$EMCC" "$@"; }
two() { EMCC_SOCKET="$DIR/ClusterTwo/admin.sock" "$EMCC" "$@"; }
show() { printf '$ emcc --cluster %s %s\n' "$1" "${*:2}"; }
cleanup() {
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
	rm -rf "$DIR"
}
trap cleanup EXIT

start_cluster() { # NAME ADDR
	mkdir -p "$DIR/$1"
	cat >"$DIR/$1/emccd.ini" <<INI
[cluster]
id = $1
node_address = $2
[server]
http = $2:8080
https = $2:8443
data_dir = $DIR/$1
[parameters]
inter_cluster_max_login_time = 10:00
INI
	"$EMCCD" -c "$DIR/$1/emccd.ini" &
	PIDS+=($!)
	for _ in $(seq 1 100); do
		EMCC_SOCKET="$DIR/$1/admin.sock" "$EMCC" status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "demo: $1 did not start; see $DIR/$1/log/emccd.log" >&2
	return 1
}

step "Start ClusterOne (visiting, $V) and ClusterTwo (home, $H)"
start_cluster ClusterOne $V
start_cluster ClusterTwo $H
for c in one two; do $c status | grep -E '^(cluster_id|http|https|sip_udp):' | paste -sd' ' -; done

step "Trust: each cluster exports its bundle, the other imports it (mutual TLS from now on)"
one trust export "$DIR/one.bundle" | grep -E '^(cluster|fingerprint):' | paste -sd' ' -
two trust export "$DIR/two.bundle" | grep -E '^(cluster|fingerprint):' | paste -sd' ' -
one cluster add ClusterTwo $H:8443 --bundle "$DIR/two.bundle" >/dev/null
two cluster add ClusterOne $V:8443 --bundle "$DIR/one.bundle" >/dev/null
one cluster update >/dev/null
show ClusterOne cluster list; one cluster list

step "Data: adgjm and test_emcc_udp at home, the 7821 at the visiting cluster"
two profile add test_emcc_udp --model 7821 --description "adgjm EMCC profile" --line 1:2001:adgjm >/dev/null
two user add adgjm --name Adgjm --pin 12345 --extension 2001 --emcc --profile test_emcc_udp >/dev/null
one device add $DEV --model 7821 --emcc --description "lab 7821" --line 1:1000:lobby >/dev/null
show ClusterTwo user show adgjm; two user show adgjm | grep -E '^(id|emcc_enabled|has_pin):|test_emcc_udp'
show ClusterOne device show $DEV; one device show $DEV | grep -E '^(name|model|emcc_enabled):|1000'

step "The phone: registers at ClusterOne, Services -> Extension Mobility (EMCC), logs in as adgjm, moves home, logs out"
"$PHONE" --name $DEV --model 7821 --ip $PHONE_IP --server $V --emcc walk adgjm 12345

step "Both clusters after the walk"
show ClusterOne em history; one em history --device $DEV | head -n 4
show ClusterTwo em history; two em history | head -n 4

step "The guide's log review, here: ClusterOne's emapp.log for the login request (parameters, never the PIN)"
grep -h "userid\|User Id" "$DIR/ClusterOne/log/emapp.log" | grep -m 2 adgjm | cut -c12- || true

step "One login, followed across the two clusters' emcc.log by its visiting request number"
reqno=$(grep -o '[0-9]*:ClusterOne: homeLogin adgjm' "$DIR/ClusterOne/log/emcc.log" | head -n 1 | cut -d: -f1)
if [ -n "$reqno" ]; then
	grep -h " $reqno:ClusterOne:" "$DIR/ClusterOne/log/emcc.log" "$DIR/ClusterTwo/log/emcc.log" | sort | cut -c12-
fi
printf '\nDemo done: both clusters stopped, %s removed.\n' "$DIR"
