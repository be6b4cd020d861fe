#!/usr/bin/env bash
# emapp.sh -- the EM phone app driven as a phone drives it: curl with the guide's exact GETs, exact XML back.
. "$(dirname "$0")/lib.sh"
ADDR=${E2E_ADDR:-127.0.9.21}
PHONE=127.0.9.22 # the phone's own address: requests leave from it, so the audit can name it
node_config one "$ADDR"
node_start one
load_seed_lab one
DEV=SEPC80084AA8743
APP="http://$ADDR:8080/emapp/EMAppServlet"

# phone_get URL [curl args...]: the body of a GET from the phone's address.
phone_get() {
	local url=$1
	shift
	curl -sS --max-time 10 --interface "$PHONE" "$@" "$url"
}
# phone_head URL [curl args...]: headers and body.
phone_head() {
	local url=$1
	shift
	curl -sS -i --max-time 10 --interface "$PHONE" "$@" "$url" | tr -d '\r'
}
text_page() { # TEXT -> the CiscoIPPhoneText the app answers with (an Exit softkey at 1)
	echo "<CiscoIPPhoneText><Title>Extension Mobility</Title><Text>$1</Text><SoftKeyItem><Name>Exit</Name><URL>SoftKey:Exit</URL><Position>1</Position></SoftKeyItem></CiscoIPPhoneText>"
}
login_form() { # DEFAULT_USER [EXTRA_QUERY] -> the login form
	echo "<CiscoIPPhoneInput><Title>Extension Mobility</Title><Prompt>Enter User ID and PIN</Prompt><URL>http://$ADDR:8080/emapp/EMAppServlet?device=$DEV&amp;EMCC=true${2:-}</URL><InputItem><DisplayName>User ID</DisplayName><QueryStringParam>userid</QueryStringParam><DefaultValue>$1</DefaultValue><InputFlags>A</InputFlags></InputItem><InputItem><DisplayName>PIN</DisplayName><QueryStringParam>seq</QueryStringParam><DefaultValue></DefaultValue><InputFlags>NP</InputFlags></InputItem><SoftKeyItem><Name>Submit</Name><URL>SoftKey:Submit</URL><Position>1</Position></SoftKeyItem><SoftKeyItem><Name>&lt;&lt;</Name><URL>SoftKey:&lt;&lt;</URL><Position>2</Position></SoftKeyItem><SoftKeyItem><Name>Exit</Name><URL>SoftKey:Exit</URL><Position>3</Position></SoftKeyItem></CiscoIPPhoneInput>"
}
history_json() { cli one em history --json --limit "${1:-1}"; }

# ---- the guide's sequence: login page, login, logout prompt, logout ----
r=$(phone_get "$APP?device=$DEV&EMCC=true")
expect_eq "device only, nobody logged in -> the login form" "$(login_form '')" "$r"

r=$(phone_head "$APP?device=$DEV&EMCC=true&seq=12345&userid=adgjm")
expect_eq "userid + seq -> Login successful" "$(text_page 'Login successful')" "$(tail -n1 <<<"$r")"
expect_match "... with a Refresh header to the refresh page" \
	$'\nRefresh: 1; url=http://[0-9.]+:8080/emapp/EMAppServlet[?]refresh=SEPC80084AA8743%23Login&EMCC=true\n' "$r"
expect_match "... as UTF-8 XML" $'\nContent-Type: text/xml; charset=utf-8\n' "$r"
h=$(history_json)
expect_match "audit: a phone login from the phone's address" '"action": *"login"' "$h"
expect_match "audit: source phone" '"source": *"phone"' "$h"
expect_match "audit: remote ip" "\"remote_ip\": *\"$PHONE\"" "$h"
expect_match "audit: profile and EMCC=true recorded" '"detail": *"test_emcc_udp; EMCC=true"' "$h"
r=$(cli one device show "$DEV" --json)
expect_match "the device is logged in" '"logged_in_user": *"adgjm"' "$r"

r=$(phone_get "$APP?refresh=$DEV%23Login&EMCC=true")
expect_eq "the refresh page sends the phone to initservices" \
	"<CiscoIPPhoneExecute><ExecuteItem Priority=\"0\" URL=\"http://$ADDR:8080/emapp/jsp/initservices.jsp\"/></CiscoIPPhoneExecute>" "$r"
