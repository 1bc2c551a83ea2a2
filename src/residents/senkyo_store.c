/*
 * senkyo_store.c — what the 選挙人名簿 keeps (town database, scope "senkyo"):
 * the 投票区 tables, each version kept, and the 失権 entries. See senkyo.h.
 */
#include "residents/senkyo.h"

#include "base/clock.h"

#include <stdio.h>
#include <string.h>

static const struct store_migration steps[] = {
    {1,
     /* A 投票区 table as set at one time; the newest set by an instant is
      * the one in force then. Never changed. */
     "CREATE TABLE senkyo_district_tables ("
     " version INTEGER PRIMARY KEY,"
     " set_at TEXT NOT NULL,"
     " set_by TEXT NOT NULL"
     ") STRICT;"
     "CREATE TABLE senkyo_districts ("
     " version INTEGER NOT NULL REFERENCES senkyo_district_tables (version),"
     " ord INTEGER NOT NULL,"
     " code TEXT NOT NULL,"
     " name TEXT NOT NULL,"
     " place TEXT NOT NULL DEFAULT '',"
     " is_default INTEGER NOT NULL CHECK (is_default IN (0, 1)),"
     " PRIMARY KEY (version, code)"
     ") STRICT, WITHOUT ROWID;"
     /* Address prefixes (after the town's name and a 大字 or 字). */
     "CREATE TABLE senkyo_district_prefixes ("
     " version INTEGER NOT NULL,"
     " prefix TEXT NOT NULL,"
     " code TEXT NOT NULL,"
     " ord INTEGER NOT NULL,"
     " PRIMARY KEY (version, prefix),"
     " FOREIGN KEY (version, code) REFERENCES senkyo_districts (version, code)"
     ") STRICT, WITHOUT ROWID;"
     /* 失権 entries: persons without 選挙権 (公職選挙法第11条 etc.), which the
      * register does not know. Never changed but for their withdrawal (a
      * mistake, or a change: replaced_by names the new entry). */
     "CREATE TABLE senkyo_shikken ("
     " id INTEGER PRIMARY KEY,"
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " basis TEXT NOT NULL,"
     " reason TEXT NOT NULL,"
     " from_date TEXT NOT NULL,"
     " until_date TEXT NOT NULL DEFAULT '',"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " withdrawn_at TEXT NOT NULL DEFAULT '',"
     " withdrawn_by TEXT NOT NULL DEFAULT '',"
     " replaced_by INTEGER REFERENCES senkyo_shikken (id)"
     ") STRICT;"
     "CREATE INDEX senkyo_shikken_by_atena ON senkyo_shikken (atena, id);"},
};

const struct store_schema senkyo_schema = {"senkyo", steps, sizeof steps / sizeof steps[0]};

static const char *col(struct store_stmt *st, int c, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, c, &n);
    return arena_strndup(a, t, n);
}

/* ---- 投票区 ---------------------------------------------------------------------- */

static const char SQL_TABLE_AT[] =
    "SELECT version, set_at, set_by FROM senkyo_district_tables WHERE set_at <= ?"
    " ORDER BY version DESC LIMIT 1";
static const char SQL_DISTRICTS[] =
    "SELECT code, name, place, is_default FROM senkyo_districts WHERE version = ? ORDER BY ord";
static const char SQL_PREFIXES[] =
    "SELECT code, prefix FROM senkyo_district_prefixes WHERE version = ? ORDER BY ord";

