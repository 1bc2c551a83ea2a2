/*
 * addressee.c — the records of non-residents (住登外者) and corporations
 * (法人): schema (scope "atena"), the check of their fields, creation and
 * change as events, snapshots in valid and recorded time, and their search
 * keys. Merges are in addressee_merge.c, search in addressee_search.c.
 * See addressee.h and docs/addressees.md.
 */
#include "residents/addressee.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "engine/ident.h"
#include "engine/kana.h"
#include "engine/wareki.h"
#include "http/jreq.h"
#include "residents/internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fields ------------------------------------------------------------- */

#define FIELD_ENTRY(name, kind, max, who) {#name, #kind[0], max, who},
const struct addressee_field addressee_fields[] = {ADDRESSEE_FIELDS(FIELD_ENTRY)};
const int addressee_field_count =
    (int)(sizeof addressee_fields / sizeof addressee_fields[0]);

#define FIELD_OFFSET(name, kind, max, who) offsetof(struct addressee, name),
static const size_t offsets[] = {ADDRESSEE_FIELDS(FIELD_OFFSET)};

static const char **text_at(const struct addressee *r, int i)
{
    return (const char **)((char *)r + offsets[i]);
}

static int64_t *int_at(const struct addressee *r, int i)
{
    return (int64_t *)((char *)r + offsets[i]);
}

void addressee_clear(struct addressee *r)
{
    memset(r, 0, sizeof *r);
    r->atena = r->kind = r->valid_from = r->recorded_at = "";
    for (int i = 0; i < addressee_field_count; i++)
        if (addressee_fields[i].kind != 'I')
            *text_at(r, i) = "";
}

const char *addressee_text(const struct addressee *r, int i)
{
    return addressee_fields[i].kind == 'I' ? NULL : *text_at(r, i);
}

int64_t addressee_int(const struct addressee *r, int i)
{
    return addressee_fields[i].kind == 'I' ? *int_at(r, i) : 0;
}

int addressee_field_index(const char *name)
{
    for (int i = 0; i < addressee_field_count; i++)
        if (strcmp(addressee_fields[i].name, name) == 0)
            return i;
    return -1;
}

const char *addressee_kind_label(const char *kind)
{
    if (strcmp(kind, "resident") == 0)
        return "住登者";
    if (strcmp(kind, "nonresident") == 0)
        return "住登外者";
    if (strcmp(kind, "corporation") == 0)
        return "法人";
    return "";
}

/* ---- schema ----------------------------------------------------------------- */

#define A_COL(name, kind, max, who) ", " #name
#define A_PARAM(name, kind, max, who) ", ?"
#define A_DDL_T "TEXT NOT NULL DEFAULT ''"
#define A_DDL_D "TEXT NOT NULL DEFAULT ''"
#define A_DDL_I "INTEGER NOT NULL DEFAULT 0"
#define A_DDL(name, kind, max, who) ", " #name " " A_DDL_##kind
#define A_VCOL(name, kind, max, who) ", v." #name

