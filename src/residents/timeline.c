/*
 * timeline.c — a person's snapshots in valid time and recorded time.
 *
 * A person's believed timeline is their snapshots not superseded, ordered by
 * (valid_from, idou_id). An as-of read takes the last of them with
 * valid_from <= the date. Reading "as known at T" also drops what was
 * recorded after T and brings back what was superseded after T.
 */
#include "residents/internal.h"

#include "base/clock.h"
#include "engine/kana.h"

#include <stdio.h>
#include <string.h>

#define VERSION_COLUMNS TL_VERSION_COLUMNS

int tl_read_version(struct store_stmt *st, struct record *r, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, 0, &n);
    r->atena = arena_strndup(a, t, n);
    r->rireki = store_col_i64(st, 1);
    r->idou_id = store_col_i64(st, 2);
    t = store_col_text(st, 3, &n);
    r->valid_from = arena_strndup(a, t, n);
    t = store_col_text(st, 4, &n);
    r->recorded_at = arena_strndup(a, t, n);
    if (!r->atena || !r->valid_from || !r->recorded_at)
        return -1;
    return record_read(st, 5, r, a) < 0 ? -1 : 0;
}

static const char SQL_AS_OF_NOW[] =
    "SELECT " VERSION_COLUMNS " FROM resident_versions v"
    " WHERE v.atena = ?1 AND v.valid_from <= ?2"
    " AND NOT EXISTS (SELECT 1 FROM version_supersessions s"
    "                 WHERE s.atena = v.atena AND s.rireki = v.rireki)"
    " ORDER BY v.valid_from DESC, v.idou_id DESC, v.rireki DESC LIMIT 1";

static const char SQL_AS_OF_KNOWN[] =
    "SELECT " VERSION_COLUMNS " FROM resident_versions v"
    " WHERE v.atena = ?1 AND v.valid_from <= ?2 AND v.recorded_at <= ?3"
    " AND NOT EXISTS (SELECT 1 FROM version_supersessions s"
    "                 WHERE s.atena = v.atena AND s.rireki = v.rireki"
    "                 AND s.superseded_at <= ?3)"
    " ORDER BY v.valid_from DESC, v.idou_id DESC, v.rireki DESC LIMIT 1";

/* The person's latest believed snapshot (the index names it), if it is
 * already valid on ?2: then it is the record on that date, read by primary
 * keys instead of through every snapshot of the person. */
static const char SQL_AS_OF_LATEST[] =
    "SELECT " VERSION_COLUMNS " FROM resident_versions v"
    " WHERE v.atena = ?1 AND v.valid_from <= ?2"
    " AND v.rireki = (SELECT i.rireki FROM resident_index i WHERE i.atena = ?1)";

int tl_as_of(struct store *town, const char *atena, const char *date, int64_t known_ms,
             struct record *out, struct arena *a, struct kd_err *err)
{
    char known[CLOCK_ISO_LEN];
    struct store_stmt *st;
    if (!known_ms) {
        if (!(st = store_prepare(town, SQL_AS_OF_LATEST, err)))
            return -1;
        store_bind_str(st, 1, atena);
        store_bind_str(st, 2, date);
        enum store_step rc = store_step(st, err);
        int found = 0;
        if (rc == STORE_ROW) {
            record_clear(out);
            found = tl_read_version(st, out, a) < 0 ? -1 : 1;
            if (found < 0)
                kd_fail(err, KD_INTERNAL, NULL, "out of memory reading a record");
        }
        store_reset(st);
        if (rc == STORE_ERROR || found != 0)
            return rc == STORE_ERROR ? -1 : found;
        /* Not indexed, or its latest record starts after `date`. */
    }
    st = store_prepare(town, known_ms ? SQL_AS_OF_KNOWN : SQL_AS_OF_NOW, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, date);
    if (known_ms) {
        clock_format_iso(known_ms, known);
        store_bind_str(st, 3, known);
    }
    enum store_step rc = store_step(st, err);
    int found = 0;
    if (rc == STORE_ROW) {
        record_clear(out);
        found = tl_read_version(st, out, a) < 0 ? -1 : 1;
        if (found < 0)
            kd_fail(err, KD_INTERNAL, NULL, "out of memory reading a record");
    }
    store_reset(st);
    return rc == STORE_ERROR ? -1 : found;
}

