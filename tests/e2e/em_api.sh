#!/usr/bin/env bash
# em_api.sh -- the documented EM API requests against a real emccd, answers checked byte for byte.
. "$(dirname "$0")/lib.sh"
ADDR=${E2E_ADDR:-127.0.9.11}
node_config one "$ADDR"
node_start one
load_seed_lab one
cli one device add SEP003094C25B15 --model 7821 >/dev/null
cli one device add SEP402CF4915265 --model 7841 >/dev/null
cli one user add john --pin 2468 >/dev/null
cli one profile add UserDevProf --model 7821 >/dev/null
cli one user profile add john UserDevProf --default >/dev/null

URL="http://$ADDR:8080/emservice/EMServiceServlet"
APP='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
OK='<response><success/></response>'

# The API guide's login example, exclusiveDuration 60 minutes.
r=$(em_post "$URL" "<request>$APP<login><deviceName>SEP003094C25B15</deviceName><userID>john</userID><deviceProfile>UserDevProf</deviceProfile><exclusiveDuration><time>60</time></exclusiveDuration></login></request>")
expect_eq "login with exclusiveDuration 60" "$OK" "$r"

# HTTP status is 200 for failures too, as CUCM answers.
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode "xml=<request>$APP<login><deviceName>SEP003094C25B15</deviceName><userID>adgjm</userID></login></request>" "$URL")
expect_eq "a refused login still answers HTTP 200" "200" "$code"
r=$(em_post "$URL" "<request>$APP<login><deviceName>SEP003094C25B15</deviceName><userID>adgjm</userID></login></request>")
expect_match "second user on a busy device -> 18" '<error code="18">' "$r"

# Default profile, indefinite duration.
r=$(em_post "$URL" "<request>$APP<login><deviceName>SEPC80084AA8743</deviceName><userID>adgjm</userID><exclusiveDuration><indefinite/></exclusiveDuration></login></request>")
expect_eq "login adgjm with default profile, indefinite" "$OK" "$r"

# Multiple Login Behavior default: Not Allowed -> 25.
r=$(em_post "$URL" "<request>$APP<login><deviceName>SEP402CF4915265</deviceName><userID>adgjm</userID></login></request>")
expect_match "adgjm on a second device -> 25" '^<response><failure><error code="25">' "$r"

# deviceUserQuery with several devices, one unknown.
r=$(em_post "$URL" "<query>$APP<deviceUserQuery><deviceName>SEP003094C25B15</deviceName><deviceName>SEPC80084AA8743</deviceName><deviceName>SEP402CF4915265</deviceName><deviceName>SEP000000000000</deviceName></deviceUserQuery></query>")
expect_eq "deviceUserQuery with four devices" \
	'<response><deviceUserResults><device name="SEP003094C25B15"><userID>john</userID><lastlogin>john</lastlogin><emccDevice>no</emccDevice></device><device name="SEPC80084AA8743"><userID>adgjm</userID><lastlogin>adgjm</lastlogin><emccDevice>no</emccDevice></device><device name="SEP402CF4915265"><none/></device><device name="SEP000000000000"><doesNotExist/></device></deviceUserResults></response>' "$r"

# userDevicesQuery: a logged-in user, a user with no device, an unknown user.
cli one user add nobody --pin 1357 >/dev/null
r=$(em_post "$URL" "<query>$APP<userDevicesQuery><userID>adgjm</userID><userID>nobody</userID><userID>ghost</userID></userDevicesQuery></query>")
expect_eq "userDevicesQuery" \
	'<response><userDevicesResults><user id="adgjm"><deviceName>SEPC80084AA8743</deviceName></user><user id="nobody"><none/></user><user id="ghost"><doesNotExist/></user></userDevicesResults></response>' "$r"

# deviceProfileQuery and the guide's userDeviceProfileQuery spelling.
r=$(em_post "$URL" "<query>$APP<deviceProfileQuery><userID>adgjm</userID></deviceProfileQuery></query>")
expect_eq "deviceProfileQuery" \
	'<response><deviceProfileResults><user id="adgjm"><deviceProfile><deviceProfileName>test_emcc_udp</deviceProfileName><isDefaultDeviceProfile>t</isDefaultDeviceProfile></deviceProfile></user></deviceProfileResults></response>' "$r"
r2=$(em_post "$URL" "<query>$APP<userDeviceProfileQuery><userID>adgjm</userID></userDeviceProfileQuery></query>")
expect_eq "userDeviceProfileQuery answers the same" "$r" "$r2"

# logout, then logout again -> 19; unknown device -> 11.
r=$(em_post "$URL" "<request>$APP<logout><deviceName>SEP003094C25B15</deviceName></logout></request>")
expect_eq "logout john" "$OK" "$r"
r=$(em_post "$URL" "<request>$APP<logout><deviceName>SEP003094C25B15</deviceName></logout></request>")
expect_match "logout of an empty device -> 19" '<error code="19">' "$r"
r=$(em_post "$URL" "<request>$APP<logout><deviceName>SEP111111111111</deviceName></logout></request>")
expect_match "logout of an unknown device -> 11" '<error code="11">' "$r"

