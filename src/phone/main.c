/* main.c -- emcc-phone: a simulated Cisco 7821 for tests, demos and benchmarks. Parses the
 * command line, runs one command on the phone, prints each step (text or JSON lines). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phone/phone.h"

struct out {
	int json;
	int trace;
};

static void usage(FILE *f)
{
	fputs("usage: emcc-phone [options] COMMAND\n"
	      "\n"
	      "commands:\n"
	      "  register             register and stay (answering NOTIFYs) until SIGINT/SIGTERM\n"
	      "                       or --for SECONDS, then unregister\n"
	      "  login USER PIN       Services -> Extension Mobility -> log in (HTTP only)\n"
	      "  logout               Services -> Extension Mobility -> log out (HTTP only)\n"
	      "  walk USER PIN        register, log in, restart on NOTIFY, log out, restart,\n"
	      "                       unregister\n"
	      "  get PATH|URL         fetch any phone page and print it\n"
	      "\n"
	      "options (defaults: the seed lab's phone and ClusterOne node):\n"
	      "  --name SEP...        device name (SEPC80084AA8743)\n"
	      "  --model MODEL        phone model (7821)\n"
	      "  --ip ADDR            the phone's address (127.0.7.104)\n"
	      "  --server ADDR        the node (127.0.7.100)\n"
	      "  --tftp HOST[:PORT]   where the phone reads SEP<MAC>.cnf.xml over HTTP (the\n"
	      "                       --server host, port 6970); register and walk follow the\n"
	      "                       file's call manager and line; \"\" = never read it\n"
	      "  --http-port N        the node's HTTP port (8080)\n"
	      "  --sip-port N         the node's SIP port (5060)\n"
	      "  --local-port N       the phone's SIP port (5060)\n"
	      "  --transport udp|tcp  SIP transport (udp)\n"
	      "  --lang LOCALE        Accept-Language (en_US)\n"
	      "  --emcc               #EMCC# in service URLs becomes true\n"
	      "  --profile NAME       the device profile to choose when offered several\n"
	      "  --line DN            user part of the address of record (the device name)\n"
	      "  --em-url URL         EM service URL template (else from the services menu)\n"
	      "  --sip-user U, --sip-password P   digest credentials\n"
	      "  --timeout SECONDS    per exchange and per wait for a NOTIFY (10)\n"
	      "  --for SECONDS        register: how long to stay (until a signal)\n"
	      "  --json               one JSON object per step\n"
	      "  --trace              print every SIP message sent and received\n"
	      "\n"
	      "exit status: 0 success, 1 failure (the reason is printed), 2 usage\n",
	      f);
}

static json_t *object_json(const struct px_object *o)
{
	json_t *j = json_object(), *a;
	size_t i;

	json_object_set_new(j, "type", json_string(phone_object_kind(o->kind)));
	json_object_set_new(j, "title", json_string(o->title));
	if (o->prompt[0])
		json_object_set_new(j, "prompt", json_string(o->prompt));
	if (o->kind == PX_TEXT)
		json_object_set_new(j, "text", json_string(o->text));
	if (o->url[0])
		json_object_set_new(j, "url", json_string(o->url));
	if (o->kind == PX_INPUT) {
		a = json_array();
		for (i = 0; i < o->ninputs; i++)
			json_array_append_new(
			    a, json_pack("{s:s,s:s,s:s,s:s}", "name", o->inputs[i].display_name,
					 "param", o->inputs[i].query_param, "default",
					 o->inputs[i].default_value, "flags", o->inputs[i].flags));
		json_object_set_new(j, "inputs", a);
	}
	if (o->kind == PX_MENU) {
		a = json_array();
		for (i = 0; i < o->nitems; i++)
			json_array_append_new(a, json_pack("{s:s,s:s}", "name", o->items[i].name,
							   "url", o->items[i].url));
		json_object_set_new(j, "items", a);
	}
	if (o->kind == PX_EXECUTE) {
		a = json_array();
		for (i = 0; i < o->nexecute; i++)
			json_array_append_new(a, json_pack("{s:s,s:i}", "url", o->execute[i].url,
							   "priority", o->execute[i].priority));
		json_object_set_new(j, "execute", a);
	}
	if (o->nsoftkeys) {
		a = json_array();
		for (i = 0; i < o->nsoftkeys; i++)
			json_array_append_new(
			    a, json_pack("{s:s,s:s,s:i}", "name", o->softkeys[i].name, "url",
					 o->softkeys[i].url, "position", o->softkeys[i].position));
		json_object_set_new(j, "softkeys", a);
	}
	return j;
}

static const char *kind_name(enum phone_step_kind k)
{
	switch (k) {
	case PHONE_STEP_SIP: return "sip";
	case PHONE_STEP_HTTP: return "http";
	case PHONE_STEP_NOTE: return "note";
	case PHONE_STEP_TRACE: return "trace";
	}
	return "?";
}

static void print_json_line(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));

	if (s) {
		printf("%s\n", s);
		free(s);
	}
	json_decref(j);
	fflush(stdout);
}

static void step_h(const struct phone_step *s, void *arg)
{
	const struct out *out = arg;
	json_t *j;

	if (s->kind == PHONE_STEP_TRACE && !out->trace)
		return;
	if (!out->json) {
		if (s->kind == PHONE_STEP_NOTE)
			printf("%10s  %s\n", "", s->text);
		else if (s->kind == PHONE_STEP_TRACE)
			printf("%10s  %s\n%s\n", "", s->text, s->body ? s->body : "");
		else
			printf("%7.1f ms  %s\n", s->ms, s->text);
		fflush(stdout);
		return;
	}
	j = json_pack("{s:f,s:f,s:s,s:s,s:b,s:s}", "at_ms", s->at_ms, "ms", s->ms, "kind",
		      kind_name(s->kind), "step", s->name, "ok", s->ok, "text", s->text);
	if (!j)
		return;
	if (s->status)
		json_object_set_new(j, "status", json_integer(s->status));
	if (s->method)
		json_object_set_new(j, "method", json_string(s->method));
	if (s->uri)
		json_object_set_new(j, "uri", json_string(s->uri));
	if (s->call_id && s->call_id[0])
		json_object_set_new(j, "call_id", json_string(s->call_id));
	if (s->expires >= 0)
		json_object_set_new(j, "expires", json_integer(s->expires));
	if (s->notify)
		json_object_set_new(j, "notify",
				    json_pack("{s:s,s:s,s:s,s:s,s:s}", "action", s->notify->action,
					      "RegisterCallId", s->notify->register_call_id,
					      "ConfigVersionStamp", s->notify->config_version,
					      "DialplanVersionStamp", s->notify->dialplan_version,
					      "SoftkeyVersionStamp", s->notify->softkey_version));
	if (s->object)
		json_object_set_new(j, "object", object_json(s->object));
	if (s->body)
		json_object_set_new(j, "body", json_string(s->body));
	print_json_line(j);
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > max)
		return EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int cmd_get(struct phone *p, const char *path, const struct out *out)
{
	struct px_object *o = calloc(1, sizeof(*o));
	struct buf body, pretty;
	int err;

	if (!o)
		return ENOMEM;
	buf_init(&body);
	buf_init(&pretty);
	err = phone_get(p, path, o, &body);
	if (!err && !out->json) {
		if (o->kind) {
			phone_object_print(&pretty, o);
			fputs(pretty.data ? pretty.data : "", stdout);
		} else {
			fwrite(body.data ? body.data : "", 1, body.len, stdout);
			if (body.len && body.data[body.len - 1] != '\n')
				putchar('\n');
		}
	}
	buf_free(&body);
	buf_free(&pretty);
	free(o);
	return err;
}

enum {
	O_NAME = 256,
	O_MODEL,
	O_IP,
	O_SERVER,
	O_TFTP,
	O_HTTP_PORT,
	O_SIP_PORT,
	O_LOCAL_PORT,
	O_TRANSPORT,
	O_LANG,
	O_EMCC,
	O_PROFILE,
	O_LINE,
	O_EM_URL,
	O_SIP_USER,
	O_SIP_PASSWORD,
	O_TIMEOUT,
	O_FOR,
	O_JSON,
	O_TRACE,
	O_HELP
};

static const struct option opts[] = {
    {"name", required_argument, NULL, O_NAME},
    {"model", required_argument, NULL, O_MODEL},
    {"ip", required_argument, NULL, O_IP},
    {"server", required_argument, NULL, O_SERVER},
    {"tftp", required_argument, NULL, O_TFTP},
    {"http-port", required_argument, NULL, O_HTTP_PORT},
    {"sip-port", required_argument, NULL, O_SIP_PORT},
    {"local-port", required_argument, NULL, O_LOCAL_PORT},
    {"transport", required_argument, NULL, O_TRANSPORT},
    {"lang", required_argument, NULL, O_LANG},
    {"emcc", no_argument, NULL, O_EMCC},
    {"profile", required_argument, NULL, O_PROFILE},
    {"line", required_argument, NULL, O_LINE},
    {"em-url", required_argument, NULL, O_EM_URL},
    {"sip-user", required_argument, NULL, O_SIP_USER},
    {"sip-password", required_argument, NULL, O_SIP_PASSWORD},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"for", required_argument, NULL, O_FOR},
    {"json", no_argument, NULL, O_JSON},
    {"trace", no_argument, NULL, O_TRACE},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

/* What the command line asks for, besides the phone's own configuration. */
struct run {
	struct phone_config cfg;
	struct out out;
	const char *profile;
	unsigned for_s, timeout_s;
};

