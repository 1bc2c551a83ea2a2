/*
 * idou.c — 異動 (registry events): their kinds, how a body is checked and
 * stored, and what each does to a person's record.
 *
 * The categories are those of the 住民記録システム標準仕様書 1.2.2
 * (resident-registry.md §8). The standard's numeric 異動事由 codes are not
 * public (open item); kyodo's kinds have stable string codes here, and the
 * migration layouts map them to a town's code table.
 */
#include "residents/internal.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/ident.h"
#include "engine/kana.h"
#include "http/jreq.h"
#include "residents/zokugara.h"

#include <stdio.h>
#include <string.h>

/* ---- the kinds ------------------------------------------------------------ */

#define HOUSEHOLD_ADDRESS "postcode address katagaki"
#define MOVE_IN "postcode address katagaki prev_postcode prev_address"

const struct idou_kind idou_kinds[] = {
    /* 記載 */
    {"kokunai_tennyu", "国内転入", IDOU_KISAI, IDOU_NEW_PERSONS | IDOU_HOUSEHOLD, MOVE_IN},
    {"kokugai_tennyu", "国外転入", IDOU_KISAI, IDOU_NEW_PERSONS | IDOU_HOUSEHOLD, MOVE_IN},
    {"shussei", "出生", IDOU_KISAI, IDOU_NEW_PERSONS | IDOU_HOUSEHOLD | IDOU_UNKNOWN_DATE,
     HOUSEHOLD_ADDRESS},
    {"shokken_kisai", "職権記載", IDOU_KISAI, IDOU_NEW_PERSONS | IDOU_HOUSEHOLD, MOVE_IN},
    {"shokken_kisai_kika", "職権記載（帰化等）", IDOU_KISAI,
     IDOU_NEW_PERSONS | IDOU_HOUSEHOLD | IDOU_JAPANESE, MOVE_IN},
    {"shokken_kisai_soshitsu", "職権記載（国籍喪失）", IDOU_KISAI,
     IDOU_NEW_PERSONS | IDOU_HOUSEHOLD | IDOU_FOREIGN, MOVE_IN},
    /* 消除 */
    {"kokunai_tenshutsu", "国内転出", IDOU_SHOJO, IDOU_SUBJECTS | IDOU_FUTURE_OK,
     "dest_postcode dest_address"},
    {"kokugai_tenshutsu", "国外転出", IDOU_SHOJO, IDOU_SUBJECTS | IDOU_FUTURE_OK,
     "dest_address"},
    {"shibou", "死亡", IDOU_SHOJO, IDOU_SUBJECTS | IDOU_ONE_SUBJECT | IDOU_UNKNOWN_DATE, ""},
    {"shokken_shojo", "職権消除", IDOU_SHOJO, IDOU_SUBJECTS, ""},
    {"shokken_shojo_kika", "職権消除（帰化等）", IDOU_SHOJO, IDOU_SUBJECTS | IDOU_FOREIGN, ""},
    {"shokken_shojo_soshitsu", "職権消除（国籍喪失）", IDOU_SHOJO, IDOU_SUBJECTS | IDOU_JAPANESE,
     ""},
    /* 修正 */
    {"tenshutsu_kakutei", "転出確定", IDOU_SHUSEI, IDOU_SUBJECTS, "dest_postcode dest_address"},
    {"tenkyo", "転居", IDOU_SHUSEI, IDOU_SUBJECTS, HOUSEHOLD_ADDRESS},
    {"setai_bunri", "世帯分離", IDOU_SHUSEI, IDOU_SUBJECTS, ""},
    {"setai_gappei", "世帯合併", IDOU_SHUSEI, IDOU_SUBJECTS | IDOU_HOUSEHOLD, ""},
    {"setai_henko", "世帯変更", IDOU_SHUSEI, IDOU_SUBJECTS | IDOU_HOUSEHOLD, ""},
    {"setainushi_henko", "世帯主変更", IDOU_SHUSEI, IDOU_SUBJECTS, ""},
    {"shimei_henko", "氏名の変更", IDOU_SHUSEI, IDOU_SUBJECTS | IDOU_ONE_SUBJECT,
     "shimei shimei_kana alpha_name"},
    {"kyuuji", "旧氏の記載・変更・削除", IDOU_SHUSEI,
     IDOU_SUBJECTS | IDOU_ONE_SUBJECT | IDOU_JAPANESE, "kyuuji kyuuji_kana"},
    {"tsusho", "通称の記載・削除", IDOU_SHUSEI, IDOU_SUBJECTS | IDOU_ONE_SUBJECT | IDOU_FOREIGN,
     "tsusho tsusho_kana"},
    {"kojin_bango_henko", "個人番号の変更", IDOU_SHUSEI, IDOU_SUBJECTS | IDOU_ONE_SUBJECT,
     "kojin_bango"},
    {"jumin_code_henko", "住民票コードの変更", IDOU_SHUSEI, IDOU_SUBJECTS | IDOU_ONE_SUBJECT,
     "jumin_code"},
    {"shokken_shusei", "職権修正", IDOU_SHUSEI, IDOU_SUBJECTS | IDOU_ONE_SUBJECT, "*"},
    {"goki_shusei", "誤記修正", IDOU_SHUSEI, IDOU_SUBJECTS | IDOU_ONE_SUBJECT | IDOU_TARGET, "*"},
    {"torikeshi", "異動の取消し", IDOU_SHUSEI, IDOU_TARGET, ""},
    /* A history row imported with a 異動事由 that has no kind here (改製,
     * 再製, 軽微な修正 …): its code is kept with it (bulk.h). */
    {"ikou", "移行", IDOU_SHUSEI, IDOU_MIGRATED, ""},
};

const int idou_kind_count = (int)(sizeof idou_kinds / sizeof idou_kinds[0]);

const struct idou_kind *idou_kind_find(const char *code)
{
    for (int i = 0; i < idou_kind_count; i++)
        if (strcmp(idou_kinds[i].code, code) == 0)
            return &idou_kinds[i];
    return NULL;
}

