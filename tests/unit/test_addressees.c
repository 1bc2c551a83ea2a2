/*
 * test_addressees.c — src/residents/addressee*.c: the check of a record's
 * fields (kinds, readings, 不詳 birth dates, 個人番号 and 法人番号 check
 * digits), creation and change with replay in valid and recorded time, one
 * number space with the register, merges (what may and may not be merged,
 * chains, reads as known before, undo) and the search across kinds.
 */
#include "testutil.h"

#include "app.h"
#include "engine/ident.h"
#include "residents/addressee.h"
#include "residents/internal.h"

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v)
        fail_msg("bad test JSON: %s: %s", s, e.text);
    return v;
}

/* ---- the fields (no database) -------------------------------------------------- */

struct checked {
    int rc;
    struct kd_err err;
    struct addressee r;
    json_t *stored;
};

static struct checked check(struct arena *a, const char *kind, const char *json)
{
    struct checked c;
    json_t *body = parse(json);
    addressee_clear(&c.r);
    c.stored = json_object();
    c.rc = addressee_check_fields(body, kind, "", "2026-11-27", &c.r, c.stored, a, &c.err);
    json_decref(body);
    return c;
}

static void expect_error(struct arena *a, const char *kind, const char *json, enum kd_code code,
                         const char *field)
{
    struct checked c = check(a, kind, json);
    if (c.rc == 0)
        fail_msg("accepted: %s %s", kind, json);
    assert_int_equal(c.err.code, code);
    assert_string_equal(c.err.field, field);
    json_decref(c.stored);
}

static void fields_checked(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 20);
    struct checked c = check(&a, "nonresident",
                             "{\"name\":\"渡邊󠄃 太郎\",\"name_kana\":\"ﾜﾀﾅﾍﾞ ﾀﾛｳ\","
                             "\"birth\":\"昭和30年4月1日\",\"sex\":1,\"postcode\":\"1000001\","
                             "\"address\":\"東京都\",\"kojin_bango\":\"123456789018\"}");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.r.name, "渡邊󠄃 太郎"); /* the name as given, IVS kept */
    assert_string_equal(c.r.name_kana, "ワタナベ　タロウ");
    assert_string_equal(c.r.birth, "1955-04-01");
    assert_string_equal(c.r.birth_text, "");
    assert_int_equal(c.r.birth_unknown, 0);
    assert_int_equal(c.r.sex, 1);
    /* What is stored: normalised, birth as its three items. */
    assert_string_equal(json_string_value(json_object_get(c.stored, "name_kana")),
                        "ワタナベ　タロウ");
    assert_string_equal(json_string_value(json_object_get(c.stored, "birth")), "1955-04-01");
    assert_int_equal(json_integer_value(json_object_get(c.stored, "birth_unknown")), 0);
    json_decref(c.stored);

    /* 不詳 and non-calendar dates (住民記録システム標準仕様書 1.1.8). */
    const struct {
        const char *in, *birth, *text;
        int unknown;
    } dates[] = {
        {"昭和30年頃", "1955-01-01", "昭和30年頃", 1},
        {"昭和30年3月下旬", "1955-03-21", "昭和30年3月下旬", 1},
        {"年月日不詳", "", "年月日不詳", 1},
        {"平成3年2月29日", "1991-02-28", "平成3年2月29日", 0},
        {"明治45年7月30日", "1912-07-30", "明治45年7月30日", 0},
        {"", "", "", 0},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        char json[160];
        snprintf(json, sizeof json, "{\"birth\":\"%s\"}", dates[i].in);
        c = check(&a, "nonresident", json);
        assert_int_equal(c.rc, 0);
        assert_string_equal(c.r.birth, dates[i].birth);
        assert_string_equal(c.r.birth_text, dates[i].text);
        assert_int_equal(c.r.birth_unknown, dates[i].unknown);
        json_decref(c.stored);
    }

    /* A corporation: 法人番号 (財務省令第70号 第2条; identifiers-and-dates.md §1.3). */
    c = check(&a, "corporation",
              "{\"name\":\"株式会社FoundingBase\",\"corp_number\":\"4011001098993\","
              "\"representative\":\"代表 太郎\"}");
    assert_int_equal(c.rc, 0);
    assert_string_equal(c.r.corp_number, "4011001098993");
    json_decref(c.stored);

    expect_error(&a, "corporation", "{\"corp_number\":\"5000012010001\"}", KD_INVALID_VALUE,
                 "corp_number");
    expect_error(&a, "corporation", "{\"corp_number\":\"712345678901\"}", KD_INVALID_VALUE,
                 "corp_number");
    expect_error(&a, "nonresident", "{\"kojin_bango\":\"123456789012\"}", KD_INVALID_VALUE,
                 "kojin_bango");
    expect_error(&a, "nonresident", "{\"kojin_bango\":\"983205673210\"}", KD_INVALID_VALUE,
                 "kojin_bango");
    expect_error(&a, "corporation", "{\"birth\":\"2000-01-01\"}", KD_INVALID_VALUE, "birth");
    expect_error(&a, "corporation", "{\"sex\":1}", KD_INVALID_VALUE, "sex");
    expect_error(&a, "nonresident", "{\"corp_number\":\"4011001098993\"}", KD_INVALID_VALUE,
                 "corp_number");
    expect_error(&a, "nonresident", "{\"representative\":\"x\"}", KD_INVALID_VALUE,
                 "representative");
    expect_error(&a, "nonresident", "{\"birth_unknown\":1}", KD_UNKNOWN_FIELD, "birth_unknown");
    expect_error(&a, "nonresident", "{\"shimei\":\"x\"}", KD_UNKNOWN_FIELD, "shimei");
    expect_error(&a, "nonresident", "{\"sex\":5}", KD_INVALID_VALUE, "sex");
    expect_error(&a, "nonresident", "{\"sex\":\"1\"}", KD_WRONG_TYPE, "sex");
    expect_error(&a, "nonresident", "{\"name\":1}", KD_WRONG_TYPE, "name");
    expect_error(&a, "nonresident", "{\"postcode\":\"12345a7\"}", KD_INVALID_VALUE, "postcode");
    expect_error(&a, "nonresident", "{\"name_kana\":\"ABC\"}", KD_INVALID_VALUE, "name_kana");
    expect_error(&a, "nonresident", "{\"birth\":\"2026-11-28\"}", KD_INVALID_VALUE, "birth");
    expect_error(&a, "nonresident", "{\"birth\":\"平成31年5月1日\"}", KD_INVALID_VALUE, "birth");
    expect_error(&a, "nonresident", "{\"birth\":\"いつか\"}", KD_INVALID_VALUE, "birth");

    /* Field names carry the prefix of where they are. */
    json_t *body = parse("{\"birth\":\"x\"}");
    struct addressee r;
    addressee_clear(&r);
    struct kd_err err;
    assert_int_equal(addressee_check_fields(body, "nonresident", "changes", "2026-11-27", &r,
                                            NULL, &a, &err),
                     -1);
    assert_string_equal(err.field, "changes.birth");
    json_decref(body);
    arena_release(&a);
}

