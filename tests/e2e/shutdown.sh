#!/usr/bin/env bash
# shutdown.sh -- SIGTERM while requests are in flight (an EM API login on a worker that waits for the database, an EMCC login waiting for a home that never answers): emccd stops cleanly, exit 0, every waiting client gets its answer (SIGTERM drains), nothing is touched after it was freed.
. "$(dirname "$0")/lib.sh"
A=127.0.15.10    # ShutApi: EM API
V=127.0.15.11    # ShutVisit: the phone is here
FAKE=127.0.15.12 # FakeHome: hangs on every request
PHONE=127.0.15.111
DEV=SEPC80084AA8743
APP="http://$V:8080/emapp/EMAppServlet"
API="http://$A:8080/emservice/EMServiceServlet"
MODE=$E2E_TMP/fake.mode

# stopped_cleanly NODE WHAT: SIGTERM, then the exit status and the sanitizers' silence.
stopped_cleanly() {
	local pid rc=0
	pid=$(node_pid "$1")
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	expect_eq "$2: emccd exits 0 on SIGTERM" 0 "$rc"
	expect_eq "$2: no sanitizer report" "" \
		"$(grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$E2E_TMP/$1/stdout.log" || true)"
	expect_match "$2: emccd.log says it stopped" 'emccd stopped' "$(cat "$E2E_TMP/$1/log/emccd.log")"
}

# ---- an EM API login whose worker waits for the database lock another process holds ----
node_config ShutApi "$A" "[sip]" "udp =" "tcp ="
node_start ShutApi
load_seed_lab ShutApi
LOGIN="<request><appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo><login><deviceName>$DEV</deviceName><userID>adgjm</userID></login></request>"
python3 - "$E2E_TMP/ShutApi/emcc.db" "$E2E_TMP/locked" <<'EOF' &
import sqlite3, sys, time, os
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(2.5)
db.execute("ROLLBACK")
EOF
LOCK_PID=$!
for i in $(seq 1 100); do [ -e "$E2E_TMP/locked" ] && break; sleep 0.05; done
em_post "$API" "$LOGIN" >"$E2E_TMP/api.out" 2>&1 &
API_PID=$!
e2e_wait_for "the EM API login is on a worker" "cat $E2E_TMP/ShutApi/log/emservice.log" 'login from'
stopped_cleanly ShutApi "an EM API login waiting for the database"
wait "$API_PID" || true
wait "$LOCK_PID" || true
# SIGTERM drains: the login waiting for the database was answered before the node stopped.
expect_match "the waiting EM API login got its answer" '^<response>' "$(cat "$E2E_TMP/api.out")"


# ---- an EMCC login waiting for a home that never answers ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$E2E_TMP/fake.key" -out "$E2E_TMP/fake.crt" \
	-days 2 -subj /CN=fakehome -addext "subjectAltName=IP:$FAKE" 2>/dev/null
{
	echo "# emcc trust bundle v1"
	echo "cluster: FakeHome"
	echo "address: $FAKE:8443"
	echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "role: https"
	cat "$E2E_TMP/fake.crt"
} >"$E2E_TMP/fake.bundle"
echo "checkUser=ok homeLogin=hang homeLogout=hang clusterInfo=hang" >"$MODE"
python3 "$(dirname "$0")/emcc_fake_home.py" "$FAKE" 8443 "$E2E_TMP/fake.crt" "$E2E_TMP/fake.key" \
	"$MODE" FakeHome >"$E2E_TMP/fake.out" 2>&1 &
E2E_PIDS+=($!)
for i in $(seq 1 100); do
	grep -q ready "$E2E_TMP/fake.out" 2>/dev/null && break
	sleep 0.05
done
node_config ShutVisit "$V" "[sip]" "udp =" "tcp =" "[parameters]" "emcc_request_timeout_ms = 20000"
node_start ShutVisit
cli ShutVisit device add "$DEV" --model 7821 --emcc >/dev/null
cli ShutVisit cluster add FakeHome "$FAKE:8443" --bundle "$E2E_TMP/fake.bundle" >/dev/null
curl -sS --max-time 15 --interface "$PHONE" "$APP?device=$DEV&EMCC=true&seq=12345&userid=adgjm" \
	>"$E2E_TMP/phone.out" 2>&1 &
PHONE_PID=$!
e2e_wait_for "the EMCC login waits for homeLogin" "cat $E2E_TMP/ShutVisit/log/emcc.log" \
	'homeLogin adgjm device=SEPC80084AA8743 model=7821 -> FakeHome'
stopped_cleanly ShutVisit "an EMCC login waiting for the home"
wait "$PHONE_PID" || true
# The EMCC login waiting for the home was ended by the drain and the phone told so.
expect_match "the waiting EMCC login got a phone page" '<CiscoIPPhoneText>' "$(cat "$E2E_TMP/phone.out")"
e2e_done
