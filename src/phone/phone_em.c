/* phone_em.c -- the EM service as a person at the phone walks it: Services -> Extension
 * Mobility -> user ID and PIN (answered by GET, as Input objects always are) -> profile -> the
 * result text; logout through the prompt's doLogout=true URL; and the whole walk with SIP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phone/phone_int.h"

#define SERVICES_MENU "/ccmcip/getservicesmenu.jsp?device="
#define EM_ITEM "Extension Mobility"
#define MAX_FOLLOW 3

static void note(struct phone *p, const char *name, int ok, const char *text)
{
	struct phone_step s = {
	    .kind = PHONE_STEP_NOTE, .name = name, .ok = ok, .text = text, .expires = -1};

	phone_report(p, &s);
}

/* Fetches href relative to the page last shown, as the phone resolves a link on its screen. */
static int follow(struct phone *p, const char *href, struct px_object *o)
{
	struct buf url;
	int err;

	buf_init(&url);
	err = phone_url_resolve(&url, p->page_url[0] ? p->page_url : NULL, href);
	if (err) {
		phone_fail(p, "cannot resolve URL %s", href);
		goto out;
	}
	err = url.oom ? ENOMEM : phone_get(p, url.data, o, NULL);
out:
	buf_free(&url);
	return err;
}

/* Services -> the "Extension Mobility" item -> its URL with #DEVICENAME# and #EMCC# filled. */
static int em_service_url(struct phone *p, struct buf *out, struct px_object *o)
{
	const char *tmpl = p->cfg.em_url;
	struct buf tmp;
	char path[128];
	size_t i;
	int idx, err;

	buf_init(&tmp);
	if (!tmpl) {
		snprintf(path, sizeof(path), SERVICES_MENU "%s", p->id.name);
		err = phone_get(p, path, o, NULL);
		if (err)
			goto out;
		if (o->kind != PX_MENU) {
			phone_fail(p, "the services page is not a menu");
			err = EPROTO;
			goto out;
		}
		idx = phone_menu_find(o, EM_ITEM);
		for (i = 0; idx < 0 && i < o->nitems; i++)
			if (strstr(o->items[i].url, "EMAppServlet"))
				idx = (int)i;
		if (idx < 0) {
			phone_fail(p, "no \"" EM_ITEM "\" in the services menu");
			err = ENOENT;
			goto out;
		}
		tmpl = o->items[idx].url;
	}
	phone_url_subst(&tmp, tmpl, p->id.name, p->cfg.emcc);
	if (tmp.oom) {
		err = ENOMEM;
		goto out;
	}
	err = phone_url_resolve(out, p->page_url[0] ? p->page_url : NULL, tmp.data);
	if (err) {
		/* A template given as a path: it is on our node. */
		buf_printf(out, "http://%s:%u%s%s", p->cfg.server, p->cfg.http_port,
			   tmp.data[0] == '/' ? "" : "/", tmp.data);
		err = 0;
	}
out:
	buf_free(&tmp);
	return err;
}

/* What a phone does with a page after the result: a Refresh header or an Execute's HTTP URLs
 * send it on (CUCM's success page leads to refresh=...#Login, then initservices.jsp). */
static int follow_on(struct phone *p, struct px_object *o)
{
	char next[PX_URL_MAX];
	int hops, err = 0;

	for (hops = 0; hops < MAX_FOLLOW; hops++) {
		next[0] = '\0';
		if (p->refresh[0])
			snprintf(next, sizeof(next), "%s", p->refresh);
		else if (o->kind == PX_EXECUTE && o->nexecute &&
			 (strncasecmp(o->execute[0].url, "http", 4) == 0 ||
			  o->execute[0].url[0] == '/'))
			snprintf(next, sizeof(next), "%s", o->execute[0].url);
		if (!next[0])
			break;
		err = follow(p, next, o);
		if (err)
			break;
	}
	return err;
}

/* The text the phone shows for a page that ends the flow. */
static const char *shown_text(const struct px_object *o)
{
	if (o->kind == PX_TEXT && o->text[0])
		return o->text;
	if (o->prompt[0])
		return o->prompt;
	return o->title;
}

