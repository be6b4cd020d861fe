/* i18n.c -- the EM phone app's texts in English, German and French, and the phone's charset.
 *
 * English texts are CUCM's own where the feature guide prints them (reference section 1.6,
 * spacing included: "Login is unavailable(22)" but "Multi-Login Not Allowed (25)"); the rest,
 * and every German and French text, are ours. Phones say what they want in Accept-Language
 * (CUCM's log shows "Lang = en_US") and Accept-Charset ("utf-8,;q=0.8"). */
#include "emapp/app.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const msgs[EMAPP_MSG_COUNT][EMAPP_LANG_COUNT] = {
    [EMAPP_MSG_TITLE] = {"Extension Mobility", "Extension Mobility", "Extension Mobility"},
    [EMAPP_MSG_PROMPT_UID] = {"Enter User ID and PIN", "Benutzer-ID und PIN eingeben",
			      "Saisissez l'ID utilisateur et le PIN"},
    [EMAPP_MSG_PROMPT_DN] = {"Enter extension and PIN", "Durchwahl und PIN eingeben",
			     "Saisissez le numéro de poste et le PIN"},
    [EMAPP_MSG_USER_ID] = {"User ID", "Benutzer-ID", "ID utilisateur"},
    [EMAPP_MSG_EXTENSION] = {"Extension", "Durchwahl", "Poste"},
    [EMAPP_MSG_PIN] = {"PIN", "PIN", "PIN"},
    [EMAPP_MSG_SUBMIT] = {"Submit", "Senden", "Valider"},
    [EMAPP_MSG_EXIT] = {"Exit", "Beenden", "Quitter"},
    [EMAPP_MSG_SELECT] = {"Select", "Auswählen", "Choisir"},
    [EMAPP_MSG_CHOOSE_PROFILE] = {"Select a device profile", "Geräteprofil auswählen",
				  "Choisissez un profil"},
    [EMAPP_MSG_LOGIN_OK] = {"Login successful", "Anmeldung erfolgreich", "Connexion réussie"},
    [EMAPP_MSG_LOGOUT_OK] = {"Logout successful", "Abmeldung erfolgreich", "Déconnexion réussie"},
    [EMAPP_MSG_LOGOUT_QUESTION] = {"Are you sure you want to log out?",
				   "Möchten Sie sich wirklich abmelden?",
				   "Voulez-vous vraiment vous déconnecter ?"},
    [EMAPP_MSG_YES] = {"Yes", "Ja", "Oui"},
    [EMAPP_MSG_NO] = {"No", "Nein", "Non"},
    [EMAPP_MSG_SERVICES] = {"Services", "Dienste", "Services"},
};

const char *emapp_msg(enum emapp_lang lang, enum emapp_msg msg)
{
	if ((unsigned)lang >= EMAPP_LANG_COUNT)
		lang = EMAPP_LANG_EN;
	if ((unsigned)msg >= EMAPP_MSG_COUNT)
		return "";
	return msgs[msg][lang];
}

/* The phone texts by code. A code missing here gets the generic "Login is unavailable(N)". */
struct code_text {
	int code;
	int logout; /* 1: the wording for a logout */
	const char *text[EMAPP_LANG_COUNT];
};

