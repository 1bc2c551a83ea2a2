/*
 * bulk.c — the register read and written whole, for migrations (bulk.h).
 */
#include "residents/bulk.h"

#include "base/clock.h"
#include "residents/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growable text buffer ------------------------------------------------------- */

struct buf {
    char *p;
    size_t len, cap;
};

static int buf_put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int buf_str(struct buf *b, const char *s)
{
    return buf_put(b, s, strlen(s));
}

/* s as a JSON string, quotes included. */
static int buf_json(struct buf *b, const char *s)
{
    if (buf_put(b, "\"", 1) < 0)
        return -1;
    const char *run = s;
    for (const char *p = s;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (buf_put(b, run, (size_t)(p - run)) < 0)
            return -1;
        if (c == 0)
            break;
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else
            snprintf(esc, sizeof esc, "\\u%04x", c);
        if (buf_str(b, esc) < 0)
            return -1;
        run = p + 1;
    }
    return buf_put(b, "\"", 1);
}

/* ---- reading what a stored body says, without a JSON tree ------------------------- */

/* The bodies kyodo stores are compact JSON objects it wrote itself; an
 * export reads two of their members for every snapshot, so it scans the
 * text instead of building a tree of the whole body (a 記載's holds every
 * person of the household). */

struct scan {
    const char *p, *end;
};

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* A string at s->p: its raw span (without the quotes; escapes not decoded). */
static bool scan_string(struct scan *s, const char **start, size_t *len)
{
    if (s->p >= s->end || *s->p != '"')
        return false;
    const char *q = ++s->p;
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\')
            s->p++;
        s->p++;
    }
    if (s->p >= s->end)
        return false;
    *start = q;
    *len = (size_t)(s->p - q);
    s->p++;
    return true;
}

static bool skip_value(struct scan *s)
{
    skip_ws(s);
    if (s->p >= s->end)
        return false;
    if (*s->p == '"') {
        const char *x;
        size_t n;
        return scan_string(s, &x, &n);
    }
    if (*s->p == '{' || *s->p == '[') {
        int depth = 0;
        while (s->p < s->end) {
            char c = *s->p;
            if (c == '"') {
                const char *x;
                size_t n;
                if (!scan_string(s, &x, &n))
                    return false;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']')
                depth--;
            s->p++;
            if (depth == 0)
                return true;
        }
        return false;
    }
    while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']')
        s->p++;
    return true;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return 0xFFFD;
        v = v * 16 + (unsigned)h;
    }
    return v;
}

/* Decodes a JSON string's raw span into the arena. */
static const char *decode_string(const char *s, size_t n, struct arena *a)
{
    char *out = arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }
        if (++i >= n)
            break;
        switch (s[i]) {
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case 'r': out[o++] = '\r'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'u': {
            if (i + 4 >= n) {
                i = n;
                break;
            }
            unsigned cp = hex4(s + i + 1);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < n && s[i + 1] == '\\' &&
                s[i + 2] == 'u') {
                unsigned lo = hex4(s + i + 3);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            o += put_utf8(out + o, cp); /* a \u escape is 6 bytes, its UTF-8 at most 4 */
            break;
        }
        default: out[o++] = s[i]; break;
        }
    }
    out[o] = '\0';
    return out;
}

/* Whether a key's raw span (escapes not decoded) is `key`. */
static bool key_is(const char *raw, size_t n, const char *key, size_t klen)
{
    if (!memchr(raw, '\\', n))
        return n == klen && memcmp(raw, key, n) == 0;
    if (n > 96)
        return false;
    char space[128];
    struct arena a;
    arena_init(&a, space, sizeof space, 0);
    const char *k = decode_string(raw, n, &a);
    bool same = k && strlen(k) == klen && memcmp(k, key, klen) == 0;
    arena_release(&a);
    return same;
}