r=$(phone_get "http://$ADDR:8080/emapp/jsp/initservices.jsp")
expect_eq "initservices closes the services app" \
	'<CiscoIPPhoneExecute><ExecuteItem Priority="0" URL="Init:Services"/></CiscoIPPhoneExecute>' "$r"

r=$(phone_get "$APP?device=$DEV&EMCC=true")
expect_eq "someone logged in -> the logout prompt" \
	"<CiscoIPPhoneText><Title>Extension Mobility</Title><Text>Are you sure you want to log out?</Text><SoftKeyItem><Name>Yes</Name><URL>http://$ADDR:8080/emapp/EMAppServlet?device=$DEV&amp;EMCC=true&amp;doLogout=true</URL><Position>1</Position></SoftKeyItem><SoftKeyItem><Name>No</Name><URL>SoftKey:Exit</URL><Position>3</Position></SoftKeyItem></CiscoIPPhoneText>" "$r"

r=$(phone_head "$APP?device=$DEV&EMCC=true&doLogout=true")
expect_eq "doLogout=true -> Logout successful" "$(text_page 'Logout successful')" "$(tail -n1 <<<"$r")"
expect_match "... with a Refresh header" $'\nRefresh: 1; url=[^\n]*refresh=SEPC80084AA8743%23Logout&EMCC=true\n' "$r"
expect_match "audit: phone logout" '"action": *"logout".*"source": *"phone"' "$(history_json | tr -d '\n')"
r=$(phone_get "$APP?device=$DEV&doLogout=true")
expect_eq "doLogout with nobody logged in -> 19" "$(text_page 'Logout is unavailable(19)')" "$r"

r=$(phone_get "$APP?device=$DEV&EMCC=true")
expect_eq "Remember the Last User Logged In fills the user ID" "$(login_form adgjm)" "$r"

# ---- the services menu the device's services URL points at ----
cli one profile set test_emcc_udp --service "Corporate Directory=http://127.0.9.23/dir?x=1&y=2" >/dev/null
r=$(phone_get "http://$ADDR:8080/ccmcip/getservicesmenu.jsp?device=$DEV")
expect_eq "services menu: Extension Mobility with the guide's URL form" \
	"<CiscoIPPhoneMenu><Title>Services</Title><MenuItem><Name>Extension Mobility</Name><URL>http://$ADDR:8080/emapp/EMAppServlet?device=#DEVICENAME#&amp;EMCC=#EMCC#</URL></MenuItem><SoftKeyItem><Name>Select</Name><URL>SoftKey:Select</URL><Position>1</Position></SoftKeyItem><SoftKeyItem><Name>Exit</Name><URL>SoftKey:Exit</URL><Position>3</Position></SoftKeyItem></CiscoIPPhoneMenu>" "$r"
phone_get "$APP?device=$DEV&userid=adgjm&seq=12345" >/dev/null
r=$(phone_get "http://$ADDR:8080/ccmcip/getservicesmenu.jsp?device=$DEV")
expect_match "services menu while logged in: the profile's services too" \
	'<MenuItem><Name>Corporate Directory</Name><URL>http://127\.0\.9\.23/dir\?x=1&amp;y=2</URL></MenuItem>' "$r"
r=$(phone_get "http://$ADDR:8080/ccmcip/getservicesmenu.jsp")
expect_eq "services menu without device -> 207" "$(text_page 'Login/Logout is unavailable(207)')" "$r"

# ---- policy answers ----
cli one device add SEP00000000C002 --model 8841 >/dev/null
r=$(phone_get "$APP?device=SEP00000000C002&userid=adgjm&seq=12345")
expect_eq "second login elsewhere -> 25" "$(text_page 'Multi-Login Not Allowed (25)')" "$r"
cli one user add bob --pin 2468 --extension 2002 >/dev/null
cli one profile add bob_udp --model 7821 >/dev/null
cli one user profile add bob bob_udp --default >/dev/null
r=$(phone_get "$APP?device=$DEV&userid=bob&seq=2468")
expect_eq "another user on the phone -> 18" "$(text_page 'Login is unavailable(18)')" "$r"
phone_get "$APP?device=$DEV&doLogout=true" >/dev/null

cli one device add SEP00000000C003 --model 7821 --no-em >/dev/null
r=$(phone_get "$APP?device=SEP00000000C003")
expect_eq "EM disabled on the device -> 22" "$(text_page 'Login is unavailable(22)')" "$r"

