/*
 * certificate_store.c — 交付履歴 (the record of certificates issued), town
 * database scope "certificates". See certificate_store.h.
 */
#include "residents/certificate_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct store_migration steps[] = {
    {1,
     /* One row per issuance; its id is the 証明書番号. Never changed. */
     "CREATE TABLE certificate_issues ("
     " id INTEGER PRIMARY KEY,"
     " issued_at TEXT NOT NULL,"
     " issue_date TEXT NOT NULL,"
     " user_login TEXT NOT NULL,"
     " request_id TEXT NOT NULL,"
     " kind TEXT NOT NULL CHECK (kind IN ('juminhyo', 'johyo', 'kisai_jiko')),"
     " form TEXT NOT NULL CHECK (form IN ('setai', 'kojin')),"
     " as_of TEXT NOT NULL,"
     " items TEXT NOT NULL,"
     " requester TEXT NOT NULL CHECK (requester IN ('honnin', 'daisansha', 'koyo')),"
     " requester_name TEXT NOT NULL DEFAULT '',"
     " purpose TEXT NOT NULL DEFAULT '',"
     " sheets INTEGER NOT NULL,"
     " setai TEXT NOT NULL DEFAULT ''"
     ") STRICT;"
     /* The persons on it, in print order. */
     "CREATE TABLE certificate_persons ("
     " issue_id INTEGER NOT NULL REFERENCES certificate_issues (id),"
     " seq INTEGER NOT NULL,"
     " atena TEXT NOT NULL,"
     " PRIMARY KEY (issue_id, seq)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX certificate_persons_by_atena ON certificate_persons (atena, issue_id);"},
};

const struct store_schema certificates_schema = {"certificates", steps,
                                                 sizeof steps / sizeof steps[0]};

void cert_number_text(int64_t id, char buf[CERT_NUMBER_CAP])
{
    snprintf(buf, CERT_NUMBER_CAP, "第%06" PRId64 "号", id);
}

const char *cert_items_codes(struct arena *a, unsigned items)
{
    char buf[512];
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < cert_item_count; i++) {
        if (!(items & cert_items[i].bit))
            continue;
        int w = snprintf(buf + n, sizeof buf - n, "%s%s", n ? " " : "", cert_items[i].code);
        if (w > 0 && (size_t)w < sizeof buf - n)
            n += (size_t)w;
    }
    return arena_strndup(a, buf, n);
}

unsigned cert_items_from_codes(const char *codes)
{
    unsigned items = 0;
    const char *p = codes;
    while (*p) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        for (int i = 0; i < cert_item_count; i++)
            if (strlen(cert_items[i].code) == len && memcmp(cert_items[i].code, p, len) == 0)
                items |= cert_items[i].bit;
        p += len;
        while (*p == ' ')
            p++;
    }
    return items;
}

static const char SQL_INSERT[] =
    "INSERT INTO certificate_issues (issued_at, issue_date, user_login, request_id, kind, form,"
    " as_of, items, requester, requester_name, purpose, sheets, setai)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_PERSON[] =
    "INSERT INTO certificate_persons (issue_id, seq, atena) VALUES (?, ?, ?)";

int cert_issue_record(struct store *town, struct cert_issue *c, struct kd_err *err)
{
    char buf[512];
    struct arena a;
    arena_init(&a, buf, sizeof buf, 4096);
    const char *items = cert_items_codes(&a, c->items);
    struct store_stmt *st = items ? store_prepare(town, SQL_INSERT, err) : NULL;
    if (!st) {
        arena_release(&a);
        return items ? -1 : kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    }
    store_bind_str(st, 1, c->issued_at);
    store_bind_str(st, 2, c->issue_date);
    store_bind_str(st, 3, c->user_login);
    store_bind_str(st, 4, c->request_id);
    store_bind_str(st, 5, cert_kind_code(c->kind));
    store_bind_str(st, 6, cert_form_code(c->form));
    store_bind_str(st, 7, c->as_of);
    store_bind_str(st, 8, items);
    store_bind_str(st, 9, cert_requester_code(c->requester));
    store_bind_str(st, 10, c->requester_name ? c->requester_name : "");
    store_bind_str(st, 11, c->purpose ? c->purpose : "");
    store_bind_i64(st, 12, c->sheets);
    store_bind_str(st, 13, c->setai ? c->setai : "");
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        c->id = store_col_i64(st, 0);
    store_reset(st);
    arena_release(&a);
    if (rc != STORE_ROW)
        return rc == STORE_ERROR ? -1 : kd_fail(err, KD_INTERNAL, NULL, "issuance not recorded");
    for (int i = 0; i < c->count; i++) {
        st = store_prepare(town, SQL_PERSON, err);
        if (!st)
            return -1;
        store_bind_i64(st, 1, c->id);
        store_bind_i64(st, 2, i + 1);
        store_bind_str(st, 3, c->atena[i]);
        rc = store_step(st, err);
        store_reset(st);
        if (rc != STORE_DONE)
            return rc == STORE_ERROR ? -1 : kd_fail(err, KD_INTERNAL, NULL, "person not recorded");
    }
    return 0;
}

