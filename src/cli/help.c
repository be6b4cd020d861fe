/* help.c -- `emcc` help and command lookup, all from the command table (commands.c). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

void cli_usage_line(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "  emcc %s%s%s%s%s%s\n", c->noun, c->verb[0] ? " " : "", c->verb,
		c->metavars[0] ? " " : "", c->metavars, c->opts ? " [options]" : "");
}

/* Prints "emcc noun verb ..." with its summary, one per line, for every command of noun (all
 * commands when noun is NULL). */
void cli_list_commands(FILE *f, const char *noun)
{
	size_t n, i;
	const struct cli_cmd *cmds = cli_commands(&n);
	char head[96];

	for (i = 0; i < n; i++) {
		const struct cli_cmd *c = &cmds[i];
		if (noun && strcmp(c->noun, noun) != 0)
			continue;
		snprintf(head, sizeof(head), "%s%s%s%s%s", c->noun, c->verb[0] ? " " : "", c->verb,
			 c->metavars[0] ? " " : "", c->metavars);
		fprintf(f, "  emcc %-34s %s\n", head, c->summary);
	}
}

void cli_print_top_help(FILE *f)
{
	fprintf(f, "usage: emcc [--socket PATH] [--json] <noun> <verb> [ARGS...]\n\n"
		   "Administers an emccd node over its admin socket ($EMCC_SOCKET, "
		   "default " CLI_DEFAULT_SOCKET ").\n"
		   "`emcc em login|logout|query` speak the Cisco EM API to --url instead.\n\n"
		   "global options:\n"
		   "  --socket PATH   admin socket\n"
		   "  --json          print the server's JSON answer\n"
		   "  --help          this text; `emcc NOUN --help`, `emcc NOUN VERB --help`\n\n"
		   "commands:\n");
	cli_list_commands(f, NULL);
	fprintf(f, "\nexit status: 0 ok, 1 failed, 2 usage error\n");
}

void cli_print_cmd_help(FILE *f, const struct cli_cmd *c)
{
	const struct cli_opt *o;

	fprintf(f, "usage:\n");
	cli_usage_line(f, c);
	fprintf(f, "\n%s\n", c->summary);
	if (c->file_key)
		fprintf(f, "The file's text is sent to the server; the first row names the "
			   "columns.\n");
	if (!c->opts)
		return;
	fprintf(f, "\noptions:\n");
	for (o = c->opts; o->flag; o++) {
		char head[64];
		if (!o->help)
			continue;
		if (o->type == CLI_O_BOOL)
			snprintf(head, sizeof(head), "--[no-]%s", o->flag);
		else if (o->metavar)
			snprintf(head, sizeof(head), "--%s %s", o->flag, o->metavar);
		else
			snprintf(head, sizeof(head), "--%s", o->flag);
		fprintf(f, "  %-30s %s\n", head, o->help);
	}
}

int cli_noun_known(const char *noun)
{
	size_t n, i;
	const struct cli_cmd *cmds = cli_commands(&n);

	for (i = 0; i < n; i++)
		if (strcmp(cmds[i].noun, noun) == 0)
			return 1;
	return 0;
}

/* Finds noun + verb at argv[0..]; *used = how many words the verb took (0, 1 or 2). */
const struct cli_cmd *cli_find_cmd(const char *noun, int argc, char **argv, int *used)
{
	size_t n, i;
	const struct cli_cmd *cmds = cli_commands(&n);
	char two[128];

	if (argc >= 2) {
		snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]);
		for (i = 0; i < n; i++)
			if (strcmp(cmds[i].noun, noun) == 0 && strcmp(cmds[i].verb, two) == 0) {
				*used = 2;
				return &cmds[i];
			}
	}
	if (argc >= 1) {
		for (i = 0; i < n; i++) {
			const char *v = cmds[i].verb;
			if (strcmp(cmds[i].noun, noun) != 0 || !v[0])
				continue;
			/* "profile-add" is accepted for "profile add", as in the API name */
			snprintf(two, sizeof(two), "%s", v);
			for (char *p = two; *p; p++)
				if (*p == ' ')
					*p = '-';
			if (strcmp(v, argv[0]) == 0 || strcmp(two, argv[0]) == 0) {
				*used = 1;
				return &cmds[i];
			}
		}
	}
	if (argc == 0 || argv[0][0] == '-') {
		for (i = 0; i < n; i++)
			if (strcmp(cmds[i].noun, noun) == 0 && !cmds[i].verb[0]) {
				*used = 0;
				return &cmds[i];
			}
	}
	return NULL;
}
