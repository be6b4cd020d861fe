#!/usr/bin/env bash
# demo.sh -- the seed lab on this machine: ClusterOne on 127.0.7.100 with the guide's phone and
# user, an Extension Mobility login and logout through the Cisco EM API, each step printed.
# (The two-cluster EMCC login of the guide arrives with the EMCC work; this is its first half.)
set -euo pipefail
BUILD=${1:-build}
EMCCD="$BUILD/src/daemon/emccd"
EMCC="$BUILD/src/cli/emcc"
ADDR=127.0.7.100
DIR=$(mktemp -d /tmp/emcc-demo.XXXXXX)
export EMCC_SOCKET="$DIR/admin.sock"
export EMCC_URL="http://$ADDR:8080/emservice/EMServiceServlet"
export EMCC_APP_USER=CCMSysUser EMCC_APP_PASSWORD='Demo-Sys-Pass-1'

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
PID=
cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

cat >"$DIR/emccd.ini" <<INI
[cluster]
id = ClusterOne
node_address = $ADDR
[server]
http = $ADDR:8080
https = $ADDR:8443
data_dir = $DIR
[parameters]
remember_last_user = true
INI

step "Start ClusterOne (visiting cluster of the guide) on $ADDR"
"$EMCCD" -c "$DIR/emccd.ini" &
PID=$!
for _ in $(seq 1 100); do "$EMCC" status >/dev/null 2>&1 && break; sleep 0.05; done
run "$EMCC" status

step "Load the lab: application user, user adgjm, device profile test_emcc_udp, phone SEPC80084AA8743 (7821)"
run "$EMCC" appuser add CCMSysUser --password "$EMCC_APP_PASSWORD" --proxy-rights
run "$EMCC" profile add test_emcc_udp --model 7821 --description "adgjm's profile" --line 1:2001:adgjm
run "$EMCC" user add adgjm --name "Adgjm" --pin 12345 --extension 2001 --emcc
run "$EMCC" user profile add adgjm test_emcc_udp --default
run "$EMCC" device add SEPC80084AA8743 --model 7821 --description "lab 7821" --line 1:1000:lobby

step "deviceUserQuery: who is on the phone? (the guide's first EMService step)"
Q='<query><appInfo><appID>CCMSysUser</appID><appCertificate>'"$EMCC_APP_PASSWORD"'</appCertificate></appInfo><deviceUserQuery><deviceName>SEPC80084AA8743</deviceName></deviceUserQuery></query>'
printf '$ curl --data-urlencode xml=<query>…deviceUserQuery…</query> %s\n' "$EMCC_URL"
curl -sS --data-urlencode "xml=$Q" "$EMCC_URL"; echo

step "Login adgjm on SEPC80084AA8743 through the EM API"
run "$EMCC" em login --device SEPC80084AA8743 --user adgjm
printf '$ curl --data-urlencode xml=<query>…deviceUserQuery…</query> %s\n' "$EMCC_URL"
curl -sS --data-urlencode "xml=$Q" "$EMCC_URL"; echo
run "$EMCC" em query --user adgjm

step "Logout"
run "$EMCC" em logout --device SEPC80084AA8743
curl -sS --data-urlencode "xml=$Q" "$EMCC_URL"; echo

step "Audit trail and the trace file (request numbers tie the lines together)"
run "$EMCC" em history --device SEPC80084AA8743
printf '$ tail -n 6 %s\n' "$DIR/log/emservice.log"
tail -n 6 "$DIR/log/emservice.log"

step "Metrics"
curl -sS "http://$ADDR:8080/metrics" | grep -E '^emcc_em_(requests_total|logged_in)' || true
printf '\nDemo done: ClusterOne stopped, %s removed.\n' "$DIR"