# several profiles: a menu whose items re-submit with the profile
cli one profile add adgjm_alt --model 7821 >/dev/null
cli one user profile add adgjm adgjm_alt >/dev/null
r=$(phone_get "$APP?device=$DEV&EMCC=true&userid=adgjm&seq=12345")
expect_eq "several profiles -> a menu to choose" \
	"<CiscoIPPhoneMenu><Title>Extension Mobility</Title><Prompt>Select a device profile</Prompt><MenuItem><Name>test_emcc_udp</Name><URL>http://$ADDR:8080/emapp/EMAppServlet?device=$DEV&amp;EMCC=true&amp;userid=adgjm&amp;seq=12345&amp;profile=test_emcc_udp</URL></MenuItem><MenuItem><Name>adgjm_alt</Name><URL>http://$ADDR:8080/emapp/EMAppServlet?device=$DEV&amp;EMCC=true&amp;userid=adgjm&amp;seq=12345&amp;profile=adgjm_alt</URL></MenuItem><SoftKeyItem><Name>Select</Name><URL>SoftKey:Select</URL><Position>1</Position></SoftKeyItem><SoftKeyItem><Name>Exit</Name><URL>SoftKey:Exit</URL><Position>3</Position></SoftKeyItem></CiscoIPPhoneMenu>" "$r"
item=$(sed -n 's|.*<Name>adgjm_alt</Name><URL>\([^<]*\)</URL>.*|\1|p' <<<"$r" | sed 's/&amp;/\&/g')
r=$(phone_get "$item")
expect_eq "the chosen profile logs in" "$(text_page 'Login successful')" "$r"
expect_match "audit: with the chosen profile" '"detail": *"adgjm_alt; EMCC=true"' "$(history_json)"
phone_get "$APP?device=$DEV&doLogout=true" >/dev/null
cli one user profile del adgjm adgjm_alt >/dev/null

# ---- loginType ----
r=$(phone_get "$APP?device=$DEV&loginType=DN")
expect_match "loginType=DN asks for the extension" \
	"<Prompt>Enter extension and PIN</Prompt><URL>http://$ADDR:8080/emapp/EMAppServlet\\?device=$DEV&amp;loginType=DN</URL><InputItem><DisplayName>Extension</DisplayName><QueryStringParam>userid</QueryStringParam><DefaultValue></DefaultValue><InputFlags>N</InputFlags>" "$r"
r=$(phone_get "$APP?device=$DEV&loginType=DN&userid=2002&seq=2468")
expect_eq "DN + PIN logs in the extension's user" "$(text_page 'Login successful')" "$r"
expect_match "audit: bob by his extension" '"user": *"bob"' "$(history_json)"
phone_get "$APP?device=$DEV&doLogout=true" >/dev/null
cli one user add carol --pin 1357 --extension 2002 >/dev/null
r=$(phone_get "$APP?device=$DEV&loginType=DN&userid=2002&seq=2468")
expect_eq "an extension of several users -> 216" "$(text_page 'DN has multiple users(216)')" "$r"
r=$(phone_get "$APP?device=$DEV&loginType=SP&userid=bob&seq=2468")
expect_eq "loginType=SP behaves like UID" "$(text_page 'Login successful')" "$r"
phone_get "$APP?device=$DEV&doLogout=true" >/dev/null
r=$(phone_get "$APP?device=$DEV&loginType=XYZ")
expect_eq "any other loginType -> 215" "$(text_page 'LoginType invalid(215)')" "$r"
r=$(phone_get "$APP?device=$DEV&EMCC=true&getClusterInfo=true")
expect_eq "getClusterInfo is ignored" "$(login_form bob)" "$r"