/* The member `key` of the object at s->p: its value's start, or NULL. */
static const char *member(const char *obj, const char *end, const char *key)
{
    struct scan s = {obj, end};
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return NULL;
    s.p++;
    size_t klen = strlen(key);
    for (;;) {
        skip_ws(&s);
        const char *k;
        size_t n;
        if (!scan_string(&s, &k, &n))
            return NULL;
        skip_ws(&s);
        if (s.p >= s.end || *s.p != ':')
            return NULL;
        s.p++;
        skip_ws(&s);
        if (s.p >= s.end)
            return NULL;
        if (key_is(k, n, key, klen))
            return s.p;
        if (!skip_value(&s))
            return NULL;
        skip_ws(&s);
        if (s.p >= s.end || *s.p != ',')
            return NULL;
        s.p++;
    }
}

/* The string member `key` of the object at obj (decoded into a), or "" . */
static const char *string_member(const char *obj, const char *end, const char *key,
                                 struct arena *a)
{
    const char *v = member(obj, end, key);
    if (!v || v >= end || *v != '"')
        return "";
    struct scan s = {v, end};
    const char *start;
    size_t n;
    if (!scan_string(&s, &start, &n))
        return "";
    return memchr(start, '\\', n) ? decode_string(start, n, a) : arena_strndup(a, start, n);
}

int bulk_body_fields(const char *body, size_t len, struct arena *a, const char **note,
                     const char **jiyu)
{
    const char *end = body + len;
    *note = string_member(body, end, "note", a);
    const char *mig = member(body, end, "migrated");
    *jiyu = mig ? string_member(mig, end, "jiyu", a) : NULL;
    return *note && (!mig || *jiyu) ? 0 : -1;
}

/* ---- reading --------------------------------------------------------------------- */

#define SCAN_COLUMNS                                                                            \
    "v.atena, v.rireki, v.idou_id, v.valid_from, v.recorded_at" RECORD_VCOLUMNS_SQL               \
    ", i.kind, i.idou_date_text, i.user_login, i.body, coalesce(s.superseded_at, ''),"          \
    " coalesce(x.rireki, 0)"

static const char SQL_SCAN[] =
    "SELECT " SCAN_COLUMNS " FROM resident_versions v JOIN idou i ON i.id = v.idou_id"
    " LEFT JOIN version_supersessions s ON s.atena = v.atena AND s.rireki = v.rireki"
    " LEFT JOIN resident_index x ON x.atena = v.atena"
    " ORDER BY v.atena, v.rireki";

static const char *col_str(struct store_stmt *st, int c, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, c, &n);
    return n ? arena_strndup(a, t, n) : "";
}

int residents_bulk_scan(struct store *town, bulk_version_fn each, void *ctx, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_SCAN, err);
    if (!st)
        return -1;
    /* One row at a time: the arena starts again for each. */
    static _Thread_local char space[16384];
    enum store_step rc;
    int result = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct arena a;
        arena_init(&a, space, sizeof space, (size_t)4 << 20);
        struct bulk_version v;
        record_clear(&v.r);
        int c = 5 + record_field_count;
        bool ok = tl_read_version(st, &v.r, &a) == 0;
        v.kind = col_str(st, c, &a);
        v.idou_date_text = col_str(st, c + 1, &a);
        v.user_login = col_str(st, c + 2, &a);
        size_t blen;
        const char *body = store_col_text(st, c + 3, &blen);
        if (bulk_body_fields(body, blen, &a, &v.note, &v.jiyu) < 0)
            ok = false;
        v.superseded_at = col_str(st, c + 4, &a);
        bool latest = store_col_i64(st, c + 5) == v.r.rireki && !v.superseded_at[0];
        if (!ok || !v.kind || !v.idou_date_text || !v.user_login || !v.superseded_at) {
            arena_release(&a);
            result = kd_fail(err, KD_INTERNAL, NULL, "out of memory reading the register");
            break;
        }
        result = each(ctx, &v, latest, err);
        arena_release(&a);
        if (result < 0)
            break;
    }
    store_reset(st);
    if (result < 0)
        return -1;
    return rc == STORE_ERROR ? -1 : 0;
}

