/*
 * addressee_merge.c — merging two 宛名番号 that are one person or
 * corporation, undoing it, and resolving a reference through the merges
 * (addressee.h). A merge and its undo are rows of their own, never changed:
 * whether a merge holds at an instant is read from them, so the past can be
 * read as it was known.
 */
#include "residents/addressee.h"

#include "base/clock.h"
#include "residents/residents.h"

#include <stdio.h>
#include <string.h>

static const char SQL_MERGE_COLUMNS[] =
    "m.id, m.absorbed, m.survivor, m.merged_at, m.user_login, m.reason,"
    " coalesce(u.undone_at, ''), coalesce(u.user_login, ''), coalesce(u.reason, '')";

static const char *col_dup(struct store_stmt *st, int col, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, col, &n);
    return n ? arena_strndup(a, t, n) : "";
}

static int read_merge(struct store_stmt *st, struct addressee_merge *m, struct arena *a,
                      struct kd_err *err)
{
    m->id = store_col_i64(st, 0);
    const char **f[] = {&m->absorbed,  &m->survivor,  &m->merged_at,
                        &m->user_login, &m->reason,    &m->undone_at,
                        &m->undo_user,  &m->undo_reason};
    for (int i = 0; i < 8; i++)
        if (!(*f[i] = col_dup(st, 1 + i, a)))
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    return 0;
}

bool addressee_merge_holds(const struct addressee_merge *m, int64_t known_ms)
{
    if (!known_ms)
        return m->undone_at[0] == '\0';
    char known[CLOCK_ISO_LEN];
    clock_format_iso(known_ms, known);
    return strcmp(m->merged_at, known) <= 0 &&
           (m->undone_at[0] == '\0' || strcmp(m->undone_at, known) > 0);
}

/* Runs a merge query with one bound text parameter (or an id), calling each. */
static int each_merge(struct store *town, const char *sql, const char *text, int64_t id,
                      addressee_merge_fn each, void *ctx, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, sql, err);
    if (!st)
        return -1;
    if (text)
        store_bind_str(st, 1, text);
    else
        store_bind_i64(st, 1, id);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct addressee_merge m;
        if (read_merge(st, &m, a, err) < 0 || each(ctx, &m) < 0) {
            store_reset(st);
            return -1;
        }
        count++;
    }
    store_reset(st);
    return rc == STORE_DONE ? count : -1;
}

static int keep_one(void *ctx, const struct addressee_merge *m)
{
    *(struct addressee_merge *)ctx = *m;
    return 0;
}

int addressee_merge_get(struct store *town, int64_t id, struct addressee_merge *out,
                        struct arena *a, struct kd_err *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM addressee_merges m"
             " LEFT JOIN addressee_merge_undos u ON u.merge_id = m.id WHERE m.id = ?",
             SQL_MERGE_COLUMNS);
    int n = each_merge(town, sql, NULL, id, keep_one, out, a, err);
    if (n < 0)
        return -1;
    if (n == 0)
        return kd_fail(err, KD_NOT_FOUND, "id", "no merge %lld", (long long)id);
    return 0;
}

int addressee_merges_of(struct store *town, const char *atena, addressee_merge_fn each,
                        void *ctx, struct arena *a, struct kd_err *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM addressee_merges m"
             " LEFT JOIN addressee_merge_undos u ON u.merge_id = m.id"
             " WHERE m.absorbed = ?1 OR m.survivor = ?1 ORDER BY m.id",
             SQL_MERGE_COLUMNS);
    return each_merge(town, sql, atena, 0, each, ctx, a, err);
}

/* The merge of `atena` (as absorbed) that holds at known_ms: the latest. */
struct holding {
    int64_t known_ms;
    bool found;
    struct addressee_merge m;
};

static int pick_holding(void *ctx, const struct addressee_merge *m)
{
    struct holding *h = ctx;
    if (!h->found && addressee_merge_holds(m, h->known_ms)) {
        h->m = *m;
        h->found = true;
    }
    return 0;
}