int senkyo_districts_load(struct store *town, int64_t known_ms, struct senkyo_districts *out,
                          struct senkyo_table_info *info, struct arena *a, struct kd_err *err)
{
    memset(out, 0, sizeof *out);
    struct senkyo_table_info ti = {0, "", ""};
    char at[CLOCK_ISO_LEN];
    /* 0: now. Instants are compared as ISO text, which sorts as time. */
    clock_format_iso(known_ms ? known_ms : INT64_C(253402300799999), at);
    struct store_stmt *st = store_prepare(town, SQL_TABLE_AT, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, at);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW) {
        ti.version = store_col_i64(st, 0);
        ti.set_at = col(st, 1, a);
        ti.set_by = col(st, 2, a);
    }
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;
    if (!ti.set_at || !ti.set_by)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (info)
        *info = ti;
    if (ti.version == 0)
        return 0;

    st = store_prepare(town, SQL_DISTRICTS, err);
    if (!st)
        return -1;
    out->d = arena_zalloc(a, SENKYO_MAX_DISTRICTS * sizeof *out->d);
    store_bind_i64(st, 1, ti.version);
    bool oom = !out->d;
    while (!oom && out->count < SENKYO_MAX_DISTRICTS && (rc = store_step(st, err)) == STORE_ROW) {
        struct senkyo_district *d = &out->d[out->count++];
        d->code = col(st, 0, a);
        d->name = col(st, 1, a);
        d->place = col(st, 2, a);
        d->is_default = store_col_i64(st, 3) != 0;
        d->prefix = arena_alloc(a, SENKYO_MAX_PREFIXES * sizeof *d->prefix);
        oom = !d->code || !d->name || !d->place || !d->prefix;
    }
    store_reset(st);
    if (oom)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (rc == STORE_ERROR)
        return -1;

    st = store_prepare(town, SQL_PREFIXES, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, ti.version);
    while (!oom && (rc = store_step(st, err)) == STORE_ROW) {
        const char *code = store_col_text(st, 0, NULL);
        for (int i = 0; i < out->count; i++) {
            struct senkyo_district *d = &out->d[i];
            if (strcmp(d->code, code) != 0 || d->nprefix == SENKYO_MAX_PREFIXES)
                continue;
            oom = !(d->prefix[d->nprefix++] = col(st, 1, a));
            break;
        }
    }
    store_reset(st);
    if (oom)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    return rc == STORE_ERROR ? -1 : 0;
}