static const struct store_migration steps[] = {
    {1,
     /* Creations and changes of non-residents' and corporations' records:
      * append-only. body: the checked fields as stored. */
     "CREATE TABLE addressee_events ("
     " id INTEGER PRIMARY KEY,"
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " kind TEXT NOT NULL CHECK (kind IN ('create', 'change')),"
     " valid_from TEXT NOT NULL,"
     " recorded_at TEXT NOT NULL,"
     " user_login TEXT NOT NULL,"
     " request_id TEXT NOT NULL,"
     " note TEXT NOT NULL DEFAULT '',"
     " body TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX addressee_events_by_atena ON addressee_events (atena, valid_from, id);"
     /* Full snapshots, append-only: (宛名番号, 履歴番号). */
     "CREATE TABLE addressee_versions ("
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " rireki INTEGER NOT NULL,"
     " event_id INTEGER NOT NULL REFERENCES addressee_events (id),"
     " valid_from TEXT NOT NULL,"
     " recorded_at TEXT NOT NULL" ADDRESSEE_FIELDS(A_DDL) ","
     " PRIMARY KEY (atena, rireki)"
     ") STRICT;"
     /* Snapshots no longer believed, and from when (recorded time). */
     "CREATE TABLE addressee_supersessions ("
     " atena TEXT NOT NULL,"
     " rireki INTEGER NOT NULL,"
     " superseded_at TEXT NOT NULL,"
     " by_event INTEGER NOT NULL REFERENCES addressee_events (id),"
     " PRIMARY KEY (atena, rireki),"
     " FOREIGN KEY (atena, rireki) REFERENCES addressee_versions (atena, rireki)"
     ") STRICT, WITHOUT ROWID;"
     /* Each record's latest believed snapshot, for search. */
     "CREATE TABLE addressee_index ("
     " atena TEXT PRIMARY KEY REFERENCES addressees (atena),"
     " kind TEXT NOT NULL,"
     " rireki INTEGER NOT NULL,"
     " name TEXT NOT NULL,"
     " name_kana TEXT NOT NULL,"
     " birth TEXT NOT NULL,"
     " address TEXT NOT NULL,"
     " corp_number TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX addressee_index_by_birth ON addressee_index (birth, atena);"
     "CREATE INDEX addressee_index_by_corp ON addressee_index (corp_number)"
     " WHERE corp_number <> '';"
     /* Search keys (engine/kana.h), as the register's resident_keys. */
     "CREATE TABLE addressee_keys ("
     " kind TEXT NOT NULL CHECK (kind IN ('kana', 'name')),"
     " key TEXT NOT NULL,"
     " atena TEXT NOT NULL REFERENCES addressees (atena),"
     " PRIMARY KEY (kind, key, atena)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX addressee_keys_by_atena ON addressee_keys (atena);"
     /* Merges: `absorbed` points to `survivor` from merged_at on, until an
      * undo (a row of addressee_merge_undos) says otherwise. */
     "CREATE TABLE addressee_merges ("
     " id INTEGER PRIMARY KEY,"
     " absorbed TEXT NOT NULL REFERENCES addressees (atena),"
     " survivor TEXT NOT NULL REFERENCES addressees (atena),"
     " merged_at TEXT NOT NULL,"
     " user_login TEXT NOT NULL,"
     " request_id TEXT NOT NULL,"
     " reason TEXT NOT NULL,"
     " CHECK (absorbed <> survivor)"
     ") STRICT;"
     "CREATE INDEX addressee_merges_by_absorbed ON addressee_merges (absorbed, id);"
     "CREATE INDEX addressee_merges_by_survivor ON addressee_merges (survivor, id);"
     "CREATE TABLE addressee_merge_undos ("
     " merge_id INTEGER PRIMARY KEY REFERENCES addressee_merges (id),"
     " undone_at TEXT NOT NULL,"
     " user_login TEXT NOT NULL,"
     " request_id TEXT NOT NULL,"
     " reason TEXT NOT NULL"
     ") STRICT;"},
};

const struct store_schema addressees_schema = {"atena", steps, sizeof steps / sizeof steps[0]};

/* ---- checking fields ---------------------------------------------------------- */

static int set_text(struct addressee *r, int i, const char *s, size_t n, struct arena *a,
                    struct kd_err *err)
{
    const char *copy = n ? arena_strndup(a, s, n) : "";
    if (!copy)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    *text_at(r, i) = copy;
    return 0;
}

static int check_birth(const char *s, size_t len, const char *name, const char *today,
                       struct addressee *r, json_t *stored, struct arena *a, struct kd_err *err)
{
    int ib = addressee_field_index("birth"), it = addressee_field_index("birth_text");
    if (len == 0) {
        r->birth = r->birth_text = "";
        r->birth_unknown = 0;
    } else {
        struct fuzzy_date fd;
        if (wareki_fuzzy_parse(s, len, name, &fd, err) < 0)
            return -1;
        char iso[DATE_ISO_LEN] = "";
        if (fd.has_date)
            date_format_iso(fd.date, iso);
        if (today && iso[0] && strcmp(iso, today) > 0)
            return kd_fail(err, KD_INVALID_VALUE, name, "%s %s is after today (%s)", name, iso,
                           today);
        if (set_text(r, ib, iso, strlen(iso), a, err) < 0 ||
            set_text(r, it, fd.text, strlen(fd.text), a, err) < 0)
            return -1;
        r->birth_unknown = fd.unknown ? 1 : 0;
    }
    if (stored) {
        json_object_set_new(stored, "birth", json_string(r->birth));
        json_object_set_new(stored, "birth_text", json_string(r->birth_text));
        json_object_set_new(stored, "birth_unknown", json_integer(r->birth_unknown));
    }
    return 0;
}