const char *idou_class_label(enum idou_class c)
{
    return c == IDOU_KISAI ? "記載" : c == IDOU_SHOJO ? "消除" : "修正";
}

static bool is(const struct idou_kind *k, const char *code)
{
    return strcmp(k->code, code) == 0;
}

/* Whether `field` may appear in the kind's changes{}. "*": any field a clerk
 * may set on a record. */
static bool change_allowed(const struct idou_kind *k, const char *field)
{
    if (strcmp(k->changes, "*") == 0) {
        int i = record_field_index(field);
        return i >= 0 && record_fields[i].who != 'r';
    }
    size_t n = strlen(field);
    for (const char *p = k->changes; *p;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, field, n) == 0)
            return true;
        p += len + (end ? 1 : 0);
    }
    return false;
}

/* ---- subscribers ----------------------------------------------------------- */

enum { MAX_SUBSCRIBERS = 16 };
static idou_subscriber subscribers[MAX_SUBSCRIBERS];
static int subscriber_count;

int residents_subscribe(idou_subscriber fn)
{
    if (subscriber_count == MAX_SUBSCRIBERS)
        return -1;
    subscribers[subscriber_count++] = fn;
    return 0;
}

int idou_notify(struct store *town, const struct idou_notice *n, struct kd_err *err)
{
    for (int i = 0; i < subscriber_count; i++)
        if (subscribers[i](town, n, err) < 0)
            return -1;
    return 0;
}

/* ---- field values ---------------------------------------------------------- */

static bool iso_date(const char *s)
{
    int64_t ms;
    return strlen(s) == 10 && clock_parse_iso(s, 10, &ms);
}

static const char *const zairyu_kubun[] = {
    "中長期在留者", "特別永住者", "一時庇護許可者", "仮滞在許可者", "経過滞在者（出生）",
    "経過滞在者（国籍喪失）",
};

/* 在留カード / 特別永住者証明書 numbers: two letters, eight digits, two letters. */
static bool card_number(const char *s)
{
    if (strlen(s) != 12)
        return false;
    for (int i = 0; i < 12; i++) {
        bool letter = s[i] >= 'A' && s[i] <= 'Z', digit = s[i] >= '0' && s[i] <= '9';
        if ((i < 2 || i >= 10) ? !letter : !digit)
            return false;
    }
    return true;
}

/* Checks one value for record field i. name: the field's path for errors. */
static int check_value(int i, json_t *v, const char *name, struct kd_err *err)
{
    const struct record_field *f = &record_fields[i];
    if (f->kind == 'I') {
        if (!json_is_integer(v))
            return kd_fail(err, KD_WRONG_TYPE, name, "%s must be an integer", name);
        json_int_t n = json_integer_value(v);
        if (strcmp(f->name, "sex") == 0 && n != 0 && n != 1 && n != 2 && n != 9)
            return kd_fail(err, KD_INVALID_VALUE, name,
                           "%s must be 1 (男), 2 (女), 0 (不明) or 9 (適用不能), as JIS X 0303",
                           name);
        return 0;
    }
    if (!json_is_string(v))
        return kd_fail(err, KD_WRONG_TYPE, name, "%s must be a string", name);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (memchr(s, '\0', len))
        return kd_fail(err, KD_INVALID_VALUE, name, "%s must not contain NUL", name);
    if (text_check_line(s, len, 0, (size_t)f->max_chars, name, err) < 0)
        return -1;
    if (len == 0)
        return 0; /* empty: the item is not recorded */
    if (strstr(f->name, "_kana")) {
        /* A reading is stored as full-width katakana, however it was typed
         * (hiragana, half-width): the value in the body is replaced. */
        char norm[KANA_KEY_MAX + 1];
        size_t n;
        if (kana_normalise_reading(s, len, norm, sizeof norm, &n, err) < 0 ||
            kana_check_reading(norm, n, name, err) < 0) {
            snprintf(err->field, sizeof err->field, "%s", name);
            return -1;
        }
        json_string_setn(v, norm, n);
        return 0;
    }
    if (f->kind == 'D' && !iso_date(s))
        return kd_fail(err, KD_INVALID_VALUE, name,
                       "%s must be a date YYYY-MM-DD that exists in the calendar", name);
    const char *fn = f->name;
    if (strcmp(fn, "kojin_bango") == 0 && !ident_mynumber_valid(s, len))
        return kd_fail(err, KD_INVALID_VALUE, name,
                       "%s must be 12 digits with a valid check digit (個人番号)", name);
    if (strcmp(fn, "jumin_code") == 0 && !ident_jumin_code_valid(s, len))
        return kd_fail(err, KD_INVALID_VALUE, name,
                       "%s must be 11 digits with a valid check digit (住民票コード)", name);
    if (strstr(fn, "postcode") && (len != 7 || !text_all_digits(s, len)))
        return kd_fail(err, KD_INVALID_VALUE, name, "%s must be seven digits (郵便番号)", name);
    if (strcmp(fn, "zokugara") == 0)
        return zokugara_check(s, len, name, err);
    if (strcmp(fn, "zairyu_kubun") == 0) {
        for (size_t k = 0; k < sizeof zairyu_kubun / sizeof zairyu_kubun[0]; k++)
            if (strcmp(s, zairyu_kubun[k]) == 0)
                return 0;
        return kd_fail(err, KD_INVALID_VALUE, name,
                       "%s must be one of the categories of 住民基本台帳法第30条の45 (中長期在留者, "
                       "特別永住者, 一時庇護許可者, 仮滞在許可者, 経過滞在者（出生）, "
                       "経過滞在者（国籍喪失）)",
                       name);
    }
    if (strcmp(fn, "zairyu_card") == 0 && !card_number(s))
        return kd_fail(err, KD_INVALID_VALUE, name,
                       "%s must be two letters, eight digits and two letters", name);
    return 0;
}

