#!/usr/bin/env bash
# emcc_race.sh -- concurrent EMCC logins: one user at two visiting clusters at once (Multiple Login Behavior not allowed, then auto logout), and one phone for two users at once.
. "$(dirname "$0")/lib.sh"
V1=127.0.13.21 # RaceV1
V2=127.0.13.22 # RaceV2
H=127.0.13.23  # RaceHome: adgjm and carol live here
P1=127.0.13.121
P2=127.0.13.122
D1=SEPC80084AA8743 # at RaceV1
D2=SEPC80084AA8744 # at RaceV2
SYS='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'

for n in RaceV1:$V1 RaceV2:$V2; do
	node_config "${n%%:*}" "${n#*:}" "[sip]" "udp =" "tcp =" "[parameters]" "emcc_request_timeout_ms = 3000"
done
node_config RaceHome "$H" "[sip]" "udp =" "tcp =" "[parameters]" "inter_cluster_max_login_time = 10:00" \
	"multiple_login_behavior = not_allowed"
node_start RaceV1
node_start RaceV2
node_start RaceHome
emcc_pair RaceV1 RaceHome
emcc_pair RaceV2 RaceHome
load_seed_lab RaceHome
cli RaceHome device del "$D1" >/dev/null
cli RaceHome user add carol --pin 13579 --emcc --profile test_emcc_udp >/dev/null
for v in RaceV1 RaceV2; do
	cli "$v" appuser add CCMSysUser --password 'Sys-Secret-1' --proxy-rights >/dev/null
done
cli RaceV1 device add "$D1" --model 7821 --emcc >/dev/null
cli RaceV2 device add "$D2" --model 7821 --emcc >/dev/null

login() { # ADDR PHONE_IP DEVICE USER PIN
	curl -sS --max-time 15 --interface "$2" "http://$1:8080/emapp/EMAppServlet?device=$3&EMCC=true&seq=$5&userid=$4"
}
logout() { curl -sS --max-time 15 "http://$1:8080/emapp/EMAppServlet?device=$2&EMCC=true&doLogout=true" >/dev/null; }
who() { # ADDR DEVICE: the user deviceUserQuery shows, or "nobody"
	local r
	r=$(em_post "http://$1:8080/emservice/EMServiceServlet" "<query>$SYS<deviceUserQuery><deviceName>$2</deviceName></deviceUserQuery></query>")
	if [[ "$r" =~ \<userID\>([^<]*)\</userID\> ]]; then echo "${BASH_REMATCH[1]}"; else echo nobody; fi
}
home_devices() { cli RaceHome cluster emcc-devices --json | jq -r '[.home_devices[] | .device + "@" + .visiting_cluster + ":" + .user] | join(" ")'; }
visits() { cli "$1" cluster emcc-devices --json | jq -r '[.visits[] | .device + ":" + .user] | join(" ")'; }
OK=$(emcc_text_page 'Login successful')
both_clean() { # WHAT
	e2e_wait_for "$1: the home has no EMCC device" "home_devices" '^$'
	expect_eq "$1: RaceV1 has no visit" "" "$(visits RaceV1)"
	expect_eq "$1: RaceV2 has no visit" "" "$(visits RaceV2)"
}

# ---- (a) one user at two visiting clusters at the same moment, not allowed ----
login "$V1" "$P1" "$D1" adgjm 12345 >"$E2E_TMP/a1" &
pa=$!
login "$V2" "$P2" "$D2" adgjm 12345 >"$E2E_TMP/a2" &
pb=$!
wait "$pa" "$pb"
a1=$(cat "$E2E_TMP/a1")
a2=$(cat "$E2E_TMP/a2")
M25=$(emcc_text_page 'Multi-Login Not Allowed (25)')
if [ "$a1" = "$OK" ]; then win=RaceV1 wd=$D1 lose_addr=$V2 ld=$D2 lost=$a2; else win=RaceV2 wd=$D2 lose_addr=$V1 ld=$D1 lost=$a1; fi
expect_eq "not allowed: one of the two logins succeeds" "$OK" "$([ "$a1" = "$OK" ] && echo "$a1" || echo "$a2")"
expect_eq "not allowed: the other gets 25" "$M25" "$lost"
expect_eq "the home has exactly one EMCC device, the winner's" "$wd@$win:adgjm" "$(home_devices)"
expect_eq "the winner's phone shows adgjm" adgjm "$(who "$([ $win = RaceV1 ] && echo "$V1" || echo "$V2")" "$wd")"
expect_eq "the loser's phone shows nobody" nobody "$(who "$lose_addr" "$ld")"
expect_eq "the winner has its visit" "$wd:adgjm" "$(visits "$win")"
logout "$([ $win = RaceV1 ] && echo "$V1" || echo "$V2")" "$wd"
both_clean "after the logout"