int phone_em_login(struct phone *p, const char *user, const char *pin, const char *profile)
{
	struct px_object *o = calloc(1, sizeof(*o));
	struct buf url, answer;
	char text[600];
	int err, idx, code;

	if (!o)
		return ENOMEM;
	buf_init(&url);
	buf_init(&answer);
	err = em_service_url(p, &url, o);
	if (err)
		goto out;
	err = phone_get(p, url.data, o, NULL);
	if (err)
		goto out;
	if (o->kind != PX_INPUT) {
		/* Somebody is logged in: the EM app shows the logout prompt instead. */
		phone_fail(p, "no login prompt: %s", o->kind ? shown_text(o) : "not phone XML");
		err = o->kind && phone_logout_url(o) ? EALREADY : EPROTO;
		goto out;
	}
	err = phone_input_answer(&answer, o, user, pin);
	if (err || answer.oom) {
		phone_fail(p, "the login prompt cannot be answered");
		err = err ? err : ENOMEM;
		goto out;
	}
	err = follow(p, answer.data, o);
	if (err)
		goto out;
	if (o->kind == PX_MENU) {
		/* Several device profiles: the user picks one. */
		idx = profile ? phone_menu_find(o, profile) : (o->nitems ? 0 : -1);
		if (idx < 0) {
			phone_fail(p, "no profile %s to choose", profile ? profile : "at all");
			err = ENOENT;
			goto out;
		}
		err = follow(p, o->items[idx].url, o);
		if (err)
			goto out;
	}
	code = o->kind ? phone_text_error_code(shown_text(o)) : 0;
	if (o->kind == PX_INPUT || code || !o->kind) {
		/* Asked again, or a text with an EM error code: refused. */
		phone_fail(p, "%s", o->kind ? shown_text(o) : "the login answer is not phone XML");
		err = EACCES;
		goto out;
	}
	snprintf(text, sizeof(text), "login %s: %s", user, shown_text(o));
	err = follow_on(p, o);
	if (err)
		goto out;
	note(p, "login", 1, text);
out:
	buf_free(&url);
	buf_free(&answer);
	free(o);
	return err;
}

int phone_em_logout(struct phone *p)
{
	struct px_object *o = calloc(1, sizeof(*o));
	const char *lo;
	struct buf url;
	char text[600];
	int err, code;

	if (!o)
		return ENOMEM;
	buf_init(&url);
	err = em_service_url(p, &url, o);
	if (err)
		goto out;
	err = phone_get(p, url.data, o, NULL);
	if (err)
		goto out;
	lo = o->kind ? phone_logout_url(o) : NULL;
	if (!lo) {
		phone_fail(p, "no logout on the EM page: %s",
			   o->kind == PX_INPUT ? "nobody is logged in" : shown_text(o));
		err = o->kind == PX_INPUT ? ENOENT : EPROTO;
		goto out;
	}
	snprintf(text, sizeof(text), "%s", lo);
	err = follow(p, text, o);
	if (err)
		goto out;
	code = o->kind ? phone_text_error_code(shown_text(o)) : 0;
	if (code || !o->kind) {
		phone_fail(p, "%s", o->kind ? shown_text(o) : "the logout answer is not phone XML");
		err = EACCES;
		goto out;
	}
	snprintf(text, sizeof(text), "logout: %s", shown_text(o));
	err = follow_on(p, o);
	if (err)
		goto out;
	note(p, "logout", 1, text);
out:
	buf_free(&url);
	free(o);
	return err;
}

int phone_walk(struct phone *p, const char *user, const char *pin, const char *profile)
{
	uint64_t start = phone_clock_us();
	char text[128];
	int err;

	err = phone_register(p);
	if (err)
		return err;
	err = phone_em_login(p, user, pin, profile);
	if (err)
		goto unregister;
	/* The node restarts the phone after a login: NOTIFY, un-REGISTER, REGISTER anew. */
	err = phone_wait_restarts(p, 1);
	if (err)
		goto unregister;
	err = phone_em_logout(p);
	if (err)
		goto unregister;
	err = phone_wait_restarts(p, 2);
	if (err)
		goto unregister;
	err = phone_unregister(p);
	if (err)
		return err;
	snprintf(text, sizeof(text), "walk done in %.1f ms", phone_since_ms(start));
	note(p, "walk", 1, text);
	return 0;

unregister:
	/* Leave no binding behind; the first failure is the one to report. */
	{
		char saved[sizeof(p->error)];

		memcpy(saved, p->error, sizeof(saved));
		if (err != EINTR)
			(void)phone_unregister(p);
		memcpy(p->error, saved, sizeof(saved));
	}
	return err;
}
