#!/usr/bin/env bash
# phone.sh -- the simulated 7821 (emcc-phone): first against a small fake node (its SIP and HTTP
# side alone: UDP and TCP, profile choice, the `register` command), then against a real emccd
# with the seed lab: the EM walk with both restart NOTIFYs, a refused PIN, the guide's direct
# request form, and the node's own view of the device afterwards.
. "$(dirname "$0")/lib.sh"
: "${EMCC_PHONE:?EMCC_PHONE must point at the emcc-phone binary}"
ADDR=${E2E_ADDR:-127.0.9.41}
FAKE=127.0.9.42
PHONE_IP=127.0.9.141
HERE=$(cd "$(dirname "$0")" && pwd)
DEV=SEPC80084AA8743

# phone ARGS...: runs the phone with the lab's identity; stdout and stderr go to $OUT and $ERR,
# the exit status to $RC. Never fails the script: the test looks at what it printed.
phone() {
	OUT=$E2E_TMP/phone.out ERR=$E2E_TMP/phone.err
	set +e
	"$EMCC_PHONE" --name $DEV --model 7821 --ip $PHONE_IP --timeout 10 "$@" >"$OUT" 2>"$ERR"
	RC=$?
	set -e
	cat "$OUT" "$ERR" >>"$E2E_TMP/phone.all"
}
count() { grep -c -- "$1" "$OUT" || true; }

# wait_for FILE TEXT: until TEXT shows in FILE (at most 10 s); the test checks FILE afterwards.
wait_for() {
	local i
	for i in $(seq 1 200); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
}

# ---- usage ----
phone
expect_eq "no command: usage, exit 2" 2 "$RC"
phone --transport sctp register
expect_eq "bad transport: exit 2" 2 "$RC"
phone login adgjm
expect_eq "login without PIN: exit 2" 2 "$RC"
phone --name SEP12 --server $FAKE get /
expect_eq "bad device name: exit 2" 2 "$RC"
expect_match "bad device name: says why" "12 hex digits" "$(cat "$ERR")"

# ---- against the fake node ----
python3 "$HERE/phone_fake_node.py" $FAKE 8080 5060 "$E2E_TMP/fake.log" &
E2E_PIDS+=("$!")
for i in $(seq 1 100); do
	curl -s -o /dev/null "http://$FAKE:8080/x" && break
	sleep 0.05
done

for tp in udp tcp; do
	phone --server $FAKE --emcc --transport $tp walk adgjm 12345
	expect_eq "fake/$tp: walk exit 0" 0 "$RC"
	expect_eq "fake/$tp: two NOTIFY restarts answered" 2 "$(count 'NOTIFY service-control action=restart .* <- answered 200')"
	expect_eq "fake/$tp: re-registered twice" 2 "$(count "re-REGISTER sip:$FAKE -> 200 OK (expires 3600)")"
	expect_eq "fake/$tp: three alarms (start, two restarts)" 3 "$(count 'REFER .*DeviceTLInfo alarm) -> 202 Accepted')"
done
expect_match "fake: NOTIFYs went over TCP too" "NOTIFY sent over TCP" "$(cat "$E2E_TMP/fake.log")"
expect_match "fake: Accept-Language and Accept-Charset as a phone" \
	"lang=en_US charset=utf-8;q=0.8 ua=Cisco-CP7821/12.1.1 from=$PHONE_IP" "$(cat "$E2E_TMP/fake.log")"

phone --server $FAKE --profile second_udp login multi 2468
expect_eq "fake: a user with two profiles picks --profile" 0 "$RC"
expect_match "fake: profile menu shown" 'CiscoIPPhoneMenu "Select profile" \[first_udp, second_udp\]' "$(cat "$OUT")"
expect_match "fake: the chosen profile logged in" "login multi profile=second_udp" "$(cat "$E2E_TMP/fake.log")"
phone --server $FAKE login adgjm 12345
expect_eq "fake: login on a busy phone fails" 1 "$RC"
expect_match "fake: ... saying who is there" "no login prompt: multi is logged in" "$(cat "$ERR")"
phone --server $FAKE logout
expect_eq "fake: logout" 0 "$RC"

