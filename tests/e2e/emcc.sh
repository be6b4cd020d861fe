#!/usr/bin/env bash
# emcc.sh -- an EMCC login and logout across two real clusters (ClusterOne visiting, ClusterTwo home) with mutual TLS set up through the CLI.
. "$(dirname "$0")/lib.sh"
NET=${E2E_NET:-127.0.10} # E2E_NET/E2E_BASE move a hand run off the suite's addresses
B=${E2E_BASE:-0}
V=$NET.$((B + 1))    # ClusterOne, the visiting cluster (the phone is here)
H=$NET.$((B + 2))    # ClusterTwo, the home cluster (the user is here)
LONE=$NET.$((B + 3)) # ClusterLone: trusts nobody (code 36)
PHONE=$NET.$((B + 101))
DEV=SEPC80084AA8743
APP="http://$V:8080/emapp/EMAppServlet"
SYS='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'

node_config ClusterOne "$V" "[parameters]" "inter_cluster_max_login_time = 10:00" \
	"emcc_request_timeout_ms = 1500"
node_config ClusterTwo "$H" "[parameters]" "inter_cluster_max_login_time = 10:00"
node_config ClusterLone "$LONE"
node_start ClusterOne
node_start ClusterTwo
node_start ClusterLone

# ---- trust, both ways, through the CLI ----
cli ClusterOne trust export "$E2E_TMP/one.bundle" >/dev/null
cli ClusterTwo trust export "$E2E_TMP/two.bundle" >/dev/null
cli ClusterOne cluster add ClusterTwo "$H:8443" --bundle "$E2E_TMP/two.bundle" >/dev/null
cli ClusterTwo cluster add ClusterOne "$V:8443" --bundle "$E2E_TMP/one.bundle" >/dev/null

# The user lives at home; the phone at the visiting cluster, EMCC enabled.
load_seed_lab ClusterTwo
cli ClusterTwo device del "$DEV" >/dev/null
cli ClusterTwo user add bob --pin 24680 --profile test_emcc_udp >/dev/null # no EMCC: 31
cli ClusterOne appuser add CCMSysUser --password 'Sys-Secret-1' --proxy-rights >/dev/null
cli ClusterOne device add "$DEV" --model 7821 --emcc >/dev/null
cli ClusterOne device add SEP0000000000AB --model 7821 >/dev/null # EMCC off: 213
cli ClusterLone device add "$DEV" --model 7821 --emcc >/dev/null

phone_get() { curl -sS --max-time 10 --interface "$PHONE" "$@"; }
text_page() {
	echo "<CiscoIPPhoneText><Title>Extension Mobility</Title><Text>$1</Text><SoftKeyItem><Name>Exit</Name><URL>SoftKey:Exit</URL><Position>1</Position></SoftKeyItem></CiscoIPPhoneText>"
}
state() { cli "$1" em state --json; }
# wait_for WHAT CMD REGEX: polls CMD until its output matches (the outbox delivers in the
# background); the assertion is on the state reached, never on how long it took.
wait_for() {
	local what=$1 cmd=$2 re=$3 out i
	for i in $(seq 1 100); do
		out=$(eval "$cmd" 2>&1 || true)
		[[ "$out" =~ $re ]] && break
		sleep 0.1
	done
	expect_match "$what" "$re" "$out"
}
login() { phone_get "$APP?device=${2:-$DEV}&EMCC=true&seq=${3:-12345}&userid=${1:-adgjm}"; }
logged_out_re='"devices": *\[ *\]'

# ---- the guide's login ----
r=$(phone_get "$APP?device=$DEV&EMCC=true")
expect_match "the login form first" '<CiscoIPPhoneInput>' "$r"
r=$(curl -sS -i --max-time 10 --interface "$PHONE" "$APP?device=$DEV&EMCC=true&seq=12345&userid=adgjm" | tr -d '\r')
expect_eq "EMCC login -> Login successful" "$(text_page 'Login successful')" "$(tail -n1 <<<"$r")"
expect_match "... with the refresh header" "Refresh: 1; url=http://$V:8080/emapp/EMAppServlet[?]refresh=SEPC80084AA8743%23Login&EMCC=true" "$r"
s=$(state ClusterOne)
expect_match "visiting: role visitor, home ClusterTwo" '"emcc": *"visitor", *"remote_cluster": *"ClusterTwo"' "$(tr -d '\n' <<<"$s")"
r=$(em_post "http://$V:8080/emservice/EMServiceServlet" "<query>$SYS<deviceUserQuery><deviceName>$DEV</deviceName></deviceUserQuery></query>")
expect_match "visiting deviceUserQuery: adgjm, emccDevice yes" '<userID>adgjm</userID>.*<emccDevice>yes</emccDevice>|<emccDevice>yes</emccDevice>.*adgjm' "$r"
s=$(tr -d '\n' <<<"$(state ClusterTwo)")
expect_match "home: the EMCC device is logged in, role home" '"user": *"adgjm".*"emcc": *"home"' "$s"
expect_match "home: duration 36000 s (Inter-cluster Maximum Login Time 10:00)" '"login_duration": *36000' "$s"
expect_match "home: the visiting cluster recorded" '"remote_cluster": *"ClusterOne"' "$s"
expect_match "visiting emcc.log: checkUser and homeLogin with the request number" \
	'\[[0-9]+\] ClusterOne: [0-9]+:ClusterOne: homeLogin adgjm device=SEPC80084AA8743' "$(cat "$E2E_TMP/ClusterOne/log/emcc.log")"