/* ---- replay ------------------------------------------------------------- */

/* The last believed snapshot strictly before (date, id). */
static const char SQL_BASE[] =
    "SELECT " VERSION_COLUMNS " FROM resident_versions v"
    " WHERE v.atena = ?1 AND (v.valid_from < ?2 OR (v.valid_from = ?2 AND v.idou_id < ?3))"
    " AND NOT EXISTS (SELECT 1 FROM version_supersessions s"
    "                 WHERE s.atena = v.atena AND s.rireki = v.rireki)"
    " ORDER BY v.valid_from DESC, v.idou_id DESC, v.rireki DESC LIMIT 1";

/* Believed snapshots at or after (date, id): they are superseded. */
static const char SQL_SUPERSEDE[] =
    "INSERT INTO version_supersessions (atena, rireki, superseded_at, by_idou)"
    " SELECT v.atena, v.rireki, ?4, ?5 FROM resident_versions v"
    " WHERE v.atena = ?1 AND (v.valid_from > ?2 OR (v.valid_from = ?2 AND v.idou_id >= ?3))"
    " AND NOT EXISTS (SELECT 1 FROM version_supersessions s"
    "                 WHERE s.atena = v.atena AND s.rireki = v.rireki)";

/* The person's events at or after (date, id), in valid order, without the
 * cancelled ones, and without 誤記修正 and 取消し themselves (they act
 * through their targets). */
static const char SQL_EVENTS[] =
    "SELECT i.id, i.kind, i.idou_date, i.idou_date_text, i.todoke_date, i.body"
    " FROM idou i JOIN idou_subjects s ON s.idou_id = i.id"
    " WHERE s.atena = ?1 AND (i.idou_date > ?2 OR (i.idou_date = ?2 AND i.id >= ?3))"
    " AND i.kind NOT IN ('goki_shusei', 'torikeshi')"
    " AND NOT EXISTS (SELECT 1 FROM idou c WHERE c.target = i.id AND c.kind = 'torikeshi')"
    " ORDER BY i.idou_date, i.id";

/* The 誤記修正 of an event for a person, oldest first: their changes. */
static const char SQL_CORRECTIONS[] =
    "SELECT c.body FROM idou c JOIN idou_subjects s ON s.idou_id = c.id"
    " WHERE c.target = ?1 AND c.kind = 'goki_shusei' AND s.atena = ?2 ORDER BY c.id";

static const char SQL_NEXT_RIREKI[] =
    "SELECT coalesce(max(rireki), 0) + 1 FROM resident_versions WHERE atena = ?";

static const char SQL_INSERT_VERSION[] =
    "INSERT INTO resident_versions (" VERSION_COLUMNS ") VALUES (?, ?, ?, ?, ?" RECORD_PARAMS_SQL
    ")";

static const char SQL_INDEX_UPSERT[] =
    "INSERT INTO resident_index (atena, rireki, setai, status, removal_date, shimei, shimei_kana,"
    " birth, address, jumin_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (atena) DO UPDATE SET rireki = excluded.rireki, setai = excluded.setai,"
    " status = excluded.status, removal_date = excluded.removal_date,"
    " shimei = excluded.shimei, shimei_kana = excluded.shimei_kana, birth = excluded.birth,"
    " address = excluded.address, jumin_code = excluded.jumin_code";

static const char SQL_INDEX_DELETE[] = "DELETE FROM resident_index WHERE atena = ?";

static int step_done(struct store_stmt *st, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

static int insert_version(struct store *town, const struct record *r, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_INSERT_VERSION, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, r->atena);
    store_bind_i64(st, 2, r->rireki);
    store_bind_i64(st, 3, r->idou_id);
    store_bind_str(st, 4, r->valid_from);
    store_bind_str(st, 5, r->recorded_at);
    record_bind(st, 6, r);
    return step_done(st, err);
}

static const char SQL_KEYS_DELETE[] = "DELETE FROM resident_keys WHERE atena = ?";
static const char SQL_KEY_INSERT[] =
    "INSERT OR IGNORE INTO resident_keys (kind, key, atena) VALUES (?, ?, ?)";

