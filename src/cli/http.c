/* http.c -- the CLI's HTTP client (libcurl): admin calls on the Unix socket, EM API posts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "core/buf.h"

static size_t collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;

	buf_append(b, data, size * nmemb);
	return b->oom ? 0 : size * nmemb;
}

int cli_http_post(const char *url, const char *unix_socket, const char *content_type,
		  const char *body, size_t len, long *status, struct buf *out, char *err,
		  size_t errlen)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = NULL;
	char header[128], cerr[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	int rc = -1;

	if (!curl) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	snprintf(header, sizeof(header), "Content-Type: %s", content_type);
	headers = curl_slist_append(headers, header);
	/* Large imports hash many passwords; "Expect: 100-continue" would only add a round trip. */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	if (unix_socket)
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, unix_socket);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	rc = 0;
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return rc;
}

int cli_admin_call(const struct cli_global *g, const char *api, json_t *args, int *status,
		   json_t **answer)
{
	char url[256], err[CURL_ERROR_SIZE + 64];
	char *body = json_dumps(args, JSON_COMPACT);
	struct buf out;
	json_error_t jerr;
	struct stat sb;
	long code = 0;
	int rc = -1;

	buf_init(&out);
	*answer = NULL;
	if (!body) {
		fprintf(stderr, "emcc: out of memory\n");
		goto done;
	}
	snprintf(url, sizeof(url), "http://localhost/v1/%s", api);
	if (cli_http_post(url, g->socket, "application/json", body, strlen(body), &code, &out, err,
			  sizeof(err)) != 0) {
		if (stat(g->socket, &sb) != 0)
			fprintf(stderr,
				"emcc: cannot connect to admin socket %s: %s (is emccd running? "
				"use --socket or $EMCC_SOCKET)\n",
				g->socket, strerror(errno));
		else
			fprintf(stderr, "emcc: cannot connect to admin socket %s: %s\n", g->socket,
				err);
		goto done;
	}
	*answer = json_loadb(out.data ? out.data : "", out.len, 0, &jerr);
	if (!json_is_object(*answer)) {
		fprintf(stderr, "emcc: unreadable answer from %s (HTTP %ld)\n", g->socket, code);
		json_decref(*answer);
		*answer = NULL;
		goto done;
	}
	*status = (int)code;
	rc = 0;
done:
	free(body);
	buf_free(&out);
	return rc;
}
