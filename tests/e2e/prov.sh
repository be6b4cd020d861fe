#!/usr/bin/env bash
# prov.sh -- provisioning over HTTP (6970) on one cluster: the logged-out SEP<MAC>.cnf.xml, the
# EM login's file with the profile's line and a new versionStamp, the same stamp in the restart
# NOTIFY the simulated phone answers, refused names and methods, an unknown device, the cache
# (same stamp, same bytes), an admin edit's new stamp, and `emcc-phone walk` registering the
# profile's line DN after the login and the device's own line after the logout.
. "$(dirname "$0")/lib.sh"
: "${EMCC_PHONE:?EMCC_PHONE must point at the emcc-phone binary}"
ADDR=${E2E_ADDR:-127.0.12.1}
PHONE_IP=127.0.12.101
DEV=SEPC80084AA8743
TFTP="http://$ADDR:6970"

node_config one "$ADDR"
node_start one
load_seed_lab one
URL="http://$ADDR:8080/emservice/EMServiceServlet"
APP='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
OK='<response><success/></response>'
LOG="$E2E_TMP/one/log"

# fetch PATH: status code, headers to $E2E_TMP/h, body to $E2E_TMP/b
fetch() {
	curl -sS --max-time 10 --path-as-is -D "$E2E_TMP/h" -o "$E2E_TMP/b" -w '%{http_code}' "$TFTP$1"
}
stamp_of() { sed -n 's|.*<versionStamp>\(.*\)</versionStamp>.*|\1|p' "$E2E_TMP/b"; }
# hdr NAME: the value of a response header (CR removed)
hdr() { grep -i "^$1:" "$E2E_TMP/h" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

# ---- logged out ----
expect_eq "logged out: 200" 200 "$(fetch /$DEV.cnf.xml)"
expect_eq "Content-Type as CUCM's TFTP" "*/*" "$(hdr Content-Type)"
expect_eq "Cache-Control as CUCM's TFTP" "no-store" "$(hdr Cache-Control)"
expect_match "logged out: the device's own line 1000" "<name>1000</name>" "$(cat "$E2E_TMP/b")"
expect_match "logged out: call manager is this node" "<processNodeName>$ADDR</processNodeName>" "$(cat "$E2E_TMP/b")"
S0=$(stamp_of)
expect_match "logged out: a versionStamp" '^[0-9]+-[0-9a-f-]{36}$' "$S0"
expect_match "logged out: TCP preferred, UDP too, as our listeners" "<transportLayerProtocol>4</transportLayerProtocol>" "$(cat "$E2E_TMP/b")"
expect_match "logged out: CUCM's standard services first" "<provisioning>0</provisioning>.<phoneService type=\"1\" category=\"0\">.<name>Missed Calls</name>" "$(tr '\n' '.' <"$E2E_TMP/b")"
expect_match "logged out: the default softkey template's file" "<softKeyFile>SKacaaf441-f7ab-5a41-a60e-406d1a9b30c6.xml</softKeyFile>" "$(cat "$E2E_TMP/b")"
expect_match "logged out: the user locale in full" "<userLocale>.<name>English_United_States</name>.<uid>1</uid>.<langCode>en_US</langCode>" "$(tr '\n' '.' <"$E2E_TMP/b")"
fetch /$DEV.cnf.xml >/dev/null
expect_eq "fetched again: same stamp" "$S0" "$(stamp_of)"
expect_match "the second fetch came from the cache" "cached" "$(grep -F "$DEV.cnf.xml" "$LOG/tftp.log" | tail -n 1)"
expect_eq "HEAD: 200" 200 "$(curl -sS --max-time 10 -I -o /dev/null -w '%{http_code}' "$TFTP/$DEV.cnf.xml")"

# ---- refusals ----
expect_eq "unknown device: 404" 404 "$(fetch /SEP000000000001.cnf.xml)"
expect_eq "/../etc/passwd: 404" 404 "$(fetch /../etc/passwd)"
expect_eq "NUL after the name: 404" 404 "$(fetch /$DEV.cnf.xml%00)"
expect_eq "encoded dots: 404" 404 "$(fetch /%2e%2e/)"
expect_eq "encoded slash: 404" 404 "$(fetch /..%2f..%2fetc%2fpasswd)"
expect_eq "a directory before the name: 404" 404 "$(fetch /x/$DEV.cnf.xml)"
expect_eq "other files: 404" 404 "$(fetch /XmlDefault.cnf.xml.x)"
expect_eq "the EM service is not on this port" 404 "$(fetch /emservice/EMServiceServlet)"
expect_eq "signed file (no signing key): 404" 404 "$(fetch /$DEV.cnf.xml.sgn)"
expect_eq "POST: 405" 405 "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -d x=1 "$TFTP/$DEV.cnf.xml")"
expect_eq "the node still answers" 200 "$(fetch /$DEV.cnf.xml)"

# ---- EM login through the API, with the phone registered and answering the NOTIFY ----
"$EMCC_PHONE" --name $DEV --model 7821 --ip $PHONE_IP --server "$ADDR" --timeout 10 register --for 30 \
	>"$E2E_TMP/reg.out" 2>&1 &
PHONE_PID=$!
E2E_PIDS+=("$PHONE_PID")
for i in $(seq 1 200); do
	grep -q "^$DEV " <(cli one sip bindings 2>/dev/null) && break
	grep -q "REGISTER .* -> 200" "$E2E_TMP/reg.out" && break
	sleep 0.05
done
expect_match "register: the phone read its file first" "GET $TFTP/$DEV.cnf.xml -> 200 \(versionStamp $S0, callManager $ADDR:5060, logged out\)" "$(cat "$E2E_TMP/reg.out")"
expect_match "register: the device's line 1000 is the address of record" '"aor": *"sip:1000@' "$(cli one --json sip bindings)"

R=$(em_post "$URL" "<request>$APP<login><deviceName>$DEV</deviceName><userID>adgjm</userID></login></request>")
expect_eq "EM login" "$OK" "$R"
expect_eq "logged in: 200" 200 "$(fetch /$DEV.cnf.xml)"
S1=$(stamp_of)
expect_match "logged in: a new versionStamp" '^[0-9]+-' "$S1"
[ "$S1" != "$S0" ] && expect_eq "logged in: the stamp changed" 1 1 || expect_eq "logged in: the stamp changed" "not $S0" "$S1"
expect_match "logged in: the profile's line 2001" "<name>2001</name>" "$(cat "$E2E_TMP/b")"
expect_match "logged in: the user" "<userId[^>]*>adgjm</userId>" "$(cat "$E2E_TMP/b")"
for i in $(seq 1 200); do
	grep -q "ConfigVersionStamp=$S1" "$E2E_TMP/reg.out" && grep -q "re-REGISTER .* -> 200" "$E2E_TMP/reg.out" && break
	sleep 0.05
done
expect_match "the NOTIFY carries the file's stamp" "NOTIFY service-control action=restart ConfigVersionStamp=$S1 <- answered 200" "$(cat "$E2E_TMP/reg.out")"
expect_match "emservice.log names the stamp" "NOTIFY queued \(ConfigVersionStamp $S1\)" "$(cat "$LOG/emservice.log")"
expect_match "restart: the phone read the new file" "GET $TFTP/$DEV.cnf.xml -> 200 \(versionStamp $S1, callManager $ADDR:5060, EM login\)" "$(cat "$E2E_TMP/reg.out")"
expect_match "restart: registered with the profile's line 2001" '"aor": *"sip:2001@' "$(cli one --json sip bindings)"

R=$(em_post "$URL" "<request>$APP<logout><deviceName>$DEV</deviceName></logout></request>")
expect_eq "EM logout" "$OK" "$R"
fetch /$DEV.cnf.xml >/dev/null
S2=$(stamp_of)
[ "$S2" != "$S1" ] && expect_eq "logged out: the stamp changed again" 1 1 || expect_eq "logged out: the stamp changed again" "not $S1" "$S2"
expect_match "logged out: line 1000 again" "<name>1000</name>" "$(cat "$E2E_TMP/b")"
for i in $(seq 1 200); do
	[ "$(grep -c 're-REGISTER .* -> 200' "$E2E_TMP/reg.out")" -ge 2 ] && break
	sleep 0.05
done
expect_match "logout NOTIFY carries its stamp" "ConfigVersionStamp=$S2 <- answered 200" "$(cat "$E2E_TMP/reg.out")"
expect_match "after the logout: registered with line 1000" '"aor": *"sip:1000@' "$(cli one --json sip bindings)"
kill -TERM "$PHONE_PID" 2>/dev/null || true
wait "$PHONE_PID" 2>/dev/null || true

# ---- an admin edit gives a new stamp and the new line ----
cli one device set $DEV --line 1:1001:visitor >/dev/null
fetch /$DEV.cnf.xml >/dev/null
S3=$(stamp_of)
[ "$S3" != "$S2" ] && expect_eq "device edit: new stamp" 1 1 || expect_eq "device edit: new stamp" "not $S2" "$S3"
expect_match "device edit: the new line" "<name>1001</name>" "$(cat "$E2E_TMP/b")"

# ---- the walk: PIN login at the phone, restart onto the profile's line, logout, back ----
OUT=$E2E_TMP/walk.out
set +e
"$EMCC_PHONE" --name $DEV --model 7821 --ip $PHONE_IP --server "$ADDR" --timeout 10 walk adgjm 12345 >"$OUT" 2>&1
RC=$?
set -e
expect_eq "walk: exit 0" 0 "$RC"
expect_match "walk: after the login the file is the EM login's" "-> 200 \(versionStamp [^,]+, callManager $ADDR:5060, EM login\)" "$(cat "$OUT")"
expect_match "walk: re-registered with the profile's line 2001" "config: line 2001 at call manager $ADDR:5060 \(user adgjm\)" "$(cat "$OUT")"
expect_eq "walk: on the device's line at the start and after the logout" 2 "$(grep -c "config: line 1001 at call manager $ADDR:5060\$" "$OUT" || true)"
expect_eq "walk: two restarts" 2 "$(grep -c 're-REGISTER .* -> 200' "$OUT" || true)"

# ---- a phone whose TFTP is down registers where it was told ----
OUT=$E2E_TMP/down.out
set +e
"$EMCC_PHONE" --name $DEV --model 7821 --ip $PHONE_IP --server "$ADDR" --tftp 127.0.12.59:6970 --timeout 5 register --for 0 >"$OUT" 2>&1 &
P=$!
set -e
for i in $(seq 1 200); do grep -q "REGISTER .* -> 200" "$OUT" && break; sleep 0.05; done
expect_match "TFTP down: the fetch fails" "GET http://127.0.12.59:6970/$DEV.cnf.xml -> " "$(cat "$OUT")"
expect_match "TFTP down: registered anyway" "REGISTER sip:$ADDR -> 200" "$(cat "$OUT")"
kill -TERM "$P" 2>/dev/null || true
wait "$P" 2>/dev/null || true

# ---- EMCC on two clusters: the phone follows the visitor mini-config to the home cluster ----
V=127.0.12.2 H=127.0.12.3 PHONE2=127.0.12.102
node_config ClusterOne "$V"
node_config ClusterTwo "$H"
node_start ClusterOne
node_start ClusterTwo
cli ClusterOne trust export "$E2E_TMP/one.bundle" >/dev/null
cli ClusterTwo trust export "$E2E_TMP/two.bundle" >/dev/null
cli ClusterOne cluster add ClusterTwo "$H:8443" --bundle "$E2E_TMP/two.bundle" >/dev/null
cli ClusterTwo cluster add ClusterOne "$V:8443" --bundle "$E2E_TMP/one.bundle" >/dev/null
load_seed_lab ClusterTwo
cli ClusterTwo device del $DEV >/dev/null
cli ClusterOne appuser add CCMSysUser --password 'Sys-Secret-1' --proxy-rights >/dev/null
cli ClusterOne device add $DEV --model 7821 --emcc --line 1:7000:visitor >/dev/null
OUT=$E2E_TMP/emcc.out
"$EMCC_PHONE" --name $DEV --model 7821 --ip $PHONE2 --server "$V" --emcc --timeout 10 register --for 30 \
	>"$OUT" 2>&1 &
PHONE_PID=$!
E2E_PIDS+=("$PHONE_PID")
for i in $(seq 1 200); do grep -q "REGISTER .* -> 200" "$OUT" && break; sleep 0.05; done
R=$(curl -sS --max-time 10 --interface $PHONE2 "http://$V:8080/emapp/EMAppServlet?device=$DEV&EMCC=true&seq=12345&userid=adgjm")
expect_match "EMCC login at the visiting cluster" "Login successful" "$R"
for i in $(seq 1 200); do grep -q "re-REGISTER sip:$H -> 200" "$OUT" && break; sleep 0.05; done
expect_match "EMCC: the visiting TFTP gives the visitor mini-config" "GET http://$V:6970/$DEV.cnf.xml -> 200 \(versionStamp [^,]+, callManager $H:5060, EMCC visitor\)" "$(cat "$OUT")"
expect_match "EMCC: the phone says where it goes" "EMCC mode: home cluster $H \(tempTftp1\); emcc_mode=1 override=0 tempTftp=\[$H,,,\] vEM=$V:8080" "$(cat "$OUT")"
B=$(curl -sS --max-time 10 "http://$V:6970/$DEV.cnf.xml")
expect_match "EMCC: the mini-config in the phone's property names" \
	"<emccProperties>.<emcc_mode>1</emcc_mode>.<override>0</override>.<tempTftp1>$H</tempTftp1>.<tempTftp2></tempTftp2>.<tempTftp3></tempTftp3>.<tempTftp4></tempTftp4>.<vEM-IP>$V</vEM-IP>.<vEM-Port>8080</vEM-Port>.</emccProperties>" \
	"$(printf '%s' "$B" | tr '\n' '.')"
expect_eq "EMCC: the home's file has no EMCC properties" 0 "$(curl -sS --max-time 10 "http://$H:6970/$DEV.cnf.xml" | grep -c emccProperties || true)"
expect_match "EMCC: the home TFTP gives the home config" "GET http://$H:6970/$DEV.cnf.xml -> 200 \(versionStamp [^,]+, callManager $H:5060, EMCC at home\)" "$(cat "$OUT")"
expect_match "EMCC: registered at home with the profile's line 2001" "config: line 2001 at call manager $H:5060 \(user adgjm\)" "$(cat "$OUT")"
expect_match "EMCC: the home node has the device bound" "$DEV" "$(cli ClusterTwo sip bindings)"
expect_eq "EMCC: the visiting node has no binding left" "" "$(cli ClusterOne sip bindings | grep $DEV || true)"
R=$(curl -sS --max-time 10 --interface $PHONE2 "http://$V:8080/emapp/EMAppServlet?device=$DEV&EMCC=true&doLogout=true")
expect_match "EMCC logout at the visiting cluster" "Logout successful" "$R"
for i in $(seq 1 200); do grep -q "re-REGISTER sip:$V -> 200" "$OUT" && break; sleep 0.05; done
expect_match "EMCC logout: the home TFTP no longer has the device" "GET http://$H:6970/$DEV.cnf.xml -> 404" "$(cat "$OUT")"
expect_match "EMCC logout: back to the own TFTP" "EMCC mode over" "$(cat "$OUT")"
expect_eq "EMCC logout: the device's line at the visiting cluster, at start and after the logout" 2 "$(grep -c "config: line 7000 at call manager $V:5060\$" "$OUT" || true)"
expect_match "EMCC logout: the visiting node has the device bound again" "$DEV" "$(cli ClusterOne sip bindings)"
kill -TERM "$PHONE_PID" 2>/dev/null || true
wait "$PHONE_PID" 2>/dev/null || true

e2e_done
