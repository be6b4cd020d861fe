/* emapi_client.c -- `emcc em login|logout|query`: a Cisco EM API client (form field xml). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cli/cli.h"
#include "core/buf.h"

static const char *arg_str(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

static void elem(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "<%s>", name);
	buf_xml_escape(b, value);
	buf_printf(b, "</%s>", name);
}

static void elems(struct buf *b, const char *name, json_t *arr)
{
	size_t i;
	json_t *v;

	json_array_foreach (arr, i, v)
		elem(b, name, json_string_value(v));
}

/* Builds the request document; returns 0 or CLI_EXIT_USAGE after printing why. */
static int build(const struct cli_cmd *cmd, json_t *args, const char *app_user,
		 const char *app_password, struct buf *b)
{
	const char *device = arg_str(args, "device"), *user = arg_str(args, "user");
	int is_query = strcmp(cmd->api, "query") == 0;

	buf_puts(b, is_query ? "<query>" : "<request>");
	buf_puts(b, "<appInfo>");
	elem(b, "appID", app_user);
	elem(b, "appCertificate", app_password);
	buf_puts(b, "</appInfo>");
	if (strcmp(cmd->api, "login") == 0) {
		json_t *dur = json_object_get(args, "duration");
		if (!device || !user) {
			fprintf(stderr, "emcc: em login needs --device and --user\n");
			return CLI_EXIT_USAGE;
		}
		if (dur && json_is_true(json_object_get(args, "indefinite"))) {
			fprintf(stderr, "emcc: --duration and --indefinite exclude each other\n");
			return CLI_EXIT_USAGE;
		}
		buf_puts(b, "<login>");
		elem(b, "deviceName", device);
		elem(b, "userID", user);
		if (arg_str(args, "profile"))
			elem(b, "deviceProfile", arg_str(args, "profile"));
		if (dur)
			buf_printf(b,
				   "<exclusiveDuration><time>%" JSON_INTEGER_FORMAT
				   "</time></exclusiveDuration>",
				   json_integer_value(dur));
		else if (json_is_true(json_object_get(args, "indefinite")))
			buf_puts(b, "<exclusiveDuration><indefinite/></exclusiveDuration>");
		buf_puts(b, "</login>");
	} else if (strcmp(cmd->api, "logout") == 0) {
		int all = json_is_true(json_object_get(args, "all"));
		if (!device == !all) {
			fprintf(stderr, "emcc: em logout needs --device DEVICE or --all\n");
			return CLI_EXIT_USAGE;
		}
		if (all) {
			buf_puts(b, "<logoutAll></logoutAll>");
		} else {
			buf_puts(b, "<logout>");
			elem(b, "deviceName", device);
			buf_puts(b, "</logout>");
		}
	} else {
		static const struct {
			const char *key, *element, *item;
		} kinds[] = {
		    {"devices", "deviceUserQuery", "deviceName"},
		    {"users", "userDevicesQuery", "userID"},
		    {"profiles", "deviceProfileQuery", "userID"},
		    {"check", "checkUser", "userID"},
		};
		size_t i, found = 0, which = 0;
		for (i = 0; i < 4; i++)
			if (json_object_get(args, kinds[i].key)) {
				found++;
				which = i;
			}
		/* The DTD allows exactly one query per document. */
		if (found != 1) {
			fprintf(stderr, "emcc: em query needs exactly one of --device, --user, "
					"--profiles, --check (each may repeat)\n");
			return CLI_EXIT_USAGE;
		}
		buf_printf(b, "<%s>", kinds[which].element);
		elems(b, kinds[which].item, json_object_get(args, kinds[which].key));
		buf_printf(b, "</%s>", kinds[which].element);
	}
	buf_puts(b, is_query ? "</query>" : "</request>");
	return b->oom ? CLI_EXIT_FAILED : 0;
}