#define COLS                                                                                    \
    "c.id, c.issued_at, c.issue_date, c.user_login, c.request_id, c.kind, c.form, c.as_of,"     \
    " c.items, c.requester, c.requester_name, c.purpose, c.sheets, c.setai,"                    \
    " (SELECT group_concat(atena, ' ') FROM (SELECT atena FROM certificate_persons p"           \
    "  WHERE p.issue_id = c.id ORDER BY seq) AS ordered)"

static const char SQL_LIST_ALL[] = "SELECT " COLS " FROM certificate_issues c"
                                   " WHERE c.id < ? ORDER BY c.id DESC LIMIT ?";
static const char SQL_LIST_ATENA[] =
    "SELECT " COLS " FROM certificate_issues c WHERE c.id IN"
    " (SELECT issue_id FROM certificate_persons WHERE atena = ? AND issue_id < ?)"
    " ORDER BY c.id DESC LIMIT ?";
static const char SQL_GET[] = "SELECT " COLS " FROM certificate_issues c WHERE c.id = ?";

static const char *col(struct store_stmt *st, int i, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, i, &n);
    return arena_strndup(a, t, n);
}

/* Reads a row into c (strings into a). */
static int read_row(struct store_stmt *st, struct cert_issue *c, struct arena *a,
                    struct kd_err *err)
{
    memset(c, 0, sizeof *c);
    c->id = store_col_i64(st, 0);
    c->issued_at = col(st, 1, a);
    c->issue_date = col(st, 2, a);
    c->user_login = col(st, 3, a);
    c->request_id = col(st, 4, a);
    const char *kind = col(st, 5, a), *form = col(st, 6, a);
    c->as_of = col(st, 7, a);
    const char *items = col(st, 8, a), *req = col(st, 9, a);
    c->requester_name = col(st, 10, a);
    c->purpose = col(st, 11, a);
    c->sheets = (int)store_col_i64(st, 12);
    c->setai = col(st, 13, a);
    const char *persons = col(st, 14, a);
    if (!c->issued_at || !c->issue_date || !c->user_login || !c->request_id || !kind || !form ||
        !c->as_of || !items || !req || !c->requester_name || !c->purpose || !c->setai || !persons)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading 交付履歴");
    if (!cert_kind_parse(kind, &c->kind) || !cert_form_parse(form, &c->form) ||
        !cert_requester_parse(req, &c->requester))
        return kd_fail(err, KD_INTERNAL, NULL, "交付履歴 %lld is not readable", (long long)c->id);
    c->items = cert_items_from_codes(items);
    /* The persons: split the space-separated list. */
    int n = persons[0] ? 1 : 0;
    for (const char *p = persons; *p; p++)
        n += *p == ' ';
    c->atena = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *c->atena);
    if (!c->atena)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading 交付履歴");
    const char *p = persons;
    for (int i = 0; i < n; i++) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        if (!(c->atena[i] = arena_strndup(a, p, len)))
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading 交付履歴");
        p += len + (sp ? 1 : 0);
    }
    c->count = n;
    return 0;
}

int cert_issue_list(struct store *town, const char *atena, int64_t before, int limit,
                    cert_issue_fn each, void *ctx, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, atena ? SQL_LIST_ATENA : SQL_LIST_ALL, err);
    if (!st)
        return -1;
    int k = 1;
    if (atena)
        store_bind_str(st, k++, atena);
    store_bind_i64(st, k++, before > 0 ? before : INT64_MAX);
    store_bind_i64(st, k, limit);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct cert_issue c;
        if (read_row(st, &c, a, err) < 0 || each(ctx, &c) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

int cert_issue_get(struct store *town, int64_t id, struct cert_issue *out, struct arena *a,
                   struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_GET, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, err);
    int r = rc == STORE_ROW ? read_row(st, out, a, err) : -1;
    store_reset(st);
    if (rc == STORE_DONE)
        return kd_fail(err, KD_NOT_FOUND, "id", "no such certificate");
    return rc == STORE_ROW ? r : -1;
}