# ---- (a) again with auto logout: both go through, the later one wins, the other is told ----
cli RaceHome param set multiple_login_behavior auto_logout >/dev/null
for round in 1 2 3; do
	login "$V1" "$P1" "$D1" adgjm 12345 >"$E2E_TMP/a1" &
	pa=$!
	login "$V2" "$P2" "$D2" adgjm 12345 >"$E2E_TMP/a2" &
	pb=$!
	wait "$pa" "$pb"
	expect_eq "auto logout round $round: RaceV1's login succeeded" "$OK" "$(cat "$E2E_TMP/a1")"
	expect_eq "auto logout round $round: RaceV2's login succeeded" "$OK" "$(cat "$E2E_TMP/a2")"
	e2e_wait_for "auto logout round $round: exactly one phone keeps adgjm, the other shows nobody" \
		'echo "$(who $V1 $D1) $(who $V2 $D2)"' '^(adgjm nobody|nobody adgjm)$'
	w=$(echo "$(who $V1 $D1) $(who $V2 $D2)")
	if [ "$w" = "adgjm nobody" ]; then win=RaceV1 wd=$D1 lose=RaceV2; else win=RaceV2 wd=$D2 lose=RaceV1; fi
	expect_eq "auto logout round $round: the home's one EMCC device is the survivor's" "$wd@$win:adgjm" "$(home_devices)"
	e2e_wait_for "auto logout round $round: the loser $lose has no visit left" "visits $lose" '^$'
	expect_eq "auto logout round $round: the survivor $win has its visit" "$wd:adgjm" "$(visits "$win")"
	expect_match "auto logout round $round: the loser was told by visitingLogout" \
		"RaceHome: visitingLogout adgjm device=SEPC[0-9A-F]+ .*: logged out" "$(cat "$E2E_TMP/$lose/log/emcc.log")"
	logout "$([ $win = RaceV1 ] && echo "$V1" || echo "$V2")" "$wd"
	both_clean "auto logout round $round"
done

# ---- (b) one phone, two home users at the same moment ----
login "$V1" "$P1" "$D1" adgjm 12345 >"$E2E_TMP/b1" &
pa=$!
login "$V1" "$P1" "$D1" carol 13579 >"$E2E_TMP/b2" &
pb=$!
wait "$pa" "$pb"
b1=$(cat "$E2E_TMP/b1")
b2=$(cat "$E2E_TMP/b2")
M18=$(emcc_text_page 'Login is unavailable(18)')
expect_eq "one phone, two users: one succeeds, the other 18" "$OK $M18" \
	"$(printf '%s\n' "$b1" "$b2" | sort -r | tr '\n' ' ' | sed 's/ $//')"
[ "$b1" = "$OK" ] && winner=adgjm || winner=carol
expect_eq "the phone shows the winner" "$winner" "$(who "$V1" "$D1")"
expect_eq "RaceV1: one visit, the winner's" "$D1:$winner" "$(visits RaceV1)"
expect_eq "the home: one EMCC device, the winner's" "$D1@RaceV1:$winner" "$(home_devices)"
expect_eq "the home's em state: one login" 1 "$(cli RaceHome em state --json | jq '.devices | length')"
logout "$V1" "$D1"
both_clean "after (b)"
e2e_done
