#!/usr/bin/env bash
# daemon.sh -- start, SIGHUP reload, logs with request numbers, first-start certificate, SIGTERM.
. "$(dirname "$0")/lib.sh"
ADDR=${E2E_ADDR:-127.0.9.15}
node_config one "$ADDR"
node_start one
D="$E2E_TMP/one"
expect_eq "HTTPS certificate generated on first start" "yes" "$([ -s "$D/https.crt" ] && [ -s "$D/https.key" ] && echo yes)"
expect_eq "private keys are 0600" "600 600" "$(stat -c %a "$D/https.key") $(stat -c %a "$D/pin.key")"
subj=$(openssl x509 -in "$D/https.crt" -noout -subject)
expect_match "certificate names the cluster" 'CN ?= ?one' "$subj"
load_seed_lab one
URL="http://$ADDR:8080/emservice/EMServiceServlet"
APP='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
em_post "$URL" "<query>$APP<checkUser><userID>adgjm</userID></checkUser></query>" >/dev/null
expect_match "emservice.log has request-numbered lines" '[0-9:.]+ INFO  \[[0-9]+\] one: checkUser from ' "$(cat "$D/log/emservice.log")"
if grep -q 'Sys-Secret-1' "$D"/log/*.log "$D/emcc.db"* 2>/dev/null; then
	expect_eq "secrets never in logs or database" "absent" "present"
else
	expect_eq "secrets never in logs or database" "absent" "absent"
fi
if grep -qa '12345' "$D/emcc.db" 2>/dev/null; then
	expect_eq "PIN not stored in clear" "absent" "present"
else
	expect_eq "PIN not stored in clear" "absent" "absent"
fi

# SIGHUP with a changed parameter applies it without a restart.
printf '[parameters]\nmultiple_login_behavior = allowed\n' >>"$D/emccd.ini"
kill -HUP "$(node_pid one)"
sleep 0.5
out=$(cli one param show multiple_login_behavior)
expect_match "SIGHUP applied the pinned parameter" 'allowed' "$out"
# A broken file on SIGHUP is refused and the node keeps running.
printf 'bogus_key = 1\n' >>"$D/emccd.ini"
kill -HUP "$(node_pid one)"
sleep 0.5
expect_match "bad reload logged and refused" 'reload refused' "$(cat "$D/log/emccd.log")"
expect_eq "node still alive after a bad reload" "0" "$(kill -0 "$(node_pid one)"; echo $?)"

node_stop one
expect_match "SIGTERM stops cleanly" 'emccd stopped' "$(cat "$D/log/emccd.log")"
expect_eq "admin socket removed on stop" "no" "$([ -e "$D/admin.sock" ] && echo yes || echo no)"
e2e_done
