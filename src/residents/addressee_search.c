/*
 * addressee_search.c — finding addressees of every kind (addressee.h).
 *
 * Non-residents and corporations are found in this module's own keys and
 * index (addressee_keys, addressee_index); residents through the register's
 * search (residents_search), which is the register's to change. Both order
 * their hits by the matched search key (binary order of its UTF-8 bytes),
 * then by 宛名番号, and both take the same cursor, so one page is the first
 * `limit` hits of the two lists merged.
 */
#include "residents/addressee.h"

#include "engine/kana.h"
#include "residents/residents.h"

#include <stdio.h>
#include <string.h>

struct hits {
    int count, cap;
    struct addressee_hit *h;
    struct arena *a;
};

static int keep(struct hits *l, const struct addressee_hit *h, struct kd_err *err)
{
    if (l->count == l->cap)
        return kd_fail(err, KD_INTERNAL, NULL, "more hits than asked for");
    l->h[l->count++] = *h;
    return 0;
}

struct resident_ctx {
    struct hits *l;
    struct kd_err *err;
};

static int keep_resident(void *ctx, const struct search_hit *s)
{
    struct resident_ctx *c = ctx;
    /* Only a search by address leaves hits out; this one has none. */
    if (s->omitted)
        return 0;
    struct addressee_hit h = {
        .atena = s->atena,
        .kind = "resident",
        .name = s->shimei,
        .name_kana = s->shimei_kana,
        .birth = s->birth,
        .address = s->address,
        .corp_number = "",
        .register_status = s->status,
        .merged_into = "",
        .key = s->key,
        .suppressed_person = s->suppressed_person,
        .suppressed_household = s->suppressed_household,
        .address_masked = s->address_masked,
        .suppression = s->suppression,
    };
    return keep(c->l, &h, c->err);
}

static const char *col_dup(struct store_stmt *st, int col, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, col, &n);
    return n ? arena_strndup(a, t, n) : "";
}

/* The merge holding now for i.atena, if any: its survivor. */
#define SQL_MERGED_INTO                                                                         \
    "(SELECT m.survivor FROM addressee_merges m WHERE m.absorbed = i.atena"                     \
    " AND NOT EXISTS (SELECT 1 FROM addressee_merge_undos u WHERE u.merge_id = m.id)"           \
    " ORDER BY m.id DESC LIMIT 1)"

static int search_own(struct store *town, const struct addressee_query *q, const char *kind,
                      const char *key, size_t klen, struct hits *l, struct kd_err *err)
{
    char end[KANA_KEY_MAX + 4];
    memcpy(end, key, klen);
    memcpy(end + klen, "\xEF\xBF\xBF", 3);
    bool by_key = q->kana || q->name;
    char sql[2048];
    int n = snprintf(sql, sizeof sql,
                     "SELECT i.atena, i.kind, i.name, i.name_kana, i.birth, i.address,"
                     " i.corp_number, coalesce(" SQL_MERGED_INTO ", ''), %s FROM %s WHERE 1 = 1",
                     by_key ? "k.key" : "''",
                     by_key ? "addressee_keys k JOIN addressee_index i ON i.atena = k.atena"
                            : "addressee_index i");
#define ADD(...) n += snprintf(sql + n, sizeof sql - (size_t)n, __VA_ARGS__)
    if (by_key)
        ADD(" AND k.kind = ?1 AND k.key >= ?2 AND k.key < ?3");
    if (q->birth)
        ADD(" AND i.birth = ?4");
    if (q->atena)
        ADD(" AND i.atena = ?5");
    if (q->corp_number)
        ADD(" AND i.corp_number = ?6");
    if (kind)
        ADD(" AND i.kind = ?7");
    /* A number asked for by itself is shown even when merged away: its hit
     * says where it went. */
    if (!q->merged && !q->atena)
        ADD(" AND " SQL_MERGED_INTO " IS NULL");
    if (q->after_atena)
        ADD(by_key ? " AND (k.key, k.atena) > (?8, ?9)" : " AND i.atena > ?9");
    ADD(by_key ? " ORDER BY k.key, k.atena LIMIT ?10" : " ORDER BY i.atena LIMIT ?10");
#undef ADD
    if ((size_t)n >= sizeof sql)
        return kd_fail(err, KD_INTERNAL, NULL, "search statement too long");
    struct store_stmt *st = store_prepare(town, sql, err);
    if (!st)
        return -1;
    if (by_key) {
        store_bind_str(st, 1, q->kana ? "kana" : "name");
        store_bind_text(st, 2, key, klen);
        store_bind_text(st, 3, end, klen + 3);
    }
    if (q->birth)
        store_bind_str(st, 4, q->birth);
    if (q->atena)
        store_bind_str(st, 5, q->atena);
    if (q->corp_number)
        store_bind_str(st, 6, q->corp_number);
    if (kind)
        store_bind_str(st, 7, kind);
    if (q->after_atena) {
        store_bind_str(st, 8, q->after_key ? q->after_key : "");
        store_bind_str(st, 9, q->after_atena);
    }
    store_bind_i64(st, 10, q->limit);
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct addressee_hit h = {.register_status = ""};
        const char **f[] = {&h.atena,   &h.kind,        &h.name,        &h.name_kana, &h.birth,
                            &h.address, &h.corp_number, &h.merged_into, &h.key};
        for (int c = 0; c < 9; c++) {
            if (!(*f[c] = col_dup(st, c, l->a))) {
                store_reset(st);
                return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            }
        }
        if (keep(l, &h, err) < 0) {
            store_reset(st);
            return -1;
        }
    }
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

