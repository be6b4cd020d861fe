/* em_codes.c -- readable texts for the EM service and EM application result codes. */
#include "core/em_codes.h"

#include <stddef.h>

struct code_text {
	int code;
	const char *text;
};

/* Texts follow the names in Cisco's tables (reference section 1.6) where one exists; the
 * phone-facing codes use the text the phone shows, without the "(N)" suffix. */
static const struct code_text code_texts[] = {
    {EM_UNKNOWN_ERROR, "Unknown Error"},
    {EM_PARSE_ERROR, "Error on Parsing"},
    {EM_AUTH_ERROR, "Cannot authorize App user"},
    {EM_INVALID_APP_USER, "Invalid App User"},
    {EM_POLICY_VALIDATION, "Policy Validation error"},
    {EM_DEVICE_LOGON_DISABLED_5, "Device logon disabled"},
    {EM_DATABASE_ERROR, "Database Error"},
    {EM_LOGOUT_REQUEST_ERROR, "Logout Request Error"},
    {EM_QUERY_TYPE_UNDETERMINED, "Query type undetermined"},
    {EM_DIR_USER_INFO_ERROR, "Dir. User Info Error"},
    {EM_NO_PROXY_RIGHTS, "User lacks app proxy rights"},
    {EM_DEVICE_NOT_FOUND, "Device does not exist"},
    {EM_PROFILE_NOT_FOUND, "Dev. Profile not found"},
    {EM_ANOTHER_USER_LOGGED_IN, "Another user logged in"},
    {EM_NO_USER_LOGGED_IN, "No user logged in"},
    {EM_HOTELING_FLAG_ERROR, "Hoteling flag error"},
    {EM_HOTELING_STATUS_ERROR, "Hoteling Status error"},
    {EM_DEVICE_LOGON_DISABLED, "Device logon disabled"},
    {EM_USER_NOT_FOUND, "User does not exist"},
    {EM_USER_LOGGED_IN_ELSEWHERE, "User logged in elsewhere"},
    {EM_BUSY, "Busy, please try again"},
    {EM_CHANGE_PASSWORD, "Change Password"},
    {EM_UNTRUSTED_IP, "Untrusted IP Error"},
    {EM_RIS_DOWN, "RIS down-contact admin"},
    {EM_PROXY_NOT_ALLOWED, "Proxy not allowed"},
    {EM_EMCC_NOT_ACTIVATED_FOR_USER, "EMCC Not Activated for the user"},
    {EM_DEVICE_NO_EMCC, "Device does not support EMCC"},
    {EM_NO_FREE_EMCC_DEVICE, "No free EMCC dummy device"},
    {EM_VISITING_CLUSTER_UNKNOWN, "Visiting Cluster Information is not present in Home Cluster"},
    {EM_NO_REMOTE_CLUSTER, "No Remote Cluster"},
    {EM_DUPLICATE_DEVICE_NAME, "Duplicate Device Name"},
    {EM_EMCC_NOT_ALLOWED, "EMCC Not Allowed"},
    {EM_CONFIGURATION_ISSUE, "Configuration Issue"},
    {EM_NO_RESPONSE_FROM_REMOTE, "No Response from Remote Host"},
    {EM_PIN_CHANGE_REQUIRED, "PIN change is required"},
    {EM_INVALID_CLUSTER_ID, "Invalid ClusterID"},
    {EM_DEVICE_SECURITY_MODE, "Device Security mode error"},
    {EM_CLUSTER_ID_NOT_VALID, "Cluster ID is not valid"},
    {EM_REMOTE_VERSION_UNSUPPORTED, "Remote Cluster version not supported"},
    {EM_REMOTE_SECURITY_UNSUPPORTED, "Remote Cluster security mode not supported"},
    {EM_DN_MULTIPLE_USERS, "DN has multiple users"},

    {EMAPP_AUTH_ERROR, "Please try to login again"},
    {EMAPP_BLANK_USER_OR_PIN, "Please try to login again"},
    {EMAPP_DIRECTORY_ERROR, "Login is unavailable"},
    {EMAPP_USER_PROFILE_ABSENT, "User Profile Absent"},
    {EMAPP_DEVICE_NAME_EMPTY, "Device Name Empty"},
    {EMAPP_EMSERVICE_CONNECTION_ERROR, "EMService Connection Error"},
    {EMAPP_INIT_FAIL, "Init Fail-Contact Admin"},
    {EMAPP_EMCC_NOT_ACTIVATED, "EMCC Not Activated"},
    {EMAPP_CLUSTER_ID_INVALID, "Cluster ID is invalid"},
    {EMAPP_DEVICE_NO_EMCC, "Device does not support EMCC"},
    {EMAPP_LOGIN_TYPE_INVALID, "LoginType invalid"},
    {EMAPP_DN_MULTIPLE_USERS, "DN has multiple users"},
};

const char *em_code_text(int code)
{
	for (size_t i = 0; i < sizeof(code_texts) / sizeof(code_texts[0]); i++)
		if (code_texts[i].code == code)
			return code_texts[i].text;
	return "Unknown Error";
}
