/*
 * addressee_bulk.c — the records of non-residents and corporations, and the
 * merges, read and written whole for migrations (bulk.h).
 */
#include "residents/bulk.h"

#include "residents/internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD_OFFSET(name, kind, max, who) offsetof(struct addressee, name),
static const size_t offsets[] = {ADDRESSEE_FIELDS(FIELD_OFFSET)};

static void set_text(struct addressee *r, int i, const char *v)
{
    *(const char **)((char *)r + offsets[i]) = v;
}

static void set_int(struct addressee *r, int i, int64_t v)
{
    *(int64_t *)((char *)r + offsets[i]) = v;
}

#define A_VCOL(name, kind, max, who) ", v." #name
#define A_COL(name, kind, max, who) ", " #name
#define A_PARAM(name, kind, max, who) ", ?"

static const char *col(struct store_stmt *st, int c, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, c, &n);
    return n ? arena_strndup(a, t, n) : "";
}

/* ---- reading ------------------------------------------------------------------------ */

static const char SQL_SCAN[] =
    "SELECT v.atena, v.rireki, v.event_id, v.valid_from, v.recorded_at" ADDRESSEE_FIELDS(A_VCOL)
    ", a.kind, e.kind, e.user_login, e.note, coalesce(s.superseded_at, ''),"
    " coalesce(s.by_event, 0), coalesce(x.rireki, 0)"
    " FROM addressee_versions v JOIN addressees a ON a.atena = v.atena"
    " JOIN addressee_events e ON e.id = v.event_id"
    " LEFT JOIN addressee_supersessions s ON s.atena = v.atena AND s.rireki = v.rireki"
    " LEFT JOIN addressee_index x ON x.atena = v.atena"
    " ORDER BY v.atena, v.rireki";

struct held {
    struct bulk_addressee v;
    int64_t event_id, by_event, index_rireki;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t number_of(const int64_t *ids, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return i + 1;
    return 0;
}

/* Gives one addressee's rows, their events numbered. */
static int flush(struct held *h, int n, bulk_addressee_fn each, void *ctx, struct arena *a,
                 struct kd_err *err)
{
    int64_t *ids = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *ids);
    if (!ids)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    int k = 0;
    for (int i = 0; i < n; i++)
        ids[k++] = h[i].event_id;
    qsort(ids, (size_t)k, sizeof *ids, cmp_i64);
    int u = 0;
    for (int i = 0; i < k; i++)
        if (u == 0 || ids[u - 1] != ids[i])
            ids[u++] = ids[i];
    for (int i = 0; i < n; i++) {
        h[i].v.event_no = number_of(ids, u, h[i].event_id);
        h[i].v.superseded_by = h[i].by_event ? number_of(ids, u, h[i].by_event) : 0;
        bool latest = !h[i].v.superseded_at[0] && h[i].index_rireki == h[i].v.r.rireki;
        if (each(ctx, &h[i].v, latest, err) < 0)
            return -1;
    }
    return 0;
}

int addressees_bulk_scan(struct store *town, bulk_addressee_fn each, void *ctx,
                         struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_SCAN, err);
    if (!st)
        return -1;
    struct arena a;
    arena_init(&a, NULL, 0, (size_t)256 << 20);
    struct held *h = NULL;
    int n = 0, cap = 0, rc = 0;
    enum store_step step;
    const int x = 5 + addressee_field_count;
    while ((step = store_step(st, err)) == STORE_ROW) {
        const char *atena = store_col_text(st, 0, NULL);
        if (n > 0 && strcmp(atena, h[0].v.r.atena) != 0) {
            if ((rc = flush(h, n, each, ctx, &a, err)) < 0)
                break;
            n = 0;
            arena_release(&a);
            arena_init(&a, NULL, 0, (size_t)256 << 20);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct held *g = realloc(h, (size_t)cap * sizeof *g);
            if (!g) {
                rc = kd_fail(err, KD_INTERNAL, NULL, "out of memory");
                break;
            }
            h = g;
        }
        struct held *p = &h[n++];
        struct addressee *r = &p->v.r;
        addressee_clear(r);
        r->atena = col(st, 0, &a);
        r->rireki = store_col_i64(st, 1);
        p->event_id = r->event_id = store_col_i64(st, 2);
        r->valid_from = col(st, 3, &a);
        r->recorded_at = col(st, 4, &a);
        for (int i = 0; i < addressee_field_count; i++) {
            if (addressee_fields[i].kind == 'I')
                set_int(r, i, store_col_i64(st, 5 + i));
            else
                set_text(r, i, col(st, 5 + i, &a));
        }
        r->kind = col(st, x, &a);
        p->v.event_kind = col(st, x + 1, &a);
        p->v.user_login = col(st, x + 2, &a);
        p->v.note = col(st, x + 3, &a);
        p->v.superseded_at = col(st, x + 4, &a);
        p->by_event = store_col_i64(st, x + 5);
        p->index_rireki = store_col_i64(st, x + 6);
    }
    store_reset(st);
    if (rc == 0 && step == STORE_ERROR)
        rc = -1;
    if (rc == 0 && n > 0)
        rc = flush(h, n, each, ctx, &a, err);
    free(h);
    arena_release(&a);
    return rc;
}