reqno=$(grep -o '[0-9]*:ClusterOne: homeLogin adgjm device=SEPC80084AA8743 model' "$E2E_TMP/ClusterOne/log/emcc.log" | head -1 | cut -d: -f1)
expect_match "home emcc.log: the same visiting request number" \
	"ClusterTwo: $reqno:ClusterOne: homeLogin adgjm device=SEPC80084AA8743.*success" "$(cat "$E2E_TMP/ClusterTwo/log/emcc.log")"
h=$(cli ClusterTwo em history --json --limit 1)
expect_match "home audit: source emcc, visiting cluster and request" "\"detail\": *\"EMCC from ClusterOne request $reqno" "$h"

r=$(login adgjm)
expect_eq "the same phone again while logged in -> 18" "$(text_page 'Login is unavailable(18)')" "$r"

# ---- logout at the visiting cluster (the phone's Logout) ----
r=$(phone_get "$APP?device=$DEV&EMCC=true&doLogout=true")
expect_eq "phone logout" "$(text_page 'Logout successful')" "$r"
expect_match "visiting: clean at once" "$logged_out_re" "$(state ClusterOne)"
wait_for "home: the EMCC device is gone (homeLogout delivered)" "state ClusterTwo" "$logged_out_re"
h=$(cli ClusterTwo em history --json --limit 1)
expect_match "home audit: the homeLogout came from the visiting node's own address" "\"remote_ip\": *\"$V\"" "$h"

# ---- logout at home (admin) reaches the visiting cluster ----
r=$(login adgjm)
expect_eq "login again" "$(text_page 'Login successful')" "$r"
cli ClusterTwo device logout "$DEV" >/dev/null
expect_match "home: clean at once" "$logged_out_re" "$(state ClusterTwo)"
wait_for "visiting: clean after visitingLogout" "state ClusterOne" "$logged_out_re"

# ---- refusals ----
r=$(login adgjm "$DEV" 99999)
expect_eq "wrong PIN -> 201" "$(text_page 'Please try to login again (201)')" "$r"
h=$(cli ClusterTwo em history --json --limit 1)
expect_match "home audit: the failed EMCC login, real reason wrong PIN" "\"remote_ip\": *\"$PHONE\", *\"code\": *201, *\"detail\": *\"wrong PIN.*EMCC=true; EMCC from ClusterOne request [0-9]+" "$(tr -d '\n' <<<"$h")"
cli ClusterTwo user unlock adgjm >/dev/null
r=$(login nosuchuser)
expect_eq "user unknown everywhere -> 23" "$(text_page 'Login is unavailable (23)')" "$r"
r=$(login bob "$DEV" 24680)
expect_eq "user without EMCC -> 31" "$(text_page 'Login is unavailable(31)')" "$r"
r=$(login adgjm SEP0000000000AB)
expect_eq "device without EMCC -> 213" "$(text_page 'Login/Logout is unavailable(213)')" "$r"
r=$(curl -sS --max-time 10 "http://$LONE:8080/emapp/EMAppServlet?device=$DEV&EMCC=true&seq=12345&userid=adgjm")
expect_eq "no remote cluster -> 36" "$(text_page 'Login is unavailable(36)')" "$r"

# ---- forged and broken messages at the home ----
msg() { # CLUSTER NONCE [SENT_MS] -> a checkUser request
	echo "<emccRequest version=\"1\"><cluster>$1</cluster><requestNumber>77</requestNumber><sent>${3:-$(date +%s%3N)}</sent><nonce>$2</nonce><checkUser><userID>adgjm</userID></checkUser></emccRequest>"
}
nonce() { openssl rand -hex 16; }
r=$(em_post "http://$H:8080/emservice/EMServiceServlet" "$(msg ClusterOne "$(nonce)")")
expect_match "emccRequest over plain HTTP -> 35" '<error code="35">' "$r"
expect_match "... logged: no client certificate" 'refused \(35\): no client certificate' "$(cat "$E2E_TMP/ClusterTwo/log/emcc.log")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$E2E_TMP/evil.key" -out "$E2E_TMP/evil.crt" \
	-days 1 -subj /CN=evil 2>/dev/null