static const struct code_text code_texts[] = {
    {201,
     0,
     {"Please try to login again (201)", "Bitte erneut anmelden (201)",
      "Veuillez vous reconnecter (201)"}},
    {202,
     0,
     {"Please try to login again (202)", "Bitte erneut anmelden (202)",
      "Veuillez vous reconnecter (202)"}},
    {204,
     0,
     {"Login is unavailable (204)", "Anmeldung nicht verfügbar (204)",
      "Connexion indisponible (204)"}},
    {205,
     0,
     {"Login/Logout is unavailable (205)", "Anmeldung/Abmeldung nicht verfügbar (205)",
      "Connexion/déconnexion indisponible (205)"}},
    {207,
     0,
     {"Login/Logout is unavailable(207)", "Anmeldung/Abmeldung nicht verfügbar(207)",
      "Connexion/déconnexion indisponible(207)"}},
    {208,
     0,
     {"Login/Logout is unavailable(208)", "Anmeldung/Abmeldung nicht verfügbar(208)",
      "Connexion/déconnexion indisponible(208)"}},
    {210,
     0,
     {"Login/Logout is unavailable(210)", "Anmeldung/Abmeldung nicht verfügbar(210)",
      "Connexion/déconnexion indisponible(210)"}},
    {211,
     0,
     {"Login/Logout is unavailable(211)", "Anmeldung/Abmeldung nicht verfügbar(211)",
      "Connexion/déconnexion indisponible(211)"}},
    {212,
     0,
     {"Login is unavailable(212)", "Anmeldung nicht verfügbar(212)",
      "Connexion indisponible(212)"}},
    {213,
     0,
     {"Login/Logout is unavailable(213)", "Anmeldung/Abmeldung nicht verfügbar(213)",
      "Connexion/déconnexion indisponible(213)"}},
    {215,
     0,
     {"LoginType invalid(215)", "Ungültiger Anmeldetyp(215)", "Type de connexion non valide(215)"}},
    {216,
     0,
     {"DN has multiple users(216)", "Durchwahl hat mehrere Benutzer(216)",
      "Le poste a plusieurs utilisateurs(216)"}},
    {23,
     0,
     {"Login is unavailable (23)", "Anmeldung nicht verfügbar (23)",
      "Connexion indisponible (23)"}},
    {25,
     0,
     {"Multi-Login Not Allowed (25)", "Mehrfachanmeldung nicht erlaubt (25)",
      "Connexion multiple non autorisée (25)"}},
    {26,
     0,
     {"Busy, please try again (26)", "Besetzt, bitte erneut versuchen (26)",
      "Occupé, veuillez réessayer (26)"}},
    {26,
     1,
     {"Busy, please try again (26)", "Besetzt, bitte erneut versuchen (26)",
      "Occupé, veuillez réessayer (26)"}},
};

void emapp_code_text(enum emapp_lang lang, int code, int logout, char *out, size_t len)
{
	static const char *const login_text[EMAPP_LANG_COUNT] = {
	    "Login is unavailable", "Anmeldung nicht verfügbar", "Connexion indisponible"};
	static const char *const logout_text[EMAPP_LANG_COUNT] = {
	    "Logout is unavailable", "Abmeldung nicht verfügbar", "Déconnexion indisponible"};
	const struct code_text *any = NULL;

	if ((unsigned)lang >= EMAPP_LANG_COUNT)
		lang = EMAPP_LANG_EN;
	for (size_t i = 0; i < sizeof(code_texts) / sizeof(code_texts[0]); i++) {
		if (code_texts[i].code != code)
			continue;
		if (code_texts[i].logout == (logout != 0)) {
			snprintf(out, len, "%s", code_texts[i].text[lang]);
			return;
		}
		/* the EMApp texts (2xx) read "Login/Logout" or apply to both */
		if (!any && (code >= 200 || !logout))
			any = &code_texts[i];
	}
	if (any) {
		snprintf(out, len, "%s", any->text[lang]);
		return;
	}
	snprintf(out, len, "%s(%d)", logout ? logout_text[lang] : login_text[lang], code);
}

const char *emapp_lang_name(enum emapp_lang lang)
{
	switch (lang) {
	case EMAPP_LANG_DE: return "de";
	case EMAPP_LANG_FR: return "fr";
	default: return "en";
	}
}

const char *emapp_charset_name(enum emapp_charset cs)
{
	return cs == EMAPP_CHARSET_LATIN1 ? "ISO-8859-1" : "utf-8";
}

/* One element of a comma-separated header list: its name (before ';', trimmed) and q. */
struct hdr_item {
	char name[40];
	double q;
	int too_long;
};