static const char SQL_MERGES[] =
    "SELECT m.id, m.absorbed, m.survivor, m.merged_at, m.user_login, m.reason,"
    " coalesce(u.undone_at, ''), coalesce(u.user_login, ''), coalesce(u.reason, '')"
    " FROM addressee_merges m LEFT JOIN addressee_merge_undos u ON u.merge_id = m.id"
    " ORDER BY m.id";

int addressees_bulk_merges(struct store *town, bulk_merge_fn each, void *ctx, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_MERGES, err);
    if (!st)
        return -1;
    enum store_step step;
    int rc = 0;
    while ((step = store_step(st, err)) == STORE_ROW) {
        struct bulk_merge m = {
            store_col_i64(st, 0),        store_col_text(st, 1, NULL), store_col_text(st, 2, NULL),
            store_col_text(st, 3, NULL), store_col_text(st, 4, NULL), store_col_text(st, 5, NULL),
            store_col_text(st, 6, NULL), store_col_text(st, 7, NULL), store_col_text(st, 8, NULL),
        };
        if ((rc = each(ctx, &m, err)) < 0)
            break;
    }
    store_reset(st);
    return rc < 0 ? -1 : step == STORE_ERROR ? -1 : 0;
}

int addressees_bulk_any(struct store *town, bool *any, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT EXISTS (SELECT 1 FROM addressee_events) OR EXISTS (SELECT 1 FROM addressee_merges)",
        err);
    if (!st)
        return -1;
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *any = store_col_i64(st, 0) != 0;
    store_reset(st);
    return rc == STORE_ROW ? 0 : -1;
}

/* ---- writing -------------------------------------------------------------------------- */

static int done(struct store_stmt *st, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_DONE)
        return 0;
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_INTERNAL, NULL, "the addressee base refused a migrated row: %s",
                       err->message);
    return -1;
}

static bool same(const struct addressee *x, const struct addressee *y, int i)
{
    const char *a = addressee_text(x, i);
    return a ? strcmp(a, addressee_text(y, i)) == 0 : addressee_int(x, i) == addressee_int(y, i);
}

/* The body of an event: every item of the snapshot (a create), or those
 * that differ from the one before it (a change). */
static char *body_of(const struct addressee *r, const struct addressee *before)
{
    json_t *b = json_object();
    for (int i = 0; i < addressee_field_count; i++) {
        if (before && same(r, before, i))
            continue;
        if (addressee_fields[i].kind == 'I')
            json_object_set_new(b, addressee_fields[i].name, json_integer(addressee_int(r, i)));
        else if (before || addressee_text(r, i)[0])
            json_object_set_new(b, addressee_fields[i].name, json_string(addressee_text(r, i)));
    }
    char *text = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(b);
    return text;
}

