#!/usr/bin/env bash
# emcc_garbage.sh -- a visiting cluster whose "home" misbehaves (garbage, HTTP 500, truncated or misaddressed answers, silence, a closed connection): the phone gets the documented code in time, emcc.log says why, the node stays up.
. "$(dirname "$0")/lib.sh"
V=127.0.13.11    # GarbVisit: the phone is here
FAKE=127.0.13.12 # FakeHome: python3, ssl module, a certificate made here
PHONE=127.0.13.111
DEV=SEPC80084AA8743
APP="http://$V:8080/emapp/EMAppServlet"
SYS='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
QUERY="<query>$SYS<deviceUserQuery><deviceName>$DEV</deviceName></deviceUserQuery></query>"
MODE=$E2E_TMP/fake.mode
TIMEOUT_MS=500

node_config GarbVisit "$V" "[sip]" "udp =" "tcp =" "[parameters]" "emcc_request_timeout_ms = $TIMEOUT_MS"
node_start GarbVisit
cli GarbVisit appuser add CCMSysUser --password 'Sys-Secret-1' --proxy-rights >/dev/null
cli GarbVisit device add "$DEV" --model 7821 --emcc >/dev/null

# ---- the fake home: its certificate, its bundle written by hand (src/emcc/trust.h) ----
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
echo "" >"$MODE"
python3 "$(dirname "$0")/emcc_fake_home.py" "$FAKE" 8443 "$E2E_TMP/fake.crt" "$E2E_TMP/fake.key" \
	"$MODE" FakeHome >"$E2E_TMP/fake.out" 2>&1 &
FAKE_PID=$!
E2E_PIDS+=("$FAKE_PID")
for i in $(seq 1 100); do
	grep -q ready "$E2E_TMP/fake.out" 2>/dev/null && break
	sleep 0.05
done
expect_match "the fake home is up" ready "$(cat "$E2E_TMP/fake.out")"
r=$(cli GarbVisit cluster add FakeHome "$FAKE:8443" --bundle "$E2E_TMP/fake.bundle")
expect_match "its hand-written bundle is imported" "FakeHome" "$r"

LOG=$E2E_TMP/GarbVisit/log/emcc.log
alive() { # WHAT: the node still runs and answers an EM query with nobody on the phone
	local q
	kill -0 "$(node_pid GarbVisit)" 2>/dev/null && q=alive || q=dead
	expect_eq "$1: the node is alive" alive "$q"
	q=$(em_post "http://$V:8080/emservice/EMServiceServlet" "$QUERY")
	expect_match "$1: it answers deviceUserQuery, nobody on the phone" '<none/>' "$q"
}
# try WHAT MODES EXPECTED_TEXT LOG_REGEX: one login with the fake in MODES
try() {
	local what=$1 lines t0 t1 r
	echo "$2" >"$MODE"
	lines=$(wc -l <"$LOG")
	t0=$(date +%s%N)
	r=$(curl -sS --max-time 15 --interface "$PHONE" "$APP?device=$DEV&EMCC=true&seq=12345&userid=adgjm" || echo "curl failed: $?")
	t1=$(date +%s%N)
	expect_eq "$what -> $3" "$(emcc_text_page "$3")" "$r"
	echo "#   answered in $(((t1 - t0) / 1000000)) ms (emcc_request_timeout_ms $TIMEOUT_MS)"
	expect_match "$what: emcc.log says why" "$4" "$(tail -n +$((lines + 1)) "$LOG")"
	alive "$what"
}
NOANS='checkUser adgjm: no answer from FakeHome: '
try "checkUser answered with garbage bytes" "checkUser=garbage" 'Login/Logout is unavailable(208)' \
	"${NOANS}unusable answer \\(HTTP 200"
try "checkUser answered HTTP 500" "checkUser=http500" 'Login/Logout is unavailable(208)' \
	"${NOANS}http: .*500"
try "checkUser answered a truncated <emccResponse>" "checkUser=truncated" 'Login/Logout is unavailable(208)' \
	"${NOANS}unusable answer \\(HTTP 200, [0-9]+ bytes\\)"
try "checkUser answered for another request number" "checkUser=wrongreq" 'Login/Logout is unavailable(208)' \
	"${NOANS}answer claims cluster FakeHome request [0-9]+, expected FakeHome request [0-9]+"
try "checkUser answered as another cluster" "checkUser=wrongcluster" 'Login/Logout is unavailable(208)' \
	"${NOANS}answer claims cluster SomeoneElse request [0-9]+, expected FakeHome"
try "checkUser never answered" "checkUser=hang" 'Login/Logout is unavailable(208)' \
	"${NOANS}timeout"
try "checkUser: the connection closed at once" "checkUser=close" 'Login/Logout is unavailable(208)' \
	"${NOANS}connect"

# The fake has the user; homeLogin misbehaves: 40, and a homeLogout is queued (the home may
# have logged the user in), which the fake then acknowledges.
HL='homeLogin adgjm device=SEPC80084AA8743: no answer from FakeHome: '
try "homeLogin answered with garbage bytes" "checkUser=ok homeLogin=garbage" 'Login is unavailable(40)' \
	"${HL}unusable answer"
try "homeLogin answered HTTP 500" "checkUser=ok homeLogin=http500" 'Login is unavailable(40)' "${HL}http"
try "homeLogin answered a truncated <emccResponse>" "checkUser=ok homeLogin=truncated" 'Login is unavailable(40)' \
	"${HL}unusable answer"
try "homeLogin answered for another request number" "checkUser=ok homeLogin=wrongreq" 'Login is unavailable(40)' \
	"${HL}answer claims cluster FakeHome request"
try "homeLogin answered as another cluster" "checkUser=ok homeLogin=wrongcluster" 'Login is unavailable(40)' \
	"${HL}answer claims cluster SomeoneElse"
try "homeLogin never answered" "checkUser=ok homeLogin=hang" 'Login is unavailable(40)' "${HL}timeout"
try "homeLogin: the connection closed at once" "checkUser=ok homeLogin=close" 'Login is unavailable(40)' "${HL}connect"
e2e_wait_for "the undo homeLogouts reach the fake home and are acknowledged" \
	"cli GarbVisit cluster emcc-devices --json | tr -d '\\n'; tail -n 5 $LOG" \
	'"visits": *\[ *\].*homeLogout adgjm device=SEPC80084AA8743 delivered to FakeHome'
expect_match "the visiting side recorded no visit" '"devices": *\[ *\]' "$(cli GarbVisit em state --json)"

# ---- a homeLogout the fake keeps refusing stays queued and is retried ----
echo "checkUser=ok homeLogin=garbage homeLogout=http500" >"$MODE"
curl -sS --max-time 15 --interface "$PHONE" "$APP?device=$DEV&EMCC=true&seq=12345&userid=adgjm" >/dev/null
e2e_wait_for "a refused homeLogout is retried, not dropped" "cat $LOG" \
	'homeLogout adgjm device=SEPC80084AA8743 to FakeHome failed \(attempt 2\)'
alive "after the retries"
e2e_done