# `register` stays, answers the NOTIFY another process's login causes, and unregisters on TERM.
REG_OUT=$E2E_TMP/register.out
"$EMCC_PHONE" --name $DEV --ip $PHONE_IP --server $FAKE --transport tcp register >"$REG_OUT" 2>&1 &
REG_PID=$!
E2E_PIDS+=("$REG_PID")
wait_for "$REG_OUT" "REGISTER sip:$FAKE -> 200 OK"
phone --server $FAKE --json login adgjm 12345
expect_eq "fake: login while another phone process is registered" 0 "$RC"
expect_match "fake: --json ends with the result" '^\{"step":"result","command":"login","ok":true\}$' "$(tail -n1 "$OUT")"
wait_for "$REG_OUT" "re-REGISTER"
kill -TERM $REG_PID
set +e
wait $REG_PID
rc=$?
set -e
expect_eq "register: exit 0 on SIGTERM" 0 "$rc"
expect_match "register: answered the NOTIFY and registered again" \
	"NOTIFY service-control action=restart.*un-REGISTER.*re-REGISTER sip:$FAKE -> 200 OK" "$(tr '\n' ' ' <"$REG_OUT")"
expect_match "register: unregisters on the way out" "un-REGISTER sip:$FAKE -> 200 OK \(0 bindings\)\$" "$(cat "$REG_OUT")"
phone --server $FAKE logout

# ---- against a real emccd ----
node_config one "$ADDR" "[sip]" "udp = $ADDR:5060" "tcp = $ADDR:5060"
node_start one
load_seed_lab one
URL="http://$ADDR:8080/emservice/EMServiceServlet"
APP='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
QUERY="<query>$APP<deviceUserQuery><deviceName>$DEV</deviceName></deviceUserQuery></query>"

phone --server "$ADDR" --emcc walk adgjm 12345
expect_eq "walk: exit 0" 0 "$RC"
expect_match "walk: registered" "REGISTER sip:$ADDR -> 200 OK \(expires [0-9]+\)" "$(cat "$OUT")"
expect_match "walk: services menu has Extension Mobility" "GET /ccmcip/getservicesmenu.jsp\?device=$DEV -> CiscoIPPhoneMenu .*Extension Mobility" "$(cat "$OUT")"
expect_match "walk: the login prompt" "GET /emapp/EMAppServlet\?device=$DEV&EMCC=true -> CiscoIPPhoneInput" "$(cat "$OUT")"
expect_match "walk: logged in" "login adgjm: " "$(cat "$OUT")"
expect_eq "walk: two NOTIFY restarts answered" 2 "$(count 'NOTIFY service-control action=restart .* <- answered 200')"
expect_eq "walk: re-registered after each" 2 "$(count "re-REGISTER sip:$ADDR -> 200 OK")"
expect_match "walk: logged out" "logout: " "$(cat "$OUT")"
expect_match "walk: unregistered at the end" "un-REGISTER sip:$ADDR -> 200 OK \(0 bindings\)" "$(tail -n2 "$OUT")"
r=$(em_post "$URL" "$QUERY")
expect_match "walk: the node has the device logged out again" "<none/><lastlogin>adgjm</lastlogin>" "$r"

phone --server "$ADDR" --emcc login adgjm 99999
expect_eq "wrong PIN: exit 1" 1 "$RC"
expect_match "wrong PIN: the phone's text" "Please try to login again \(201\)" "$(cat "$ERR")"

# The guide's request form, fetched directly: a login in one GET.
phone --server "$ADDR" get "/emapp/EMAppServlet?device=$DEV&EMCC=true&seq=12345&userid=adgjm"
expect_eq "direct form: exit 0" 0 "$RC"
expect_match "direct form: a phone page" "^CiscoIPPhone" "$(sed -n 2p "$OUT")"
r=$(em_post "$URL" "$QUERY")
expect_match "direct form: adgjm is logged in" "<userID>adgjm</userID>" "$r"
phone --server "$ADDR" --emcc login adgjm 12345
expect_eq "login on a busy phone: exit 1" 1 "$RC"
phone --server "$ADDR" --emcc --json logout
expect_eq "logout: exit 0" 0 "$RC"
expect_match "logout --json: a result line" '"ok":true' "$(tail -n1 "$OUT")"
r=$(em_post "$URL" "$QUERY")
expect_match "logout: the node has the device free" "<none/>" "$r"

# Over TCP, with the registrar's view checked while the phone is registered.
phone --server "$ADDR" --emcc --transport tcp walk adgjm 12345
expect_eq "walk over TCP: exit 0" 0 "$RC"
expect_eq "walk over TCP: two restarts" 2 "$(count "re-REGISTER sip:$ADDR -> 200 OK")"

e2e_done