int addressee_check_fields(json_t *fields, const char *kind, const char *prefix,
                           const char *today, struct addressee *r, json_t *stored,
                           struct arena *a, struct kd_err *err)
{
    if (!json_is_object(fields))
        return kd_fail(err, KD_WRONG_TYPE, prefix[0] ? prefix : NULL, "%s must be an object",
                       prefix[0] ? prefix : "the body");
    bool corp = strcmp(kind, "corporation") == 0;
    const char *key;
    json_t *v;
    json_object_foreach(fields, key, v) {
        char name[KD_FIELD_MAX];
        snprintf(name, sizeof name, "%s%s%s", prefix, prefix[0] ? "." : "", key);
        int i = addressee_field_index(key);
        if (i < 0 || addressee_fields[i].who == 'r')
            return kd_fail(err, KD_UNKNOWN_FIELD, name, "unknown field");
        const struct addressee_field *f = &addressee_fields[i];
        if ((f->who == 'p' && corp) || (f->who == 'c' && !corp))
            return kd_fail(err, KD_INVALID_VALUE, name, "%s is an item of %s only", name,
                           f->who == 'p' ? "persons (住登外者)" : "corporations (法人)");
        if (f->kind == 'I') {
            if (!json_is_integer(v))
                return kd_fail(err, KD_WRONG_TYPE, name, "%s must be an integer", name);
            json_int_t n = json_integer_value(v);
            /* sex is the only integer a client sets. */
            if (n != 0 && n != 1 && n != 2 && n != 9)
                return kd_fail(err, KD_INVALID_VALUE, name,
                               "%s must be 1 (男), 2 (女), 0 (不明) or 9 (適用不能), as JIS X 0303",
                               name);
            *int_at(r, i) = n;
            if (stored)
                json_object_set_new(stored, key, json_integer(n));
            continue;
        }
        if (!json_is_string(v))
            return kd_fail(err, KD_WRONG_TYPE, name, "%s must be a string", name);
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (memchr(s, '\0', len))
            return kd_fail(err, KD_INVALID_VALUE, name, "%s must not contain NUL", name);
        bool is_birth = strcmp(f->name, "birth") == 0;
        size_t max = is_birth ? WAREKI_FUZZY_TEXT_MAX : (size_t)f->max_chars;
        if (text_check_line(s, len, 0, max, name, err) < 0)
            return -1;
        if (is_birth) {
            if (check_birth(s, len, name, today, r, stored, a, err) < 0)
                return -1;
            continue;
        }
        char norm[KANA_KEY_MAX + 1];
        if (len && strstr(f->name, "_kana")) {
            /* A reading is stored as full-width katakana, however typed. */
            size_t n;
            if (kana_normalise_reading(s, len, norm, sizeof norm, &n, err) < 0 ||
                kana_check_reading(norm, n, name, err) < 0) {
                snprintf(err->field, sizeof err->field, "%s", name);
                return -1;
            }
            s = norm;
            len = n;
        } else if (len && strcmp(f->name, "kojin_bango") == 0) {
            if (!ident_mynumber_valid(s, len))
                return kd_fail(err, KD_INVALID_VALUE, name,
                               "%s must be 12 digits with a valid check digit (個人番号)", name);
        } else if (len && strcmp(f->name, "corp_number") == 0) {
            if (!ident_corp_number_valid(s, len))
                return kd_fail(err, KD_INVALID_VALUE, name,
                               "%s must be 13 digits with a valid check digit (法人番号)", name);
        } else if (len && strcmp(f->name, "postcode") == 0) {
            if (len != 7 || !text_all_digits(s, len))
                return kd_fail(err, KD_INVALID_VALUE, name, "%s must be seven digits (郵便番号)",
                               name);
        }
        if (set_text(r, i, s, len, a, err) < 0)
            return -1;
        if (stored)
            json_object_set_new(stored, key, json_stringn(s, len));
    }
    return 0;
}