int tl_keys_of(const struct record *r, key_fn each, void *ctx, struct kd_err *err)
{
    /* Addresses are found from their start, or from the 大字 on (the part
     * after the municipality, see address_local_part). */
    const char *local = address_local_part(r->address);
    const struct {
        const char *kind, *text;
    } keys[] = {{"kana", r->shimei_kana}, {"kana", r->tsusho_kana}, {"kana", r->kyuuji_kana},
                {"name", r->shimei},      {"name", r->tsusho},      {"name", r->kyuuji},
                {"name", r->alpha_name},  {"addr", r->address},     {"addr", local},
                {"addr", r->katagaki}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (!keys[i].text[0])
            continue;
        char key[KANA_KEY_MAX + 1];
        size_t n;
        /* Addresses fold like names: NFKC (full-width digits are ASCII
         * digits), no spaces or dashes. */
        int rc = strcmp(keys[i].kind, "kana") == 0
                     ? kana_search_key(keys[i].text, strlen(keys[i].text), key, sizeof key, &n, err)
                     : name_search_key(keys[i].text, strlen(keys[i].text), key, sizeof key, &n, err);
        if (rc < 0)
            return -1;
        if (n == 0)
            continue;
        if (each(ctx, keys[i].kind, key, n, err) < 0)
            return -1;
    }
    return 0;
}

struct key_ctx {
    struct store *town;
    const char *atena;
};

static int insert_key(void *p, const char *kind, const char *key, size_t n, struct kd_err *err)
{
    struct key_ctx *k = p;
    struct store_stmt *st = store_prepare(k->town, SQL_KEY_INSERT, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, kind);
    store_bind_text(st, 2, key, n);
    store_bind_str(st, 3, k->atena);
    return step_done(st, err);
}

/* The person's search keys, from their latest record. */
static int update_keys(struct store *town, const char *atena, const struct record *r,
                       struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_KEYS_DELETE, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    if (step_done(st, err) < 0)
        return -1;
    if (!r)
        return 0;
    struct key_ctx k = {town, atena};
    return tl_keys_of(r, insert_key, &k, err);
}

const char *address_local_part(const char *address)
{
    const char *p = address;
    /* 都道府県: up to the first 都, 道, 府 or 県 among the first four characters. */
    static const char *const ends[] = {"都", "道", "府", "県"};
    const char *q = p;
    for (int c = 0; c < 4 && *q; c++) {
        bool end = false;
        for (size_t e = 0; e < 4 && !end; e++)
            end = strncmp(q, ends[e], 3) == 0;
        unsigned char b = (unsigned char)*q;
        q += b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        if (end) {
            p = q;
            break;
        }
    }
    /* 郡, then the municipality: up to the first 市, 区, 町 or 村. */
    const char *gun = strstr(p, "郡");
    if (gun && gun - p <= 5 * 3)
        p = gun + 3;
    static const char *const units[] = {"市", "区", "町", "村"};
    const char *first = NULL;
    for (size_t u = 0; u < 4; u++) {
        const char *m = strstr(p, units[u]);
        if (m && m - p <= 6 * 3 && (!first || m < first))
            first = m;
    }
    if (first)
        p = first + 3;
    if (strncmp(p, "大字", 6) == 0)
        p += 6;
    else if (strncmp(p, "字", 3) == 0)
        p += 3;
    return p == address ? "" : p;
}