/* One option from getopt_long. Returns 0, or EINVAL with the reason printed. */
static int set_option(struct run *r, int c, const char *arg)
{
	unsigned v;

	switch (c) {
	case O_NAME: r->cfg.name = arg; break;
	case O_MODEL: r->cfg.model = arg; break;
	case O_IP: r->cfg.ip = arg; break;
	case O_SERVER: r->cfg.server = arg; break;
	case O_TFTP: r->cfg.tftp = arg; break;
	case O_HTTP_PORT:
	case O_SIP_PORT:
	case O_LOCAL_PORT:
		if (parse_uint(arg, 65535, &v) != 0 || (v == 0 && c != O_LOCAL_PORT)) {
			fprintf(stderr, "emcc-phone: bad port: %s\n", arg);
			return EINVAL;
		}
		if (c == O_HTTP_PORT)
			r->cfg.http_port = v;
		else if (c == O_SIP_PORT)
			r->cfg.sip_port = v;
		else
			r->cfg.local_sip_port = v;
		break;
	case O_TRANSPORT:
		if (strcmp(arg, "udp") == 0) {
			r->cfg.transport = PHONE_TP_UDP;
		} else if (strcmp(arg, "tcp") == 0) {
			r->cfg.transport = PHONE_TP_TCP;
		} else {
			fprintf(stderr, "emcc-phone: --transport is udp or tcp\n");
			return EINVAL;
		}
		break;
	case O_LANG: r->cfg.lang = arg; break;
	case O_EMCC: r->cfg.emcc = 1; break;
	case O_PROFILE: r->profile = arg; break;
	case O_LINE: r->cfg.line = arg; break;
	case O_EM_URL: r->cfg.em_url = arg; break;
	case O_SIP_USER: r->cfg.sip_user = arg; break;
	case O_SIP_PASSWORD: r->cfg.sip_password = arg; break;
	case O_TIMEOUT:
	case O_FOR:
		/* At most 30 days: the loop's timer counts milliseconds in 32 bits. */
		if (parse_uint(arg, 86400 * 30, &v) != 0) {
			fprintf(stderr, "emcc-phone: bad number of seconds: %s\n", arg);
			return EINVAL;
		}
		if (c == O_TIMEOUT)
			r->timeout_s = v ? v : 1;
		else
			r->for_s = v;
		break;
	case O_JSON: r->out.json = 1; break;
	case O_TRACE: r->out.trace = r->cfg.trace = 1; break;
	default: usage(stderr); return EINVAL;
	}
	return 0;
}