static int holding_merge(struct store *town, const char *atena, int64_t known_ms,
                         struct holding *h, struct arena *a, struct kd_err *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM addressee_merges m"
             " LEFT JOIN addressee_merge_undos u ON u.merge_id = m.id"
             " WHERE m.absorbed = ? ORDER BY m.id DESC",
             SQL_MERGE_COLUMNS);
    memset(h, 0, sizeof *h);
    h->known_ms = known_ms;
    return each_merge(town, sql, atena, 0, pick_holding, h, a, err) < 0 ? -1 : 0;
}

int addressee_resolve(struct store *town, const char *atena, int64_t known_ms,
                      struct addressee_route *out, struct arena *a, struct kd_err *err)
{
    const char *kind;
    if (addressee_kind_of(town, atena, &kind, a, err) < 0)
        return -1;
    out->atena = atena;
    out->hops = 0;
    for (;;) {
        struct holding h;
        if (holding_merge(town, out->atena, known_ms, &h, a, err) < 0)
            return -1;
        if (!h.found)
            return 0;
        /* Merges never form a cycle (both numbers must stand on their own
         * when merged); the bound guards the loop all the same. */
        if (out->hops == ADDRESSEE_MAX_HOPS)
            return kd_fail(err, KD_INTERNAL, NULL, "merges of %s go on too long", atena);
        out->hop[out->hops++] = h.m;
        out->atena = h.m.survivor;
    }
}

/* ---- merging ------------------------------------------------------------------ */

/* What a number is, for the merge checks: its kind and its identifying
 * number (個人番号 of a person, 法人番号 of a corporation), "" when none. */
struct party {
    const char *atena, *kind, *ident;
    bool person;
};

static int load_party(struct store *town, const char *atena, const char *field, struct party *p,
                      struct arena *a, struct kd_err *err)
{
    p->atena = atena;
    p->ident = "";
    if (addressee_kind_of(town, atena, &p->kind, a, err) < 0) {
        snprintf(err->field, sizeof err->field, "%s", field);
        return -1;
    }
    p->person = strcmp(p->kind, "corporation") != 0;
    if (strcmp(p->kind, "resident") == 0) {
        struct record r;
        struct kd_err ignored;
        /* The register's latest record (a 除票 too). */
        if (residents_person_as_of(town, atena, "9999-12-31", 0, &r, a, &ignored) == 0)
            p->ident = r.kojin_bango;
        return 0;
    }
    struct addressee r;
    int found = addressee_as_of(town, atena, "9999-12-31", 0, &r, a, err);
    if (found < 0)
        return -1;
    if (found)
        p->ident = p->person ? r.kojin_bango : r.corp_number;
    return 0;
}

static int write_done(struct store_stmt *st, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_INTERNAL, NULL, "a merge row broke a constraint");
    return rc == STORE_DONE ? 0 : -1;
}

static int check_merge(struct store *town, const char *absorbed, const char *survivor,
                       struct arena *a, struct kd_err *err)
{
    if (strcmp(absorbed, survivor) == 0)
        return kd_fail(err, KD_INVALID_VALUE, "survivor",
                       "a 宛名番号 cannot be merged into itself");
    struct party x, y;
    if (load_party(town, absorbed, "absorbed", &x, a, err) < 0 ||
        load_party(town, survivor, "survivor", &y, a, err) < 0)
        return -1;
    if (x.person != y.person)
        return kd_fail(err, KD_CONFLICT, "survivor",
                       "a person and a corporation cannot be merged (%s is %s, %s is %s)",
                       absorbed, x.kind, survivor, y.kind);
    bool xr = strcmp(x.kind, "resident") == 0, yr = strcmp(y.kind, "resident") == 0;
    if (xr && yr)
        return kd_fail(err, KD_CONFLICT, "absorbed",
                       "two residents cannot be merged: two records of one person in the "
                       "register are the register's to correct (異動の取消し, 職権消除)");
    if (xr)
        return kd_fail(err, KD_CONFLICT, "absorbed",
                       "%s is a resident, whose 宛名番号 is the register's and survives: merge "
                       "%s into %s instead",
                       absorbed, survivor, absorbed);
    struct holding h;
    if (holding_merge(town, absorbed, 0, &h, a, err) < 0)
        return -1;
    if (h.found)
        return kd_fail(err, KD_CONFLICT, "absorbed", "%s is already merged into %s (merge %lld)",
                       absorbed, h.m.survivor, (long long)h.m.id);
    if (holding_merge(town, survivor, 0, &h, a, err) < 0)
        return -1;
    if (h.found)
        return kd_fail(err, KD_CONFLICT, "survivor",
                       "%s was merged into %s (merge %lld): merge into %s", survivor,
                       h.m.survivor, (long long)h.m.id, h.m.survivor);
    if (x.ident[0] && y.ident[0] && strcmp(x.ident, y.ident) != 0)
        return kd_fail(err, KD_CONFLICT, "survivor",
                       x.person ? "their 個人番号 differ: %s and %s are not the same person"
                                : "their 法人番号 differ: %s and %s are not the same corporation",
                       absorbed, survivor);
    return 0;
}