static int update_index(struct store *town, const char *atena, const struct record *latest,
                        struct kd_err *err)
{
    if (update_keys(town, atena, latest, err) < 0)
        return -1;
    struct store_stmt *st = store_prepare(town, latest ? SQL_INDEX_UPSERT : SQL_INDEX_DELETE, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    if (latest) {
        store_bind_i64(st, 2, latest->rireki);
        store_bind_str(st, 3, latest->setai);
        store_bind_str(st, 4, latest->status);
        store_bind_str(st, 5, latest->removal_date);
        store_bind_str(st, 6, latest->shimei);
        store_bind_str(st, 7, latest->shimei_kana);
        store_bind_str(st, 8, latest->birth);
        store_bind_str(st, 9, latest->address);
        store_bind_str(st, 10, latest->jumin_code);
    }
    return step_done(st, err);
}

/* The corrections of event id for atena, as a JSON array (NULL if none). */
static int load_corrections(struct store *town, int64_t id, const char *atena, json_t **out,
                            struct kd_err *err)
{
    *out = NULL;
    struct store_stmt *st = store_prepare(town, SQL_CORRECTIONS, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    store_bind_str(st, 2, atena);
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        size_t n;
        const char *text = store_col_text(st, 0, &n);
        json_t *body = json_loadb(text, n, 0, NULL);
        json_t *changes = body ? json_object_get(body, "changes") : NULL;
        if (changes) {
            if (!*out)
                *out = json_array();
            json_array_append(*out, changes);
        }
        json_decref(body);
    }
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

/* One stored event to apply, read from the events query. */
struct pending {
    struct ev e;
    struct pending *next;
};

static int load_events(struct store *town, const char *atena, const char *date, int64_t id,
                       struct pending **head, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_EVENTS, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, date);
    store_bind_i64(st, 3, id);
    struct pending **tail = head;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct pending *p = arena_zalloc(a, sizeof *p);
        if (!p) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        }
        p->e.id = store_col_i64(st, 0);
        p->e.kind = idou_kind_find(store_col_text(st, 1, NULL));
        size_t n;
        const char *t = store_col_text(st, 2, &n);
        p->e.date = arena_strndup(a, t, n);
        t = store_col_text(st, 3, &n);
        p->e.date_text = arena_strndup(a, t, n);
        t = store_col_text(st, 4, &n);
        p->e.todoke = arena_strndup(a, t, n);
        t = store_col_text(st, 5, &n);
        p->e.body = json_loadb(t, n, 0, NULL);
        if (!p->e.kind || !p->e.body || !p->e.date) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "stored event %lld cannot be read",
                           (long long)p->e.id);
        }
        *tail = p;
        tail = &p->next;
    }
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

static void free_events(struct pending *p)
{
    for (; p; p = p->next)
        json_decref(p->e.body);
}

int tl_replay(struct store *town, const char *atena, const char *date, int64_t id,
              int64_t trigger, const char *now_iso, struct replay_out *out, struct arena *a,
              struct kd_err *err)
{
    memset(out, 0, sizeof *out);
    /* The record just before the position. */
    struct store_stmt *st = store_prepare(town, SQL_BASE, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, date);
    store_bind_i64(st, 3, id);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW) {
        record_clear(&out->before);
        if (tl_read_version(st, &out->before, a) < 0) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        }
        out->had_before = true;
    }
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;

    struct pending *events = NULL;
    if (load_events(town, atena, date, id, &events, a, err) < 0) {
        free_events(events);
        return -1;
    }

    /* What was believed from the position on is believed no longer. */
    st = store_prepare(town, SQL_SUPERSEDE, err);
    if (!st)
        goto out_fail;
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, date);
    store_bind_i64(st, 3, id);
    store_bind_str(st, 4, now_iso);
    store_bind_i64(st, 5, trigger);
    if (step_done(st, err) < 0)
        goto out_fail;

    st = store_prepare(town, SQL_NEXT_RIREKI, err);
    if (!st)
        goto out_fail;
    store_bind_str(st, 1, atena);
    rc = store_step(st, err);
    int64_t rireki = rc == STORE_ROW ? store_col_i64(st, 0) : 0;
    store_reset(st);
    if (rc != STORE_ROW)
        goto out_fail;

    const struct record *cur = out->had_before ? &out->before : NULL;
    struct record *next = NULL;
    for (struct pending *p = events; p; p = p->next) {
        json_t *corrections = NULL;
        if (load_corrections(town, p->e.id, atena, &corrections, err) < 0)
            goto out_fail;
        next = arena_alloc(a, sizeof *next);
        if (!next) {
            json_decref(corrections);
            kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            goto out_fail;
        }
        int64_t m_rireki, m_prev;
        int applied = bulk_migrated_of(p->e.body, &m_rireki, &m_prev)
                          ? bulk_apply_migrated(town, atena, m_rireki, m_prev, cur, corrections,
                                                next, a, err)
                          : idou_apply(&p->e, atena, cur, corrections, next, a, err);
        json_decref(corrections);
        if (applied < 0) {
            if (p->e.id != trigger) {
                /* The new event broke a later one: say which. */
                char why[KD_MSG_MAX];
                snprintf(why, sizeof why, "%s", err->message);
                kd_fail(err, KD_CONFLICT, err->field,
                        "%s: it would make the later %s of %s (event %lld) impossible: %s",
                        atena, p->e.kind->label, p->e.date, (long long)p->e.id, why);
            }
            goto out_fail;
        }
        next->atena = atena;
        next->rireki = rireki++;
        next->idou_id = p->e.id;
        next->valid_from = p->e.date;
        next->recorded_at = now_iso;
        if (insert_version(town, next, err) < 0)
            goto out_fail;
        if (p->e.id == trigger) {
            out->after = *next;
            out->has_after = true;
        }
        cur = next;
    }
    free_events(events);
    return update_index(town, atena, cur, err);
