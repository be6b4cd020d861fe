#!/usr/bin/env bash
# tftp.sh -- provisioning files over TFTP (UDP 69), HTTP 6970 and HTTPS 6971, with real clients:
# tftp-hpa's tftp, curl's tftp:// and https://, and tests/e2e/tftp_client.py (options, windows,
# raw and misbehaving packets). The same name gives the same bytes on every edge; options are
# negotiated within the RFCs' ranges; missing files are error 1 / 404; bad names, write requests
# and malformed packets get their error and change nothing; duplicate ACKs send no duplicate
# DATA; a client that vanishes is given up after the retries; 10,000 requests for missing files
# leave no state (transfers gauge 0, no socket left open); two nodes never share a port 69.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "tftp.sh: needs root to bind UDP port 69; skipped"
	exit 77
fi
ADDR=${E2E_ADDR:-127.0.16.1}
DEV=SEPC80084AA8743
HERE=$(cd "$(dirname "$0")" && pwd)
PY="python3 $HERE/tftp_client.py"
T=$E2E_TMP

node_config one "$ADDR"
node_start one
load_seed_lab one
LOG="$E2E_TMP/one/log"
PID=$(node_pid one)

# tftp_get NAME OUT [tftp-hpa args]: tftp-hpa's client; prints its output (errors included).
tftp_get() {
	local name=$1 out=$2
	shift 2
	(cd "$T" && timeout 20 tftp "$@" "$ADDR" -c get "$name" "$out" 2>&1) || true
}
status_of() { cli one --json status | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
metric() { curl -sS --max-time 10 "http://$ADDR:8080/metrics" | sed -n "s/^$1 //p"; }
fds() { ls "/proc/$PID/fd" | wc -l; }

# ---- one file, every edge, same bytes ----
expect_eq "HTTP 6970: 200" 200 "$(curl -sS --max-time 10 -o "$T/http.xml" -w '%{http_code}' "http://$ADDR:6970/$DEV.cnf.xml")"
expect_eq "HTTPS 6971: 200" 200 "$(curl -sSk --max-time 10 -o "$T/https.xml" -w '%{http_code}' "https://$ADDR:6971/$DEV.cnf.xml")"
expect_eq "HTTPS 6971: same bytes as HTTP" "" "$(cmp "$T/http.xml" "$T/https.xml" 2>&1)"
expect_match "HTTPS 6971: the node's certificate" "CN=one|subject:.*one" "$(curl -sSkv --max-time 10 -o /dev/null "https://$ADDR:6971/$DEV.cnf.xml" 2>&1 | grep -i subject)"
expect_eq "tftp-hpa, octet: no error" "" "$(tftp_get $DEV.cnf.xml hpa.xml -m octet)"
expect_eq "tftp-hpa: same bytes as HTTP" "" "$(cmp "$T/http.xml" "$T/hpa.xml" 2>&1)"
tftp_get $DEV.cnf.xml hpa-ascii.xml -m netascii >/dev/null
python3 -c "import sys; d=open(sys.argv[1],'rb').read(); open(sys.argv[2],'wb').write(d.replace(b'\r',b'\r\0').replace(b'\n',b'\r\n'))" "$T/http.xml" "$T/netascii.expected"
$PY get "$ADDR" $DEV.cnf.xml "$T/py-ascii.xml" --netascii >/dev/null
expect_eq "netascii on the wire: LF as CR LF" "" "$(cmp "$T/netascii.expected" "$T/py-ascii.xml" 2>&1)"
expect_eq "tftp-hpa, netascii: the file back as it is" "" "$(cmp "$T/http.xml" "$T/hpa-ascii.xml" 2>&1)"
expect_eq "curl tftp:// (its default options)" 0 "$(curl -sS --max-time 20 -o "$T/curl.xml" "tftp://$ADDR/$DEV.cnf.xml"; echo $?)"
expect_eq "curl tftp://: same bytes" "" "$(cmp "$T/http.xml" "$T/curl.xml" 2>&1)"
expect_eq "curl tftp:// blksize 1428" 0 "$(curl -sS --max-time 20 --tftp-blksize 1428 -o "$T/curl2.xml" "tftp://$ADDR/$DEV.cnf.xml"; echo $?)"
expect_eq "curl tftp:// blksize 1428: same bytes" "" "$(cmp "$T/http.xml" "$T/curl2.xml" 2>&1)"
expect_eq "curl tftp:// without options" 0 "$(curl -sS --max-time 20 --tftp-no-options -o "$T/curl3.xml" "tftp://$ADDR/$DEV.cnf.xml"; echo $?)"
expect_eq "curl tftp:// without options: same bytes" "" "$(cmp "$T/http.xml" "$T/curl3.xml" 2>&1)"
SIZE=$(stat -c %s "$T/http.xml")
SK=$(sed -n 's|.*<softKeyFile>\(SK[0-9a-f-]*\.xml\)</softKeyFile>.*|\1|p' "$T/http.xml")
expect_match "the cnf names its softkey file" '^SK[0-9a-f-]{36}\.xml$' "$SK"
expect_eq "TFTP: the softkey file" "" "$(tftp_get "$SK" sk.xml -m octet)"
expect_eq "HTTP: the softkey file" 200 "$(curl -sS --max-time 10 -o "$T/sk-http.xml" -w '%{http_code}' "http://$ADDR:6970/$SK")"
expect_eq "the softkey file: same bytes on both" "" "$(cmp "$T/sk.xml" "$T/sk-http.xml" 2>&1)"
expect_match "the softkey file: a softkey configuration" "<softKeyCfg" "$(cat "$T/sk.xml")"

# ---- options: blksize (8..65464), windowsize (RFC 7440), tsize, timeout ----
R=$($PY get "$ADDR" $DEV.cnf.xml "$T/o1" --tsize)
expect_match "tsize: the OACK says the file's size" "\"tsize\": $SIZE" "$R"
expect_eq "tsize: same bytes" "" "$(cmp "$T/http.xml" "$T/o1" 2>&1)"
R=$($PY get "$ADDR" $DEV.cnf.xml "$T/o2" --blksize=8)
expect_match "blksize 8: taken" '"blksize": 8' "$R"
expect_match "blksize 8: one block per 8 bytes" "\"blocks\": $((SIZE / 8 + 1))," "$R"
expect_eq "blksize 8: same bytes" "" "$(cmp "$T/http.xml" "$T/o2" 2>&1)"
R=$($PY get "$ADDR" $DEV.cnf.xml "$T/o3" --blksize=65464 --tsize)
expect_match "blksize 65464: taken" '"blksize": 65464' "$R"
expect_match "blksize 65464: the file in one block" '"blocks": 1,' "$R"
expect_eq "blksize 65464: same bytes" "" "$(cmp "$T/http.xml" "$T/o3" 2>&1)"
for w in 4 16 64; do
	R=$($PY get "$ADDR" $DEV.cnf.xml "$T/w$w" --windowsize=$w)
	expect_match "windowsize $w: taken" "\"windowsize\": $w}" "$R"
	expect_match "windowsize $w: no block twice" '"dup_data": 0' "$R"
	expect_eq "windowsize $w: same bytes" "" "$(cmp "$T/http.xml" "$T/w$w" 2>&1)"
done
R=$($PY get "$ADDR" $DEV.cnf.xml "$T/w1000" --windowsize=1000 --blksize=100)
expect_match "windowsize 1000: answered with the server's 64" '"windowsize": 64' "$R"
expect_eq "windowsize 1000: same bytes" "" "$(cmp "$T/http.xml" "$T/w1000" 2>&1)"
R=$($PY get "$ADDR" $DEV.cnf.xml "$T/o4" --timeout=3 --blksize=1024 --windowsize=2 --tsize)
expect_match "all four options together" "\"blksize\": 1024, \"timeout\": 3, \"tsize\": $SIZE, \"windowsize\": 2" "$R"
expect_eq "all four options: same bytes" "" "$(cmp "$T/http.xml" "$T/o4" 2>&1)"
R=$($PY get "$ADDR" $DEV.cnf.xml "$T/o5")
expect_match "a transfer comes from its own port, not 69" '"server_port": [0-9]+' "$R"
[[ "$R" =~ \"server_port\":\ 69[,}] ]] && expect_eq "transfer port is not 69" "not 69" 69

# ---- files a phone asks for that this cluster has not: error 1 / 404, as CUCM ----
for f in CTL$DEV.tlv CTLFile.tlv ITL$DEV.tlv ITLFile.tlv $DEV.cnf.xml.sgn XMLDefault.cnf.xml \
	SKb0ec918f-b9ee-994b-57ae-345883c1fde8.xml "$SK.sgn" Ringlist-wb.xml SEP000000000001.cnf.xml \
	English_United_States/be-sip.jar; do
	expect_match "TFTP $f: error 1" "Error code 1: File not found" "$(tftp_get "$f" missing -m octet)"
	expect_eq "HTTP $f: 404" 404 "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$ADDR:6970/$f")"
done
expect_match "tftp.log: the CTL says why" "CTL$DEV.tlv CTL file: non-secure cluster: no CTL file \(error 1\)" "$(cat "$LOG/tftp.log")"
expect_eq "curl tftp:// missing file: exit 68 (TFTP file not found)" 68 "$(curl -sS --max-time 10 -o /dev/null "tftp://$ADDR/CTL$DEV.tlv" 2>/dev/null; echo $?)"

# ---- bad input: names, write requests, malformed packets and options ----
hexs() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
rrq() { printf '0001%s00%s00%s' "$(hexs "$1")" "$(hexs "${2:-octet}")" "${3:-}"; }
opt() { printf '%s00%s00' "$(hexs "$1")" "$(hexs "$2")"; }
# Every packet at once from its own port (one client process: Python starts slowly here).
CASES=$T/cases.tsv
EXPECT=$T/expect.tsv
: >"$CASES"
: >"$EXPECT"
# case LABEL EXPECTED HEX
case_() { printf '%s\t%s\n' "$1" "$3" >>"$CASES"; printf '%s\t%s\n' "$1" "$2" >>"$EXPECT"; }
case_ "../etc/passwd: error 1" "error 1 File not found" "$(rrq ../etc/passwd)"
case_ "/etc/passwd: error 1" "error 1 File not found" "$(rrq /etc/passwd)"
case_ "../ before a real name: error 1" "error 1 File not found" "$(rrq ../$DEV.cnf.xml)"
case_ "a backslash path: error 1" "error 1 File not found" "$(rrq '..\..\boot.ini')"
case_ "percent escapes: error 1" "error 1 File not found" "$(rrq %2e%2e%2fetc%2fpasswd)"
case_ "NUL in the name (the rest read as the mode): error 4" "error 4 Illegal TFTP operation" "0001$(hexs $DEV.cnf.xml)00$(hexs ../x)00$(hexs octet)00"
case_ "write request: error 2" "error 2 Access violation: read only" "0002$(hexs $DEV.cnf.xml)00$(hexs octet)00"
case_ "unknown opcode: error 4" "error 4 Illegal TFTP operation" "0009$(hexs x)00$(hexs octet)00"
case_ "DATA to port 69: error 4" "error 4 Illegal TFTP operation" "00030001$(hexs hello)"
case_ "one byte: error 4" "error 4 Illegal TFTP operation" "01"
case_ "name without its NUL: error 4" "error 4 Illegal TFTP operation" "0001$(hexs $DEV.cnf.xml)"
case_ "no mode: error 4" "error 4 Illegal TFTP operation" "0001$(hexs $DEV.cnf.xml)00"
case_ "mode mail: error 4" "error 4 Illegal TFTP operation" "$(rrq $DEV.cnf.xml mail)"
case_ "empty name: error 4" "error 4 Illegal TFTP operation" "000100$(hexs octet)00"
case_ "option without a value: error 4" "error 4 Illegal TFTP operation" "$(rrq $DEV.cnf.xml octet)$(hexs blksize)00"
case_ "request over 512 bytes: error 4" "error 4 Illegal TFTP operation" "$(rrq $DEV.cnf.xml octet "$(opt x "$(printf 'a%.0s' $(seq 1 520))")")"
case_ "blksize 7: error 8" "error 8 Option negotiation failed" "$(rrq $DEV.cnf.xml octet "$(opt blksize 7)")"
case_ "blksize 65465: error 8" "error 8 Option negotiation failed" "$(rrq $DEV.cnf.xml octet "$(opt blksize 65465)")"
case_ "blksize abc: error 8" "error 8 Option negotiation failed" "$(rrq $DEV.cnf.xml octet "$(opt blksize abc)")"
case_ "timeout 0: error 8" "error 8 Option negotiation failed" "$(rrq $DEV.cnf.xml octet "$(opt timeout 0)")"
case_ "windowsize 0: error 8" "error 8 Option negotiation failed" "$(rrq $DEV.cnf.xml octet "$(opt windowsize 0)")"
case_ "an option twice: error 8" "error 8 Option negotiation failed" "$(rrq $DEV.cnf.xml octet "$(opt tsize 0)$(opt TSIZE 0)")"
case_ "unknown options are left out of the OACK" "oack tsize=$SIZE" "$(rrq $DEV.cnf.xml octet "$(opt tsize 0)$(opt multicast '')$(opt foo 1)")"
case_ "an ERROR to port 69 gets no answer" "silence" "00050000$(hexs x)00"
case_ "a newline in the name: error 1" "error 1 File not found" "0001$(hexs x)0a$(hexs 'INJECTED LINE')00$(hexs octet)00"
$PY rawmany "$ADDR" <"$CASES" >"$T/answers.tsv"
while IFS=$'\t' read -r label want; do
	expect_eq "$label" "$want" "$(grep -F "$label"$'\t' "$T/answers.tsv" | head -n 1 | cut -f2-)"
done <"$EXPECT"
expect_eq "tftp.log: a name cannot start a line of its own" 0 "$(grep -c '^INJECTED' "$LOG/tftp.log" || true)"
expect_match "tftp.log: the name shown with '?'" 'TFTP RRQ x\?INJECTED LINE: not a file we serve \(error 1\)' "$(cat "$LOG/tftp.log")"
expect_eq "the node still serves" "" "$(tftp_get $DEV.cnf.xml after-bad.xml -m octet)"
expect_eq "still the same bytes" "" "$(cmp "$T/http.xml" "$T/after-bad.xml" 2>&1)"

# ---- duplicate ACKs: never a duplicate DATA (no Sorcerer's Apprentice) ----
R=$($PY dupack "$ADDR" $DEV.cnf.xml "$T/dup")
expect_match "every block acknowledged three times: no block sent twice" '"dup_data": 0' "$R"
expect_eq "duplicate ACKs: same bytes" "" "$(cmp "$T/http.xml" "$T/dup" 2>&1)"

# ---- a client that vanishes mid-transfer ----
R=$($PY vanish "$ADDR" $DEV.cnf.xml 3 7)
expect_match "silent client: the block sent again 5 times (timeout 1 s), then nothing" '"acked": 3, "at": \[[0-9., ]+\], "resent": 5' "$R"
e2e_wait_for "silent client: given up, nothing left" "status_of tftp_transfers" '^0$'
expect_match "tftp.log: given up" "no answer, given up after block 2 of" "$(cat "$LOG/tftp.log")"
$PY vanish "$ADDR" $DEV.cnf.xml 3 0 --close >/dev/null
e2e_wait_for "closed client: given up, nothing left" "status_of tftp_transfers" '^0$'

# ---- many at once ----
mkdir -p "$T/par"
R=$($PY parallel "$ADDR" $DEV.cnf.xml 50 "$T/par")
expect_match "50 transfers at once: all done, each from its own port" '"done": 50, "server_ports": 50' "$R"
bad=0
for f in "$T"/par/p*; do cmp -s "$T/http.xml" "$f" || bad=$((bad + 1)); done
expect_eq "50 transfers at once: all the same bytes" 0 "$bad"

# ---- bounded: at most 64 transfers per client address; the rest get no answer ----
$PY hold "$ADDR" $DEV.cnf.xml 80 4 >"$T/hold.out" &
HOLD=$!
e2e_wait_for "80 requests from one address: 64 served, 16 dropped" "cat $T/hold.out" '"answered": 64, "silent": 16'
expect_eq "64 transfers in flight" 64 "$(status_of tftp_transfers)"
expect_match "metrics: the dropped requests counted busy" '^[1-9][0-9]*$' "$(metric 'emcc_tftp_requests_total{result="busy"}')"
wait "$HOLD"
e2e_wait_for "their ports closed: no transfer left" "status_of tftp_transfers" '^0$'

# ---- 10,000 requests for missing files: no state left ----
FD0=$(fds)
R=$($PY flood "$ADDR" 10000 32)
expect_match "10,000 missing files: all answered error 1" '"answers": \{"error 1 File not found": 10000\}' "$R"
expect_eq "no transfer left" 0 "$(status_of tftp_transfers)"
expect_eq "metrics: the transfers gauge is 0" 0 "$(metric emcc_tftp_transfers)"
expect_match "metrics: not found counted" '^[0-9]{5,}$' "$(metric 'emcc_tftp_requests_total{result="not_found"}')"
expect_eq "no socket left open" "$FD0" "$(fds)"
expect_eq "no version stamp made for a name nobody has" 0 "$(sqlite3 "$E2E_TMP/one/emcc.db" "select count(*) from device_config_versions where device like 'SEPF000%'")"

# ---- listeners: a second node on the same address with its own port 69 cannot start; with
# TFTP off it can ----
mkdir -p "$E2E_TMP/two"
cat >"$E2E_TMP/two/emccd.ini" <<INI
[cluster]
id = two
node_address = $ADDR
[server]
http = $ADDR:18080
https = $ADDR:18443
tftp_http = $ADDR:16970
tftp_https = $ADDR:16971
data_dir = $E2E_TMP/two
workers = 1
[sip]
udp =
tcp =
INI
set +e
timeout 10 "$EMCCD" -c "$E2E_TMP/two/emccd.ini" >"$T/two.out" 2>&1
RC=$?
set -e
expect_eq "same address, same port 69: refused at start" 1 "$RC"
expect_match "the log says why" "TFTP listener: cannot bind udp $ADDR:69" "$(cat "$E2E_TMP/two/log/emccd.log")"
sed -i 's/^tftp_http = /tftp =\ntftp_http = /' "$E2E_TMP/two/emccd.ini"
node_start two
expect_eq "same address, TFTP off: starts" "" "$(cli two --json status | python3 -c "import json,sys; print(json.load(sys.stdin)['tftp'])")"
expect_eq "the first node still serves" "" "$(tftp_get $DEV.cnf.xml last.xml -m octet)"

e2e_done
