/* binding.h -- the registrar's table: one binding per device, behind one mutex.
 *
 * The SIP thread writes it; the node's threads read it (NOTIFY, `emcc sip bindings`). Every
 * change is one call made under the lock, so a reader never sees a half-written binding. No libre
 * in here, so it is unit-tested on its own. Device names compare without regard to ASCII case,
 * as CUCM's do. */
#ifndef EMCC_SIP_BINDING_H
#define EMCC_SIP_BINDING_H

#include <stddef.h>
#include <stdint.h>

#include "sip/sipd.h"

struct sipd_table;

/* max: the most bindings held at once (a REGISTER beyond it is refused). 0 or ENOMEM. */
int sipd_table_alloc(struct sipd_table **tp, size_t max);
void sipd_table_free(struct sipd_table *t);

/* Inserts or replaces the binding of b->device, as RFC 3261 10.3 step 7 orders it: a binding with
 * the same Call-ID and a higher CSeq than b's stays (ESTALE). Equal CSeq is a retransmission and
 * is applied again. A refresh (same Call-ID) keeps the registered_at it had. *created (may be
 * NULL) says whether the device had no live binding before.
 * Returns 0, ESTALE, ENOSPC (table full) or ENOMEM. */
int sipd_table_put(struct sipd_table *t, const struct sipd_binding *b, int64_t now, int *created);

/* Removes the binding of device when it is the one a request names: same contact URI or same
 * Call-ID (contact/call_id NULL: remove whatever is there). A lower CSeq on the same Call-ID is
 * ESTALE. Returns 0, ENOENT (no live binding, or another contact's) or ESTALE. */
int sipd_table_remove(struct sipd_table *t, const char *device, const char *contact,
		      const char *call_id, uint32_t cseq, int64_t now);

/* One change of a REGISTER for sipd_table_apply: put b (remove 0) or remove what b names
 * (remove 1: b->device, b->contact, b->call_id, b->cseq as for sipd_table_remove). rc and
 * created are set by the call. */
struct sipd_table_op {
	const struct sipd_binding *b;
	int remove;
	int rc;	     /* after a successful apply: 0, or ENOENT for a remove that found nothing */
	int created; /* put: the device had no live binding before */
};

/* All of ops or none, under one lock: every op is checked against the table as it stands
 * (ESTALE as sipd_table_put/remove give it; ENOSPC when the devices new to the table would not
 * fit; ENOMEM) and only when none fails are they applied, in order. The ops must share one
 * Call-ID and CSeq (a REGISTER's contacts do; else EINVAL), which makes checking each against the
 * table before the batch the same as applying them one by one. The room check does not count a
 * remove in the batch as freeing a slot, so a full table may refuse a batch that one by one
 * would just fit. Returns 0, or EINVAL, ESTALE, ENOSPC or ENOMEM with nothing changed. */
int sipd_table_apply(struct sipd_table *t, struct sipd_table_op *ops, size_t n, int64_t now);

/* Copies the live binding of device; 0 or ENOENT (none, or expired at now). */
int sipd_table_get(struct sipd_table *t, const char *device, int64_t now, struct sipd_binding *out);

/* Calls fn on every binding live at now, under the lock; stops at fn's first nonzero return and
 * returns it. */
int sipd_table_list(struct sipd_table *t, int64_t now,
		    int (*fn)(void *arg, const struct sipd_binding *b), void *arg);

/* Drops bindings expired at now; calls gone (may be NULL) for each after it is unlinked.
 * Returns how many were dropped. */
size_t sipd_table_purge(struct sipd_table *t, int64_t now,
			void (*gone)(void *arg, const struct sipd_binding *b), void *arg);

/* Live and not yet purged bindings. */
size_t sipd_table_count(struct sipd_table *t);

#endif