out_fail:
    free_events(events);
    return -1;
}

/* ---- keys of people indexed before a kind of key existed ------------------- */

static const char SQL_MISSING_ADDR[] =
    "SELECT i.atena, i.rireki FROM resident_index i"
    " WHERE i.atena > ?1 AND i.address <> '' AND NOT EXISTS"
    " (SELECT 1 FROM resident_keys k WHERE k.atena = i.atena AND k.kind = 'addr')"
    " ORDER BY i.atena LIMIT 500";

static const char SQL_VERSION_BY_RIREKI[] =
    "SELECT " VERSION_COLUMNS " FROM resident_versions v WHERE v.atena = ?1 AND v.rireki = ?2";

int residents_reindex(struct store *town, int *done, struct kd_err *err)
{
    *done = 0;
    char last[16] = ""; /* a person whose keys fold to nothing is not taken again */
    for (;;) {
        struct arena a;
        arena_init(&a, NULL, 0, (size_t)64 << 20);
        if (store_begin_write(town, err) < 0)
            return -1;
        struct store_stmt *st = store_prepare(town, SQL_MISSING_ADDR, err);
        int n = 0, rc = st ? 0 : -1;
        if (st)
            store_bind_str(st, 1, last);
        struct {
            const char *atena;
            int64_t rireki;
        } todo[500];
        enum store_step step = STORE_DONE;
        while (rc == 0 && (step = store_step(st, err)) == STORE_ROW) {
            size_t len;
            const char *t = store_col_text(st, 0, &len);
            todo[n].atena = arena_strndup(&a, t, len);
            todo[n].rireki = store_col_i64(st, 1);
            if (!todo[n++].atena)
                rc = kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        }
        if (st)
            store_reset(st);
        if (rc == 0 && step == STORE_ERROR)
            rc = -1;
        if (n > 0)
            snprintf(last, sizeof last, "%s", todo[n - 1].atena);
        for (int i = 0; rc == 0 && i < n; i++) {
            st = store_prepare(town, SQL_VERSION_BY_RIREKI, err);
            if (!st) {
                rc = -1;
                break;
            }
            store_bind_str(st, 1, todo[i].atena);
            store_bind_i64(st, 2, todo[i].rireki);
            struct record r;
            record_clear(&r);
            enum store_step s = store_step(st, err);
            if (s == STORE_ROW && tl_read_version(st, &r, &a) < 0)
                rc = kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            else if (s != STORE_ROW)
                rc = s == STORE_DONE ? kd_fail(err, KD_INTERNAL, NULL,
                                               "the index names snapshot %lld of %s, which "
                                               "does not exist",
                                               (long long)todo[i].rireki, todo[i].atena)
                                     : -1;
            store_reset(st);
            if (rc == 0)
                rc = update_keys(town, todo[i].atena, &r, err);
        }
        if (rc == 0)
            rc = store_commit(town, err);
        else
            store_rollback(town);
        arena_release(&a);
        if (rc < 0)
            return -1;
        *done += n;
        if (n < 500)
            return 0;
    }
}