/* Sets the stored (already checked) values of obj on r. */
static int apply_stored(struct addressee *r, json_t *obj, struct arena *a, struct kd_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int i = addressee_field_index(key);
        if (i < 0)
            return kd_fail(err, KD_INTERNAL, NULL, "stored event has an unknown field");
        if (addressee_fields[i].kind == 'I')
            *int_at(r, i) = json_integer_value(v);
        else if (set_text(r, i, json_string_value(v), json_string_length(v), a, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- reading snapshots --------------------------------------------------------- */

#define VERSION_COLUMNS "atena, rireki, event_id, valid_from, recorded_at" ADDRESSEE_FIELDS(A_COL)
#define VERSION_VCOLUMNS                                                                        \
    "v.atena, v.rireki, v.event_id, v.valid_from, v.recorded_at" ADDRESSEE_FIELDS(A_VCOL)

static int step_done(struct store_stmt *st, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_INTERNAL, NULL, "a stored row broke a constraint");
    return rc == STORE_DONE ? 0 : -1;
}

static const char *col_dup(struct store_stmt *st, int col, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, col, &n);
    return n ? arena_strndup(a, t, n) : "";
}

/* Reads the version columns (VERSION_COLUMNS from column 0). */
static int read_version(struct store_stmt *st, struct addressee *r, struct arena *a)
{
    r->atena = col_dup(st, 0, a);
    r->rireki = store_col_i64(st, 1);
    r->event_id = store_col_i64(st, 2);
    r->valid_from = col_dup(st, 3, a);
    r->recorded_at = col_dup(st, 4, a);
    if (!r->atena || !r->valid_from || !r->recorded_at)
        return -1;
    for (int i = 0; i < addressee_field_count; i++) {
        if (addressee_fields[i].kind == 'I') {
            *int_at(r, i) = store_col_i64(st, 5 + i);
        } else {
            const char *t = col_dup(st, 5 + i, a);
            if (!t)
                return -1;
            *text_at(r, i) = t;
        }
    }
    return 0;
}

int addressee_kind_of(struct store *town, const char *atena, const char **kind,
                      struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, "SELECT kind FROM addressees WHERE atena = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *kind = col_dup(st, 0, a);
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;
    if (rc != STORE_ROW)
        return kd_fail(err, KD_NOT_FOUND, "atena", "no addressee %s", atena);
    return *kind ? 0 : kd_fail(err, KD_INTERNAL, NULL, "out of memory");
}

static const char SQL_AS_OF_NOW[] =
    "SELECT " VERSION_VCOLUMNS ", a.kind FROM addressee_versions v"
    " JOIN addressees a ON a.atena = v.atena"
    " WHERE v.atena = ?1 AND v.valid_from <= ?2"
    " AND NOT EXISTS (SELECT 1 FROM addressee_supersessions s"
    "                 WHERE s.atena = v.atena AND s.rireki = v.rireki)"
    " ORDER BY v.valid_from DESC, v.event_id DESC, v.rireki DESC LIMIT 1";

static const char SQL_AS_OF_KNOWN[] =
    "SELECT " VERSION_VCOLUMNS ", a.kind FROM addressee_versions v"
    " JOIN addressees a ON a.atena = v.atena"
    " WHERE v.atena = ?1 AND v.valid_from <= ?2 AND v.recorded_at <= ?3"
    " AND NOT EXISTS (SELECT 1 FROM addressee_supersessions s"
    "                 WHERE s.atena = v.atena AND s.rireki = v.rireki"
    "                 AND s.superseded_at <= ?3)"
    " ORDER BY v.valid_from DESC, v.event_id DESC, v.rireki DESC LIMIT 1";

int addressee_as_of(struct store *town, const char *atena, const char *date, int64_t known_ms,
                    struct addressee *out, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, known_ms ? SQL_AS_OF_KNOWN : SQL_AS_OF_NOW, err);
    if (!st)
        return -1;
    char known[CLOCK_ISO_LEN];
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, date);
    if (known_ms) {
        clock_format_iso(known_ms, known);
        store_bind_str(st, 3, known);
    }
    enum store_step rc = store_step(st, err);
    int found = 0;
    if (rc == STORE_ROW) {
        addressee_clear(out);
        found = 1;
        if (read_version(st, out, a) < 0 || !(out->kind = col_dup(st, 5 + addressee_field_count, a)))
            found = kd_fail(err, KD_INTERNAL, NULL, "out of memory reading a record");
    }
    store_reset(st);
    return rc == STORE_ERROR ? -1 : found;
}

static const char SQL_HISTORY[] =
    "SELECT " VERSION_VCOLUMNS ", a.kind, e.kind, e.note, e.user_login, coalesce(s.superseded_at, '')"
    " FROM addressee_versions v JOIN addressee_events e ON e.id = v.event_id"
    " JOIN addressees a ON a.atena = v.atena"
    " LEFT JOIN addressee_supersessions s ON s.atena = v.atena AND s.rireki = v.rireki"
    " WHERE v.atena = ? ORDER BY v.rireki";