static const char SQL_MEMBERS[] =
    "SELECT x.setai, x.atena, v.zokugara, v.shimei, v.postcode, v.address, v.katagaki"
    " FROM resident_index x JOIN resident_versions v ON v.atena = x.atena AND v.rireki = x.rireki"
    " WHERE x.status = 'resident' ORDER BY x.setai, x.atena";

int residents_bulk_households(struct store *town, bulk_member_fn each, void *ctx,
                              struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_MEMBERS, err);
    if (!st)
        return -1;
    enum store_step rc;
    int result = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct bulk_member m = {
            store_col_text(st, 0, NULL), store_col_text(st, 1, NULL), store_col_text(st, 2, NULL),
            store_col_text(st, 3, NULL), store_col_text(st, 4, NULL), store_col_text(st, 5, NULL),
            store_col_text(st, 6, NULL),
        };
        if ((result = each(ctx, &m, err)) < 0)
            break;
    }
    store_reset(st);
    if (result < 0)
        return -1;
    return rc == STORE_ERROR ? -1 : 0;
}

static int lookup_i64(struct store *town, const char *sql, const char *atena, int64_t arg,
                      int64_t *out, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, sql, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_i64(st, 2, arg);
    enum store_step rc = store_step(st, err);
    int found = rc == STORE_ROW && !store_col_null(st, 0);
    if (found)
        *out = store_col_i64(st, 0);
    store_reset(st);
    return rc == STORE_ERROR ? -1 : found;
}

int residents_bulk_rireki_of(struct store *town, const char *atena, int64_t idou_id,
                             int64_t *rireki, struct kd_err *err)
{
    return lookup_i64(town,
                      "SELECT min(rireki) FROM resident_versions WHERE atena = ? AND idou_id = ?",
                      atena, idou_id, rireki, err);
}

int residents_bulk_idou_of(struct store *town, const char *atena, int64_t rireki,
                           int64_t *idou_id, struct kd_err *err)
{
    return lookup_i64(town,
                      "SELECT idou_id FROM resident_versions WHERE atena = ? AND rireki = ?",
                      atena, rireki, idou_id, err);
}

/* ---- replaying a migrated row -------------------------------------------------------- */

int bulk_migrated_of(json_t *body, int64_t *rireki, int64_t *prev)
{
    json_t *m = json_object_get(body, "migrated");
    if (!json_is_object(m))
        return 0;
    *rireki = json_integer_value(json_object_get(m, "rireki"));
    *prev = json_integer_value(json_object_get(m, "prev"));
    return *rireki > 0;
}

static const char SQL_VERSION[] =
    "SELECT " TL_VERSION_COLUMNS " FROM resident_versions WHERE atena = ? AND rireki = ?";

static int load_version(struct store *town, const char *atena, int64_t rireki, struct record *r,
                        struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_VERSION, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_i64(st, 2, rireki);
    enum store_step rc = store_step(st, err);
    int result = 0;
    if (rc == STORE_ROW) {
        record_clear(r);
        if (tl_read_version(st, r, a) < 0)
            result = kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    } else if (rc == STORE_DONE) {
        result = kd_fail(err, KD_INTERNAL, NULL, "the migrated snapshot %lld of %s is missing",
                         (long long)rireki, atena);
    } else {
        result = -1;
    }
    store_reset(st);
    return result;
}

static bool same_field(const struct record *x, const struct record *y, int i)
{
    const char *a = record_text(x, i);
    return a ? strcmp(a, record_text(y, i)) == 0 : record_int(x, i) == record_int(y, i);
}

