#!/usr/bin/env bash
# emcc_lookup.sh -- `emcc cluster lookup USER` against real clusters: each remote's answer (exists, doesNotExist, error with the reason), the home a login would pick, no cache, no state change.
. "$(dirname "$0")/lib.sh"
NET=127.0.14
A=$NET.101    # LookA: asks (the visiting side)
B=$NET.102    # LookB: the user's home
C=$NET.103    # LookC: does not have the user (at first)
D=$NET.104    # LookD: trusted, then stopped: no answer
E=$NET.105    # LookE: does not trust LookA: answers failure 35
LONE=$NET.106 # LookLone: no remote cluster at all
PHONE=$NET.110
DEV=SEPC80084AA8743

node_config LookA "$A" "[parameters]" "emcc_request_timeout_ms = 1500"
for n in LookB:$B LookC:$C LookD:$D LookE:$E LookLone:$LONE; do node_config "${n%%:*}" "${n#*:}"; done
for n in LookA LookB LookC LookD LookE LookLone; do node_start $n; done

for n in LookA LookB LookC LookD LookE; do cli $n trust export "$E2E_TMP/$n.bundle" >/dev/null; done
for n in LookB:$B LookC:$C LookD:$D LookE:$E; do
	cli LookA cluster add "${n%%:*}" "${n#*:}:8443" --bundle "$E2E_TMP/${n%%:*}.bundle" >/dev/null
done
for n in LookB LookC LookD; do cli $n cluster add LookA "$A:8443" --bundle "$E2E_TMP/LookA.bundle" >/dev/null; done
node_stop LookD

load_seed_lab LookB
cli LookB device del "$DEV" >/dev/null
cli LookA user add localuser --pin 1357 >/dev/null
cli LookA device add "$DEV" --model 7821 --emcc >/dev/null

# j JSON EXPR: a Python expression over the answer o (python3 is in scripts/deps.sh).
j() { python3 -c 'import json,sys; o=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <<<"$1"; }
answers='" ".join("%s=%s" % (c["id"], c["answer"]) for c in o["clusters"])'

r=$(cli LookA cluster lookup adgjm --json)
expect_eq "lookup: the login would go to LookB" "homeLogin to LookB" "$(j "$r" 'o["login"]')"
claims='str(o["home"]) + " " + ",".join(o["claimed_by"])'
expect_eq "... home LookB, claimed by LookB only" "LookB LookB" "$(j "$r" "$claims")"
expect_eq "... every remote's answer, in cluster-id order" \
	"LookB=exists LookC=doesNotExist LookD=error LookE=error" "$(j "$r" "$answers")"
expect_match "... LookD: no answer, why" '^no answer: connect' "$(j "$r" 'o["clusters"][2]["reason"]')"
expect_match "... LookE: its refusal, code 35" '^answered failure 35 ' "$(j "$r" 'o["clusters"][3]["reason"]')"
expect_eq "... a time per remote, total >= each" "True" \
	"$(j "$r" 'all(0 <= c["ms"] <= o["total_ms"] for c in o["clusters"]) and o["total_ms"] > 0')"
expect_eq "... not a local user" "False" "$(j "$r" 'o["local_user"]')"
expect_match "LookA emcc.log: the lookup and its outcome" \
	'LookA: [0-9]+:LookA: lookup adgjm: homeLogin to LookB \(4 remote cluster\(s\), [0-9.]+ ms\)' \
	"$(cat "$E2E_TMP/LookA/log/emcc.log")"
expect_match "LookB emcc.log: the checkUser came from LookA" 'checkUser' "$(cat "$E2E_TMP/LookB/log/emcc.log")"

r=$(cli LookA cluster lookup adgjm)
expect_match "human output: the home and a table of the remotes" \
	'home: LookB.*LookC +[^ ]+ +doesNotExist' "$(tr '\n' ' ' <<<"$r")"

# ---- nothing changed: no login, no audit row, at either side ----
expect_match "LookA: nobody logged in" '"devices": *\[ *\]' "$(cli LookA em state --json)"
expect_match "LookB: nobody logged in" '"devices": *\[ *\]' "$(cli LookB em state --json)"
expect_eq "LookB: no audit row" "0" "$(cli LookB em history --json | python3 -c 'import json,sys; o=json.load(sys.stdin); print(len(o.get("entries", o.get("history", []))))')"

# ---- the lookup does not use the login's home cache ----
r=$(curl -sS --max-time 10 --interface "$PHONE" "http://$A:8080/emapp/EMAppServlet?device=$DEV&EMCC=true&seq=12345&userid=adgjm")
expect_match "a real EMCC login (fills LookA's home cache with LookB)" 'Login successful' "$r"
curl -sS --max-time 10 --interface "$PHONE" "http://$A:8080/emapp/EMAppServlet?device=$DEV&EMCC=true&doLogout=true" >/dev/null
cli LookB user del adgjm >/dev/null
cli LookC user add adgjm --pin 12345 --emcc >/dev/null
r=$(cli LookA cluster lookup adgjm --json)
expect_eq "the user moved to LookC: the lookup asks again, not the cache" "homeLogin to LookC" "$(j "$r" 'o["login"]')"
expect_eq "... answers" "LookB=doesNotExist LookC=exists LookD=error LookE=error" "$(j "$r" "$answers")"

# ---- two claims, nobody, a local user, an unreachable set, no cluster ----
cli LookB user add adgjm --pin 12345 --emcc >/dev/null
r=$(cli LookA cluster lookup adgjm --json)
expect_eq "claimed twice: the first by id is the home" "LookB LookB,LookC" "$(j "$r" "$claims")"
expect_match "... with a warning" 'more than one cluster claims' "$(j "$r" 'o.get("warning")')"
r=$(cli LookA cluster lookup nosuchuser --json)
expect_eq "nobody has the user -> 23" "23: no remote cluster has the user / None" "$(j "$r" 'o["login"] + " / " + str(o["home"])')"
r=$(cli LookA cluster lookup localuser --json)
expect_eq "a local user: no EMCC" "True local user: the phone logs in here, without EMCC" "$(j "$r" 'str(o["local_user"]) + " " + o["login"]')"
cli LookA cluster set LookB --no-emcc >/dev/null
cli LookA cluster set LookC --no-emcc >/dev/null
r=$(cli LookA cluster lookup adgjm --json)
expect_eq "only dead or refusing clusters left -> 208, those two asked" "208: no remote cluster answered LookD=error LookE=error" \
	"$(j "$r" 'o["login"] + " " + '"$answers")"
r=$(cli LookLone cluster lookup adgjm --json)
expect_eq "no remote cluster -> 36, nothing asked" "36: no EMCC-enabled remote cluster 0" "$(j "$r" 'o["login"] + " " + str(len(o["clusters"]))')"

# ---- bad input ----
r=$(cli LookA cluster lookup 2>&1 || true)
expect_match "no user: usage" 'USER|usage|missing' "$r"
r=$(cli LookA cluster lookup "$(printf 'x%.0s' $(seq 1 200))" 2>&1 || true)
expect_match "an over-long user ID is refused" "user" "$r"

e2e_done