hpost() { # CERT KEY XML
	curl -sS --max-time 10 -k --cert "$1" --key "$2" --data-urlencode "xml=$3" "https://$H:8443/emservice/EMServiceServlet"
}
r=$(hpost "$E2E_TMP/evil.crt" "$E2E_TMP/evil.key" "$(msg ClusterOne "$(nonce)")")
expect_match "untrusted client certificate -> 35" '<error code="35">' "$r"
expect_match "... logged: unknown certificate" 'refused \(35\): unknown certificate' "$(cat "$E2E_TMP/ClusterTwo/log/emcc.log")"
C1=("$E2E_TMP/ClusterOne/https.crt" "$E2E_TMP/ClusterOne/https.key")
r=$(hpost "${C1[@]}" "$(msg ClusterThree "$(nonce)")")
expect_match "ClusterOne's certificate claiming another cluster -> 35" '<error code="35">' "$r"
expect_match "... logged: whose certificate for which claim" 'certificate of cluster ClusterOne used for claimed cluster ClusterThree' "$(cat "$E2E_TMP/ClusterTwo/log/emcc.log")"
m=$(msg ClusterOne "$(nonce)")
r=$(hpost "${C1[@]}" "$m")
expect_match "a genuine checkUser from ClusterOne's certificate -> exists" '<exists/>' "$r"
r=$(hpost "${C1[@]}" "$m")
expect_match "the same message replayed -> refused (1)" '<error code="1">replayed' "$r"
r=$(hpost "${C1[@]}" "$(msg ClusterOne "$(nonce)" 1000000000000)")
expect_match "a stale message -> refused (1)" '<error code="1">stale' "$r"
r=$(hpost "${C1[@]}" '<emccRequest version="1"><cluster>ClusterOne</cluster><requestNumber>7</requ')
expect_match "truncated EMCC XML -> 1" '<error code="1">' "$r"
r=$(hpost "${C1[@]}" "$(msg ClusterOne "$(nonce)" | sed 's/version="1"/version="9"/')")
expect_match "wrong version -> 1" '<error code="1">' "$r"

# ---- two logins of the same phone at once: one wins, the other 18 ----
login adgjm >"$E2E_TMP/c1" &
p1=$!
login adgjm >"$E2E_TMP/c2" &
p2=$!
wait $p1 $p2
both="$(cat "$E2E_TMP/c1")$(cat "$E2E_TMP/c2")"
expect_match "concurrent: one login successful" 'Login successful' "$both"
expect_match "concurrent: the other 18" 'Login is unavailable\(18\)' "$both"
phone_get "$APP?device=$DEV&EMCC=true&doLogout=true" >/dev/null
wait_for "both clean again" "state ClusterTwo" "$logged_out_re"

# ---- the home down: 208, never a hang; a logout queued for it is delivered later ----
r=$(login adgjm)
expect_eq "login before the home goes down" "$(text_page 'Login successful')" "$r"
node_stop ClusterTwo
r=$(phone_get "$APP?device=$DEV&EMCC=true&doLogout=true")
expect_eq "phone logout while the home is down" "$(text_page 'Logout successful')" "$r"
expect_match "visiting: clean at once" "$logged_out_re" "$(state ClusterOne)"
wait_for "visiting: the homeLogout waits in the outbox" "cat $E2E_TMP/ClusterOne/log/emcc.log" 'homeLogout adgjm device=SEPC80084AA8743 to ClusterTwo failed'
t0=$(date +%s%N)
r=$(login adgjm)
t1=$(date +%s%N)
expect_eq "home down -> 208" "$(text_page 'Login/Logout is unavailable(208)')" "$r"
echo "# 208 answered in $(((t1 - t0) / 1000000)) ms (timeout 1500 ms)"
lines=$(wc -l <"$E2E_TMP/ClusterOne/log/emcc.log")
node_start ClusterTwo
wait_for "home back: the queued homeLogout is delivered" "tail -n +$lines $E2E_TMP/ClusterOne/log/emcc.log" 'homeLogout adgjm device=SEPC80084AA8743 delivered to ClusterTwo'
wait_for "home: clean" "state ClusterTwo" "$logged_out_re"
r=$(login adgjm)
expect_eq "login works again" "$(text_page 'Login successful')" "$r"
phone_get "$APP?device=$DEV&EMCC=true&doLogout=true" >/dev/null
wait_for "and both sides end clean" "state ClusterTwo" "$logged_out_re"

e2e_done