static xmlNode *child(xmlNode *n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

static void print_text(const char *prefix, xmlNode *n, const char *suffix)
{
	xmlChar *t = xmlNodeGetContent(n);

	printf("%s%s%s", prefix, t ? (const char *)t : "", suffix);
	xmlFree(t);
}

static void print_attr(xmlNode *n, const char *name)
{
	xmlChar *a = xmlGetProp(n, (const xmlChar *)name);

	printf("%s", a ? (const char *)a : "?");
	xmlFree(a);
}

static int print_failure(xmlNode *r)
{
	xmlNode *e = child(r, "error");
	xmlChar *code = e ? xmlGetProp(e, (const xmlChar *)"code") : NULL;
	xmlChar *text = xmlNodeGetContent(e ? e : r);

	printf("error %s: %s\n", code ? (const char *)code : "?", text ? (const char *)text : "");
	xmlFree(code);
	xmlFree(text);
	return CLI_EXIT_FAILED;
}

/* deviceUserResults: who is on each device. */
static void print_device_users(xmlNode *r)
{
	xmlNode *c;

	for (xmlNode *n = r->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		print_attr(n, "name");
		if (child(n, "doesNotExist"))
			printf(": does not exist\n");
		else if (child(n, "none"))
			printf(": nobody logged in\n");
		else if ((c = child(n, "userID")))
			print_text(": ", c, "\n");
		else
			printf(": ?\n");
		if ((c = child(n, "lastlogin")))
			print_text("  last login: ", c, "\n");
		if ((c = child(n, "emccDevice")))
			print_text("  emcc device: ", c, "\n");
	}
}

/* One <deviceProfile> of a user: its name, and whether it is the default. */
static void print_profile(xmlNode *c)
{
	xmlNode *pn = child(c, "deviceProfileName");
	xmlNode *pd = child(c, "isDefaultDeviceProfile");
	xmlChar *d = pd ? xmlNodeGetContent(pd) : NULL;

	print_text(" ", pn ? pn : c, "");
	if (d && (d[0] == 't' || d[0] == 'T'))
		printf(" (default)");
	xmlFree(d);
}

/* userDevicesResults or deviceProfileResults: one line per user. */
static void print_user_items(xmlNode *r)
{
	int profiles = strcmp((const char *)r->name, "deviceProfileResults") == 0;

	for (xmlNode *n = r->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		print_attr(n, "id");
		printf(":");
		if (child(n, "doesNotExist"))
			printf(" does not exist");
		else if (child(n, "none"))
			printf(" none");
		for (xmlNode *c = n->children; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (!profiles && strcmp((const char *)c->name, "deviceName") == 0)
				print_text(" ", c, "");
			else if (profiles && strcmp((const char *)c->name, "deviceProfile") == 0)
				print_profile(c);
		}
		printf("\n");
	}
}

static void print_check_users(xmlNode *r)
{
	for (xmlNode *n = r->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		print_attr(n, "id");
		printf(child(n, "exists") ? ": exists\n" : ": does not exist\n");
	}
}

/* Prints one answer in human form; returns the exit code. */
static int print_response(const char *data, size_t len)
{
	xmlDoc *doc = xmlReadMemory(data, (int)len, "response.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL, *r;
	int rc = CLI_EXIT_OK;

	if (!root || strcmp((const char *)root->name, "response") != 0) {
		fprintf(stderr, "emcc: unreadable answer:\n%.*s\n", (int)len, data);
		rc = CLI_EXIT_FAILED;
	} else if (child(root, "success")) {
		printf("ok\n");
	} else if ((r = child(root, "failure"))) {
		rc = print_failure(r);
	} else if ((r = child(root, "deviceUserResults"))) {
		print_device_users(r);
	} else if ((r = child(root, "userDevicesResults")) ||
		   (r = child(root, "deviceProfileResults"))) {
		print_user_items(r);
	} else if ((r = child(root, "checkUserResults"))) {
		print_check_users(r);
	} else {
		/* anything newer: show the document itself. */
		printf("%.*s\n", (int)len, data);
	}
	xmlFreeDoc(doc);
	return rc;
}

int cli_emapi_run(const struct cli_global *g, const struct cli_cmd *cmd, json_t *args)
{
	const char *url = arg_str(args, "url"), *user = arg_str(args, "app_user");
	const char *password = arg_str(args, "app_password");
	struct buf xml, body, out;
	char err[CURL_ERROR_SIZE + 64];
	char *escaped = NULL;
	long status = 0;
	int rc;

	if (!url)
		url = getenv("EMCC_URL");
	if (!url || !*url)
		url = CLI_DEFAULT_URL;
	if (!user)
		user = getenv("EMCC_APP_USER");
	if (!password)
		password = getenv("EMCC_APP_PASSWORD");
	if (!user || !*user || !password) {
		fprintf(stderr, "emcc: the EM API needs --app-user and --app-password (or "
				"$EMCC_APP_USER and $EMCC_APP_PASSWORD)\n");
		return CLI_EXIT_USAGE;
	}
	buf_init(&xml);
	buf_init(&body);
	buf_init(&out);
	if ((rc = build(cmd, args, user, password, &xml)))
		goto done;
	escaped = curl_easy_escape(NULL, xml.data, (int)xml.len);
	if (!escaped) {
		fprintf(stderr, "emcc: out of memory\n");
		rc = CLI_EXIT_FAILED;
		goto done;
	}
	buf_printf(&body, "xml=%s", escaped);
	if (cli_http_post(url, NULL, "application/x-www-form-urlencoded", body.data, body.len,
			  &status, &out, err, sizeof(err)) != 0) {
		fprintf(stderr, "emcc: cannot reach %s: %s\n", url, err);
		rc = CLI_EXIT_FAILED;
		goto done;
	}
	if (status != 200) {
		fprintf(stderr, "emcc: %s answered HTTP %ld\n%s\n", url, status,
			out.data ? out.data : "");
		rc = CLI_EXIT_FAILED;
		goto done;
	}
	if (g->json) {
		/* the raw answer; the exit code still says success or failure */
		printf("%s\n", out.data ? out.data : "");
		rc = strstr(out.data ? out.data : "", "<failure") ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	} else {
		rc = print_response(out.data ? out.data : "", out.len);
	}
done:
	curl_free(escaped);
	buf_free(&xml);
	buf_free(&body);
	buf_free(&out);
	return rc;
}