static int step_done(struct store_stmt *st, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

int64_t senkyo_districts_replace(struct store *town, const struct senkyo_districts *t,
                                 const char *user_login, int64_t now_ms, struct kd_err *err)
{
    char now[CLOCK_ISO_LEN];
    clock_format_iso(now_ms, now);
    struct store_stmt *st = store_prepare(
        town, "INSERT INTO senkyo_district_tables (set_at, set_by) VALUES (?, ?)", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, now);
    store_bind_str(st, 2, user_login);
    if (step_done(st, err) < 0)
        return -1;
    int64_t version = store_last_id(town);
    st = store_prepare(town,
                       "INSERT INTO senkyo_districts (version, ord, code, name, place, is_default)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       err);
    if (!st)
        return -1;
    for (int i = 0; i < t->count; i++) {
        const struct senkyo_district *d = &t->d[i];
        store_bind_i64(st, 1, version);
        store_bind_i64(st, 2, i);
        store_bind_str(st, 3, d->code);
        store_bind_str(st, 4, d->name);
        store_bind_str(st, 5, d->place);
        store_bind_i64(st, 6, d->is_default);
        if (step_done(st, err) < 0)
            return -1;
    }
    st = store_prepare(town,
                       "INSERT INTO senkyo_district_prefixes (version, prefix, code, ord)"
                       " VALUES (?, ?, ?, ?)",
                       err);
    if (!st)
        return -1;
    int ord = 0;
    for (int i = 0; i < t->count; i++) {
        for (int p = 0; p < t->d[i].nprefix; p++) {
            store_bind_i64(st, 1, version);
            store_bind_str(st, 2, t->d[i].prefix[p]);
            store_bind_str(st, 3, t->d[i].code);
            store_bind_i64(st, 4, ord++);
            if (step_done(st, err) < 0)
                return -1;
        }
    }
    return version;
}

/* ---- demonstration districts ----------------------------------------------------------- */

/* Plausible 投票区 for the demo towns: each groups 大字 of synth.c's
 * `places` table (demo data, not the towns' real 投票区). */
struct demo_district {
    const char *code, *name;
    const char *prefix[3];
};
static const struct {
    const char *town;
    struct demo_district d[8];
} demo[] = {
    {"104213",
     {{"01", "中之条", {"中之条町"}},
      {"02", "伊勢町", {"伊勢町"}},
      {"03", "西中之条", {"西中之条"}},
      {"04", "折田・平", {"折田", "平"}},
      {"05", "四万", {"四万"}},
      {"06", "市城・五反田", {"市城", "五反田"}}}},
    {"104248",
     {{"01", "長野原", {"長野原"}},
      {"02", "林", {"林"}},
      {"03", "応桑", {"応桑"}},
      {"04", "北軽井沢", {"北軽井沢"}},
      {"05", "与喜屋・川原湯", {"与喜屋", "川原湯"}}}},
    {"104256",
     {{"01", "鎌原", {"鎌原"}},
      {"02", "大笹", {"大笹"}},
      {"03", "田代", {"田代"}},
      {"04", "干俣", {"干俣"}},
      {"05", "三原", {"三原"}},
      {"06", "大前", {"大前"}}}},
    {"104264", {{"01", "草津", {"草津"}}, {"02", "前口", {"前口"}}}},
    {"104281", {{"01", "中山", {"中山"}}, {"02", "尻高", {"尻高"}}}},
    {"104299",
     {{"01", "原町", {"原町"}},
      {"02", "岩島・松谷", {"岩島", "松谷"}},
      {"03", "植栗", {"植栗"}},
      {"04", "三島", {"三島"}},
      {"05", "本宿・奥田", {"本宿", "奥田"}}}},
};

int senkyo_demo_districts(struct store *town, const char *town_code, int64_t now_ms,
                          bool *stored, struct kd_err *err)
{
    *stored = false;
    for (size_t t = 0; t < sizeof demo / sizeof demo[0]; t++) {
        if (strcmp(demo[t].town, town_code) != 0)
            continue;
        struct senkyo_district d[8];
        const char *prefixes[8][3];
        struct senkyo_districts table = {0, d};
        for (int i = 0; i < 8 && demo[t].d[i].code; i++) {
            int n = 0;
            while (n < 3 && demo[t].d[i].prefix[n]) {
                prefixes[i][n] = demo[t].d[i].prefix[n];
                n++;
            }
            d[i] = (struct senkyo_district){demo[t].d[i].code, demo[t].d[i].name, "", i == 0, n,
                                            prefixes[i]};
            table.count++;
        }
        if (senkyo_districts_check(&table, err) < 0)
            return -1;
        if (store_begin_write(town, err) < 0)
            return -1;
        struct store_stmt *st =
            store_prepare(town, "SELECT count(*) FROM senkyo_district_tables", err);
        enum store_step rc = st ? store_step(st, err) : STORE_ERROR;
        int64_t tables = rc == STORE_ROW ? store_col_i64(st, 0) : -1;
        if (st)
            store_reset(st);
        if (tables < 0 || (tables == 0 && senkyo_districts_replace(town, &table, "demo", now_ms,
                                                                   err) < 0)) {
            store_rollback(town);
            return -1;
        }
        if (store_commit(town, err) < 0)
            return -1;
        *stored = tables == 0;
        return 0;
    }
    return 0;
}

/* ---- 失権 ---------------------------------------------------------------------------- */

/* 公職選挙法第11条第1項 (第1号は削除), 第252条, 政治資金規正法第28条. The
 * labels name the provision; docs/senkyo.md summarises each. */
const struct senkyo_basis senkyo_bases[] = {
    {"11-1-2", "公職選挙法第11条第1項第2号（刑の執行を終わるまで）"},
    {"11-1-3", "公職選挙法第11条第1項第3号（刑の執行を受けることがなくなるまで）"},
    {"11-1-4", "公職選挙法第11条第1項第4号（公職にある間の収賄罪等）"},
    {"11-1-5", "公職選挙法第11条第1項第5号（選挙等に関する犯罪・執行猶予中）"},
    {"252", "公職選挙法第252条（選挙犯罪による選挙権の停止）"},
    {"seiji-28", "政治資金規正法第28条（選挙権の停止）"},
};
const int senkyo_basis_count = sizeof senkyo_bases / sizeof senkyo_bases[0];

const struct senkyo_basis *senkyo_basis_find(const char *code)
{
    for (int i = 0; i < senkyo_basis_count; i++)
        if (strcmp(senkyo_bases[i].code, code) == 0)
            return &senkyo_bases[i];
    return NULL;
}

#define SHIKKEN_COLUMNS                                                                   \
    "id, atena, basis, reason, from_date, until_date, created_at, created_by, withdrawn_at," \
    " withdrawn_by, coalesce(replaced_by, 0)"

static int read_shikken(struct store_stmt *st, struct senkyo_shikken *e, struct arena *a)
{
    e->id = store_col_i64(st, 0);
    const char **f[] = {&e->atena,      &e->basis,      &e->reason,       &e->from_date,
                        &e->until_date, &e->created_at, &e->created_by,   &e->withdrawn_at,
                        &e->withdrawn_by};
    for (int i = 0; i < 9; i++)
        if (!(*f[i] = col(st, i + 1, a)))
            return -1;
    e->replaced_by = store_col_i64(st, 10);
    return 0;
}

int senkyo_shikken_add(struct store *town, struct senkyo_shikken *e, struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT 1 FROM addressees WHERE atena = ? AND kind = 'resident'", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, e->atena);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;
    if (rc == STORE_DONE)
        return kd_fail(err, KD_NOT_FOUND, "atena", "the register has no person %s", e->atena);
    st = store_prepare(town,
                       "INSERT INTO senkyo_shikken (atena, basis, reason, from_date, until_date,"
                       " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       err);
    if (!st)
        return -1;
    store_bind_str(st, 1, e->atena);
    store_bind_str(st, 2, e->basis);
    store_bind_str(st, 3, e->reason);
    store_bind_str(st, 4, e->from_date);
    store_bind_str(st, 5, e->until_date);
    store_bind_str(st, 6, e->created_at);
    store_bind_str(st, 7, e->created_by);
    if (step_done(st, err) < 0)
        return -1;
    e->id = store_last_id(town);
    return 0;
}

int senkyo_shikken_get(struct store *town, int64_t id, struct senkyo_shikken *out,
                       struct arena *a, struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT " SHIKKEN_COLUMNS " FROM senkyo_shikken WHERE id = ?", err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, err);
    int r = 0;
    if (rc == STORE_ROW && read_shikken(st, out, a) < 0)
        r = kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;
    if (rc == STORE_DONE)
        return kd_fail(err, KD_NOT_FOUND, "id", "no 失権 entry %lld", (long long)id);
    return r;
}

int senkyo_shikken_withdraw(struct store *town, int64_t id, const char *user_login,
                            int64_t now_ms, int64_t replaced_by, struct kd_err *err)
{
    char now[CLOCK_ISO_LEN];
    clock_format_iso(now_ms, now);
    struct store_stmt *st = store_prepare(
        town,
        "UPDATE senkyo_shikken SET withdrawn_at = ?, withdrawn_by = ?, replaced_by = ?"
        " WHERE id = ? AND withdrawn_at = ''",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, now);
    store_bind_str(st, 2, user_login);
    if (replaced_by)
        store_bind_i64(st, 3, replaced_by);
    else
        store_bind_null(st, 3);
    store_bind_i64(st, 4, id);
    if (step_done(st, err) < 0)
        return -1;
    if (store_changes(town) == 0)
        return kd_fail(err, KD_CONFLICT, "id", "the 失権 entry %lld is already withdrawn",
                       (long long)id);
    return 0;
}

int senkyo_shikken_list(struct store *town, const char *atena, bool all, int64_t before,
                        int limit, senkyo_shikken_fn each, void *ctx, struct arena *a,
                        struct kd_err *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " SHIKKEN_COLUMNS " FROM senkyo_shikken WHERE id < ?1%s%s"
             " ORDER BY id DESC LIMIT ?3",
             atena ? " AND atena = ?2" : "", all ? "" : " AND withdrawn_at = ''");
    struct store_stmt *st = store_prepare(town, sql, err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, before > 0 ? before : INT64_MAX);
    if (atena)
        store_bind_str(st, 2, atena);
    store_bind_i64(st, 3, limit);
    int count = 0;
    enum store_step rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct senkyo_shikken e;
        if (read_shikken(st, &e, a) < 0) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
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

int senkyo_shikken_in_effect(struct store *town, const char *date, int64_t known_ms,
                             const char ***atena, int *count, struct arena *a,
                             struct kd_err *err)
{
    char known[CLOCK_ISO_LEN];
    clock_format_iso(known_ms, known);
    struct store_stmt *st = store_prepare(
        town,
        "SELECT DISTINCT atena FROM senkyo_shikken"
        " WHERE from_date <= ?1 AND (until_date = '' OR until_date >= ?1)"
        " AND created_at <= ?2 AND (withdrawn_at = '' OR withdrawn_at > ?2)"
        " ORDER BY atena",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, date);
    store_bind_str(st, 2, known);
    int cap = 64, n = 0;
    const char **list = arena_alloc(a, (size_t)cap * sizeof *list);
    enum store_step rc = STORE_DONE;
    while (list && (rc = store_step(st, err)) == STORE_ROW) {
        if (n == cap) {
            const char **grown = arena_alloc(a, (size_t)cap * 2 * sizeof *grown);
            if (grown)
                memcpy(grown, list, (size_t)n * sizeof *list);
            list = grown;
            cap *= 2;
            if (!list)
                break;
        }
        if (!(list[n++] = col(st, 0, a)))
            list = NULL;
    }
    store_reset(st);
    if (!list)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (rc == STORE_ERROR)
        return -1;
    *atena = list;
    *count = n;
    return 0;
}