/* Sets record field i from a checked JSON value. */
static int set_field(struct record *r, int i, json_t *v, struct arena *a)
{
    if (record_fields[i].kind == 'I') {
        record_set_int(r, i, json_integer_value(v));
        return 0;
    }
    const char *s = arena_strndup(a, json_string_value(v), json_string_length(v));
    if (!s)
        return -1;
    record_set_text(r, i, s);
    return 0;
}

/* Copies every field of obj (already checked) onto r. */
static int set_fields(struct record *r, json_t *obj, struct arena *a)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int i = record_field_index(key);
        if (i >= 0 && set_field(r, i, v, a) < 0)
            return -1;
    }
    return 0;
}

/* A Japanese record has no foreign-only items and the other way round. */
static int check_kind_fields(const struct record *r, const char *path, struct kd_err *err)
{
    bool foreign = strcmp(r->kind, "foreign") == 0;
    for (int i = 0; i < record_field_count; i++) {
        char who = record_fields[i].who;
        const char *t = record_text(r, i);
        if (!t || !t[0] || (who != 'j' && who != 'f'))
            continue;
        if ((who == 'j') == foreign) {
            char field[KD_FIELD_MAX];
            snprintf(field, sizeof field, "%s%s%s", path, path[0] ? "." : "",
                     record_fields[i].name);
            return kd_fail(err, KD_INVALID_VALUE, field, "%s is an item of %s only", field,
                           who == 'j' ? "日本人住民" : "外国人住民");
        }
    }
    return 0;
}

/* ---- what each kind does --------------------------------------------------- */

static json_t *find_by_atena(json_t *list, const char *atena)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        const char *s = json_string_value(json_object_get(x, "atena"));
        if (s && strcmp(s, atena) == 0)
            return x;
    }
    return NULL;
}