static int command_ok(const char *cmd, int nargs)
{
	if ((strcmp(cmd, "register") == 0 && nargs == 0) ||
	    (strcmp(cmd, "logout") == 0 && nargs == 0) ||
	    ((strcmp(cmd, "login") == 0 || strcmp(cmd, "walk") == 0) && nargs == 2) ||
	    (strcmp(cmd, "get") == 0 && nargs == 1))
		return 1;
	fprintf(stderr, "emcc-phone: unknown command or wrong arguments: %s\n", cmd);
	usage(stderr);
	return 0;
}

/* cmd with its arguments (command_ok said how many). */
static int run_command(struct phone *p, const struct run *r, const char *cmd, char **args)
{
	int err;

	if (strcmp(cmd, "register") == 0) {
		err = phone_register(p);
		if (!err)
			err = phone_run(p, r->for_s);
		if (!err)
			err = phone_unregister(p);
		return err;
	}
	if (strcmp(cmd, "login") == 0)
		return phone_em_login(p, args[0], args[1], r->profile);
	if (strcmp(cmd, "logout") == 0)
		return phone_em_logout(p);
	if (strcmp(cmd, "walk") == 0)
		return phone_walk(p, args[0], args[1], r->profile);
	return cmd_get(p, args[0], &r->out);
}