int addressee_history(struct store *town, const char *atena, addressee_version_fn each,
                      void *ctx, struct arena *a, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_HISTORY, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    int count = 0;
    enum store_step rc;
    const int x = 5 + addressee_field_count;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct addressee_version v;
        addressee_clear(&v.r);
        if (read_version(st, &v.r, a) < 0 || !(v.r.kind = col_dup(st, x, a)) ||
            !(v.event = col_dup(st, x + 1, a)) || !(v.note = col_dup(st, x + 2, a)) ||
            !(v.user_login = col_dup(st, x + 3, a)) ||
            !(v.superseded_at = col_dup(st, x + 4, a))) {
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

/* ---- search keys and the index -------------------------------------------------- */

/* The forms of a corporation's name (法人格) that a clerk may leave out when
 * searching by name: a second key is kept without them. As NFKC gives them
 * (name_search_key): ㈱ and （株） become (株). */
static const char *const corp_forms[] = {
    "株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人", "一般財団法人",
    "公益社団法人", "公益財団法人", "社会福祉法人", "医療法人社団", "医療法人財団", "医療法人",
    "学校法人", "宗教法人", "特定非営利活動法人", "NPO法人", "農事組合法人", "(株)", "(有)",
    "(同)", "(資)", "(名)", "(一社)", "(一財)", "(公社)", "(公財)", "(福)", "(医)", "(学)",
    "(宗)", "(特非)",
};

static int insert_key(struct store *town, const char *kind, const char *key, size_t n,
                      const char *atena, struct kd_err *err)
{
    if (n == 0)
        return 0;
    struct store_stmt *st = store_prepare(
        town, "INSERT OR IGNORE INTO addressee_keys (kind, key, atena) VALUES (?, ?, ?)", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, kind);
    store_bind_text(st, 2, key, n);
    store_bind_str(st, 3, atena);
    return step_done(st, err);
}

static int update_keys(struct store *town, const struct addressee *r, struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "DELETE FROM addressee_keys WHERE atena = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, r->atena);
    if (step_done(st, err) < 0)
        return -1;
    const struct {
        bool kana;
        const char *text;
    } keys[] = {{true, r->name_kana},  {true, r->kyuuji_kana}, {true, r->tsusho_kana},
                {false, r->name},      {false, r->kyuuji},     {false, r->tsusho},
                {false, r->alpha_name}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (!keys[i].text[0])
            continue;
        char key[KANA_KEY_MAX + 1];
        size_t n;
        const char *t = keys[i].text;
        int rc = keys[i].kana ? kana_search_key(t, strlen(t), key, sizeof key, &n, err)
                              : name_search_key(t, strlen(t), key, sizeof key, &n, err);
        if (rc < 0 || insert_key(town, keys[i].kana ? "kana" : "name", key, n, r->atena, err) < 0)
            return -1;
        if (keys[i].kana || strcmp(r->kind, "corporation") != 0 || i != 3)
            continue;
        /* 株式会社山田商店 is also found by 山田商店. */
        for (size_t f = 0; f < sizeof corp_forms / sizeof corp_forms[0]; f++) {
            size_t fl = strlen(corp_forms[f]);
            if (n <= fl)
                continue;
            if (memcmp(key, corp_forms[f], fl) == 0) {
                if (insert_key(town, "name", key + fl, n - fl, r->atena, err) < 0)
                    return -1;
            } else if (memcmp(key + n - fl, corp_forms[f], fl) == 0) {
                if (insert_key(town, "name", key, n - fl, r->atena, err) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

static int update_index(struct store *town, const struct addressee *r, struct kd_err *err)
{
    if (update_keys(town, r, err) < 0)
        return -1;
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO addressee_index (atena, kind, rireki, name, name_kana, birth, address,"
        " corp_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (atena) DO UPDATE SET rireki = excluded.rireki, name = excluded.name,"
        " name_kana = excluded.name_kana, birth = excluded.birth, address = excluded.address,"
        " corp_number = excluded.corp_number",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, r->atena);
    store_bind_str(st, 2, r->kind);
    store_bind_i64(st, 3, r->rireki);
    store_bind_str(st, 4, r->name);
    store_bind_str(st, 5, r->name_kana);
    store_bind_str(st, 6, r->birth);
    store_bind_str(st, 7, r->address);
    store_bind_str(st, 8, r->corp_number);
    return step_done(st, err);
}

int addressee_index_record(struct store *town, const struct addressee *r, struct kd_err *err)
{
    return update_index(town, r, err);
}

/* ---- replay ---------------------------------------------------------------------- */

static const char SQL_BASE[] =
    "SELECT " VERSION_COLUMNS " FROM addressee_versions v"
    " WHERE v.atena = ?1 AND (v.valid_from < ?2 OR (v.valid_from = ?2 AND v.event_id < ?3))"
    " AND NOT EXISTS (SELECT 1 FROM addressee_supersessions s"
    "                 WHERE s.atena = v.atena AND s.rireki = v.rireki)"
    " ORDER BY v.valid_from DESC, v.event_id DESC, v.rireki DESC LIMIT 1";

static const char SQL_SUPERSEDE[] =
    "INSERT INTO addressee_supersessions (atena, rireki, superseded_at, by_event)"
    " SELECT v.atena, v.rireki, ?4, ?5 FROM addressee_versions v"
    " WHERE v.atena = ?1 AND (v.valid_from > ?2 OR (v.valid_from = ?2 AND v.event_id >= ?3))"
    " AND NOT EXISTS (SELECT 1 FROM addressee_supersessions s"
    "                 WHERE s.atena = v.atena AND s.rireki = v.rireki)";

static const char SQL_EVENTS[] =
    "SELECT id, kind, valid_from, body FROM addressee_events"
    " WHERE atena = ?1 AND (valid_from > ?2 OR (valid_from = ?2 AND id >= ?3))"
    " ORDER BY valid_from, id";

static const char SQL_INSERT_VERSION[] =
    "INSERT INTO addressee_versions (" VERSION_COLUMNS ") VALUES (?, ?, ?, ?, ?"
    ADDRESSEE_FIELDS(A_PARAM) ")";

static int insert_version(struct store *town, const struct addressee *r, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(town, SQL_INSERT_VERSION, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, r->atena);
    store_bind_i64(st, 2, r->rireki);
    store_bind_i64(st, 3, r->event_id);
    store_bind_str(st, 4, r->valid_from);
    store_bind_str(st, 5, r->recorded_at);
    for (int i = 0; i < addressee_field_count; i++) {
        if (addressee_fields[i].kind == 'I')
            store_bind_i64(st, 6 + i, *int_at(r, i));
        else
            store_bind_str(st, 6 + i, *text_at(r, i));
    }
    return step_done(st, err);
}

/*
 * Rebuilds an addressee's believed snapshots from position (date, id) on
 * (the event just recorded): what was believed there and after is
 * superseded, and every event from there is applied again, each giving a
 * new snapshot. *after: the snapshot of event `id`.
 */
static int replay(struct store *town, const char *atena, const char *kind, const char *date,
                  int64_t id, const char *now_iso, struct addressee *after, struct arena *a,
                  struct kd_err *err)
{
    struct addressee *cur = NULL;
    /* Snapshots outlive the caller's buffer. */
    now_iso = arena_strndup(a, now_iso, strlen(now_iso));
    if (!now_iso)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    struct store_stmt *st = store_prepare(town, SQL_BASE, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, date);
    store_bind_i64(st, 3, id);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW) {
        cur = arena_alloc(a, sizeof *cur);
        if (cur) {
            addressee_clear(cur);
            if (read_version(st, cur, a) < 0)
                cur = NULL;
        }
        if (!cur) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        }
        cur->kind = kind;
    }
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;

    st = store_prepare(town, SQL_SUPERSEDE, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, date);
    store_bind_i64(st, 3, id);
    store_bind_str(st, 4, now_iso);
    store_bind_i64(st, 5, id);
    if (step_done(st, err) < 0)
        return -1;

    st = store_prepare(town,
                       "SELECT coalesce(max(rireki), 0) + 1 FROM addressee_versions WHERE atena = ?",
                       err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    rc = store_step(st, err);
    int64_t rireki = rc == STORE_ROW ? store_col_i64(st, 0) : 0;
    store_reset(st);
    if (rc != STORE_ROW)
        return -1;

    /* The events to apply, read first (the statement is reused below). */
    struct pending {
        int64_t id;
        bool create;
        const char *date, *body;
        size_t body_len;
    } *events = NULL;
    size_t count = 0, cap = 0;
    st = store_prepare(town, SQL_EVENTS, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, date);
    store_bind_i64(st, 3, id);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (count == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            struct pending *grown = arena_alloc(a, ncap * sizeof *grown);
            if (!grown) {
                store_reset(st);
                return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            }
            if (count)
                memcpy(grown, events, count * sizeof *grown);
            events = grown;
            cap = ncap;
        }
        struct pending *p = &events[count++];
        p->id = store_col_i64(st, 0);
        p->create = strcmp(store_col_text(st, 1, NULL), "create") == 0;
        p->date = col_dup(st, 2, a);
        size_t n;
        const char *t = store_col_text(st, 3, &n);
        p->body = arena_strndup(a, t, n);
        p->body_len = n;
        if (!p->date || !p->body) {
            store_reset(st);
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        }
    }
    store_reset(st);
    if (rc != STORE_DONE)
        return -1;

    for (size_t e = 0; e < count; e++) {
        struct addressee *next = arena_alloc(a, sizeof *next);
        if (!next)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        if (events[e].create) {
            addressee_clear(next);
            next->atena = atena;
            next->kind = kind;
        } else if (cur) {
            *next = *cur;
        } else {
            return kd_fail(err, KD_INTERNAL, NULL, "event %lld of %s has no record before it",
                           (long long)events[e].id, atena);
        }
        json_t *body = json_loadb(events[e].body, events[e].body_len, 0, NULL);
        if (!body)
            return kd_fail(err, KD_INTERNAL, NULL, "stored event %lld cannot be read",
                           (long long)events[e].id);
        int applied = apply_stored(next, body, a, err);
        json_decref(body);
        if (applied < 0)
            return -1;
        next->rireki = rireki++;
        next->event_id = events[e].id;
        next->valid_from = events[e].date;
        next->recorded_at = now_iso;
        if (insert_version(town, next, err) < 0)
            return -1;
        if (events[e].id == id)
            *after = *next;
        cur = next;
    }
    if (!cur)
        return kd_fail(err, KD_INTERNAL, NULL, "%s has no snapshot after replay", atena);
    return update_index(town, cur, err);
}

/* ---- creating and changing --------------------------------------------------------- */

static int insert_event(struct store *town, const char *atena, const char *kind,
                        const char *valid_from, const char *note, json_t *stored,
                        const struct addressee_actor *who, const char *now_iso, int64_t *id,
                        struct kd_err *err)
{
    char *body = json_dumps(stored, JSON_COMPACT | JSON_SORT_KEYS);
    if (!body)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO addressee_events (atena, kind, valid_from, recorded_at, user_login,"
        " request_id, note, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st) {
        free(body);
        return -1;
    }
    store_bind_str(st, 1, atena);
    store_bind_str(st, 2, kind);
    store_bind_str(st, 3, valid_from);
    store_bind_str(st, 4, now_iso);
    store_bind_str(st, 5, who->user_login);
    store_bind_str(st, 6, who->request_id);
    store_bind_str(st, 7, note);
    store_bind_str(st, 8, body);
    int rc = step_done(st, err);
    free(body);
    if (rc < 0)
        return -1;
    *id = store_last_id(town);
    return 0;
}

static int check_valid_from(const struct jvalue *v, const struct addressee_actor *who,
                            const char **out, struct kd_err *err)
{
    *out = who->today;
    if (!v->present)
        return 0;
    int64_t ms;
    if (v->len != 10 || !clock_parse_iso(v->s, 10, &ms))
        return kd_fail(err, KD_INVALID_VALUE, "valid_from",
                       "valid_from must be a date YYYY-MM-DD that exists in the calendar");
    if (strcmp(v->s, who->today) > 0)
        return kd_fail(err, KD_INVALID_VALUE, "valid_from", "valid_from %s is after today (%s)",
                       v->s, who->today);
    *out = v->s;
    return 0;
}

/* A corporation not merged away, other than `self`, with this 法人番号. */
static int corp_number_taken(struct store *town, const char *number, const char *self,
                             const char **holder, struct arena *a, struct kd_err *err)
{
    *holder = NULL;
    struct store_stmt *st = store_prepare(
        town,
        "SELECT i.atena FROM addressee_index i WHERE i.corp_number = ?1 AND i.atena <> ?2"
        " AND NOT EXISTS (SELECT 1 FROM addressee_merges m WHERE m.absorbed = i.atena"
        "   AND NOT EXISTS (SELECT 1 FROM addressee_merge_undos u WHERE u.merge_id = m.id))"
        " ORDER BY i.atena LIMIT 1",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, number);
    store_bind_str(st, 2, self);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *holder = col_dup(st, 0, a);
    store_reset(st);
    return rc == STORE_ERROR ? -1 : 0;
}

static int check_corp_number(struct store *town, const char *number, const char *self,
                             const char *field, struct arena *a, struct kd_err *err)
{
    if (!number[0])
        return 0;
    const char *holder;
    if (corp_number_taken(town, number, self, &holder, a, err) < 0)
        return -1;
    if (holder)
        return kd_fail(err, KD_CONFLICT, field,
                       "this 法人番号 is already that of corporation %s: use that 宛名番号 (or "
                       "merge the two)",
                       holder);
    return 0;
}

/* Splits a create body into its own items and the record's fields. */
static const struct jfield create_spec[] = {
    {"kind", JT_STRING, true, 16, false, 0, 0},
    {"valid_from", JT_STRING, false, 10, false, 0, 0},
    {"note", JT_STRING, false, 200, false, 0, 0},
};
enum { C_KIND, C_VALID_FROM, C_NOTE, C_COUNT };

int addressee_create(struct store *town, json_t *body, const struct addressee_actor *who,
                     struct addressee *out, struct arena *a, struct kd_err *err)
{
    if (!json_is_object(body))
        return kd_fail(err, KD_BAD_REQUEST, NULL, "the body must be an object");
    json_t *meta = json_object(), *fields = json_object(), *stored = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        bool own = false;
        for (int i = 0; i < C_COUNT; i++)
            own |= strcmp(key, create_spec[i].name) == 0;
        json_object_set(own ? meta : fields, key, v);
    }
    struct jvalue m[C_COUNT];
    const char *valid_from = NULL;
    int rc = jreq_fields(a, meta, "", create_spec, C_COUNT, m, err);
    if (rc == 0 && strcmp(m[C_KIND].s, "nonresident") != 0 &&
        strcmp(m[C_KIND].s, "corporation") != 0)
        rc = strcmp(m[C_KIND].s, "resident") == 0
                 ? kd_fail(err, KD_INVALID_VALUE, "kind",
                           "a resident is recorded by a 異動 of the register "
                           "(POST /api/v1/residents/idou), not here")
                 : kd_fail(err, KD_INVALID_VALUE, "kind",
                           "kind must be nonresident (住登外者) or corporation (法人)");
    if (rc == 0)
        rc = check_valid_from(&m[C_VALID_FROM], who, &valid_from, err);
    struct addressee r;
    addressee_clear(&r);
    if (rc == 0)
        rc = addressee_check_fields(fields, m[C_KIND].s, "", who->today, &r, stored, a, err);
    if (rc == 0 && !r.name[0])
        rc = kd_fail(err, KD_MISSING_FIELD, "name", "name is required");
    if (rc == 0 && !r.address[0])
        rc = kd_fail(err, KD_MISSING_FIELD, "address", "address is required");
    json_decref(meta);
    json_decref(fields);
    if (rc < 0) {
        json_decref(stored);
        return -1;
    }

    bool own_tx = !store_in_transaction(town);
    if (own_tx && store_begin_write(town, err) < 0) {
        json_decref(stored);
        return -1;
    }
    char now[CLOCK_ISO_LEN];
    clock_format_iso(who->now_ms, now);
    char number[16];
    const char *kind = m[C_KIND].s;
    int64_t id = 0;
    rc = check_corp_number(town, r.corp_number, "", "corp_number", a, err);
    if (rc == 0)
        rc = numbers_next(town, "atena", number, a, err);
    if (rc == 0) {
        struct store_stmt *st = store_prepare(
            town, "INSERT INTO addressees (atena, kind, created_at) VALUES (?, ?, ?)", err);
        rc = -1;
        if (st) {
            store_bind_str(st, 1, number);
            store_bind_str(st, 2, kind);
            store_bind_str(st, 3, now);
            rc = step_done(st, err);
        }
    }
    const char *atena = rc == 0 ? arena_strndup(a, number, strlen(number)) : NULL;
    if (rc == 0 && !atena)
        rc = kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (rc == 0)
        rc = insert_event(town, atena, "create", valid_from,
                          m[C_NOTE].present ? m[C_NOTE].s : "", stored, who, now, &id, err);
    json_decref(stored);
    if (rc == 0)
        rc = replay(town, atena, kind, valid_from, id, now, out, a, err);
    if (rc < 0) {
        if (own_tx)
            store_rollback(town);
        return -1;
    }
    if (own_tx && store_commit(town, err) < 0)
        return -1;
    return 0;
}

static const struct jfield change_spec[] = {
    {"valid_from", JT_STRING, false, 10, false, 0, 0},
    {"changes", JT_OBJECT, true, 0, false, 0, 0},
    {"note", JT_STRING, false, 200, false, 0, 0},
};
enum { G_VALID_FROM, G_CHANGES, G_NOTE, G_COUNT };

/* The first day of an addressee's record (its creation's valid_from). */
static int first_day(struct store *town, const char *atena, const char **out, struct arena *a,
                     struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town, "SELECT valid_from FROM addressee_events WHERE atena = ? AND kind = 'create'", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, atena);
    enum store_step rc = store_step(st, err);
    *out = rc == STORE_ROW ? col_dup(st, 0, a) : NULL;
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;
    if (!*out)
        return kd_fail(err, KD_INTERNAL, NULL, "%s has no creation event", atena);
    return 0;
}

int addressee_change(struct store *town, const char *atena, json_t *body,
                     const struct addressee_actor *who, struct addressee *out, struct arena *a,
                     struct kd_err *err)
{
    struct jvalue m[G_COUNT];
    if (!json_is_object(body))
        return kd_fail(err, KD_BAD_REQUEST, NULL, "the body must be an object");
    if (jreq_fields(a, body, "", change_spec, G_COUNT, m, err) < 0)
        return -1;
    if (json_object_size(m[G_CHANGES].json) == 0)
        return kd_fail(err, KD_MISSING_FIELD, "changes", "changes needs at least one item");
    const char *valid_from;
    if (check_valid_from(&m[G_VALID_FROM], who, &valid_from, err) < 0)
        return -1;

    bool own_tx = !store_in_transaction(town);
    if (own_tx && store_begin_write(town, err) < 0)
        return -1;
    const char *kind = NULL, *first = NULL;
    struct addressee_route route;
    json_t *stored = json_object();
    struct addressee r;
    addressee_clear(&r);
    char now[CLOCK_ISO_LEN];
    clock_format_iso(who->now_ms, now);
    int64_t id = 0;
    int rc = addressee_kind_of(town, atena, &kind, a, err);
    if (rc == 0 && strcmp(kind, "resident") == 0)
        rc = kd_fail(err, KD_CONFLICT, "atena",
                     "%s is a resident: the register's record changes by a 異動 "
                     "(POST /api/v1/residents/idou)",
                     atena);
    if (rc == 0)
        rc = addressee_resolve(town, atena, 0, &route, a, err);
    if (rc == 0 && route.hops > 0)
        rc = kd_fail(err, KD_CONFLICT, "atena",
                     "%s was merged into %s (merge %lld): record the change on %s", atena,
                     route.atena, (long long)route.hop[0].id, route.atena);
    if (rc == 0)
        rc = addressee_check_fields(m[G_CHANGES].json, kind, "changes", who->today, &r, stored, a,
                                    err);
    if (rc == 0) {
        static const char *const kept[] = {"name", "address"};
        for (int i = 0; rc == 0 && i < 2; i++) {
            json_t *x = json_object_get(stored, kept[i]);
            if (x && json_string_length(x) == 0)
                rc = kd_fail(err, KD_INVALID_VALUE, kept[i][0] == 'n' ? "changes.name"
                                                                      : "changes.address",
                             "%s cannot be emptied", kept[i]);
        }
    }
    if (rc == 0)
        rc = first_day(town, atena, &first, a, err);
    if (rc == 0 && strcmp(valid_from, first) < 0)
        rc = kd_fail(err, KD_INVALID_VALUE, "valid_from",
                     "valid_from %s is before the record of %s begins (%s)", valid_from, atena,
                     first);
    if (rc == 0 && r.corp_number[0])
        rc = check_corp_number(town, r.corp_number, atena, "changes.corp_number", a, err);
    if (rc == 0)
        rc = insert_event(town, atena, "change", valid_from,
                          m[G_NOTE].present ? m[G_NOTE].s : "", stored, who, now, &id, err);
    json_decref(stored);
    if (rc == 0)
        rc = replay(town, atena, kind, valid_from, id, now, out, a, err);
    if (rc < 0) {
        if (own_tx)
            store_rollback(town);
        return -1;
    }
    if (own_tx && store_commit(town, err) < 0)
        return -1;
    return 0;
}