static void field_table(void **state)
{
    (void)state;
    assert_int_equal(addressee_field_index("nosuch"), -1);
    assert_int_equal(addressee_fields[addressee_field_index("corp_number")].who, 'c');
    assert_int_equal(addressee_fields[addressee_field_index("kojin_bango")].who, 'p');
    assert_int_equal(addressee_fields[addressee_field_index("address")].who, 'a');
    assert_int_equal(addressee_fields[addressee_field_index("birth_text")].who, 'r');
    struct addressee r;
    addressee_clear(&r);
    for (int i = 0; i < addressee_field_count; i++) {
        if (addressee_fields[i].kind == 'I')
            assert_null(addressee_text(&r, i));
        else
            assert_string_equal(addressee_text(&r, i), "");
    }
    assert_string_equal(addressee_kind_label("nonresident"), "住登外者");
    assert_string_equal(addressee_kind_label("corporation"), "法人");
    assert_string_equal(addressee_kind_label("resident"), "住登者");
}

/* ---- on a town database ------------------------------------------------------------- */

struct fixture {
    char *dir;
    struct catalog *cat;
    struct store *town;
    struct arena a;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = make_temp_dir();
    struct kd_err err;
    f->cat = catalog_open(f->dir, &app_schemas, &err);
    assert_non_null(f->cat);
    assert_int_equal(catalog_town_create(f->cat, "104213", &err), 0);
    f->town = catalog_town(f->cat, "104213", &err);
    assert_non_null(f->town);
    /* The scope is part of the town schemas (app.c); applying it again is a no-op. */
    assert_int_equal(store_migrate(f->town, &addressees_schema, &err), 0);
    arena_init(&f->a, NULL, 0, 64 << 20);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_release(&f->a);
    catalog_close(f->cat);
    rm_tree(f->dir);
    free(f);
    return 0;
}