static void print_result(struct phone *p, const struct out *out, const char *cmd, int err)
{
	const char *why = phone_error(p)[0] ? phone_error(p) : strerror(err);

	if (out->json) {
		json_t *j =
		    json_pack("{s:s,s:s,s:b}", "step", "result", "command", cmd, "ok", err == 0);
		if (j && err)
			json_object_set_new(j, "error", json_string(why));
		if (j)
			print_json_line(j);
	}
	if (err)
		fprintf(stderr, "emcc-phone: %s failed: %s\n", cmd, why);
}

int main(int argc, char **argv)
{
	struct run r = {
	    .cfg =
		{
		    .name = "SEPC80084AA8743",
		    .model = "7821",
		    .ip = "127.0.7.104",
		    .server = "127.0.7.100",
		    .http_port = 8080,
		    .sip_port = 5060,
		    .local_sip_port = 5060,
		    .transport = PHONE_TP_UDP,
		},
	    .timeout_s = 10,
	};
	struct phone *p = NULL;
	const char *cmd;
	char why[256];
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h' || c == O_HELP) {
			usage(stdout);
			return 0;
		}
		if (set_option(&r, c, optarg) != 0)
			return 2;
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (!command_ok(cmd, argc - optind - 1))
		return 2;
	r.cfg.timeout_ms = r.timeout_s * 1000u;
	/* A TCP peer that goes away must not kill the phone. */
	signal(SIGPIPE, SIG_IGN);

	err = phone_alloc(&p, &r.cfg, strcmp(cmd, "register") == 0 || strcmp(cmd, "walk") == 0,
			  step_h, &r.out, why, sizeof(why));
	if (err) {
		fprintf(stderr, "emcc-phone: %s\n", why[0] ? why : strerror(err));
		return err == EINVAL ? 2 : 1;
	}
	err = run_command(p, &r, cmd, argv + optind + 1);
	print_result(p, &r.out, cmd, err);
	phone_free(p);
	return err ? 1 : 0;
}