int addressees_bulk_person(struct store *town, const char *request_id,
                           const struct bulk_addressee *rows, int n, struct kd_err *err)
{
    const char *atena = rows[0].r.atena;
    struct store_stmt *st =
        store_prepare(town, "INSERT INTO addressees (atena, kind, created_at) VALUES (?, ?, ?)",
                      err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, rows[0].r.kind);
    store_bind_str(st, 3, rows[0].r.recorded_at);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_CONFLICT, "atena", "the town already has the 宛名番号 %s", atena);
    if (rc != STORE_DONE)
        return -1;

    /* The events, by 事象番号: each from its believed row. */
    int64_t max_no = 0;
    for (int i = 0; i < n; i++)
        if (rows[i].event_no > max_no)
            max_no = rows[i].event_no;
    int64_t *ids = calloc((size_t)max_no + 1, sizeof *ids);
    if (!ids)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    int result = 0;
    const struct addressee *before = NULL;
    for (int64_t no = 1; no <= max_no && result == 0; no++) {
        const struct bulk_addressee *b = NULL;
        const char *first_at = NULL;
        for (int i = 0; i < n; i++) {
            if (rows[i].event_no != no)
                continue;
            if (!first_at || strcmp(rows[i].r.recorded_at, first_at) < 0)
                first_at = rows[i].r.recorded_at;
            if (!rows[i].superseded_at[0])
                b = &rows[i];
        }
        if (!b)
            continue;
        char *body = body_of(&b->r, before);
        st = body ? store_prepare(town,
                                  "INSERT INTO addressee_events (atena, kind, valid_from,"
                                  " recorded_at, user_login, request_id, note, body)"
                                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                  err)
                  : NULL;
        if (!st) {
            free(body);
            result = body ? -1 : kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            break;
        }
        store_bind_str(st, 1, atena);
        store_bind_str(st, 2, before ? "change" : "create");
        store_bind_str(st, 3, b->r.valid_from);
        store_bind_str(st, 4, first_at);
        store_bind_str(st, 5, b->user_login);
        store_bind_str(st, 6, request_id);
        store_bind_str(st, 7, b->note);
        store_bind_str(st, 8, body);
        result = done(st, err);
        free(body);
        ids[no] = store_last_id(town);
        before = &b->r;
    }
    /* The snapshots and the supersessions. */
    for (int i = 0; i < n && result == 0; i++) {
        const struct bulk_addressee *v = &rows[i];
        st = store_prepare(town,
                           "INSERT INTO addressee_versions (atena, rireki, event_id, valid_from,"
                           " recorded_at" ADDRESSEE_FIELDS(A_COL) ") VALUES (?, ?, ?, ?, ?"
                           ADDRESSEE_FIELDS(A_PARAM) ")",
                           err);
        if (!st) {
            result = -1;
            break;
        }
        store_bind_str(st, 1, atena);
        store_bind_i64(st, 2, v->r.rireki);
        store_bind_i64(st, 3, v->event_no <= max_no ? ids[v->event_no] : 0);
        store_bind_str(st, 4, v->r.valid_from);
        store_bind_str(st, 5, v->r.recorded_at);
        for (int f = 0; f < addressee_field_count; f++) {
            if (addressee_fields[f].kind == 'I')
                store_bind_i64(st, 6 + f, addressee_int(&v->r, f));
            else
                store_bind_str(st, 6 + f, addressee_text(&v->r, f));
        }
        if ((result = done(st, err)) < 0 || !v->superseded_at[0])
            continue;
        st = store_prepare(town,
                           "INSERT INTO addressee_supersessions (atena, rireki, superseded_at,"
                           " by_event) VALUES (?, ?, ?, ?)",
                           err);
        if (!st) {
            result = -1;
            break;
        }
        store_bind_str(st, 1, atena);
        store_bind_i64(st, 2, v->r.rireki);
        store_bind_str(st, 3, v->superseded_at);
        store_bind_i64(st, 4, v->superseded_by <= max_no ? ids[v->superseded_by] : 0);
        result = done(st, err);
    }
    free(ids);
    if (result < 0)
        return -1;
    /* The index and the keys, from the latest believed snapshot. */
    for (int i = n - 1; i >= 0; i--)
        if (!rows[i].superseded_at[0])
            return addressee_index_record(town, &rows[i].r, err);
    return kd_fail(err, KD_INTERNAL, NULL, "%s has no believed snapshot", atena);
}

int addressees_bulk_merge(struct store *town, const char *request_id, const struct bulk_merge *m,
                          struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO addressee_merges (id, absorbed, survivor, merged_at, user_login, request_id,"
        " reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, m->id);
    store_bind_str(st, 2, m->absorbed);
    store_bind_str(st, 3, m->survivor);
    store_bind_str(st, 4, m->merged_at);
    store_bind_str(st, 5, m->user_login);
    store_bind_str(st, 6, request_id);
    store_bind_str(st, 7, m->reason);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_CONFLICT, "id", "merge %lld cannot be recorded: %s",
                       (long long)m->id, err->message);
    if (rc != STORE_DONE)
        return -1;
    if (!m->undone_at[0])
        return 0;
    st = store_prepare(town,
                       "INSERT INTO addressee_merge_undos (merge_id, undone_at, user_login,"
                       " request_id, reason) VALUES (?, ?, ?, ?, ?)",
                       err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, m->id);
    store_bind_str(st, 2, m->undone_at);
    store_bind_str(st, 3, m->undo_user);
    store_bind_str(st, 4, request_id);
    store_bind_str(st, 5, m->undo_reason);
    return done(st, err);
}