int bulk_apply_migrated(struct store *town, const char *atena, int64_t rireki, int64_t prev,
                        const struct record *before, json_t *corrections, struct record *after,
                        struct arena *a, struct kd_err *err)
{
    struct record orig, was;
    if (load_version(town, atena, rireki, &orig, a, err) < 0)
        return -1;
    if (!before || prev == 0) {
        *after = orig;
    } else {
        if (load_version(town, atena, prev, &was, a, err) < 0)
            return -1;
        if (strcmp(before->status, "removed") == 0 && strcmp(was.status, "resident") == 0)
            return kd_fail(err, KD_CONFLICT, "subjects",
                           "%s: the migrated history row %lld of %s is not possible: the record "
                           "before it was removed (%s, %s)",
                           atena, (long long)rireki, orig.valid_from, before->removal,
                           before->removal_date);
        *after = *before;
        for (int i = 0; i < record_field_count; i++) {
            if (same_field(&orig, &was, i))
                continue;
            if (record_fields[i].kind == 'I')
                record_set_int(after, i, record_int(&orig, i));
            else
                record_set_text(after, i, record_text(&orig, i));
        }
    }
    after->todoke = orig.todoke;
    return idou_apply_corrections(after, corrections, a, err);
}

/* ---- writing ---------------------------------------------------------------------- */

int64_t residents_number_serial(const char *number)
{
    size_t n = strlen(number);
    if (n < 2 || n > 16)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (number[i] < '0' || number[i] > '9')
            return -1;
        v = v * 10 + (number[i] - '0');
    }
    return v;
}

bool residents_instant_ok(const char *s)
{
    int64_t ms;
    char back[CLOCK_ISO_LEN];
    if (strlen(s) != CLOCK_ISO_LEN - 1 || !clock_parse_iso(s, CLOCK_ISO_LEN - 1, &ms))
        return false;
    clock_format_iso(ms, back);
    return strcmp(back, s) == 0;
}

/*
 * A bulk import into an empty register builds the secondary indexes of the
 * tables it fills once, at the end (sorted, as CREATE INDEX does), instead
 * of inserting into each for every row in no order; and the search keys go
 * first into a temporary table, then into resident_keys in key order. The
 * definitions are schema.c's (test_migration_register checks that the
 * indexes after an import are the schema's).
 */
static const char *const bulk_indexes[][2] = {
    {"versions_by_setai", "CREATE INDEX versions_by_setai ON resident_versions (setai, atena)"},
    {"index_by_setai", "CREATE INDEX index_by_setai ON resident_index (setai)"},
    {"index_by_birth", "CREATE INDEX index_by_birth ON resident_index (birth, atena)"},
    {"index_by_jumin_code",
     "CREATE INDEX index_by_jumin_code ON resident_index (jumin_code) WHERE jumin_code <> ''"},
    {"resident_keys_by_atena", "CREATE INDEX resident_keys_by_atena ON resident_keys (atena)"},
};

enum {
    W_ADDRESSEE,
    W_IDOU,
    W_SUBJECT,
    W_VERSION,
    W_SUPERSEDED,
    W_INDEX,
    W_KEY,
    W_COUNT
};

static const char *const write_sql[W_COUNT] = {
    "INSERT INTO addressees (atena, kind, created_at) VALUES (?, 'resident', ?)",
    "INSERT INTO idou (kind, idou_date, idou_date_text, todoke_date, recorded_at, user_login,"
    " request_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO idou_subjects (idou_id, atena) VALUES (?, ?)",
    "INSERT INTO resident_versions (" TL_VERSION_COLUMNS ") VALUES (?, ?, ?, ?, ?" RECORD_PARAMS_SQL
    ")",
    "INSERT INTO version_supersessions (atena, rireki, superseded_at, by_idou) VALUES (?, ?, ?, ?)",
    "INSERT INTO resident_index (atena, rireki, setai, status, removal_date, shimei, shimei_kana,"
    " birth, address, jumin_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO bulk_keys (kind, key, atena) VALUES (?, ?, ?)",
};

struct bulk_writer {
    struct store *town;
    char *request_id;
    struct buf body;
    int64_t max_atena, max_setai;
    const char *atena; /* the person being written (for the keys) */
};