# Remember the Last User: john's device now shows lastlogin.
r=$(em_post "$URL" "<query>$APP<deviceUserQuery><deviceName>SEP003094C25B15</deviceName></deviceUserQuery></query>")
expect_eq "last user remembered after logout" \
	'<response><deviceUserResults><device name="SEP003094C25B15"><none/><lastlogin>john</lastlogin></device></deviceUserResults></response>' "$r"

# logoutAll (empty element, as the guide sends it).
em_post "$URL" "<request>$APP<login><deviceName>SEP003094C25B15</deviceName><userID>john</userID></login></request>" >/dev/null
r=$(em_post "$URL" "<request>$APP<logoutAll></logoutAll></request>")
expect_eq "logoutAll" "$OK" "$r"
r=$(em_post "$URL" "<query>$APP<userDevicesQuery><userID>adgjm</userID><userID>john</userID></userDevicesQuery></query>")
expect_eq "nobody logged in after logoutAll" \
	'<response><userDevicesResults><user id="adgjm"><none/></user><user id="john"><none/></user></userDevicesResults></response>' "$r"

# Authentication: wrong password and unknown app user answer alike (3); blank -> 2.
r=$(em_post "$URL" "<query><appInfo><appID>CCMSysUser</appID><appCertificate>wrong</appCertificate></appInfo><deviceUserQuery><deviceName>SEP003094C25B15</deviceName></deviceUserQuery></query>")
expect_eq "wrong app password -> 3" \
	"<response><failure><error code=\"3\">Could not authenticate 'CCMSysUser'</error></failure></response>" "$r"
r=$(em_post "$URL" "<query><appInfo><appID>nosuchapp</appID><appCertificate>x</appCertificate></appInfo><deviceUserQuery><deviceName>SEP003094C25B15</deviceName></deviceUserQuery></query>")
expect_eq "unknown app user -> 3" \
	"<response><failure><error code=\"3\">Could not authenticate 'nosuchapp'</error></failure></response>" "$r"

# An end user acting on their own profile (no proxy rights), and not on someone else's (10).
USERAPP='<appInfo><appID>adgjm</appID><appCertificate>Adgjm-Pass-1</appCertificate></appInfo>'
r=$(em_post "$URL" "<request>$USERAPP<login><deviceName>SEP402CF4915265</deviceName><userID>adgjm</userID></login></request>")
expect_eq "end user logs themselves in" "$OK" "$r"
r=$(em_post "$URL" "<request>$USERAPP<login><deviceName>SEP003094C25B15</deviceName><userID>john</userID></login></request>")
expect_match "end user acting for another user -> 10" '<error code="10">' "$r"
r=$(em_post "$URL" "<request>$USERAPP<logout><deviceName>SEP402CF4915265</deviceName></logout></request>")
expect_eq "end user logs themselves out" "$OK" "$r"

# Metrics count what happened.
m=$(curl -sS "http://$ADDR:8080/metrics")
expect_match "metrics count logins" 'emcc_em_requests_total\{type="login",code="ok"\} [1-9]' "$m"
expect_match "metrics count code 25" 'emcc_em_requests_total\{type="login",code="25"\} 1' "$m"
expect_match "metrics have a latency histogram" 'emcc_em_request_duration_seconds_bucket\{type="login",le="\+Inf"\}' "$m"

# HTTPS listener answers the same API (self-signed certificate made on first start).
r=$(curl -sS -k --max-time 10 --data-urlencode "xml=<query>$APP<checkUser><userID>adgjm</userID><userID>ghost</userID></checkUser></query>" "https://$ADDR:8443/emservice/EMServiceServlet")
expect_eq "checkUser over HTTPS" \
	'<response><checkUserResults><user id="adgjm"><exists/></user><user id="ghost"><doesNotExist/></user></checkUserResults></response>' "$r"
# Intra-cluster Maximum Login Time: setting it turns Enforce on (as CUCM does) and a login
# without exclusiveDuration gets that duration and a scheduled logout.
cli one param set intra_cluster_max_login_time 0:30 >/dev/null
out=$(cli one param show enforce_intra_cluster_max_login_time)
expect_match "setting the time turns Enforce on" 'true' "$out"
r=$(em_post "$URL" "<request>$APP<login><deviceName>SEP003094C25B15</deviceName><userID>john</userID></login></request>")
expect_eq "login under the maximum login time" "$OK" "$r"
st=$(cli one --json em state --device SEP003094C25B15)
expect_match "login duration is 30 minutes" '"login_duration": ?1800' "$st"
m=$(curl -sS "http://$ADDR:8080/metrics")
expect_match "scheduled logout counted in metrics" 'emcc_em_scheduled_logouts 1' "$m"
e2e_done