static const char *next_item(const char *p, struct hdr_item *it)
{
	const char *end = strchr(p, ',');
	size_t len = end ? (size_t)(end - p) : strlen(p);
	const char *semi = memchr(p, ';', len);
	size_t nlen = semi ? (size_t)(semi - p) : len;

	it->q = 1.0;
	it->too_long = 0;
	while (nlen > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		nlen--;
		len--;
	}
	while (nlen > 0 && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
		nlen--;
	if (nlen >= sizeof(it->name)) {
		it->too_long = 1;
		nlen = 0;
	}
	memcpy(it->name, p, nlen);
	it->name[nlen] = '\0';
	if (semi) {
		/* parameters: only q matters */
		const char *a = semi + 1, *stop = p + len;
		while (a < stop) {
			while (a < stop && (*a == ' ' || *a == '\t' || *a == ';'))
				a++;
			if (stop - a >= 2 && (a[0] == 'q' || a[0] == 'Q') && a[1] == '=') {
				char num[16];
				size_t k = 0;
				a += 2;
				while (a < stop && k + 1 < sizeof(num) && *a != ';')
					num[k++] = *a++;
				num[k] = '\0';
				char *e;
				double q = strtod(num, &e);
				it->q = (e != num && q >= 0 && q <= 1) ? q : 0;
			}
			while (a < stop && *a != ';')
				a++;
		}
	}
	return end ? end + 1 : NULL;
}

enum emapp_lang emapp_lang_pick(const char *h)
{
	enum emapp_lang best = EMAPP_LANG_EN;
	double best_q = 0;
	struct hdr_item it;

	for (const char *p = h; p && *p;) {
		p = next_item(p, &it);
		if (it.too_long || it.q <= 0 || !it.name[0])
			continue;
		/* the primary subtag: "de-DE", "de_DE" and "de" are all German */
		size_t plen = strcspn(it.name, "-_");
		enum emapp_lang l;
		if (plen == 2 && strncasecmp(it.name, "en", 2) == 0)
			l = EMAPP_LANG_EN;
		else if (plen == 2 && strncasecmp(it.name, "de", 2) == 0)
			l = EMAPP_LANG_DE;
		else if (plen == 2 && strncasecmp(it.name, "fr", 2) == 0)
			l = EMAPP_LANG_FR;
		else if (strcmp(it.name, "*") == 0)
			l = EMAPP_LANG_EN;
		else
			continue;
		if (it.q > best_q) {
			best = l;
			best_q = it.q;
		}
	}
	return best;
}

enum emapp_charset emapp_charset_pick(const char *h)
{
	int utf8 = 0, latin1 = 0, any = 0;
	struct hdr_item it;

	if (!h || !*h)
		return EMAPP_CHARSET_UTF8;
	for (const char *p = h; p && *p;) {
		p = next_item(p, &it);
		if (it.too_long || !it.name[0])
			continue; /* the phone's "utf-8,;q=0.8" has an empty item: ignore it */
		any = 1;
		if (it.q <= 0)
			continue;
		if (strcasecmp(it.name, "utf-8") == 0 || strcasecmp(it.name, "utf8") == 0 ||
		    strcmp(it.name, "*") == 0)
			utf8 = 1;
		else if (strcasecmp(it.name, "iso-8859-1") == 0 ||
			 strcasecmp(it.name, "iso8859-1") == 0 ||
			 strcasecmp(it.name, "latin1") == 0 ||
			 strcasecmp(it.name, "iso_8859-1") == 0)
			latin1 = 1;
	}
	/* Only a phone that names ISO-8859-1 and not UTF-8 gets Latin-1; anything we cannot
	 * serve (a header naming neither) gets UTF-8, which every Cisco phone reads. */
	return (any && latin1 && !utf8) ? EMAPP_CHARSET_LATIN1 : EMAPP_CHARSET_UTF8;
}

int emapp_to_latin1(const char *in, size_t len, struct buf *out)
{
	iconv_t cd = iconv_open("ISO-8859-1//TRANSLIT", "UTF-8");
	char chunk[1024];
	char *src = (char *)in;
	size_t left = len;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return errno ? errno : EINVAL;
	while (left > 0) {
		char *dst = chunk;
		size_t room = sizeof(chunk);
		size_t r = iconv(cd, &src, &left, &dst, &room);
		buf_append(out, chunk, sizeof(chunk) - room);
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG)
			continue;
		if (errno == EILSEQ && left > 0) {
			/* TRANSLIT found no form for a valid character: '?' stands in, as glibc
			 * itself does for most; a byte that is not UTF-8 at all is an error. */
			unsigned char c = (unsigned char)*src;
			size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
			if (n == 0 || n > left) {
				rc = EILSEQ;
				break;
			}
			for (size_t k = 1; k < n; k++) {
				if (((unsigned char)src[k] & 0xC0) != 0x80) {
					rc = EILSEQ;
					goto out;
				}
			}
			buf_append(out, "?", 1);
			src += n;
			left -= n;
			continue;
		}
		rc = errno == EINVAL ? EILSEQ : errno; /* EINVAL: cut inside a character */
		break;
	}
out:
	iconv_close(cd);
	if (rc == 0 && out->oom)
		rc = ENOMEM;
	return rc;
}
