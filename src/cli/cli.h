/* cli.h -- the `emcc` command: its command table, transports and output, shared by src/cli/. */
#ifndef EMCC_CLI_CLI_H
#define EMCC_CLI_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes (DESIGN.md section 7). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1
#define CLI_EXIT_USAGE 2

#define CLI_DEFAULT_SOCKET "/var/lib/emcc/admin.sock"
#define CLI_DEFAULT_URL "http://127.0.7.100:8080/emservice/EMServiceServlet"

enum cli_opt_type {
	CLI_O_STR = 1, /* --flag VALUE            -> "key": "VALUE" */
	CLI_O_INT,     /* --flag N                -> "key": N */
	CLI_O_BOOL,    /* --flag / --no-flag      -> "key": true / false */
	CLI_O_LIST,    /* --flag V (repeatable)   -> "key": ["V", ...] */
	CLI_O_LINE,    /* --flag [INDEX:]DN[:LABEL] -> "key": [{"index", "dn", "label"}] */
	CLI_O_SPEED,   /* --flag NUMBER[:LABEL]   -> "key": [{"index", "number", "label"}] */
	CLI_O_SERVICE, /* --flag NAME=URL         -> "key": [{"name", "url"}] */
	CLI_O_FLAG,    /* --flag (no --no- form)  -> "key": true */
	CLI_O_FILE,    /* --flag FILE             -> "key": the file's text */
};

struct cli_opt {
	const char *flag;    /* without the leading "--" */
	const char *key;     /* JSON argument */
	int type;	     /* enum cli_opt_type */
	const char *metavar; /* shown in help */
	const char *help;    /* NULL = an alias, left out of the help */
};

enum cli_kind {
	CLI_ADMIN = 1, /* POST /v1/<api> on the admin socket */
	CLI_EMAPI,     /* a Cisco EM API request to --url */
};

struct cli_cmd {
	const char *noun;
	const char *verb; /* "" = the noun alone ("emcc status") */
	int kind;	  /* enum cli_kind */
	const char *api;  /* "user/add" for admin commands; "login" etc. for EM API */
	/* JSON keys of the positional arguments, in order. A key starting with '>' is an optional
	 * output file, never sent: the answer's "text" is written there (or to stdout). */
	const char *positional[3];
	const char *metavars;	    /* how the positionals are shown in help */
	const struct cli_opt *opts; /* NULL-terminated by flag == NULL; may be NULL */
	const char *summary;
	const char *file_key; /* when set, positional 0 is a file whose text goes here */
};

/* The command table: help, parsing and docs/cli.md all come from it. */
const struct cli_cmd *cli_commands(size_t *n);

/* help.c: help texts and command lookup from the table. */
void cli_usage_line(FILE *f, const struct cli_cmd *c);
/* "emcc noun verb ..." with its summary, one per line, for every command of noun (all when NULL) */
void cli_list_commands(FILE *f, const char *noun);
void cli_print_top_help(FILE *f);
void cli_print_cmd_help(FILE *f, const struct cli_cmd *c);
int cli_noun_known(const char *noun);
/* noun + verb at argv[0..]; *used = how many words the verb took (0, 1 or 2); NULL if none. */
const struct cli_cmd *cli_find_cmd(const char *noun, int argc, char **argv, int *used);

struct cli_global {
	const char *socket;
	const char *url;
	const char *app_user;
	const char *app_password;
	int json;
};

/* args.c: the words after the verb into the JSON arguments of c's call (options of type
 * CLI_O_FILE read their file). Returns 0, or an exit code: 0 with *done set after --help was
 * printed, CLI_EXIT_USAGE after the reason was printed. g takes --socket given late. */
int cli_parse_args(const struct cli_cmd *c, struct cli_global *g, int argc, char **argv,
		   json_t *args, int *done);
/* "emcc: <reason>" on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct buf;
/* POSTs body to url (through the Unix socket when unix_socket is set) and collects the answer
 * in out. Returns 0 with *status set, or -1 with a readable reason in err. */
int cli_http_post(const char *url, const char *unix_socket, const char *content_type,
		  const char *body, size_t len, long *status, struct buf *out, char *err,
		  size_t errlen);

/* Admin API over the Unix socket: *status = HTTP status, *answer = parsed JSON object.
 * Returns 0, or -1 after printing "emcc: ..." (cannot connect, bad answer). */
int cli_admin_call(const struct cli_global *g, const char *api, json_t *args, int *status,
		   json_t **answer);

/* Runs an EM API client command built from args; prints the result. Returns an exit code. */
int cli_emapi_run(const struct cli_global *g, const struct cli_cmd *cmd, json_t *args);

/* Prints an admin answer for cmd in human form. Returns an exit code. */
int cli_print_answer(const struct cli_cmd *cmd, int status, json_t *answer, int json_out);

#endif
