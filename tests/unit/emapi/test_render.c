/* test_render.c -- every EM API response shape, compared byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emapi/emapi.h"

static struct buf b;

static int setup(void **state)
{
	buf_init(&b);
	return 0;
}

static int teardown(void **state)
{
	buf_free(&b);
	return 0;
}

static void test_success(void **state)
{
	emapi_render_success(&b);
	assert_string_equal(b.data, "<response><success/></response>");
}

static void test_failure(void **state)
{
	emapi_render_failure(&b, 3, "Could not authenticate 'appid'");
	/* byte for byte the guide's example: the apostrophe stays bare in element text */
	assert_string_equal(b.data, "<response><failure><error code=\"3\">Could not authenticate "
				    "'appid'</error></failure></response>");
	buf_reset(&b);
	emapi_render_failure(&b, 1, "Error on Parsing: <x> & \"y\"");
	assert_string_equal(b.data,
			    "<response><failure><error code=\"1\">Error on Parsing: &lt;x&gt; "
			    "&amp; &quot;y&quot;</error></failure></response>");
	buf_reset(&b);
	emapi_render_failure(&b, 0, NULL);
	assert_string_equal(b.data,
			    "<response><failure><error code=\"0\"></error></failure></response>");
}

static void test_device_user(void **state)
{
	struct emapi_device_result in = {.name = "SEP402CF4915265",
					 .state = EMAPI_DEV_LOGGED_IN,
					 .user_id = "em@cisco.com",
					 .last_user = "em"};
	struct emapi_device_result in2 = {.name = "SEP001122334455",
					  .state = EMAPI_DEV_LOGGED_IN,
					  .user_id = "bob",
					  .last_user = "",
					  .emcc_device = 1};
	struct emapi_device_result none = {
	    .name = "SEPAAAAAAAAAAAA", .state = EMAPI_DEV_NONE, .last_user = "jo hn"};
	struct emapi_device_result none2 = {.name = "SEPBBBBBBBBBBBB", .state = EMAPI_DEV_NONE};
	struct emapi_device_result dne = {.name = "SEP<&>", .state = EMAPI_DEV_DOES_NOT_EXIST};

	emapi_render_device_user_begin(&b);
	emapi_render_device_user(&b, &in);
	emapi_render_device_user_end(&b);
	assert_string_equal(
	    b.data, "<response><deviceUserResults><device name=\"SEP402CF4915265\"><userID>em%"
		    "40cisco.com</userID><lastlogin>em</lastlogin><emccDevice>no</emccDevice>"
		    "</device></deviceUserResults></response>");
	buf_reset(&b);
	emapi_render_device_user_begin(&b);
	emapi_render_device_user(&b, &in2);
	emapi_render_device_user(&b, &none);
	emapi_render_device_user(&b, &none2);
	emapi_render_device_user(&b, &dne);
	emapi_render_device_user_end(&b);
	assert_string_equal(
	    b.data,
	    "<response><deviceUserResults>"
	    "<device name=\"SEP001122334455\"><userID>bob</userID><emccDevice>yes"
	    "</emccDevice></device>"
	    "<device name=\"SEPAAAAAAAAAAAA\"><none/><lastlogin>jo%20hn</lastlogin></device>"
	    "<device name=\"SEPBBBBBBBBBBBB\"><none/></device>"
	    "<device name=\"SEP&lt;&amp;&gt;\"><doesNotExist/></device>"
	    "</deviceUserResults></response>");
}

static void test_user_devices(void **state)
{
	emapi_render_user_devices_begin(&b);
	emapi_render_user_begin(&b, "em@cisco.com");
	emapi_render_user_devices_device(&b, "SEP402CF4915265");
	emapi_render_user_devices_device(&b, "CSF<x>");
	emapi_render_user_end(&b);
	emapi_render_user_state(&b, "nobody", EMAPI_USER_NONE);
	emapi_render_user_state(&b, "a\"b", EMAPI_USER_DOES_NOT_EXIST);
	emapi_render_user_devices_end(&b);
	assert_string_equal(b.data,
			    "<response><userDevicesResults>"
			    "<user id=\"em%40cisco.com\"><deviceName>SEP402CF4915265</deviceName>"
			    "<deviceName>CSF&lt;x&gt;</deviceName></user>"
			    "<user id=\"nobody\"><none/></user>"
			    "<user id=\"a%22b\"><doesNotExist/></user>"
			    "</userDevicesResults></response>");
}

static void test_profiles(void **state)
{
	emapi_render_profiles_begin(&b);
	emapi_render_user_begin(&b, "em@cisco.com");
	emapi_render_profiles_profile(&b, "EM-SCCP-Profile-7970", 0);
	emapi_render_profiles_profile(&b, "R&D", 1);
	emapi_render_user_end(&b);
	emapi_render_user_state(&b, "x", EMAPI_USER_NONE);
	emapi_render_user_state(&b, "y", EMAPI_USER_DOES_NOT_EXIST);
	emapi_render_profiles_end(&b);
	assert_string_equal(
	    b.data, "<response><deviceProfileResults><user id=\"em%40cisco.com\">"
		    "<deviceProfile><deviceProfileName>EM-SCCP-Profile-7970</deviceProfileName>"
		    "<isDefaultDeviceProfile>f</isDefaultDeviceProfile></deviceProfile>"
		    "<deviceProfile><deviceProfileName>R&amp;D</deviceProfileName>"
		    "<isDefaultDeviceProfile>t</isDefaultDeviceProfile></deviceProfile></user>"
		    "<user id=\"x\"><none/></user><user id=\"y\"><doesNotExist/></user>"
		    "</deviceProfileResults></response>");
}

static void test_check_user(void **state)
{
	emapi_render_check_user_begin(&b);
	emapi_render_check_user(&b, "em@cisco.com", 1);
	emapi_render_check_user(&b, "ghost", 0);
	emapi_render_check_user_end(&b);
	assert_string_equal(b.data, "<response><checkUserResults>"
				    "<user id=\"em%40cisco.com\"><exists/></user>"
				    "<user id=\"ghost\"><doesNotExist/></user>"
				    "</checkUserResults></response>");
}

/* A rendered answer must parse back as XML a client can read: run the non-ASCII user through. */
static void test_utf8_user(void **state)
{
	emapi_render_check_user_begin(&b);
	emapi_render_check_user(&b, "j\xC3\xBCrgen", 1);
	emapi_render_check_user_end(&b);
	assert_string_equal(b.data, "<response><checkUserResults><user id=\"j%C3%BCrgen\"><exists/>"
				    "</user></checkUserResults></response>");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_success, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_user, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_devices, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_check_user, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_utf8_user, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
