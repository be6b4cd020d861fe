#!/usr/bin/env bash
# emcc_bad_peer.sh -- bad input at the inter-cluster edge: a peer presenting the certificate imported for another cluster, an oversized emccRequest (413), a flood of malformed emccRequests from a trusted peer (each answered 1, the node stays healthy).
. "$(dirname "$0")/lib.sh"
A=127.0.13.41 # BadA: a visiting cluster
H=127.0.13.42 # BadH: the home
PHONE=127.0.13.141
DEV=SEPC80084AA8743
node_config BadA "$A" "[sip]" "udp =" "tcp =" "[parameters]" "emcc_request_timeout_ms = 1500"
node_config BadH "$H" "[sip]" "udp =" "tcp ="
node_start BadA
node_start BadH
load_seed_lab BadH
cli BadH device del "$DEV" >/dev/null
cli BadA device add "$DEV" --model 7821 --emcc >/dev/null
HLOG=$E2E_TMP/BadH/log/emcc.log
HURL="https://$H:8443/emservice/EMServiceServlet"
C_A=(--cert "$E2E_TMP/BadA/https.crt" --key "$E2E_TMP/BadA/https.key")

# ---- BadA's certificate imported at the home under the id BadB ----
emcc_trust BadA BadH
cli BadA trust export "$E2E_TMP/a.bundle" >/dev/null
sed 's/^cluster: BadA$/cluster: BadB/' "$E2E_TMP/a.bundle" >"$E2E_TMP/a-as-b.bundle"
r=$(cli BadH cluster add BadB "$A:8443" --bundle "$E2E_TMP/a-as-b.bundle")
expect_match "the home trusts BadA's certificate as cluster BadB" "BadB" "$r"
r=$(curl -sS --max-time 15 --interface "$PHONE" "http://$A:8080/emapp/EMAppServlet?device=$DEV&EMCC=true&seq=12345&userid=adgjm")
expect_eq "BadA's login, claiming BadA with BadB's certificate, is refused -> 208 at the phone" \
	"$(emcc_text_page 'Login/Logout is unavailable(208)')" "$r"
expect_match "the home logs whose certificate was used for which claim" \
	'checkUser from [0-9.]+ refused \(35\): the certificate of cluster BadB used for claimed cluster BadA' "$(cat "$HLOG")"
expect_match "BadA logs the home's refusal" 'checkUser adgjm: BadH answered failure 35' "$(cat "$E2E_TMP/BadA/log/emcc.log")"
expect_eq "the home has no EMCC device" 0 "$(cli BadH cluster emcc-devices --json | jq '.home_devices | length')"
cli BadH cluster del BadB >/dev/null
emcc_trust BadH BadA
r=$(curl -sS --max-time 15 --interface "$PHONE" "http://$A:8080/emapp/EMAppServlet?device=$DEV&EMCC=true&seq=12345&userid=adgjm")
expect_eq "with BadA's bundle under its own id the login works" "$(emcc_text_page 'Login successful')" "$r"
curl -sS --max-time 15 "http://$A:8080/emapp/EMAppServlet?device=$DEV&EMCC=true&doLogout=true" >/dev/null

# ---- an emccRequest with a huge body ----
head -c 3000000 /dev/zero | tr '\0' 'a' >"$E2E_TMP/pad"
{
	printf 'xml=<emccRequest version="1"><cluster>BadA</cluster><requestNumber>1</requestNumber><sent>%s</sent><nonce>%s</nonce><checkUser><userID>' \
		"$(date +%s%3N)" "$(openssl rand -hex 16)"
	cat "$E2E_TMP/pad"
	printf '</userID></checkUser></emccRequest>'
} >"$E2E_TMP/huge.form"
code=$(curl -sS -k --max-time 15 "${C_A[@]}" -o /dev/null -w '%{http_code}' --data-binary "@$E2E_TMP/huge.form" "$HURL")
expect_eq "a 3 MB emccRequest from a trusted peer -> 413" 413 "$code"
# Just above the EMCC document limit but below the HTTP one: refused as not EMCC at all.
head -c 70000 /dev/zero | tr '\0' 'a' >"$E2E_TMP/pad"
r=$(curl -sS -k --max-time 15 "${C_A[@]}" --data-urlencode "xml=<emccRequest version=\"1\"><cluster>BadA</cluster><requestNumber>1</requestNumber><sent>$(date +%s%3N)</sent><nonce>$(openssl rand -hex 16)</nonce><checkUser><userID>$(cat "$E2E_TMP/pad")</userID></checkUser></emccRequest>" "$HURL" -w ' HTTP %{http_code}')
expect_match "a 70 kB emccRequest (over the 64 kB EMCC limit) is no EMCC answer" ' HTTP (200|413)$' "$r"
expect_eq "... and carries no emccResponse" "" "$(grep -o '<emccResponse' <<<"$r" || true)"

# ---- a flood of malformed emccRequests over HTTPS from a trusted peer ----
bad_doc() { # N: one of a few malformed documents
	case $(($1 % 5)) in
	0) echo "<emccRequest version=\"1\"><cluster>BadA</cluster><requestNumber>$1</requ" ;;
	1) echo "<emccRequest version=\"1\"><cluster>BadA</cluster><requestNumber>x$1</requestNumber></emccRequest>" ;;
	2) echo "<emccRequest version=\"1\"><cluster>BadA</cluster><requestNumber>$1</requestNumber><sent>1</sent><nonce>zz</nonce><checkUser><userID>a</userID></checkUser></emccRequest>" ;;
	3) echo "<emccRequest version=\"1\"><emccRequest><emccRequest>&bogus;<cluster>BadA</cluster>" ;;
	4) echo "<emccRequest version=\"1\"><cluster>BadA</cluster><requestNumber>$1</requestNumber><sent>$(date +%s%3N)</sent><nonce>$(printf '%032d' "$1")</nonce><checkUser><userID>a</userID></checkUser><checkUser/></emccRequest>" ;;
	esac
}
mkdir -p "$E2E_TMP/flood"
for n in $(seq 1 200); do
	curl -sS -k --max-time 15 "${C_A[@]}" --data-urlencode "xml=$(bad_doc "$n")" "$HURL" \
		>"$E2E_TMP/flood/$n" 2>&1 &
	flood+=($!)
	# 4 at a time, under Maximum Concurrent Requests (beyond it the answer is 26, by design);
	# wait for the curls only, not the daemons
	if [ $((n % 4)) -eq 0 ]; then
		for p in "${flood[@]}"; do wait "$p" || true; done
		flood=()
	fi
done
ones=$(grep -l '<error code="1">' "$E2E_TMP"/flood/* | wc -l)
expect_eq "200 malformed emccRequests: each answered code 1" 200 "$ones"
expect_eq "... none answered otherwise" "" "$(grep -L '<error code="1">' "$E2E_TMP"/flood/* | head -3)"
kill -0 "$(node_pid BadH)" && a=alive || a=dead
expect_eq "the home is alive" alive "$a"
r=$(curl -sS --max-time 15 --interface "$PHONE" "http://$A:8080/emapp/EMAppServlet?device=$DEV&EMCC=true&seq=12345&userid=adgjm")
expect_eq "... and still takes an EMCC login" "$(emcc_text_page 'Login successful')" "$r"
expect_match "the home's status is healthy" '"cluster_id": *"BadH"' "$(cli BadH status --json)"
e2e_done
