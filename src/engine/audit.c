/*
 * audit.c — the hash-chained audit log.
 *
 * Hashed bytes, in this order: seq, at, user_id, user_login, role, action,
 * outcome, subject, purpose, request_id, detail, each as a 4-byte big-endian
 * length followed by its UTF-8 text (integers in decimal; a NULL subject is
 * the length 0xFFFFFFFF with no bytes), then the 32 bytes of prev_hash.
 */
#include "engine/audit.h"

#include "base/clock.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const struct store_migration audit_steps[] = {
    {1, "CREATE TABLE audit_log ("
        " seq INTEGER PRIMARY KEY,"
        " at TEXT NOT NULL,"
        " user_id INTEGER NOT NULL,"
        " user_login TEXT NOT NULL,"
        " role TEXT NOT NULL,"
        " action TEXT NOT NULL,"
        " outcome TEXT NOT NULL,"
        " subject TEXT,"
        " purpose TEXT NOT NULL,"
        " request_id TEXT NOT NULL,"
        " detail TEXT NOT NULL,"
        " prev_hash BLOB NOT NULL,"
        " hash BLOB NOT NULL"
        ") STRICT;"
        "CREATE INDEX audit_by_user ON audit_log (user_login, seq);"
        "CREATE INDEX audit_by_subject ON audit_log (subject, seq) WHERE subject IS NOT NULL;"
        "CREATE INDEX audit_by_at ON audit_log (at);"},
};

const struct store_schema audit_schema = {"audit", audit_steps,
                                          sizeof audit_steps / sizeof audit_steps[0]};

static void genesis(const char *town_code, unsigned char out[AUDIT_HASH_LEN])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    static const char tag[] = "kyodo-audit-v1:";
    crypto_hash_sha256_update(&h, (const unsigned char *)tag, sizeof tag - 1);
    crypto_hash_sha256_update(&h, (const unsigned char *)town_code, strlen(town_code));
    crypto_hash_sha256_final(&h, out);
}

static void feed(crypto_hash_sha256_state *h, const char *s, size_t len, bool is_null)
{
    uint32_t n = is_null ? 0xFFFFFFFFu : (uint32_t)len;
    unsigned char be[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n};
    crypto_hash_sha256_update(h, be, 4);
    if (!is_null)
        crypto_hash_sha256_update(h, (const unsigned char *)s, len);
}

static void feed_str(crypto_hash_sha256_state *h, const char *s)
{
    feed(h, s ? s : "", s ? strlen(s) : 0, false);
}

static void feed_int(crypto_hash_sha256_state *h, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", (long long)v);
    feed(h, num, (size_t)n, false);
}

/* The entry's hash; `at` is the stored text form of at_ms. */
static void entry_hash(const struct audit_entry *e, const char *at,
                       const unsigned char prev[AUDIT_HASH_LEN], unsigned char out[AUDIT_HASH_LEN])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    feed_int(&h, e->seq);
    feed_str(&h, at);
    feed_int(&h, e->user_id);
    feed_str(&h, e->user_login);
    feed_str(&h, e->role);
    feed_str(&h, e->action);
    feed_str(&h, e->outcome);
    feed(&h, e->subject ? e->subject : "", e->subject ? strlen(e->subject) : 0, !e->subject);
    feed_str(&h, e->purpose);
    feed_str(&h, e->request_id);
    feed_str(&h, e->detail);
    crypto_hash_sha256_update(&h, prev, AUDIT_HASH_LEN);
    crypto_hash_sha256_final(&h, out);
}

static const char SQL_HEAD[] = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";

static const char SQL_INSERT[] =
    "INSERT INTO audit_log (seq, at, user_id, user_login, role, action, outcome, subject,"
    " purpose, request_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";