static const int64_t T0 = 1780000000000; /* recorded times: T0 + n days */
#define DAY 86400000

static struct addressee_actor actor_at(int64_t ms)
{
    return (struct addressee_actor){"unit", "unit-test", ms, "2026-11-27"};
}

static const char *create(struct fixture *f, const char *json, int64_t ms)
{
    json_t *body = parse(json);
    struct addressee_actor who = actor_at(ms);
    struct addressee r;
    struct kd_err err;
    int rc = addressee_create(f->town, body, &who, &r, &f->a, &err);
    json_decref(body);
    if (rc < 0)
        fail_msg("create failed: %s %s: %s", json, err.field, err.message);
    return r.atena;
}

static int change(struct fixture *f, const char *atena, const char *json, int64_t ms,
                  struct kd_err *err)
{
    json_t *body = parse(json);
    struct addressee_actor who = actor_at(ms);
    struct addressee r;
    int rc = addressee_change(f->town, atena, body, &who, &r, &f->a, err);
    json_decref(body);
    return rc;
}

static const char *resident(struct fixture *f, const char *kojin_bango)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"2020-01-01\","
             "\"changes\":{\"postcode\":\"3770424\",\"address\":\"中之条町1番地\"},"
             "\"persons\":[{\"kind\":\"japanese\",\"shimei\":\"佐藤 一郎\","
             "\"shimei_kana\":\"サトウ イチロウ\",\"birth\":\"1955-04-01\",\"sex\":1,"
             "\"zokugara\":\"世帯主\",\"kojin_bango\":\"%s\"}]}",
             kojin_bango);
    json_t *body = parse(json);
    struct idou_actor who = {"unit", "unit-test", T0, "2026-11-27"};
    struct idou_result res;
    struct kd_err err;
    if (residents_record_idou(f->town, body, &who, &res, &f->a, &err) < 0)
        fail_msg("idou failed: %s", err.message);
    json_decref(body);
    return res.atena[0];
}

static const char *name_on(struct fixture *f, const char *atena, const char *date, int64_t known)
{
    struct addressee r;
    struct kd_err err;
    int found = addressee_as_of(f->town, atena, date, known, &r, &f->a, &err);
    assert_true(found >= 0);
    return found ? r.name : NULL;
}

static const char *address_on(struct fixture *f, const char *atena, const char *date)
{
    struct addressee r;
    struct kd_err err;
    int found = addressee_as_of(f->town, atena, date, 0, &r, &f->a, &err);
    assert_true(found >= 0);
    return found ? r.address : NULL;
}

static int count_versions(void *ctx, const struct addressee_version *v)
{
    int *n = ctx;
    (*n)++;
    (void)v;
    return 0;
}