int residents_bulk_open(struct store *town, const char *request_id, struct bulk_writer **out,
                        struct kd_err *err)
{
    struct bulk_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->request_id = strdup(request_id))) {
        free(w);
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    }
    w->town = town;
    w->max_atena = w->max_setai = -1;
    char sql[160];
    for (size_t i = 0; i < sizeof bulk_indexes / sizeof bulk_indexes[0]; i++) {
        snprintf(sql, sizeof sql, "DROP INDEX %s", bulk_indexes[i][0]);
        if (store_exec(town, sql, err) < 0) {
            residents_bulk_free(w);
            return -1;
        }
    }
    if (store_exec(town,
                   "CREATE TEMP TABLE bulk_keys (kind TEXT NOT NULL, key TEXT NOT NULL,"
                   " atena TEXT NOT NULL)",
                   err) < 0) {
        residents_bulk_free(w);
        return -1;
    }
    /* Each statement is prepared (and so checked) once here; every use
     * prepares it again, which finds it in the connection's cache: a
     * statement held across uses could be evicted and freed under us, or,
     * when two share a cache slot, be a transient one freed by its reset. */
    for (int i = 0; i < W_COUNT; i++) {
        struct store_stmt *st = store_prepare(town, write_sql[i], err);
        if (!st) {
            residents_bulk_free(w);
            return -1;
        }
        store_reset(st);
    }
    *out = w;
    return 0;
}

void residents_bulk_free(struct bulk_writer *w)
{
    if (!w)
        return;
    free(w->request_id);
    free(w->body.p);
    free(w);
}

/* Statement i of write_sql, from the connection's cache. */
static struct store_stmt *stmt(struct bulk_writer *w, int i, struct kd_err *err)
{
    return store_prepare(w->town, write_sql[i], err);
}

static int done(struct store_stmt *st, const char *what, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_DONE)
        return 0;
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_INTERNAL, NULL, "the register refused a migrated %s: %s", what,
                       err->message);
    return -1;
}

/* The record's fields, not copied (they stay until the row is stepped). */
static void bind_record(struct store_stmt *st, int first, const struct record *r)
{
    for (int i = 0; i < record_field_count; i++) {
        if (record_fields[i].kind == 'I')
            store_bind_i64(st, first + i, record_int(r, i));
        else
            store_bind_str_ref(st, first + i, record_text(r, i));
    }
}

static int put_key(void *p, const char *kind, const char *key, size_t n, struct kd_err *err)
{
    struct bulk_writer *w = p;
    struct store_stmt *st = stmt(w, W_KEY, err);
    if (!st)
        return -1;
    store_bind_str_ref(st, 1, kind);
    store_bind_text(st, 2, key, n);
    store_bind_str_ref(st, 3, w->atena);
    return done(st, "search key", err);
}

static int make_body(struct bulk_writer *w, const struct bulk_version *v, int64_t prev)
{
    char head[96];
    w->body.len = 0;
    snprintf(head, sizeof head, "{\"migrated\":{\"rireki\":%lld,\"prev\":%lld,\"jiyu\":",
             (long long)v->r.rireki, (long long)prev);
    if (buf_str(&w->body, head) < 0 || buf_json(&w->body, v->jiyu ? v->jiyu : "") < 0 ||
        buf_str(&w->body, "}") < 0)
        return -1;
    if (v->note[0] && (buf_str(&w->body, ",\"note\":") < 0 || buf_json(&w->body, v->note) < 0))
        return -1;
    return buf_str(&w->body, "}");
}

