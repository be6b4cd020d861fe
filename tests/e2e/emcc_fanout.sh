#!/usr/bin/env bash
# emcc_fanout.sh -- one visiting cluster, four remote clusters: checkUser goes to all of them, the home is the last by id, a dead non-home remote does not block the login, an unknown user is 23.
. "$(dirname "$0")/lib.sh"
V=127.0.13.31
PHONE=127.0.13.131
DEV=SEPC80084AA8743
APP="http://$V:8080/emapp/EMAppServlet"
SYS='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
REMOTES="FanA FanB FanC FanD" # FanD, last by cluster id, is adgjm's home
TIMEOUT_MS=1000

# emcc_home_cache_seconds = 0: every login asks every remote (what this test is about)
node_config FanV "$V" "[sip]" "udp =" "tcp =" "[parameters]" "emcc_request_timeout_ms = $TIMEOUT_MS" \
	"emcc_home_cache_seconds = 0"
i=32
for r in $REMOTES; do
	node_config "$r" "127.0.13.$i" "[sip]" "udp =" "tcp ="
	i=$((i + 1))
done
node_start FanV
for r in $REMOTES; do
	node_start "$r"
	emcc_pair FanV "$r"
done
load_seed_lab FanD
cli FanD device del "$DEV" >/dev/null
cli FanA user add bob --pin 24680 >/dev/null # other users elsewhere: not adgjm
cli FanV appuser add CCMSysUser --password 'Sys-Secret-1' --proxy-rights >/dev/null
cli FanV device add "$DEV" --model 7821 --emcc >/dev/null
LOG=$E2E_TMP/FanV/log/emcc.log
login() { curl -sS --max-time 15 --interface "$PHONE" "$APP?device=$DEV&EMCC=true&seq=${2:-12345}&userid=${1:-adgjm}"; }
OK=$(emcc_text_page 'Login successful')
logged_out_re='"devices": *\[ *\]'

r=$(login)
expect_eq "login: the home, last of four by id, is found" "$OK" "$r"
for c in FanA FanB FanC FanD; do
	expect_match "checkUser went to $c" "checkUser adgjm -> $c" "$(cat "$LOG")"
done
expect_match "emcc.log: the home of adgjm is FanD" 'home of adgjm is FanD' "$(cat "$LOG")"
r=$(em_post "http://$V:8080/emservice/EMServiceServlet" "<query>$SYS<deviceUserQuery><deviceName>$DEV</deviceName></deviceUserQuery></query>")
expect_match "deviceUserQuery at the visiting cluster: adgjm on an EMCC device" '<userID>adgjm</userID>.*<emccDevice>yes</emccDevice>|<emccDevice>yes</emccDevice>.*adgjm' "$r"
r=$(EMCC_URL="http://$V:8080/emservice/EMServiceServlet" cli FanV em query --device "$DEV" --app-user CCMSysUser --app-password Sys-Secret-1)
expect_match "emcc em query: adgjm" 'adgjm' "$r"
expect_match "em state at the visiting cluster: the home is FanD" '"emcc": *"visitor", *"remote_cluster": *"FanD"' "$(cli FanV em state --json | tr -d '\n')"
expect_match "FanD has the EMCC device" '"visiting_cluster": *"FanV"' "$(cli FanD cluster emcc-devices --json | tr -d '\n')"
curl -sS --max-time 15 "$APP?device=$DEV&EMCC=true&doLogout=true" >/dev/null
e2e_wait_for "logout reaches FanD" "cli FanD em state --json" "$logged_out_re"

# ---- one non-home remote dead ----
node_stop FanB
t0=$(date +%s%N)
r=$(login)
t1=$(date +%s%N)
expect_eq "FanB stopped: the login still succeeds" "$OK" "$r"
echo "# answered in $(((t1 - t0) / 1000000)) ms with FanB down (emcc_request_timeout_ms $TIMEOUT_MS)"
expect_match "emcc.log: FanB did not answer" 'checkUser adgjm: no answer from FanB' "$(cat "$LOG")"
curl -sS --max-time 15 "$APP?device=$DEV&EMCC=true&doLogout=true" >/dev/null
e2e_wait_for "logout reaches FanD" "cli FanD em state --json" "$logged_out_re"

# ---- nobody has the user ----
r=$(login nosuchuser)
expect_eq "a user no remote cluster has -> 23 (FanB still down)" "$(emcc_text_page 'Login is unavailable (23)')" "$r"
node_start FanB
r=$(login nosuchuser)
expect_eq "... and with all four up -> 23" "$(emcc_text_page 'Login is unavailable (23)')" "$r"
expect_match "visiting: nobody logged in" "$logged_out_re" "$(cli FanV em state --json)"
kill -0 "$(node_pid FanV)" && a=alive || a=dead
expect_eq "the visiting node is alive" alive "$a"
e2e_done