static const char *str_of(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* A string of obj copied into the arena: records outlive the bodies they
 * were computed from. "" when absent; NULL when out of memory. */
static const char *dup_of(struct arena *a, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return "";
    return arena_strndup(a, json_string_value(v), json_string_length(v));
}

static int conflict(struct kd_err *err, const struct ev *e, const char *atena, const char *why)
{
    return kd_fail(err, KD_CONFLICT, "subjects", "%s: %s on %s is not possible: %s", atena,
                   e->kind->label, e->date, why);
}

int idou_apply(const struct ev *e, const char *atena, const struct record *before,
               json_t *corrections, struct record *after, struct arena *a, struct kd_err *err)
{
    const struct idou_kind *k = e->kind;
    json_t *body = e->body;
    json_t *changes = json_object_get(body, "changes");

    if (k->cls == IDOU_KISAI) {
        if (before)
            return conflict(err, e, atena, "the person already has a record");
        json_t *p = find_by_atena(json_object_get(body, "persons"), atena);
        if (!p)
            return kd_fail(err, KD_INTERNAL, NULL, "event %lld has no person %s",
                           (long long)e->id, atena);
        record_clear(after);
        if (set_fields(after, p, a) < 0)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        after->status = "resident";
        after->kind = strcmp(str_of(p, "kind"), "foreign") == 0 ? "foreign" : "japanese";
        after->setai = dup_of(a, p, "setai");
        if (is(k, "shussei") && !after->birth[0]) {
            after->birth = e->date;
            after->birth_text = e->date_text;
        }
        if (!after->became_resident[0])
            after->became_resident = e->date;
        if (!after->address_fixed[0])
            after->address_fixed = e->date;
    } else {
        if (!before)
            return conflict(err, e, atena, "the person has no record on that date");
        *after = *before;
        bool resident = strcmp(before->status, "resident") == 0;
        bool foreign = strcmp(before->kind, "foreign") == 0;
        if ((k->flags & IDOU_JAPANESE) && foreign)
            return conflict(err, e, atena, "it applies to 日本人住民 only");
        if ((k->flags & IDOU_FOREIGN) && !foreign)
            return conflict(err, e, atena, "it applies to 外国人住民 only");
        json_t *subject = find_by_atena(json_object_get(body, "subjects"), atena);
        if (is(k, "tenshutsu_kakutei")) {
            if (resident || (strcmp(before->removal, "kokunai_tenshutsu") != 0 &&
                             strcmp(before->removal, "kokugai_tenshutsu") != 0))
                return conflict(err, e, atena, "the record is not removed by a 転出");
        } else if (!resident) {
            char why[120];
            snprintf(why, sizeof why, "the record was removed (%s, %s)", before->removal,
                     before->removal_date);
            return conflict(err, e, atena, why);
        }
        if (k->cls == IDOU_SHOJO) {
            after->status = "removed";
            after->removal = k->code;
            after->removal_date = e->date;
            after->dest_confirmed = 0;
        } else if (is(k, "tenshutsu_kakutei")) {
            after->dest_confirmed = 1;
        } else if (is(k, "tenkyo")) {
            after->address_fixed = e->date;
        } else if (is(k, "setai_bunri")) {
            after->setai = dup_of(a, body, "new_setai");
        } else if (is(k, "setai_gappei") || is(k, "setai_henko")) {
            after->setai = dup_of(a, body, "setai");
        }
        if (subject && json_object_get(subject, "zokugara"))
            after->zokugara = dup_of(a, subject, "zokugara");
        if (!after->setai || !after->zokugara)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        /* A new address is a new place: the old 方書 does not follow unless
         * given again. */
        if (changes && json_object_get(changes, "address") && !json_object_get(changes, "katagaki"))
            after->katagaki = "";
        if (changes && set_fields(after, changes, a) < 0)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    }
    after->todoke = e->todoke;
    if (idou_apply_corrections(after, corrections, a, err) < 0)
        return -1;
    return check_kind_fields(after, changes ? "changes" : "", err);
}

int idou_apply_corrections(struct record *after, json_t *corrections, struct arena *a,
                           struct kd_err *err)
{
    /* 誤記修正: what should have been recorded by the event. */
    size_t i;
    json_t *c;
    json_array_foreach(corrections, i, c) {
        if (set_fields(after, c, a) < 0)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    }
    return 0;
}

/* ---- households ------------------------------------------------------------ */

struct members {
    int count, heads;
    struct record *r;
};

static int collect(void *ctx, const struct record *r)
{
    struct members *m = ctx;
    m->r[m->count] = *r;
    m->count++;
    m->heads += zokugara_is_head(r->zokugara);
    return 0;
}

enum { MAX_MEMBERS = 64 };

/* The household's residents on `date`. */
static int household(struct store *town, const char *setai, const char *date, struct members *m,
                     struct arena *a, struct kd_err *err)
{
    memset(m, 0, sizeof *m);
    m->r = arena_alloc(a, MAX_MEMBERS * sizeof *m->r);
    if (!m->r)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    return residents_household_as_of(town, setai, date, 0, collect, m, a, err) < 0 ? -1 : 0;
}

/* ---- recording a 異動 ------------------------------------------------------- */

static const struct jfield top_spec[] = {
    {"kind", JT_STRING, true, 40, false, 0, 0},
    {"idou_date", JT_STRING, true, 10, false, 0, 0},
    {"idou_date_text", JT_STRING, false, 72, false, 0, 0},
    {"todoke_date", JT_STRING, false, 10, false, 0, 0},
    {"persons", JT_ARRAY, false, 20, false, 0, 0},
    {"subjects", JT_ARRAY, false, MAX_MEMBERS, false, 0, 0},
    {"setai", JT_STRING, false, 15, false, 0, 0},
    {"changes", JT_OBJECT, false, 0, false, 0, 0},
    {"target", JT_INT, false, 0, false, 1, INT64_MAX},
    {"note", JT_STRING, false, 500, true, 0, 0},
};
enum { T_KIND, T_DATE, T_DATE_TEXT, T_TODOKE, T_PERSONS, T_SUBJECTS, T_SETAI, T_CHANGES,
       T_TARGET, T_NOTE, T_COUNT };

static const struct jfield subject_spec[] = {
    {"atena", JT_STRING, true, 15, false, 0, 0},
    {"zokugara", JT_STRING, false, 20, false, 0, 0},
};

/* The state of one request being recorded. */
struct job {
    struct store *town;
    const struct idou_actor *who;
    struct arena *a;
    const struct idou_kind *kind;
    struct jvalue v[T_COUNT];
    json_t *stored;  /* the body as it will be stored */
    const char *date;
    int64_t id;      /* once inserted */
    int count;
    const char **atena;
};

/* Checks a changes{} object: only the kind's fields, each valid. */
static int check_changes(struct job *j, json_t *changes, struct kd_err *err)
{
    const char *key;
    json_t *v;
    char name[KD_FIELD_MAX];
    json_object_foreach(changes, key, v) {
        snprintf(name, sizeof name, "changes.%s", key);
        if (!change_allowed(j->kind, key))
            return kd_fail(err, KD_UNKNOWN_FIELD, name, "%s cannot be changed by a %s",
                           key, j->kind->label);
        if (check_value(record_field_index(key), v, name, err) < 0)
            return -1;
    }
    return 0;
}

/* Checks persons[] of a 記載 and gives each a 宛名番号 and a household. */
static int prepare_persons(struct job *j, struct kd_err *err)
{
    json_t *persons = j->v[T_PERSONS].json;
    json_t *changes = j->v[T_CHANGES].json;
    json_t *out = json_array();
    json_object_set_new(j->stored, "persons", out);
    const char *setai = j->v[T_SETAI].present ? j->v[T_SETAI].s : NULL;
    struct members m = {0};
    if (setai) {
        if (household(j->town, setai, j->date, &m, j->a, err) < 0)
            return -1;
        if (m.count == 0)
            return kd_fail(err, KD_NOT_FOUND, "setai", "household %s has no residents on %s",
                           setai, j->date);
        if (changes && (json_object_get(changes, "address") ||
                        json_object_get(changes, "postcode") ||
                        json_object_get(changes, "katagaki")))
            return kd_fail(err, KD_INVALID_VALUE, "changes.address",
                           "persons joining household %s take its address", setai);
    } else {
        if (!changes || !json_object_get(changes, "address") ||
            !json_object_get(changes, "postcode"))
            return kd_fail(err, KD_MISSING_FIELD, "changes.address",
                           "a new household needs changes.postcode and changes.address");
        char number[16];
        if (numbers_next(j->town, "setai", number, j->a, err) < 0)
            return -1;
        json_object_set_new(j->stored, "new_setai", json_string(number));
        setai = json_string_value(json_object_get(j->stored, "new_setai"));
    }

    int heads = m.heads;
    j->count = (int)json_array_size(persons);
    j->atena = arena_alloc(j->a, (size_t)j->count * sizeof *j->atena);
    if (!j->atena)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    size_t i;
    json_t *p;
    json_array_foreach(persons, i, p) {
        char path[32], name[KD_FIELD_MAX];
        snprintf(path, sizeof path, "persons[%zu]", i);
        if (!json_is_object(p))
            return kd_fail(err, KD_WRONG_TYPE, path, "%s must be an object", path);
        const char *key;
        json_t *v;
        json_object_foreach(p, key, v) {
            snprintf(name, sizeof name, "%s.%s", path, key);
            if (strcmp(key, "kind") == 0) {
                const char *s = json_string_value(v);
                if (!s || (strcmp(s, "japanese") != 0 && strcmp(s, "foreign") != 0))
                    return kd_fail(err, KD_INVALID_VALUE, name,
                                   "%s must be japanese (日本人住民) or foreign (外国人住民)",
                                   name);
                continue;
            }
            int f = record_field_index(key);
            if (f < 0 || record_fields[f].who == 'r')
                return kd_fail(err, KD_UNKNOWN_FIELD, name, "unknown field");
            if (check_value(f, v, name, err) < 0)
                return -1;
        }
        static const char *const required[] = {"kind", "shimei", "shimei_kana", "sex",
                                               "zokugara"};
        for (size_t r = 0; r < sizeof required / sizeof required[0]; r++) {
            json_t *v2 = json_object_get(p, required[r]);
            if (!v2 || (json_is_string(v2) && json_string_length(v2) == 0)) {
                snprintf(name, sizeof name, "%s.%s", path, required[r]);
                return kd_fail(err, KD_MISSING_FIELD, name, "%s is required", name);
            }
        }
        bool birth_given = json_string_length(json_object_get(p, "birth")) > 0;
        if (!birth_given && !is(j->kind, "shussei")) {
            snprintf(name, sizeof name, "%s.birth", path);
            return kd_fail(err, KD_MISSING_FIELD, name, "%s is required", name);
        }
        if (birth_given && strcmp(str_of(p, "birth"), j->date) > 0) {
            snprintf(name, sizeof name, "%s.birth", path);
            return kd_fail(err, KD_INVALID_VALUE, name, "%s is after the 異動日 %s", name,
                           j->date);
        }
        const char *kind = str_of(p, "kind");
        if ((j->kind->flags & IDOU_JAPANESE) && strcmp(kind, "japanese") != 0)
            return kd_fail(err, KD_INVALID_VALUE, "persons", "a %s records 日本人住民 only",
                           j->kind->label);
        if ((j->kind->flags & IDOU_FOREIGN) && strcmp(kind, "foreign") != 0)
            return kd_fail(err, KD_INVALID_VALUE, "persons", "a %s records 外国人住民 only",
                           j->kind->label);
        if (strcmp(kind, "foreign") == 0) {
            static const char *const needed[] = {"nationality", "zairyu_kubun"};
            for (size_t r = 0; r < 2; r++) {
                if (json_string_length(json_object_get(p, needed[r])) == 0) {
                    snprintf(name, sizeof name, "%s.%s", path, needed[r]);
                    return kd_fail(err, KD_MISSING_FIELD, name,
                                   "%s is required for 外国人住民", name);
                }
            }
            if (strcmp(str_of(p, "zairyu_kubun"), "中長期在留者") == 0) {
                static const char *const mid[] = {"zairyu_shikaku", "zairyu_kikan",
                                                  "zairyu_expiry", "zairyu_card"};
                for (size_t r = 0; r < 4; r++) {
                    if (json_string_length(json_object_get(p, mid[r])) == 0) {
                        snprintf(name, sizeof name, "%s.%s", path, mid[r]);
                        return kd_fail(err, KD_MISSING_FIELD, name,
                                       "%s is required for a 中長期在留者", name);
                    }
                }
            }
        }
        if (zokugara_is_head(str_of(p, "zokugara")) && ++heads > 1) {
            snprintf(name, sizeof name, "%s.zokugara", path);
            return kd_fail(err, KD_INVALID_VALUE, name, "household %s already has a 世帯主",
                           setai);
        }

        /* What is stored: the person, numbered, with the household's address. */
        json_t *q = json_deep_copy(p);
        char atena[16];
        if (numbers_next(j->town, "atena", atena, j->a, err) < 0) {
            json_decref(q);
            return -1;
        }
        json_object_set_new(q, "atena", json_string(atena));
        json_object_set_new(q, "setai", json_string(setai));
        json_object_set_new(q, "kind", json_string(kind));
        /* Where they live: a household's address is its members'; the address
         * before the move-in may be given once for all in changes. */
        static const char *const place[] = {"postcode", "address", "katagaki"};
        static const char *const came_from[] = {"prev_postcode", "prev_address"};
        for (size_t f = 0; f < 3; f++) {
            if (m.count) {
                const char *there = record_text(&m.r[0], record_field_index(place[f]));
                json_object_set_new(q, place[f], json_string(there));
            } else if (!json_object_get(q, place[f]) && changes &&
                       json_object_get(changes, place[f])) {
                json_object_set(q, place[f], json_object_get(changes, place[f]));
            }
        }
        for (size_t f = 0; f < 2; f++)
            if (!json_object_get(q, came_from[f]) && changes &&
                json_object_get(changes, came_from[f]))
                json_object_set(q, came_from[f], json_object_get(changes, came_from[f]));
        /* The record as stored must be a valid one. */
        struct record r;
        record_clear(&r);
        r.kind = kind;
        if (set_fields(&r, q, j->a) < 0 || check_kind_fields(&r, path, err) < 0) {
            json_decref(q);
            return -1;
        }
        json_array_append_new(out, q);
        j->atena[i] = arena_strndup(j->a, atena, strlen(atena));

        struct store_stmt *st = store_prepare(
            j->town, "INSERT INTO addressees (atena, kind, created_at) VALUES (?, 'resident', ?)",
            err);
        if (!st)
            return -1;
        char now[CLOCK_ISO_LEN];
        clock_format_iso(j->who->now_ms, now);
        store_bind_str(st, 1, atena);
        store_bind_str(st, 2, now);
        enum store_step rc = store_step(st, err);
        store_reset(st);
        if (rc != STORE_DONE)
            return -1;
    }
    if (j->kind->flags & IDOU_HOUSEHOLD && j->v[T_SETAI].present)
        json_object_set_new(j->stored, "setai", json_string(j->v[T_SETAI].s));
    return 0;
}

/* The subjects of a 消除 or 修正, each checked against the register on the
 * 異動日; kind-specific household rules. */
static int prepare_subjects(struct job *j, struct kd_err *err)
{
    json_t *subjects = j->v[T_SUBJECTS].json;
    j->count = (int)json_array_size(subjects);
    if ((j->kind->flags & IDOU_ONE_SUBJECT) && j->count != 1)
        return kd_fail(err, KD_INVALID_VALUE, "subjects", "a %s has exactly one subject",
                       j->kind->label);
    j->atena = arena_alloc(j->a, (size_t)j->count * sizeof *j->atena);
    struct record *recs = arena_alloc(j->a, (size_t)j->count * sizeof *recs);
    if (!j->atena || !recs)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    json_t *out = json_array();
    json_object_set_new(j->stored, "subjects", out);
    int heads = 0;
    size_t i;
    json_t *s;
    json_array_foreach(subjects, i, s) {
        char path[32], name[KD_FIELD_MAX];
        snprintf(path, sizeof path, "subjects[%zu]", i);
        if (!json_is_object(s))
            return kd_fail(err, KD_WRONG_TYPE, path, "%s must be an object", path);
        struct jvalue sv[2];
        if (jreq_fields(j->a, s, path, subject_spec, 2, sv, err) < 0)
            return -1;
        snprintf(name, sizeof name, "%s.atena", path);
        for (size_t k = 0; k < i; k++)
            if (strcmp(j->atena[k], sv[0].s) == 0)
                return kd_fail(err, KD_INVALID_VALUE, name, "%s names %s twice", name,
                               sv[0].s);
        int found = tl_as_of(j->town, sv[0].s, j->date, 0, &recs[i], j->a, err);
        if (found < 0)
            return -1;
        if (found == 0)
            return kd_fail(err, KD_NOT_FOUND, name, "%s has no resident record on %s", sv[0].s,
                           j->date);
        j->atena[i] = sv[0].s;
        /* A 除票 takes no further 異動 but the confirmation of its 転出 and
         * corrections (checked again, in order, when replayed). */
        bool on_removed = is(j->kind, "tenshutsu_kakutei") || is(j->kind, "goki_shusei");
        if (!on_removed && strcmp(recs[i].status, "resident") != 0)
            return kd_fail(err, KD_CONFLICT, name, "%s was removed (%s, %s): a %s cannot follow",
                           sv[0].s, recs[i].removal, recs[i].removal_date, j->kind->label);
        bool needs_zoku = is(j->kind, "setai_bunri") || is(j->kind, "setai_gappei") ||
                          is(j->kind, "setai_henko") || is(j->kind, "setainushi_henko");
        snprintf(name, sizeof name, "%s.zokugara", path);
        if (needs_zoku && !sv[1].present)
            return kd_fail(err, KD_MISSING_FIELD, name, "%s is required for a %s", name,
                           j->kind->label);
        if (!needs_zoku && sv[1].present)
            return kd_fail(err, KD_UNKNOWN_FIELD, name, "a %s does not change 続柄",
                           j->kind->label);
        if (sv[1].present) {
            if (zokugara_check(sv[1].s, sv[1].len, name, err) < 0)
                return -1;
            heads += zokugara_is_head(sv[1].s);
        }
        json_t *stored = json_object();
        json_object_set_new(stored, "atena", json_string(sv[0].s));
        if (sv[1].present)
            json_object_set_new(stored, "zokugara", json_string(sv[1].s));
        json_array_append_new(out, stored);
    }

    /* Household rules, on the 異動日. */
    const char *k = j->kind->code;
    bool whole = is(j->kind, "tenkyo") || is(j->kind, "setai_gappei") ||
                 is(j->kind, "setainushi_henko");
    bool one_household = whole || is(j->kind, "setai_bunri") || is(j->kind, "setai_henko");
    if (!one_household)
        return 0;
    const char *setai = recs[0].setai;
    for (int n = 1; n < j->count; n++)
        if (strcmp(recs[n].setai, setai) != 0)
            return kd_fail(err, KD_INVALID_VALUE, "subjects",
                           "the subjects of a %s belong to one household (%s and %s differ)",
                           j->kind->label, j->atena[0], j->atena[n]);
    struct members m;
    if (household(j->town, setai, j->date, &m, j->a, err) < 0)
        return -1;
    if (whole && m.count != j->count)
        return kd_fail(err, KD_INVALID_VALUE, "subjects",
                       "a %s involves every member of household %s (%d on %s, %d given)%s",
                       j->kind->label, setai, m.count, j->date, j->count,
                       strcmp(k, "tenkyo") == 0 ? "; to move some members, record a 世帯分離 first"
                                                 : "");
    if (is(j->kind, "setai_bunri")) {
        if (m.count == j->count)
            return kd_fail(err, KD_INVALID_VALUE, "subjects",
                           "a 世帯分離 leaves someone in household %s", setai);
        if (heads != 1)
            return kd_fail(err, KD_INVALID_VALUE, "subjects",
                           "the new household has exactly one 世帯主 (%d given)", heads);
        char number[16];
        if (numbers_next(j->town, "setai", number, j->a, err) < 0)
            return -1;
        json_object_set_new(j->stored, "new_setai", json_string(number));
    }
    if (is(j->kind, "setainushi_henko") && heads != 1)
        return kd_fail(err, KD_INVALID_VALUE, "subjects",
                       "a household has exactly one 世帯主 after a 世帯主変更 (%d given)", heads);
    if (is(j->kind, "setai_bunri") == false && (is(j->kind, "setai_gappei") ||
                                                is(j->kind, "setai_henko"))) {
        if (!j->v[T_SETAI].present)
            return kd_fail(err, KD_MISSING_FIELD, "setai", "setai (the household joined) is "
                                                            "required for a %s",
                           j->kind->label);
        const char *target = j->v[T_SETAI].s;
        if (strcmp(target, setai) == 0)
            return kd_fail(err, KD_INVALID_VALUE, "setai",
                           "the subjects are already in household %s", target);
        struct members t;
        if (household(j->town, target, j->date, &t, j->a, err) < 0)
            return -1;
        if (t.count == 0)
            return kd_fail(err, KD_NOT_FOUND, "setai", "household %s has no residents on %s",
                           target, j->date);
        if (heads + t.heads > 1)
            return kd_fail(err, KD_INVALID_VALUE, "subjects",
                           "household %s already has a 世帯主", target);
        json_object_set_new(j->stored, "setai", json_string(target));
        /* Joining a household is living at its address. */
        json_t *addr = json_object();
        json_object_set_new(addr, "postcode", json_string(t.r[0].postcode));
        json_object_set_new(addr, "address", json_string(t.r[0].address));
        json_object_set_new(addr, "katagaki", json_string(t.r[0].katagaki));
        json_object_set_new(j->stored, "changes", addr);
    }
    return 0;
}

/* The event a 誤記修正 or 取消し is about. */
struct target {
    int64_t id;
    const char *date;
    const struct idou_kind *kind;
    int count;
    const char **atena;
};

static int load_target(struct job *j, struct target *t, struct kd_err *err)
{
    t->id = j->v[T_TARGET].i;
    struct store_stmt *st = store_prepare(
        j->town,
        "SELECT kind, idou_date, (SELECT count(*) FROM idou c WHERE c.target = i.id AND"
        " c.kind = 'torikeshi') FROM idou i WHERE id = ?",
        err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, t->id);
    enum store_step rc = store_step(st, err);
    bool cancelled = false;
    if (rc == STORE_ROW) {
        t->kind = idou_kind_find(store_col_text(st, 0, NULL));
        size_t n;
        const char *d = store_col_text(st, 1, &n);
        t->date = arena_strndup(j->a, d, n);
        cancelled = store_col_i64(st, 2) > 0;
    }
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;
    if (rc == STORE_DONE || !t->kind)
        return kd_fail(err, KD_NOT_FOUND, "target", "there is no 異動 %lld", (long long)t->id);
    if (is(t->kind, "goki_shusei") || is(t->kind, "torikeshi"))
        return kd_fail(err, KD_INVALID_VALUE, "target",
                       "a %s cannot itself be corrected or cancelled; record the event again",
                       t->kind->label);
    if (cancelled)
        return kd_fail(err, KD_CONFLICT, "target", "異動 %lld is already cancelled",
                       (long long)t->id);
    /* Its subjects. */
    st = store_prepare(j->town, "SELECT atena FROM idou_subjects WHERE idou_id = ? ORDER BY atena",
                       err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, t->id);
    t->atena = arena_alloc(j->a, MAX_MEMBERS * sizeof *t->atena);
    t->count = 0;
    while ((rc = store_step(st, err)) == STORE_ROW && t->count < MAX_MEMBERS) {
        size_t n;
        const char *s = store_col_text(st, 0, &n);
        t->atena[t->count++] = arena_strndup(j->a, s, n);
    }
    store_reset(st);
    return rc == STORE_ERROR ? -1 : 0;
}

static int insert_event(struct job *j, struct kd_err *err)
{
    char *body = json_dumps(j->stored, JSON_COMPACT);
    if (!body)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    char now[CLOCK_ISO_LEN];
    clock_format_iso(j->who->now_ms, now);
    struct store_stmt *st = store_prepare(
        j->town,
        "INSERT INTO idou (kind, idou_date, idou_date_text, todoke_date, recorded_at, user_login,"
        " request_id, target, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st) {
        free(body);
        return -1;
    }
    store_bind_str(st, 1, j->kind->code);
    store_bind_str(st, 2, j->date);
    store_bind_str(st, 3, j->v[T_DATE_TEXT].present ? j->v[T_DATE_TEXT].s : "");
    store_bind_str(st, 4, j->v[T_TODOKE].present ? j->v[T_TODOKE].s : "");
    store_bind_str(st, 5, now);
    store_bind_str(st, 6, j->who->user_login);
    store_bind_str(st, 7, j->who->request_id);
    if (j->v[T_TARGET].present)
        store_bind_i64(st, 8, j->v[T_TARGET].i);
    else
        store_bind_null(st, 8);
    store_bind_str(st, 9, body);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    free(body);
    if (rc != STORE_DONE)
        return -1;
    j->id = store_last_id(j->town);
    /* The event in the register's published sequence (the feed). */
    st = store_prepare(j->town,
                       "INSERT INTO register_events (source, idou_id, on_date, recorded_at)"
                       " VALUES ('idou', ?, ?, ?)",
                       err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, j->id);
    store_bind_str(st, 2, j->date);
    store_bind_str(st, 3, now);
    rc = store_step(st, err);
    store_reset(st);
    if (rc != STORE_DONE)
        return -1;
    st = store_prepare(j->town, "INSERT INTO idou_subjects (idou_id, atena) VALUES (?, ?)", err);
    if (!st)
        return -1;
    for (int i = 0; i < j->count; i++) {
        store_bind_i64(st, 1, j->id);
        store_bind_str(st, 2, j->atena[i]);
        rc = store_step(st, err);
        store_reset(st);
        if (rc != STORE_DONE)
            return -1;
    }
    return 0;
}

static int check_dates(struct job *j, struct kd_err *err)
{
    j->date = j->v[T_DATE].s;
    if (!iso_date(j->date))
        return kd_fail(err, KD_INVALID_VALUE, "idou_date",
                       "idou_date must be a date YYYY-MM-DD that exists in the calendar");
    if (!(j->kind->flags & IDOU_FUTURE_OK) && strcmp(j->date, j->who->today) > 0)
        return kd_fail(err, KD_INVALID_VALUE, "idou_date",
                       "idou_date %s is after today (%s); only a 転出 may be dated ahead",
                       j->date, j->who->today);
    if (j->v[T_DATE_TEXT].present && !(j->kind->flags & IDOU_UNKNOWN_DATE))
        return kd_fail(err, KD_INVALID_VALUE, "idou_date_text",
                       "a %s has an exact 異動日 (不詳 is for 出生 and 死亡)", j->kind->label);
    if (j->v[T_TODOKE].present) {
        if (!iso_date(j->v[T_TODOKE].s))
            return kd_fail(err, KD_INVALID_VALUE, "todoke_date",
                           "todoke_date must be a date YYYY-MM-DD that exists in the calendar");
        if (strcmp(j->v[T_TODOKE].s, j->who->today) > 0)
            return kd_fail(err, KD_INVALID_VALUE, "todoke_date",
                           "todoke_date %s is after today (%s)", j->v[T_TODOKE].s,
                           j->who->today);
    }
    return 0;
}

static int check_shape(struct job *j, struct kd_err *err)
{
    unsigned f = j->kind->flags;
    const struct {
        int field;
        bool wanted;
    } rules[] = {
        {T_PERSONS, (f & IDOU_NEW_PERSONS) != 0},
        {T_SUBJECTS, (f & IDOU_SUBJECTS) != 0},
        {T_TARGET, (f & IDOU_TARGET) != 0},
    };
    for (size_t r = 0; r < 3; r++) {
        const char *name = top_spec[rules[r].field].name;
        bool present = j->v[rules[r].field].present;
        if (rules[r].wanted && (!present || (rules[r].field != T_TARGET &&
                                             json_array_size(j->v[rules[r].field].json) == 0)))
            return kd_fail(err, KD_MISSING_FIELD, name, "%s is required for a %s (and not empty)",
                           name, j->kind->label);
        if (!rules[r].wanted && present)
            return kd_fail(err, KD_UNKNOWN_FIELD, name, "a %s takes no %s", j->kind->label,
                           name);
    }
    if (j->v[T_SETAI].present && !(f & IDOU_HOUSEHOLD))
        return kd_fail(err, KD_UNKNOWN_FIELD, "setai", "a %s takes no setai", j->kind->label);
    if (j->v[T_CHANGES].present) {
        if (!j->kind->changes[0])
            return kd_fail(err, KD_UNKNOWN_FIELD, "changes", "a %s takes no changes",
                           j->kind->label);
        if (check_changes(j, j->v[T_CHANGES].json, err) < 0)
            return -1;
    } else if ((f & IDOU_SUBJECTS) && j->kind->cls == IDOU_SHUSEI && j->kind->changes[0] &&
               !is(j->kind, "tenshutsu_kakutei")) {
        return kd_fail(err, KD_MISSING_FIELD, "changes", "changes is required for a %s",
                       j->kind->label);
    }
    if (is(j->kind, "tenkyo")) {
        json_t *c = j->v[T_CHANGES].json;
        if (!json_object_get(c, "address") || !json_object_get(c, "postcode"))
            return kd_fail(err, KD_MISSING_FIELD, "changes.address",
                           "a 転居 needs changes.postcode and changes.address");
    }
    return 0;
}

int residents_record_idou(struct store *town, json_t *body, const struct idou_actor *who,
                          struct idou_result *out, struct arena *a, struct kd_err *err)
{
    struct job j = {.town = town, .who = who, .a = a};
    memset(out, 0, sizeof *out);
    if (jreq_fields(a, body, "", top_spec, T_COUNT, j.v, err) < 0)
        return -1;
    j.kind = idou_kind_find(j.v[T_KIND].s);
    if (!j.kind || (j.kind->flags & IDOU_MIGRATED))
        return kd_fail(err, KD_INVALID_VALUE, "kind",
                       "kind must be one of the 異動 kinds (see GET /api/v1/residents/idou-kinds)");
    if (check_dates(&j, err) < 0 || check_shape(&j, err) < 0)
        return -1;

    bool own_tx = !store_in_transaction(town);
    if (own_tx && store_begin_write(town, err) < 0)
        return -1;
    j.stored = json_object();
    if (j.v[T_CHANGES].present && !(j.kind->flags & IDOU_NEW_PERSONS))
        json_object_set(j.stored, "changes", j.v[T_CHANGES].json);
    if (j.v[T_NOTE].present)
        json_object_set_new(j.stored, "note", json_string(j.v[T_NOTE].s));

    struct target t = {0};
    const char *pos_date = j.date;
    int rc = 0;
    if (j.kind->flags & IDOU_TARGET) {
        rc = load_target(&j, &t, err);
        if (rc == 0 && is(j.kind, "goki_shusei")) {
            rc = prepare_subjects(&j, err);
            bool subject_of_target = false;
            for (int i = 0; rc == 0 && i < t.count; i++)
                subject_of_target |= strcmp(t.atena[i], j.atena[0]) == 0;
            if (rc == 0 && !subject_of_target)
                rc = kd_fail(err, KD_INVALID_VALUE, "subjects[0].atena",
                             "%s is not a subject of 異動 %lld", j.atena[0], (long long)t.id);
        } else if (rc == 0) {
            j.count = t.count;
            j.atena = t.atena;
        }
        pos_date = t.date;
    } else if (j.kind->flags & IDOU_NEW_PERSONS) {
        rc = prepare_persons(&j, err);
    } else {
        rc = prepare_subjects(&j, err);
    }
    if (rc == 0)
        rc = insert_event(&j, err);

    /* Replay each person from the event's place in their timeline. */
    char now[CLOCK_ISO_LEN];
    clock_format_iso(who->now_ms, now);
    int64_t pos_id = (j.kind->flags & IDOU_TARGET) ? t.id : j.id;
    for (int i = 0; rc == 0 && i < j.count; i++) {
        struct replay_out ro;
        rc = tl_replay(town, j.atena[i], pos_date, pos_id, j.id, now, &ro, a, err);
        if (rc == 0) {
            struct idou_notice n = {j.id, j.kind, j.date, ro.had_before ? &ro.before : NULL,
                                    ro.has_after ? &ro.after : NULL};
            rc = idou_notify(town, &n, err);
        }
    }
    const char *new_setai = json_string_value(json_object_get(j.stored, "new_setai"));
    if (new_setai)
        out->new_setai = arena_strndup(a, new_setai, strlen(new_setai));
    json_decref(j.stored);
    if (rc < 0) {
        if (own_tx)
            store_rollback(town);
        return -1;
    }
    if (own_tx && store_commit(town, err) < 0)
        return -1;
    out->idou_id = j.id;
    out->count = j.count;
    out->atena = j.atena;
    return 0;
}