int residents_bulk_person(struct bulk_writer *w, const struct bulk_version *rows, int n,
                          struct kd_err *err)
{
    const char *atena = rows[0].r.atena;
    w->atena = atena;
    struct store_stmt *st = stmt(w, W_ADDRESSEE, err);
    if (!st)
        return -1;
    store_bind_str_ref(st, 1, atena);
    store_bind_str_ref(st, 2, rows[0].r.recorded_at);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_CONFLICT, "atena", "the town already has the 宛名番号 %s", atena);
    if (rc != STORE_DONE)
        return -1;
    int64_t s = residents_number_serial(atena);
    if (s > w->max_atena)
        w->max_atena = s;

    int64_t prev = 0;
    int latest = -1;
    for (int i = 0; i < n; i++) {
        const struct bulk_version *v = &rows[i];
        bool believed = !v->superseded_at[0];
        if (make_body(w, v, believed ? prev : 0) < 0)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        if (!(st = stmt(w, W_IDOU, err)))
            return -1;
        store_bind_str_ref(st, 1, v->kind);
        store_bind_str_ref(st, 2, v->r.valid_from);
        store_bind_str_ref(st, 3, v->idou_date_text);
        store_bind_str_ref(st, 4, v->r.todoke);
        store_bind_str_ref(st, 5, v->r.recorded_at);
        store_bind_str_ref(st, 6, v->user_login);
        store_bind_str_ref(st, 7, w->request_id);
        store_bind_text(st, 8, w->body.p, w->body.len);
        if (done(st, "異動", err) < 0)
            return -1;
        int64_t id = store_last_id(w->town);
        if (believed) {
            if (!(st = stmt(w, W_SUBJECT, err)))
                return -1;
            store_bind_i64(st, 1, id);
            store_bind_str_ref(st, 2, atena);
            if (done(st, "subject", err) < 0)
                return -1;
            prev = v->r.rireki;
            latest = i;
        }
        if (!(st = stmt(w, W_VERSION, err)))
            return -1;
        store_bind_str_ref(st, 1, atena);
        store_bind_i64(st, 2, v->r.rireki);
        store_bind_i64(st, 3, id);
        store_bind_str_ref(st, 4, v->r.valid_from);
        store_bind_str_ref(st, 5, v->r.recorded_at);
        bind_record(st, 6, &v->r);
        if (done(st, "snapshot", err) < 0)
            return -1;
        if (!believed) {
            if (!(st = stmt(w, W_SUPERSEDED, err)))
                return -1;
            store_bind_str_ref(st, 1, atena);
            store_bind_i64(st, 2, v->r.rireki);
            store_bind_str_ref(st, 3, v->superseded_at);
            store_bind_i64(st, 4, id);
            if (done(st, "supersession", err) < 0)
                return -1;
        }
        s = residents_number_serial(v->r.setai);
        if (s > w->max_setai)
            w->max_setai = s;
    }
    if (latest < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "%s has no believed snapshot", atena);
    const struct record *r = &rows[latest].r;
    if (!(st = stmt(w, W_INDEX, err)))
        return -1;
    store_bind_str_ref(st, 1, atena);
    store_bind_i64(st, 2, r->rireki);
    store_bind_str_ref(st, 3, r->setai);
    store_bind_str_ref(st, 4, r->status);
    store_bind_str_ref(st, 5, r->removal_date);
    store_bind_str_ref(st, 6, r->shimei);
    store_bind_str_ref(st, 7, r->shimei_kana);
    store_bind_str_ref(st, 8, r->birth);
    store_bind_str_ref(st, 9, r->address);
    store_bind_str_ref(st, 10, r->jumin_code);
    if (done(st, "index row", err) < 0)
        return -1;
    return tl_keys_of(r, put_key, w, err);
}

int residents_bulk_close(struct bulk_writer *w, struct kd_err *err)
{
    struct store *town = w->town;
    int rc = residents_series_past(town, "atena", w->max_atena, err) < 0 ||
                     residents_series_past(town, "setai", w->max_setai, err) < 0
                 ? -1
                 : 0;
    residents_bulk_free(w);
    /* The keys in their order, then the indexes, each built once. */
    if (rc == 0)
        rc = store_exec(town,
                        "INSERT OR IGNORE INTO resident_keys (kind, key, atena)"
                        " SELECT kind, key, atena FROM bulk_keys ORDER BY kind, key, atena;"
                        "DROP TABLE bulk_keys",
                        err);
    for (size_t i = 0; rc == 0 && i < sizeof bulk_indexes / sizeof bulk_indexes[0]; i++)
        rc = store_exec(town, bulk_indexes[i][1], err);
    return rc;
}