static int append_in_tx(struct store *s, const char *town_code, struct audit_entry *e,
                        struct kd_err *err)
{
    unsigned char prev[AUDIT_HASH_LEN];
    int64_t last = 0;
    struct store_stmt *st = store_prepare(s, SQL_HEAD, err);
    if (!st)
        return -1;
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW) {
        size_t n;
        const void *h = store_col_blob(st, 1, &n);
        last = store_col_i64(st, 0);
        if (n != AUDIT_HASH_LEN) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "audit entry %lld has a malformed hash",
                           (long long)last);
        }
        memcpy(prev, h, AUDIT_HASH_LEN);
    } else if (rc == STORE_DONE) {
        genesis(town_code, prev);
    }
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;

    e->seq = last + 1;
    if (e->at_ms == 0)
        e->at_ms = clock_now_ms();
    char at[CLOCK_ISO_LEN];
    clock_format_iso(e->at_ms, at);
    unsigned char hash[AUDIT_HASH_LEN];
    entry_hash(e, at, prev, hash);

    st = store_prepare(s, SQL_INSERT, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, e->seq);
    store_bind_str(st, 2, at);
    store_bind_i64(st, 3, e->user_id);
    store_bind_str(st, 4, e->user_login ? e->user_login : "");
    store_bind_str(st, 5, e->role ? e->role : "");
    store_bind_str(st, 6, e->action);
    store_bind_str(st, 7, e->outcome);
    store_bind_str(st, 8, e->subject);
    store_bind_str(st, 9, e->purpose ? e->purpose : "");
    store_bind_str(st, 10, e->request_id ? e->request_id : "");
    store_bind_str(st, 11, e->detail ? e->detail : "");
    store_bind_blob(st, 12, prev, AUDIT_HASH_LEN);
    store_bind_blob(st, 13, hash, AUDIT_HASH_LEN);
    rc = store_step(st, err);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

int audit_append(struct store *town, const char *town_code, struct audit_entry *e,
                 struct kd_err *err)
{
    if (store_in_transaction(town))
        return append_in_tx(town, town_code, e, err);
    if (store_begin_write(town, err) < 0)
        return -1;
    if (append_in_tx(town, town_code, e, err) < 0) {
        store_rollback(town);
        return -1;
    }
    return store_commit(town, err);
}

#define ENTRY_COLUMNS                                                                          \
    "seq, at, user_id, user_login, role, action, outcome, subject, purpose, request_id,"       \
    " detail, prev_hash, hash"

/* Reads the row at st into e (strings point into the statement); `at` is the
 * stored text. */
static void read_entry(struct store_stmt *st, struct audit_entry *e, const char **at)
{
    e->seq = store_col_i64(st, 0);
    *at = store_col_text(st, 1, NULL);
    e->user_id = store_col_i64(st, 2);
    e->user_login = store_col_text(st, 3, NULL);
    e->role = store_col_text(st, 4, NULL);
    e->action = store_col_text(st, 5, NULL);
    e->outcome = store_col_text(st, 6, NULL);
    e->subject = store_col_null(st, 7) ? NULL : store_col_text(st, 7, NULL);
    e->purpose = store_col_text(st, 8, NULL);
    e->request_id = store_col_text(st, 9, NULL);
    e->detail = store_col_text(st, 10, NULL);
    int64_t ms = 0;
    e->at_ms = clock_parse_iso(*at, strlen(*at), &ms) ? ms : 0;
}

static const char SQL_ALL[] = "SELECT " ENTRY_COLUMNS " FROM audit_log ORDER BY seq";

static bool bad(struct audit_verdict *v, int64_t seq, const char *fmt, const char *extra)
{
    v->ok = false;
    v->first_bad = seq;
    snprintf(v->reason, sizeof v->reason, fmt, (long long)seq, extra ? extra : "");
    return false;
}