int addressee_merge(struct store *town, const char *absorbed, const char *survivor,
                    const char *reason, const struct addressee_actor *who,
                    struct addressee_merge *out, struct arena *a, struct kd_err *err)
{
    if (!reason || !reason[0])
        return kd_fail(err, KD_MISSING_FIELD, "reason", "reason is required");
    bool own_tx = !store_in_transaction(town);
    if (own_tx && store_begin_write(town, err) < 0)
        return -1;
    char now[CLOCK_ISO_LEN];
    clock_format_iso(who->now_ms, now);
    int rc = check_merge(town, absorbed, survivor, a, err);
    if (rc == 0) {
        struct store_stmt *st = store_prepare(
            town,
            "INSERT INTO addressee_merges (absorbed, survivor, merged_at, user_login, request_id,"
            " reason) VALUES (?, ?, ?, ?, ?, ?)",
            err);
        rc = -1;
        if (st) {
            store_bind_str(st, 1, absorbed);
            store_bind_str(st, 2, survivor);
            store_bind_str(st, 3, now);
            store_bind_str(st, 4, who->user_login);
            store_bind_str(st, 5, who->request_id);
            store_bind_str(st, 6, reason);
            rc = write_done(st, err);
        }
    }
    if (rc == 0)
        rc = addressee_merge_get(town, store_last_id(town), out, a, err);
    if (rc < 0) {
        if (own_tx)
            store_rollback(town);
        return -1;
    }
    if (own_tx && store_commit(town, err) < 0)
        return -1;
    return 0;
}

int addressee_unmerge(struct store *town, int64_t id, const char *reason,
                      const struct addressee_actor *who, struct addressee_merge *out,
                      struct arena *a, struct kd_err *err)
{
    if (!reason || !reason[0])
        return kd_fail(err, KD_MISSING_FIELD, "reason", "reason is required");
    bool own_tx = !store_in_transaction(town);
    if (own_tx && store_begin_write(town, err) < 0)
        return -1;
    char now[CLOCK_ISO_LEN];
    clock_format_iso(who->now_ms, now);
    struct addressee_merge m;
    int rc = addressee_merge_get(town, id, &m, a, err);
    if (rc == 0 && m.undone_at[0])
        rc = kd_fail(err, KD_CONFLICT, "id", "merge %lld is already undone (at %s)",
                     (long long)id, m.undone_at);
    if (rc == 0) {
        struct store_stmt *st = store_prepare(
            town,
            "INSERT INTO addressee_merge_undos (merge_id, undone_at, user_login, request_id,"
            " reason) VALUES (?, ?, ?, ?, ?)",
            err);
        rc = -1;
        if (st) {
            store_bind_i64(st, 1, id);
            store_bind_str(st, 2, now);
            store_bind_str(st, 3, who->user_login);
            store_bind_str(st, 4, who->request_id);
            store_bind_str(st, 5, reason);
            rc = write_done(st, err);
        }
    }
    if (rc == 0)
        rc = addressee_merge_get(town, id, out, a, err);
    if (rc < 0) {
        if (own_tx)
            store_rollback(town);
        return -1;
    }
    if (own_tx && store_commit(town, err) < 0)
        return -1;
    return 0;
}
