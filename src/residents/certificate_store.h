/*
 * certificate_store.h — 交付履歴: every certificate issued, in the town's
 * database (scope "certificates").
 *
 * One row per issuance, never changed: when, by whom, the form, the items
 * shown, the requester's kind, name and purpose, the date the register was
 * read as of, the number of sheets, and the persons (宛名番号) in print
 * order. The row's id is the 証明書番号 printed on the certificate
 * (cert_number_text), so numbers are serial per town and never reused.
 *
 * Functions join the caller's transaction; recording one belongs in the
 * write transaction that also writes its audit entries.
 */
#ifndef KYODO_RESIDENTS_CERTIFICATE_STORE_H
#define KYODO_RESIDENTS_CERTIFICATE_STORE_H

#include "base/arena.h"
#include "base/err.h"
#include "residents/certificate.h"
#include "store/store.h"

#include <stdint.h>

extern const struct store_schema certificates_schema;

#define CERT_MAX_PERSONS 64 /* persons on one certificate */

struct cert_issue {
    int64_t id;               /* the 証明書番号 (set by cert_issue_record) */
    const char *issued_at;    /* instant, ISO 8601 UTC */
    const char *issue_date;   /* the date printed (Japan), ISO */
    const char *user_login;   /* the clerk */
    const char *request_id;
    enum cert_kind kind;
    enum cert_form form;
    const char *as_of; /* the register read as of this date */
    unsigned items;    /* enum cert_item bits shown */
    enum cert_requester requester;
    const char *requester_name; /* "" when not given */
    const char *purpose;        /* the requester's stated purpose, "" when not given */
    int sheets;
    const char *setai; /* the household of a 世帯連記式, else "" */
    int count;
    const char **atena; /* count 宛名番号 in print order */
};

/* Appends an issuance and its persons; sets c->id. */
int cert_issue_record(struct store *town, struct cert_issue *c, struct kd_err *err);

/* Issuances, newest first: of one person (atena not NULL) or all; only ids
 * below `before` (0: from the newest); at most limit. Returns the count. */
typedef int (*cert_issue_fn)(void *ctx, const struct cert_issue *c);
int cert_issue_list(struct store *town, const char *atena, int64_t before, int limit,
                    cert_issue_fn each, void *ctx, struct arena *a, struct kd_err *err);

/* One issuance; KD_NOT_FOUND (field "id") when there is none. */
int cert_issue_get(struct store *town, int64_t id, struct cert_issue *out, struct arena *a,
                   struct kd_err *err);

/* "第000123号": the number as printed (at least 6 digits). */
#define CERT_NUMBER_CAP 40
void cert_number_text(int64_t id, char buf[CERT_NUMBER_CAP]);

/* Items as space-separated codes ("shimei birth …"), and back (unknown
 * codes are ignored: a row written by a later version). */
const char *cert_items_codes(struct arena *a, unsigned items);
unsigned cert_items_from_codes(const char *codes);

#endif