int audit_verify(struct store *town, const char *town_code, const struct audit_anchor *anchor,
                 struct audit_verdict *v, struct kd_err *err)
{
    memset(v, 0, sizeof *v);
    v->ok = true;
    genesis(town_code, v->head);
    if (store_begin_read(town, err) < 0)
        return -1;
    struct store_stmt *st = store_prepare(town, SQL_ALL, err);
    if (!st) {
        store_rollback(town);
        return -1;
    }
    int64_t expect = 1;
    for (;;) {
        struct kd_err step_err;
        enum store_step rc = store_step(st, &step_err);
        if (rc == STORE_DONE)
            break;
        if (rc != STORE_ROW) {
            bad(v, expect, "entry %lld cannot be read: %s", step_err.message);
            break;
        }
        struct audit_entry e;
        const char *at;
        read_entry(st, &e, &at);
        size_t plen, hlen;
        const void *prev = store_col_blob(st, 11, &plen);
        const void *stored = store_col_blob(st, 12, &hlen);
        if (e.seq != expect) {
            bad(v, expect, "entry %lld is missing%s", NULL);
            break;
        }
        if (plen != AUDIT_HASH_LEN || memcmp(prev, v->head, AUDIT_HASH_LEN) != 0) {
            bad(v, e.seq, "entry %lld does not follow the entry before it (prev_hash differs)%s",
                NULL);
            break;
        }
        unsigned char h[AUDIT_HASH_LEN];
        entry_hash(&e, at, v->head, h);
        if (hlen != AUDIT_HASH_LEN || memcmp(h, stored, AUDIT_HASH_LEN) != 0) {
            bad(v, e.seq, "entry %lld has been altered (its contents do not match its hash)%s",
                NULL);
            break;
        }
        if (anchor && e.seq == anchor->seq && memcmp(h, anchor->hash, AUDIT_HASH_LEN) != 0) {
            bad(v, e.seq, "entry %lld is not the entry that was anchored (its hash differs)%s",
                NULL);
            break;
        }
        memcpy(v->head, h, AUDIT_HASH_LEN);
        v->entries++;
        expect++;
    }
    store_reset(st);
    store_rollback(town);
    if (v->ok && anchor && v->entries < anchor->seq)
        bad(v, v->entries + 1,
            "entry %lld is missing: the log ends before the anchored entry%s", NULL);
    return 0;
}

int audit_list(struct store *town, const struct audit_filter *f, audit_each_fn each, void *ctx,
               struct kd_err *err)
{
    char sql[512];
    char from[CLOCK_ISO_LEN], to[CLOCK_ISO_LEN];
    int n = snprintf(sql, sizeof sql, "SELECT " ENTRY_COLUMNS " FROM audit_log WHERE 1=1");
    if (f->user_login)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND user_login = ?");
    if (f->subject)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND subject = ?");
    if (f->action)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND action = ?");
    if (f->has_from)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND at >= ?");
    if (f->has_to)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND at < ?");
    if (f->before_seq)
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND seq < ?");
    snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY seq DESC LIMIT ?");

    struct store_stmt *st = store_prepare(town, sql, err);
    if (!st)
        return -1;
    int i = 1;
    if (f->user_login)
        store_bind_str(st, i++, f->user_login);
    if (f->subject)
        store_bind_str(st, i++, f->subject);
    if (f->action)
        store_bind_str(st, i++, f->action);
    if (f->has_from) {
        clock_format_iso(f->from_ms, from);
        store_bind_str(st, i++, from);
    }
    if (f->has_to) {
        clock_format_iso(f->to_ms, to);
        store_bind_str(st, i++, to);
    }
    if (f->before_seq)
        store_bind_i64(st, i++, f->before_seq);
    store_bind_i64(st, i, f->limit);

    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct audit_entry e;
        const char *at;
        read_entry(st, &e, &at);
        size_t hlen;
        const unsigned char *h = store_col_blob(st, 12, &hlen);
        static const unsigned char zero[AUDIT_HASH_LEN];
        if (each(ctx, &e, hlen == AUDIT_HASH_LEN ? h : zero) < 0) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory listing audit entries");
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

int audit_count(struct store *town, int64_t *entries, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_HEAD, err);
    if (!st)
        return -1;
    enum store_step rc = store_step(st, err);
    *entries = rc == STORE_ROW ? store_col_i64(st, 0) : 0;
    store_reset(st);
    return rc == STORE_ERROR ? -1 : 0;
}