static int order(const struct addressee_hit *x, const struct addressee_hit *y)
{
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->atena, y->atena);
}

int addressee_search(struct store *town, const struct addressee_query *q, addressee_hit_fn each,
                     void *ctx, struct arena *a, struct kd_err *err)
{
    const char *k = q->kind ? q->kind : "all";
    bool residents = strcmp(k, "all") == 0 || strcmp(k, "person") == 0 ||
                     strcmp(k, "resident") == 0;
    const char *own_kind = strcmp(k, "person") == 0 || strcmp(k, "nonresident") == 0
                               ? "nonresident"
                           : strcmp(k, "corporation") == 0 ? "corporation"
                                                           : NULL;
    bool own = strcmp(k, "resident") != 0;
    /* Residents have no 法人番号. */
    if (q->corp_number)
        residents = false;

    char key[KANA_KEY_MAX + 4];
    size_t klen = 0;
    if (q->kana || q->name) {
        const char *field = q->kana ? "kana" : "name";
        const char *in = q->kana ? q->kana : q->name;
        int rc = q->kana ? kana_search_key(in, strlen(in), key, KANA_KEY_MAX + 1, &klen, err)
                         : name_search_key(in, strlen(in), key, KANA_KEY_MAX + 1, &klen, err);
        if (rc < 0) {
            snprintf(err->field, sizeof err->field, "%s", field);
            return -1;
        }
        if (klen == 0)
            return kd_fail(err, KD_INVALID_VALUE, field, "%s has nothing to search for", field);
    }

    struct hits mine = {0, q->limit, arena_alloc(a, (size_t)q->limit * sizeof *mine.h), a};
    struct hits theirs = {0, q->limit, arena_alloc(a, (size_t)q->limit * sizeof *theirs.h), a};
    if (!mine.h || !theirs.h)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (own && search_own(town, q, own_kind, key, klen, &mine, err) < 0)
        return -1;
    if (residents) {
        struct search_query rq = {
            .kana = q->kana,
            .name = q->name,
            .birth = q->birth,
            .atena = q->atena,
            .status = "all",
            .today = q->today,
            .limit = q->limit,
            .after_key = q->after_key,
            .after_atena = q->after_atena,
            .see_suppressed = q->see_suppressed,
        };
        struct resident_ctx rc = {&theirs, err};
        if (residents_search(town, &rq, keep_resident, &rc, a, err) < 0)
            return -1;
    }
    int i = 0, j = 0, count = 0;
    while (count < q->limit && (i < mine.count || j < theirs.count)) {
        const struct addressee_hit *h;
        if (j >= theirs.count || (i < mine.count && order(&mine.h[i], &theirs.h[j]) < 0))
            h = &mine.h[i++];
        else
            h = &theirs.h[j++];
        if (each(ctx, h) < 0)
            return -1;
        count++;
    }
    return count;
}
