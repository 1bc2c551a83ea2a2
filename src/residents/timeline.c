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

#define VERSION_COLUMNS "atena, rireki, idou_id, valid_from, recorded_at" RECORD_COLUMNS_SQL

static int read_version(struct store_stmt *st, struct record *r, struct arena *a)
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

int tl_as_of(struct store *town, const char *atena, const char *date, int64_t known_ms,
             struct record *out, struct arena *a, struct kd_err *err)
{
    char known[CLOCK_ISO_LEN];
    struct store_stmt *st = store_prepare(town, known_ms ? SQL_AS_OF_KNOWN : SQL_AS_OF_NOW, err);
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
        found = read_version(st, out, a) < 0 ? -1 : 1;
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
    const struct {
        const char *kind, *text;
    } keys[] = {{"kana", r->shimei_kana}, {"kana", r->tsusho_kana}, {"kana", r->kyuuji_kana},
                {"name", r->shimei},      {"name", r->tsusho},      {"name", r->kyuuji},
                {"name", r->alpha_name}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (!keys[i].text[0])
            continue;
        char key[KANA_KEY_MAX + 1];
        size_t n;
        int rc = strcmp(keys[i].kind, "kana") == 0
                     ? kana_search_key(keys[i].text, strlen(keys[i].text), key, sizeof key, &n, err)
                     : name_search_key(keys[i].text, strlen(keys[i].text), key, sizeof key, &n, err);
        if (rc < 0)
            return -1;
        if (n == 0)
            continue;
        st = store_prepare(town, SQL_KEY_INSERT, err);
        if (!st)
            return -1;
        store_bind_str(st, 1, keys[i].kind);
        store_bind_text(st, 2, key, n);
        store_bind_str(st, 3, atena);
        if (step_done(st, err) < 0)
            return -1;
    }
    return 0;
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
        if (read_version(st, &out->before, a) < 0) {
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
        int applied = idou_apply(&p->e, atena, cur, corrections, next, a, err);
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