# ---- bad input ----
r=$(phone_get "$APP")
expect_eq "no device -> 207" "$(text_page 'Login/Logout is unavailable(207)')" "$r"
r=$(phone_get "$APP?device=&EMCC=true")
expect_eq "blank device -> 207" "$(text_page 'Login/Logout is unavailable(207)')" "$r"
r=$(phone_get "$APP?device=SEPc80084aa8743")
expect_eq "lowercase SEP name -> 207" "$(text_page 'Login/Logout is unavailable(207)')" "$r"
r=$(phone_get "$APP?device=SEP12345")
expect_eq "short SEP name -> 207" "$(text_page 'Login/Logout is unavailable(207)')" "$r"
r=$(phone_get "$APP?device=SEPC80084AA8743%0D%0AX")
expect_eq "CR LF in the device name -> 207" "$(text_page 'Login/Logout is unavailable(207)')" "$r"
r=$(phone_get "$APP?device=SEP%zz")
expect_eq "bad %-escape -> 207" "$(text_page 'Login/Logout is unavailable(207)')" "$r"
long=$(head -c 300 /dev/zero | tr '\0' 'A')
r=$(phone_get "$APP?device=$long")
expect_eq "over-long device -> 207" "$(text_page 'Login/Logout is unavailable(207)')" "$r"
r=$(phone_get "$APP?device=SEP000000000001&EMCC=true")
expect_eq "unknown device -> 11" "$(text_page 'Login is unavailable(11)')" "$r"
r=$(phone_get "$APP?device=$DEV&userid=&seq=12345")
expect_eq "blank user ID -> 202" "$(text_page 'Please try to login again (202)')" "$r"
r=$(phone_get "$APP?device=$DEV&userid=adgjm&seq=")
expect_eq "blank PIN -> 202" "$(text_page 'Please try to login again (202)')" "$r"
r=$(phone_get "$APP?device=$DEV&userid=adgjm")
expect_eq "no PIN at all -> 202" "$(text_page 'Please try to login again (202)')" "$r"
r=$(phone_get "$APP?device=$DEV&userid=$(head -c 200 /dev/zero | tr '\0' 'u')&seq=12345")
expect_eq "over-long user ID -> 202, never cut" "$(text_page 'Please try to login again (202)')" "$r"
r=$(phone_get "$APP?device=$DEV&userid=adgjm&seq=123456789012345678")
expect_eq "over-long PIN -> 202, never cut" "$(text_page 'Please try to login again (202)')" "$r"
r=$(cli one user show adgjm --json)
expect_match "blank and over-long input counted no failed logon" '"failed_logons": *0' "$r"
r=$(phone_get "$APP?device=$DEV&userid=nosuchuser&seq=12345")
expect_eq "unknown user -> 201" "$(text_page 'Please try to login again (201)')" "$r"
expect_match "audit: the real reason for the unknown user" '"code": *23.*"detail": *"unknown user' \
	"$(history_json | tr -d '\n')"
r=$(curl -sS -X POST --max-time 10 -o /dev/null -w '%{http_code}' "$APP?device=$DEV")
expect_eq "POST -> 405" "405" "$r"

# ---- repeated PIN guesses: the lockout ----
for pin in 11111 22222; do
	r=$(phone_get "$APP?device=$DEV&userid=adgjm&seq=$pin")
	expect_eq "wrong PIN $pin -> 201" "$(text_page 'Please try to login again (201)')" "$r"
done
r=$(phone_get "$APP?device=$DEV&userid=adgjm&seq=33333")
expect_eq "third wrong PIN -> 201 (and the lockout engages)" "$(text_page 'Please try to login again (201)')" "$r"
h=$(history_json | tr -d '\n')
expect_match "em history shows the lockout" '"detail": *"wrong PIN, 3 failed logons: lockout engaged until' "$h"
r=$(phone_get "$APP?device=$DEV&userid=adgjm&seq=12345")
expect_eq "the right PIN while locked -> the same 201" "$(text_page 'Please try to login again (201)')" "$r"
expect_match "em history shows why" '"detail": *"locked out until' "$(history_json | tr -d '\n')"
expect_match "the user is locked" '"locked": *true' "$(cli one user show adgjm --json)"
cli one user unlock adgjm >/dev/null
r=$(phone_get "$APP?device=$DEV&userid=adgjm&seq=12345")
expect_eq "after emcc user unlock the right PIN logs in" "$(text_page 'Login successful')" "$r"
expect_match "the count is back at 0" '"failed_logons": *0' "$(cli one user show adgjm --json)"

# ---- languages and charsets ----
r=$(phone_get "$APP?device=$DEV" -H 'Accept-Language: de-DE,de;q=0.9,en;q=0.5')
expect_eq "Accept-Language de -> German logout prompt" \
	"<CiscoIPPhoneText><Title>Extension Mobility</Title><Text>Möchten Sie sich wirklich abmelden?</Text><SoftKeyItem><Name>Ja</Name><URL>http://$ADDR:8080/emapp/EMAppServlet?device=$DEV&amp;doLogout=true</URL><Position>1</Position></SoftKeyItem><SoftKeyItem><Name>Nein</Name><URL>SoftKey:Exit</URL><Position>3</Position></SoftKeyItem></CiscoIPPhoneText>" "$r"
