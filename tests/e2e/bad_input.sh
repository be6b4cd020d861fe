#!/usr/bin/env bash
# bad_input.sh -- hostile and broken input gets a clear answer and changes nothing.
. "$(dirname "$0")/lib.sh"
ADDR=${E2E_ADDR:-127.0.9.12}
node_config one "$ADDR"
node_start one
load_seed_lab one
URL="http://$ADDR:8080/emservice/EMServiceServlet"
APP='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
QUERY="<query>$APP<deviceUserQuery><deviceName>SEPC80084AA8743</deviceName></deviceUserQuery></query>"
before=$(em_post "$URL" "$QUERY")

r=$(em_post "$URL" "<request>$APP<login><deviceName>SEPC80084AA8743</deviceName>")
expect_match "truncated XML -> 1" '^<response><failure><error code="1">' "$r"

r=$(curl -sS --data-binary $'xml=<request><appInfo><appID>\xc3\x28</appID><appCertificate>x</appCertificate></appInfo><logoutAll/></request>' "$URL")
expect_match "non-UTF-8 bytes -> 1" '^<response><failure><error code="1">' "$r"

LAUGHS='<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
r=$(em_post "$URL" "$LAUGHS<query>$APP<deviceUserQuery><deviceName>&lol3;</deviceName></deviceUserQuery></query>")
expect_match "entity expansion document -> 1" '^<response><failure><error code="1">' "$r"

XXE='<?xml version="1.0"?><!DOCTYPE query [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
r=$(em_post "$URL" "$XXE<query>$APP<deviceUserQuery><deviceName>&xxe;</deviceName></deviceUserQuery></query>")
expect_match "external entity -> 1" '^<response><failure><error code="1">' "$r"
[[ "$r" == *root:* ]] && expect_eq "external entity never read" "no file content" "$r"

r=$(em_post "$URL" "<request>$APP<reboot><deviceName>SEPC80084AA8743</deviceName></reboot></request>")
expect_match "unknown request element -> 8" '^<response><failure><error code="8">' "$r"
r=$(em_post "$URL" "<query>$APP<fooQuery><userID>adgjm</userID></fooQuery></query>")
expect_match "unknown query element -> 8" '^<response><failure><error code="8">' "$r"

r=$(em_post "$URL" "<request><logout><deviceName>SEPC80084AA8743</deviceName></logout></request>")
expect_match "missing appInfo -> refused" '^<response><failure><error code="[0-9]+">[^<]*appInfo' "$r"

r=$(curl -sS --data "notxml=1" "$URL")
expect_match "form without field xml -> 1" '^<response><failure><error code="1">' "$r"

# A body over the limit (64 KiB by default) is refused with 413 before anything is parsed.
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
code=$(printf 'xml=%s' "$big" | curl -s -o /dev/null -w '%{http_code}' --data-binary @- "$URL")
expect_eq "oversized body -> HTTP 413" "413" "$code"

# SQL metacharacters are names like any other.
EVIL="x'); DROP TABLE users;--"
r=$(em_post "$URL" "<request>$APP<login><deviceName>SEPC80084AA8743</deviceName><userID>$EVIL</userID></login></request>")
expect_match "SQL metacharacters in userID -> 23" '<error code="23">' "$r"
r=$(em_post "$URL" "<request>$APP<logout><deviceName>$EVIL</deviceName></logout></request>")
expect_match "SQL metacharacters in deviceName -> 11" '<error code="11">' "$r"
out=$(cli one user show adgjm)
expect_match "users table intact" 'adgjm' "$out"

# Device names that do not fit the model's naming rule.
if cli one device add SEP12345 --model 7821 >/dev/null 2>"$E2E_TMP/err"; then
	expect_eq "short SEP name refused" "refused" "accepted"
else
	expect_match "short SEP name refused with a reason" 'SEP' "$(cat "$E2E_TMP/err")"
fi
cli one device add SEPZZZZZZZZZZZZ --model 7821 >/dev/null 2>&1 && rc=0 || rc=$?
expect_eq "non-hex SEP name refused (exit 1)" "1" "$rc"
cli one device add "SEP'OR'1'='1" --model 7821 >/dev/null 2>&1 && rc=0 || rc=$?
expect_eq "quote-laden device name refused (exit 1)" "1" "$rc"

# CSV import: duplicate rows are reported per row, good rows land whole, bad rows not at all.
cat >"$E2E_TMP/users.csv" <<'CSV'
id,name,pin,profiles
alice,Alice,1111,test_emcc_udp
bob,Bob,12,test_emcc_udp
alice,Alice again,2222,test_emcc_udp
carol,Carol,3333,no_such_profile
dave,Dave,4444,
CSV
cli one --json user import "$E2E_TMP/users.csv" >"$E2E_TMP/import.json" 2>&1 || true
imp=$(cat "$E2E_TMP/import.json")
expect_match "import reports 2 imported" '"imported": ?2' "$imp"
expect_match "import reports line 3 (bad PIN)" '"line": ?3' "$imp"
expect_match "import reports line 4 (duplicate)" '"line": ?4' "$imp"
expect_match "import reports line 5 (unknown profile)" '"line": ?5' "$imp"
cli one user show carol >/dev/null 2>&1 && rc=0 || rc=$?
expect_eq "the failed row left no user behind" "1" "$rc"
cli one user show bob >/dev/null 2>&1 && rc=0 || rc=$?
expect_eq "bad-PIN row left no user behind" "1" "$rc"

after=$(em_post "$URL" "$QUERY")
expect_eq "device state unchanged by all of the above" "$before" "$after"

# A config with a bad value: emccd -n names the line; the running node is untouched.
cp "$E2E_TMP/one/emccd.ini" "$E2E_TMP/bad.ini"
printf 'workers = many\n' >>"$E2E_TMP/bad.ini"
out=$("$EMCCD" -n -c "$E2E_TMP/bad.ini" 2>&1) && rc=0 || rc=$?
expect_eq "emccd -n refuses a bad value" "1" "$rc"
line=$(wc -l <"$E2E_TMP/bad.ini")
expect_match "emccd -n names the file and line" "bad.ini:$line:" "$out"
printf '[parameters]\nmultiple_login_behavior = sometimes\n' >"$E2E_TMP/bad2.ini"
out=$("$EMCCD" -n -c "$E2E_TMP/bad2.ini" 2>&1) && rc=0 || rc=$?
expect_match "emccd -n names a bad parameter line" "bad2.ini:2:.*multiple_login_behavior" "$out"
out=$("$EMCCD" -n -c "$E2E_TMP/one/emccd.ini" 2>&1) && rc=0 || rc=$?
expect_eq "emccd -n accepts the good config" "0" "$rc"
e2e_done
