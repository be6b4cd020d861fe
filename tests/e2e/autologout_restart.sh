#!/usr/bin/env bash
# autologout_restart.sh -- a scheduled logout survives SIGKILL and fires exactly once.
# The node is restarted under libfaketime (preloaded) a few minutes ahead instead of the test
# sleeping.
. "$(dirname "$0")/lib.sh"
ADDR=${E2E_ADDR:-127.0.9.13}
node_config one "$ADDR"
node_start one
load_seed_lab one
URL="http://$ADDR:8080/emservice/EMServiceServlet"
APP='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
QUERY="<query>$APP<deviceUserQuery><deviceName>SEPC80084AA8743</deviceName></deviceUserQuery></query>"

r=$(em_post "$URL" "<request>$APP<login><deviceName>SEPC80084AA8743</deviceName><userID>adgjm</userID><exclusiveDuration><time>1</time></exclusiveDuration></login></request>")
expect_eq "login for one minute" '<response><success/></response>' "$r"
node_kill9 one

# Restarted at the real time: the login is still there and still scheduled.
node_start one
r=$(em_post "$URL" "$QUERY")
expect_match "login survived SIGKILL" '<userID>adgjm</userID>' "$r"
node_kill9 one

# Restarted two minutes later: the overdue logout fires at start.
FAKETIME_LIB=$(dpkg -L libfaketime | grep -m1 '/libfaketimeMT.so.1$')
# ASan wants to be first in the library list; libfaketime must be preloaded: allow it.
FAKE="LD_PRELOAD=$FAKETIME_LIB ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0"
EMCCD_ENV="$FAKE FAKETIME=+2m"
node_start one
for i in $(seq 1 100); do
	r=$(em_post "$URL" "$QUERY")
	[[ "$r" == *"<none/>"* ]] && break
	sleep 0.1
done
expect_match "auto logout fired after the restart" '<none/><lastlogin>adgjm</lastlogin>' "$r"
node_kill9 one
EMCCD_ENV="$FAKE FAKETIME=+5m"
node_start one
sleep 1.5 # a couple of sweeps
n=$(cli one --json em history --device SEPC80084AA8743 | grep -o '"action": *"autoLogout"' | wc -l)
expect_eq "auto logout recorded exactly once" "1" "$n"
e2e_done