r=$(phone_get "$APP?device=$DEV&doLogout=true" -H 'Accept-Language: de')
expect_eq "German: Abmeldung erfolgreich" \
	"<CiscoIPPhoneText><Title>Extension Mobility</Title><Text>Abmeldung erfolgreich</Text><SoftKeyItem><Name>Beenden</Name><URL>SoftKey:Exit</URL><Position>1</Position></SoftKeyItem></CiscoIPPhoneText>" "$r"
r=$(phone_get "$APP?device=$DEV&userid=adgjm&seq=999" -H 'Accept-Language: de')
expect_eq "German error text" \
	"<CiscoIPPhoneText><Title>Extension Mobility</Title><Text>Bitte erneut anmelden (201)</Text><SoftKeyItem><Name>Beenden</Name><URL>SoftKey:Exit</URL><Position>1</Position></SoftKeyItem></CiscoIPPhoneText>" "$r"
r=$(phone_get "$APP?device=$DEV&userid=adgjm&seq=12345" -H 'Accept-Language: fr' -H 'Accept-Charset: ISO-8859-1' | od -An -c | tr -s ' \n' ' ')
expect_match "ISO-8859-1 when the phone asks only for it: Connexion r\\351ussie" \
	'C o n n e x i o n r 351 u s s i e' "$r"
r=$(phone_head "$APP?device=$DEV" -H 'Accept-Language: fr' -H 'Accept-Charset: ISO-8859-1')
expect_match "... labelled ISO-8859-1" $'\nContent-Type: text/xml; charset=ISO-8859-1\n' "$r"
r=$(phone_head "$APP?device=$DEV" -H 'Accept-Language: fr' -H 'Accept-Charset: utf-8,;q=0.8')
expect_match "the phone's own Accept-Charset -> UTF-8" $'\nContent-Type: text/xml; charset=utf-8\n' "$r"
expect_match "... French UTF-8" 'vraiment vous déconnecter' "$r"

# ---- HTTPS ----
r=$(phone_get "https://$ADDR:8443/emapp/EMAppServlet?device=$DEV&doLogout=true" -k)
expect_eq "HTTPS works the same" "$(text_page 'Logout successful')" "$r"
r=$(phone_get "https://$ADDR:8443/emapp/EMAppServlet?device=$DEV&EMCC=true" -k)
expect_match "HTTPS form points back at HTTPS" "<URL>https://$ADDR:8443/emapp/EMAppServlet\\?device=$DEV&amp;EMCC=true</URL>" "$r"

# ---- the trace ----
LOG="$E2E_TMP/one/log/emapp.log"
expect_match "emapp.log: CUCM's parameter line" \
	"EMApp Request parameters: Logout=null Device Name=$DEV User Id=adgjm Device Profile=null Refresh=null Remote Host IP Address = $PHONE Via Header Set = false getClusterInfo = null Lang = null Charset=null Emcc = true LoginType=null PIN=sent" "$(cat "$LOG")"
expect_match "emapp.log: the success line" "Successfully performed Login for user adgjm at $DEV" "$(cat "$LOG")"
expect_match "emapp.log: the real reason of a refusal" 'phone shows 201; real 23: unknown user' "$(cat "$LOG")"
expect_match "emapp.log: the lockout" 'user adgjm locked out: wrong PIN, 3 failed logons' "$(cat "$LOG")"
n=$(cat "$E2E_TMP"/one/log/*.log | grep -c -e '33333' -e '2468' -e 'seq=' || true)
expect_eq "no PIN in any log" "0" "$n"

# HEAD must be safe: it never logs anyone in (HTTP says so; a GET here may).
code=$(curl -s -o /dev/null -w '%{http_code}' --head --max-time 10 --interface "$PHONE" "$APP?device=$DEV&seq=12345&userid=adgjm")
expect_eq "HEAD on the phone app -> 405" "405" "$code"
r=$(curl -sS --max-time 10 "$APP?device=$DEV")
expect_match "... and nobody was logged in by it" '<CiscoIPPhoneInput>' "$r"

e2e_done
