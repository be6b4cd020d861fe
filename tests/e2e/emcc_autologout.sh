#!/usr/bin/env bash
# emcc_autologout.sh -- the home's Inter-cluster Maximum Login Time ends an EMCC login after a SIGKILL and a restart (libfaketime, 2 minutes ahead): once, and the visiting cluster is told.
. "$(dirname "$0")/lib.sh"
V=127.0.13.1 # AutoVisit: the phone is here
H=127.0.13.2 # AutoHome: the user is here
PHONE=127.0.13.101
DEV=SEPC80084AA8743
APP="http://$V:8080/emapp/EMAppServlet"
SYS='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
QUERY="<query>$SYS<deviceUserQuery><deviceName>$DEV</deviceName></deviceUserQuery></query>"

node_config AutoVisit "$V" "[sip]" "udp =" "tcp =" "[parameters]" "emcc_request_timeout_ms = 1500"
node_config AutoHome "$H" "[sip]" "udp =" "tcp =" "[parameters]" "inter_cluster_max_login_time = 0:01"
node_start AutoVisit
node_start AutoHome
emcc_pair AutoVisit AutoHome
load_seed_lab AutoHome
cli AutoHome device del "$DEV" >/dev/null
cli AutoVisit appuser add CCMSysUser --password 'Sys-Secret-1' --proxy-rights >/dev/null
cli AutoVisit device add "$DEV" --model 7821 --emcc >/dev/null
logged_out_re='"devices": *\[ *\]'
no_emcc_rows_re='"home_devices": *\[ *\], *"visits": *\[ *\]'
emcc_rows() { cli "$1" cluster emcc-devices --json | tr -d '\n'; }

# ---- the guide's login: the form, then user ID and PIN (GET) ----
r=$(curl -sS --max-time 10 --interface "$PHONE" "$APP?device=$DEV&EMCC=true")
expect_match "the login form" '<CiscoIPPhoneInput>' "$r"
r=$(curl -sS --max-time 10 --interface "$PHONE" "$APP?device=$DEV&EMCC=true&seq=12345&userid=adgjm")
expect_eq "EMCC login -> Login successful" "$(emcc_text_page 'Login successful')" "$r"
s=$(cli AutoHome em state --json | tr -d '\n')
expect_match "home: logged in for 60 s (Inter-cluster Maximum Login Time 0:01)" '"user": *"adgjm".*"login_duration": *60' "$s"
expect_match "home: one EMCC device for the visiting cluster" \
	'"home_devices": *\[ *\{ *"device": *"SEPC80084AA8743", *"user": *"adgjm".*"visiting_cluster": *"AutoVisit"' "$(emcc_rows AutoHome)"
expect_match "visiting: the visit recorded" '"visits": *\[ *\{ *"device": *"SEPC80084AA8743".*"home_cluster": *"AutoHome"' "$(emcc_rows AutoVisit)"
r=$(em_post "http://$V:8080/emservice/EMServiceServlet" "$QUERY")
expect_match "visiting deviceUserQuery: adgjm" '<userID>adgjm</userID>' "$r"

# ---- the home dies and comes back two minutes later ----
node_kill9 AutoHome
EMCCD_ENV=$(faketime_env +2m)
node_start AutoHome
e2e_wait_for "home: the overdue auto logout fired" "cli AutoHome em state --json" "$logged_out_re"
e2e_wait_for "visiting: visitingLogout arrived, the phone shows nobody" \
	"em_post http://$V:8080/emservice/EMServiceServlet '$QUERY'" '<none/>'
e2e_wait_for "home emcc.log: visitingLogout delivered" "cat $E2E_TMP/AutoHome/log/emcc.log" \
	'visitingLogout adgjm device=SEPC80084AA8743 delivered to AutoVisit'
h=$(cli AutoVisit em history --json --device "$DEV" | tr -d '\n')
expect_match "visiting history: the logout, source emcc, the home ended it" \
	'"action": *"logout", *"user": *"adgjm", *"device": *"SEPC80084AA8743", *"source": *"emcc".*"detail": *"EMCC: home cluster AutoHome ended it' "$h"
expect_match "visiting: em state empty" "$logged_out_re" "$(cli AutoVisit em state --json)"
expect_match "visiting: no visit rows left" "$no_emcc_rows_re" "$(emcc_rows AutoVisit)"
expect_match "home: no EMCC device left" "$no_emcc_rows_re" "$(emcc_rows AutoHome)"
expect_match "visiting emcc.log: the visitingLogout from the home" \
	'AutoHome: visitingLogout adgjm device=SEPC80084AA8743 .*: logged out' "$(cat "$E2E_TMP/AutoVisit/log/emcc.log")"

# ---- once: another crash and restart further ahead changes nothing ----
node_kill9 AutoHome
EMCCD_ENV=$(faketime_env +5m)
node_start AutoHome
sleep 1.5 # a couple of auto logout sweeps and outbox runs: nothing may happen
n=$(cli AutoHome em history --json --device "$DEV" | grep -o '"action": *"autoLogout"' | wc -l)
expect_eq "home audit: the auto logout recorded exactly once" "1" "$n"
n=$(cli AutoVisit em history --json --device "$DEV" | grep -o '"action": *"logout"' | wc -l)
expect_eq "visiting audit: exactly one logout" "1" "$n"
expect_match "home still clean" "$no_emcc_rows_re" "$(emcc_rows AutoHome)"
e2e_done