static void create_change_replay(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    const char *r1 = resident(f, "123456789018");
    const char *p = create(f,
                           "{\"kind\":\"nonresident\",\"name\":\"一\",\"address\":\"A\","
                           "\"valid_from\":\"2020-01-01\"}",
                           T0);
    /* One number space: the register's series, check digit and all. */
    assert_int_equal(strlen(p), 10);
    assert_true(strcmp(p, r1) > 0);
    assert_int_equal(ident_m11_check_digit(p, 9, IDENT_M11_R1_SKIP), p[9] - '0');
    const char *kind;
    assert_int_equal(addressee_kind_of(f->town, p, &kind, &f->a, &err), 0);
    assert_string_equal(kind, "nonresident");
    assert_int_equal(addressee_kind_of(f->town, r1, &kind, &f->a, &err), 0);
    assert_string_equal(kind, "resident");
    assert_int_equal(addressee_kind_of(f->town, "9999999999", &kind, &f->a, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);

    assert_int_equal(change(f, p, "{\"valid_from\":\"2022-01-01\",\"changes\":{\"address\":\"B\"}}",
                            T0 + DAY, &err),
                     0);
    /* Recorded later, true earlier: a name change of 2021 slots in and the
     * 2022 snapshot is recomputed with it. */
    assert_int_equal(change(f, p, "{\"valid_from\":\"2021-01-01\",\"changes\":{\"name\":\"二\"}}",
                            T0 + 2 * DAY, &err),
                     0);
    assert_string_equal(name_on(f, p, "2020-06-01", 0), "一");
    assert_string_equal(name_on(f, p, "2021-06-01", 0), "二");
    assert_string_equal(name_on(f, p, "2022-06-01", 0), "二");
    assert_string_equal(address_on(f, p, "2022-06-01"), "B");
    assert_string_equal(address_on(f, p, "2021-06-01"), "A");
    assert_null(name_on(f, p, "2019-12-31", 0));
    /* As known before the backdated change. */
    assert_string_equal(name_on(f, p, "2022-06-01", T0 + DAY + 1), "一");
    assert_null(name_on(f, p, "2022-06-01", T0 - 1));
    int n = 0;
    assert_int_equal(addressee_history(f->town, p, count_versions, &n, &f->a, &err), 4);

    /* What a change may not do. */
    assert_int_equal(change(f, p, "{\"valid_from\":\"2019-12-31\",\"changes\":{\"name\":\"x\"}}",
                            T0 + 3 * DAY, &err),
                     -1);
    assert_string_equal(err.field, "valid_from");
    assert_int_equal(change(f, p, "{\"changes\":{\"address\":\"\"}}", T0 + 3 * DAY, &err), -1);
    assert_string_equal(err.field, "changes.address");
    assert_int_equal(change(f, r1, "{\"changes\":{\"address\":\"x\"}}", T0 + 3 * DAY, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_int_equal(change(f, "9999999999", "{\"changes\":{\"address\":\"x\"}}", T0, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    n = 0;
    assert_int_equal(addressee_history(f->town, p, count_versions, &n, &f->a, &err), 4);

    /* One 法人番号 per corporation not merged away. */
    const char *c = create(f,
                           "{\"kind\":\"corporation\",\"name\":\"株式会社山田商店\","
                           "\"address\":\"前橋市\",\"corp_number\":\"7123456789012\"}",
                           T0);
    json_t *dup = parse("{\"kind\":\"corporation\",\"name\":\"山田商店\",\"address\":\"前橋市\","
                        "\"corp_number\":\"7123456789012\"}");
    struct addressee_actor who = actor_at(T0);
    struct addressee r;
    assert_int_equal(addressee_create(f->town, dup, &who, &r, &f->a, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_non_null(strstr(err.message, c));
    json_decref(dup);
    dup = parse("{\"kind\":\"resident\",\"name\":\"x\",\"address\":\"y\"}");
    assert_int_equal(addressee_create(f->town, dup, &who, &r, &f->a, &err), -1);
    assert_string_equal(err.field, "kind");
    json_decref(dup);
}

static int count_merges(void *ctx, const struct addressee_merge *m)
{
    (*(int *)ctx)++;
    (void)m;
    return 0;
}

static void merges(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct addressee_merge m, m2;
    struct addressee_actor who = actor_at(T0 + 10 * DAY);
    const char *r1 = resident(f, "123456789018");
    const char *r2 = resident(f, "983205673214");
    const char *x = create(f, "{\"kind\":\"nonresident\",\"name\":\"x\",\"address\":\"A\"}", T0);
    const char *y = create(f, "{\"kind\":\"nonresident\",\"name\":\"y\",\"address\":\"A\"}", T0);
    const char *z = create(f,
                           "{\"kind\":\"nonresident\",\"name\":\"z\",\"address\":\"A\","
                           "\"kojin_bango\":\"379474484458\"}",
                           T0);
    const char *c = create(f, "{\"kind\":\"corporation\",\"name\":\"c\",\"address\":\"A\"}", T0);

    /* What cannot be merged. */
    const struct {
        const char *absorbed, *survivor;
        enum kd_code code;
        const char *field;
    } refused[] = {
        {r1, r2, KD_CONFLICT, "absorbed"},   /* two residents: the register's business */
        {r1, x, KD_CONFLICT, "absorbed"},    /* the register's number survives */
        {x, c, KD_CONFLICT, "survivor"},     /* a person and a corporation */
        {c, r1, KD_CONFLICT, "survivor"},
        {z, r1, KD_CONFLICT, "survivor"},    /* different 個人番号 */
        {x, x, KD_INVALID_VALUE, "survivor"},
        {"9999999999", x, KD_NOT_FOUND, "absorbed"},
        {x, "9999999999", KD_NOT_FOUND, "survivor"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(
            addressee_merge(f->town, refused[i].absorbed, refused[i].survivor, "r", &who, &m,
                            &f->a, &err),
            -1);
        assert_int_equal(err.code, refused[i].code);
        assert_string_equal(err.field, refused[i].field);
    }
    assert_int_equal(addressee_merge(f->town, x, y, "", &who, &m, &f->a, &err), -1);
    assert_string_equal(err.field, "reason");

    /* x → y, then y → the resident: x leads to the resident in two hops. */
    assert_int_equal(addressee_merge(f->town, x, y, "二重登録", &who, &m, &f->a, &err), 0);
    struct addressee_actor later = actor_at(T0 + 11 * DAY);
    assert_int_equal(addressee_merge(f->town, y, r1, "転入", &later, &m2, &f->a, &err), 0);
    struct addressee_route route;
    assert_int_equal(addressee_resolve(f->town, x, 0, &route, &f->a, &err), 0);
    assert_string_equal(route.atena, r1);
    assert_int_equal(route.hops, 2);
    assert_int_equal(route.hop[0].id, m.id);
    assert_int_equal(route.hop[1].id, m2.id);
    /* As known between the two merges, and before both. */
    assert_int_equal(addressee_resolve(f->town, x, T0 + 10 * DAY + 1, &route, &f->a, &err), 0);
    assert_string_equal(route.atena, y);
    assert_int_equal(addressee_resolve(f->town, x, T0 + 10 * DAY - 1, &route, &f->a, &err), 0);
    assert_string_equal(route.atena, x);
    assert_int_equal(route.hops, 0);
    /* A merged number is neither absorbed again nor a survivor; it takes no change. */
    assert_int_equal(addressee_merge(f->town, x, r1, "r", &later, &m, &f->a, &err), -1);
    assert_string_equal(err.field, "absorbed");
    assert_int_equal(addressee_merge(f->town, z, y, "r", &later, &m, &f->a, &err), -1);
    assert_string_equal(err.field, "survivor");
    assert_int_equal(change(f, x, "{\"changes\":{\"name\":\"q\"}}", T0 + 12 * DAY, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);

    /* Undo the first: x stands alone, y still leads to the resident. */
    struct addressee_actor undo_at = actor_at(T0 + 12 * DAY);
    struct addressee_merge u;
    assert_int_equal(addressee_unmerge(f->town, m.id, "誤り", &undo_at, &u, &f->a, &err), 0);
    assert_string_equal(u.undo_reason, "誤り");
    assert_false(addressee_merge_holds(&u, 0));
    assert_true(addressee_merge_holds(&u, T0 + 11 * DAY));
    assert_int_equal(addressee_unmerge(f->town, m.id, "again", &undo_at, &u, &f->a, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_int_equal(addressee_unmerge(f->town, 999, "r", &undo_at, &u, &f->a, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_int_equal(addressee_resolve(f->town, x, 0, &route, &f->a, &err), 0);
    assert_string_equal(route.atena, x);
    assert_int_equal(addressee_resolve(f->town, y, 0, &route, &f->a, &err), 0);
    assert_string_equal(route.atena, r1);
    /* ...and as known before the undo, x still led to the resident. */
    assert_int_equal(addressee_resolve(f->town, x, T0 + 12 * DAY - 1, &route, &f->a, &err), 0);
    assert_string_equal(route.atena, r1);
    assert_int_equal(change(f, x, "{\"changes\":{\"name\":\"q\"}}", T0 + 13 * DAY, &err), 0);
    /* Merges of a number: both, oldest first. */
    assert_int_equal(addressee_merges_of(f->town, y, count_merges, &(int){0}, &f->a, &err), 2);
    /* y now leads elsewhere, so x goes straight to where it leads: a new merge. */
    assert_int_equal(addressee_merge(f->town, x, y, "again", &undo_at, &m, &f->a, &err), -1);
    assert_string_equal(err.field, "survivor");
    assert_non_null(strstr(err.message, r1));
    assert_int_equal(addressee_merge(f->town, x, r1, "again", &undo_at, &m, &f->a, &err), 0);
    assert_true(m.id > m2.id);
    assert_int_equal(addressee_resolve(f->town, x, 0, &route, &f->a, &err), 0);
    assert_string_equal(route.atena, r1);
    assert_int_equal(route.hops, 1);
}

struct hits {
    int n;
    char atena[16][16];
    char kind[16][16];
    char key[16][64];
};

static int collect(void *ctx, const struct addressee_hit *h)
{
    struct hits *l = ctx;
    snprintf(l->atena[l->n], sizeof l->atena[0], "%s", h->atena);
    snprintf(l->kind[l->n], sizeof l->kind[0], "%s", h->kind);
    snprintf(l->key[l->n], sizeof l->key[0], "%s", h->key);
    l->n++;
    return 0;
}

static void search(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    const char *r1 = resident(f, "123456789018");
    const char *p1 = create(f,
                            "{\"kind\":\"nonresident\",\"name\":\"佐藤 二郎\",\"name_kana\":"
                            "\"サトウ ジロウ\",\"address\":\"A\"}",
                            T0);
    const char *p2 = create(f,
                            "{\"kind\":\"nonresident\",\"name\":\"佐藤 一子\",\"name_kana\":"
                            "\"サトウ イチコ\",\"address\":\"A\"}",
                            T0);
    const char *c = create(f,
                           "{\"kind\":\"corporation\",\"name\":\"株式会社サトウ\",\"name_kana\":"
                           "\"サトウ\",\"address\":\"A\",\"corp_number\":\"4011001098993\"}",
                           T0);
    /* All kinds by reading, in key order: サトウ (c), サトウイチコ (p2),
     * サトウイチロウ (resident), サトウシロウ (p1). */
    struct addressee_query q = {.kana = "さとう", .kind = "all", .today = "2026-11-27", .limit = 10};
    struct hits h = {0};
    assert_int_equal(addressee_search(f->town, &q, collect, &h, &f->a, &err), 4);
    assert_string_equal(h.atena[0], c);
    assert_string_equal(h.atena[1], p2);
    assert_string_equal(h.atena[2], r1);
    assert_string_equal(h.kind[2], "resident");
    assert_string_equal(h.atena[3], p1);
    /* Pages of one, across the two lists. */
    struct hits paged = {0};
    q.limit = 1;
    for (int i = 0; i < 4; i++) {
        struct hits one = {0};
        assert_int_equal(addressee_search(f->town, &q, collect, &one, &f->a, &err), 1);
        paged.n++;
        snprintf(paged.atena[i], 16, "%s", one.atena[0]);
        q.after_key = arena_strndup(&f->a, one.key[0], strlen(one.key[0]));
        q.after_atena = arena_strndup(&f->a, one.atena[0], strlen(one.atena[0]));
    }
    for (int i = 0; i < 4; i++)
        assert_string_equal(paged.atena[i], h.atena[i]);
    struct hits none = {0};
    assert_int_equal(addressee_search(f->town, &q, collect, &none, &f->a, &err), 0);

    /* Kinds. */
    q = (struct addressee_query){.kana = "さとう", .kind = "person", .today = "2026-11-27", .limit = 10};
    h = (struct hits){0};
    assert_int_equal(addressee_search(f->town, &q, collect, &h, &f->a, &err), 3);
    q.kind = "corporation";
    h = (struct hits){0};
    assert_int_equal(addressee_search(f->town, &q, collect, &h, &f->a, &err), 1);
    /* A corporation by its name without 株式会社, and by 法人番号. */
    q = (struct addressee_query){.name = "サトウ", .kind = "corporation", .today = "2026-11-27", .limit = 10};
    h = (struct hits){0};
    assert_int_equal(addressee_search(f->town, &q, collect, &h, &f->a, &err), 1);
    assert_string_equal(h.atena[0], c);
    q = (struct addressee_query){.corp_number = "4011001098993", .today = "2026-11-27", .limit = 10};
    h = (struct hits){0};
    assert_int_equal(addressee_search(f->town, &q, collect, &h, &f->a, &err), 1);
    /* A merged number is left out unless asked for. */
    struct addressee_merge m;
    struct addressee_actor who = actor_at(T0 + DAY);
    assert_int_equal(addressee_merge(f->town, p2, p1, "二重", &who, &m, &f->a, &err), 0);
    q = (struct addressee_query){.kana = "サトウ イ", .kind = "person", .today = "2026-11-27", .limit = 10};
    h = (struct hits){0};
    assert_int_equal(addressee_search(f->town, &q, collect, &h, &f->a, &err), 1);
    assert_string_equal(h.atena[0], r1);
    q.merged = true;
    h = (struct hits){0};
    assert_int_equal(addressee_search(f->town, &q, collect, &h, &f->a, &err), 2);
    /* Nothing to search for. */
    q = (struct addressee_query){.kana = "・", .today = "2026-11-27", .limit = 10};
    assert_int_equal(addressee_search(f->town, &q, collect, &h, &f->a, &err), -1);
    assert_string_equal(err.field, "kana");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_checked),
        cmocka_unit_test(field_table),
        cmocka_unit_test_setup_teardown(create_change_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(merges, setup, teardown),
        cmocka_unit_test_setup_teardown(search, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
