/*
 * query.c — reading the register: a person as of a date, a person's
 * history, a household as of a date, the event feed.
 */
#include "residents/internal.h"

#include "engine/kana.h"
#include "residents/suppression.h"
#include "residents/zokugara.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

int residents_person_as_of(struct store *town, const char *atena, const char *date,
                           int64_t known_ms, struct record *out, struct arena *a,
                           struct kd_err *err)
{
    int found = tl_as_of(town, atena, date, known_ms, out, a, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return kd_fail(err, KD_NOT_FOUND, "atena", "no record of %s on %s", atena, date);
    return 0;
}

static const char SQL_HISTORY[] =
    "SELECT v.atena, v.rireki, v.idou_id, v.valid_from, v.recorded_at" RECORD_VCOLUMNS_SQL ","
    " i.kind, coalesce(s.superseded_at, '')"
    " FROM resident_versions v JOIN idou i ON i.id = v.idou_id"
    " LEFT JOIN version_supersessions s ON s.atena = v.atena AND s.rireki = v.rireki"
    " WHERE v.atena = ? ORDER BY v.rireki";

int residents_person_history(struct store *town, const char *atena, version_fn each, void *ctx,
                             struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_HISTORY, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct version_info v;
        record_clear(&v.r);
        size_t n;
        const char *t = store_col_text(st, 0, &n);
        v.r.atena = arena_strndup(a, t, n);
        v.r.rireki = store_col_i64(st, 1);
        v.r.idou_id = store_col_i64(st, 2);
        t = store_col_text(st, 3, &n);
        v.r.valid_from = arena_strndup(a, t, n);
        t = store_col_text(st, 4, &n);
        v.r.recorded_at = arena_strndup(a, t, n);
        int next = record_read(st, 5, &v.r, a);
        t = store_col_text(st, next, &n);
        v.idou_kind = arena_strndup(a, t, n);
        t = store_col_text(st, next + 1, &n);
        v.superseded_at = arena_strndup(a, t, n);
        if (next < 0 || !v.r.atena || !v.idou_kind || !v.superseded_at) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading history");
        }
        if (each(ctx, &v) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

/* The standard's order of household members (5.2). */
static int member_order(const void *pa, const void *pb)
{
    const struct record *a = pa, *b = pb;
    int ra = zokugara_rank(a->zokugara), rb = zokugara_rank(b->zokugara);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    int c = strcmp(a->birth, b->birth);
    if (c)
        return c;
    return strcmp(a->atena, b->atena);
}

enum { MAX_CANDIDATES = 256 };

static const char SQL_EVER_IN[] =
    "SELECT DISTINCT atena FROM resident_versions WHERE setai = ? ORDER BY atena LIMIT 256";

int residents_household_as_of(struct store *town, const char *setai, const char *date,
                              int64_t known_ms, member_fn each, void *ctx, struct arena *a,
                              struct kd_err *err)
{
    /* Everyone who was ever in the household, then who is in it on the date. */
    struct store_stmt *st = store_prepare(town, SQL_EVER_IN, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, setai);
    const char **who = arena_alloc(a, MAX_CANDIDATES * sizeof *who);
    struct record *members = arena_alloc(a, MAX_CANDIDATES * sizeof *members);
    if (!who || !members) {
        store_reset(st);
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    }
    int candidates = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        size_t n;
        const char *t = store_col_text(st, 0, &n);
        who[candidates++] = arena_strndup(a, t, n);
    }
    store_reset(st);
    if (rc != STORE_DONE)
        return -1;
    int count = 0;
    for (int i = 0; i < candidates; i++) {
        struct record r;
        int found = tl_as_of(town, who[i], date, known_ms, &r, a, err);
        if (found < 0)
            return -1;
        if (found && strcmp(r.setai, setai) == 0 && strcmp(r.status, "resident") == 0)
            members[count++] = r;
    }
    qsort(members, (size_t)count, sizeof *members, member_order);
    for (int i = 0; i < count; i++)
        if (each(ctx, &members[i]) < 0)
            return -1;
    return count;
}

static const char SQL_FEED[] =
    "SELECT e.id, coalesce(i.kind, ''), e.on_date, e.recorded_at, coalesce(i.target, 0),"
    " CASE WHEN e.source = 'idou'"
    "  THEN (SELECT group_concat(atena, ' ') FROM (SELECT atena FROM idou_subjects s"
    "   WHERE s.idou_id = i.id ORDER BY atena) AS ordered)"
    "  ELSE e.atena END,"
    " coalesce(e.age, 0), coalesce(e.idou_id, 0)"
    " FROM register_events e LEFT JOIN idou i ON i.id = e.idou_id"
    " WHERE e.id > ? ORDER BY e.id LIMIT ?";

int residents_feed(struct store *town, int64_t after, int limit, feed_fn each, void *ctx,
                   struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_FEED, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, after);
    store_bind_i64(st, 2, limit);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct feed_event e = {0};
        e.id = store_col_i64(st, 0);
        e.age = (int)store_col_i64(st, 6);
        e.idou_id = store_col_i64(st, 7);
        const struct idou_kind *k = idou_kind_find(store_col_text(st, 1, NULL));
        e.kind = e.age ? "nenrei_toutatsu" : k ? k->code : "";
        e.label = e.age ? "年齢到達" : k ? k->label : "";
        e.cls = e.age ? "年齢到達" : k ? idou_class_label(k->cls) : "";
        size_t n;
        const char *t = store_col_text(st, 2, &n);
        e.idou_date = arena_strndup(a, t, n);
        t = store_col_text(st, 3, &n);
        e.recorded_at = arena_strndup(a, t, n);
        int64_t target = store_col_i64(st, 4);
        e.cancels = target && k && strcmp(k->code, "torikeshi") == 0
                        ? arena_printf(a, "%lld", (long long)target)
                        : "";
        /* Subjects: a space-separated list, split in place. */
        t = store_col_text(st, 5, &n);
        char *list = arena_strndup(a, t, n);
        e.atena = arena_alloc(a, (n / 2 + 1) * sizeof *e.atena);
        if (!e.idou_date || !e.recorded_at || !list || !e.atena) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        }
        for (char *p = list; *p;) {
            e.atena[e.count++] = p;
            char *sp = strchr(p, ' ');
            if (!sp)
                break;
            *sp = '\0';
            p = sp + 1;
        }
        if (each(ctx, &e) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

/* ---- search ---------------------------------------------------------------- */

int residents_search(struct store *town, const struct search_query *q, hit_fn each, void *ctx,
                     struct arena *a, struct kd_err *err)
{
    char key[KANA_KEY_MAX + 4];
    size_t klen = 0;
    const char *kind = NULL;
    if (q->kana || q->name || q->address) {
        kind = q->kana ? "kana" : q->name ? "name" : "addr";
        const char *in = q->kana ? q->kana : q->name ? q->name : q->address;
        /* An address typed from its 大字 matches the key that starts after
         * the 大字 (address_local_part). */
        if (!q->kana && !q->name) {
            while (*in == ' ' || strncmp(in, "\u3000", 3) == 0)
                in += *in == ' ' ? 1 : 3;
            if (strncmp(in, "大字", 6) == 0)
                in += 6;
            else if (strncmp(in, "字", 3) == 0)
                in += 3;
        }
        int rc = q->kana ? kana_search_key(in, strlen(in), key, KANA_KEY_MAX + 1, &klen, err)
                         : name_search_key(in, strlen(in), key, KANA_KEY_MAX + 1, &klen, err);
        const char *field = q->kana ? "kana" : q->name ? "name" : "address";
        if (rc < 0) {
            snprintf(err->field, sizeof err->field, "%s", field);
            return -1;
        }
        if (klen == 0)
            return kd_fail(err, KD_INVALID_VALUE, field, "%s has nothing to search for", field);
    }
    /* The matching keys are [key, key + U+FFFF): a prefix range in the
     * binary order of UTF-8. */
    char end[KANA_KEY_MAX + 4];
    memcpy(end, key, klen);
    memcpy(end + klen, "\xEF\xBF\xBF", 3);

    /* A reading, name or address prefix with a birth date or a number: the
     * person is found by the latter (few rows) and the prefix checked on
     * their own keys — walking every key of the prefix first (15,000 for
     * ミヤサキ on a million residents) was the slow tail of the search. */
    bool driven = kind && (q->birth || q->atena || q->jumin_code);
    char sql[1400];
    int n;
    if (driven)
        n = snprintf(sql, sizeof sql,
                     "SELECT atena, setai, status, removal_date, shimei, shimei_kana, birth,"
                     " address, mkey FROM (SELECT i.atena, i.setai, i.status, i.removal_date,"
                     " i.shimei, i.shimei_kana, i.birth, i.address,"
                     " (SELECT min(k.key) FROM resident_keys k WHERE k.atena = i.atena"
                     "  AND k.kind = ?1 AND k.key >= ?2 AND k.key < ?3) AS mkey"
                     " FROM resident_index i WHERE 1 = 1");
    else
        n = snprintf(sql, sizeof sql,
                     "SELECT i.atena, i.setai, i.status, i.removal_date, i.shimei, i.shimei_kana,"
                     " i.birth, i.address, %s FROM %s WHERE 1 = 1",
                     kind ? "k.key" : "''",
                     kind ? "resident_keys k JOIN resident_index i ON i.atena = k.atena"
                          : "resident_index i");
#define ADD(...) n += snprintf(sql + n, sizeof sql - (size_t)n, __VA_ARGS__)
    if (kind && !driven)
        ADD(" AND k.kind = ?1 AND k.key >= ?2 AND k.key < ?3");
    if (q->birth)
        ADD(" AND i.birth = ?4");
    if (q->atena)
        ADD(" AND i.atena = ?5");
    if (q->jumin_code)
        ADD(" AND i.jumin_code = ?6");
    if (strcmp(q->status, "resident") == 0)
        ADD(" AND (i.status = 'resident' OR i.removal_date > ?7)");
    else if (strcmp(q->status, "removed") == 0)
        ADD(" AND i.status = 'removed' AND i.removal_date <= ?7");
    if (driven) {
        ADD(") AS found WHERE mkey IS NOT NULL");
        if (q->after_atena)
            ADD(" AND (mkey, atena) > (?8, ?9)");
        ADD(" ORDER BY mkey, atena LIMIT ?10");
    } else {
        if (q->after_atena)
            ADD(kind ? " AND (k.key, k.atena) > (?8, ?9)" : " AND i.atena > ?9");
        ADD(kind ? " ORDER BY k.key, k.atena LIMIT ?10" : " ORDER BY i.atena LIMIT ?10");
    }
#undef ADD
    struct store_stmt *st = store_prepare(town, sql, err);
    if (!st)
        return -1;
    if (kind) {
        store_bind_str(st, 1, kind);
        store_bind_text(st, 2, key, klen);
        store_bind_text(st, 3, end, klen + 3);
    }
    if (q->birth)
        store_bind_str(st, 4, q->birth);
    if (q->atena)
        store_bind_str(st, 5, q->atena);
    if (q->jumin_code)
        store_bind_str(st, 6, q->jumin_code);
    if (strcmp(q->status, "all") != 0)
        store_bind_str(st, 7, q->today);
    if (q->after_atena) {
        store_bind_str(st, 8, q->after_key ? q->after_key : "");
        store_bind_str(st, 9, q->after_atena);
    }
    store_bind_i64(st, 10, q->limit);
    /* Who is protected today (抑止): their addresses are for some roles only. */
    struct supp_set protected;
    if (supp_set_load(town, q->today, &protected, a, err) < 0) {
        store_reset(st);
        return -1;
    }
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct search_hit h = {0};
        const char **f[] = {&h.atena, &h.setai,       &h.status, &h.removal_date, &h.shimei,
                            &h.shimei_kana, &h.birth, &h.address, &h.key};
        for (int c = 0; c < 9; c++) {
            size_t len;
            const char *t = store_col_text(st, c, &len);
            *f[c] = arena_strndup(a, t, len);
            if (!*f[c]) {
                store_reset(st);
                return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            }
        }
        /* The status on `today`: a 転出 dated ahead is still a resident. */
        if (strcmp(h.status, "removed") == 0 && strcmp(h.removal_date, q->today) > 0)
            h.status = "resident";
        struct supp_cover cover;
        if (protected.count &&
            supp_set_covers(&protected, h.atena,
                            strcmp(h.status, "resident") == 0 ? h.setai : "", &cover)) {
            h.suppressed_person = cover.person;
            h.suppressed_household = cover.household;
            h.suppression = cover.measure;
            if (!q->see_suppressed) {
                h.address = "";
                h.address_masked = true;
                /* Found by the address: the hit itself would tell it. */
                h.omitted = q->address != NULL;
            }
        }
        if (each(ctx, &h) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

int residents_count(struct store *town, int64_t *residents, struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT count(*) FROM resident_index WHERE status = 'resident'", err);
    if (!st)
        return -1;
    enum store_step rc = store_step(st, err);
    *residents = rc == STORE_ROW ? store_col_i64(st, 0) : 0;
    store_reset(st);
    return rc == STORE_ROW ? 0 : -1;
}
