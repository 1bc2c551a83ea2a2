/*
 * test_senkyo.c — src/residents/senkyo*: the periods of 民法第140条・第143条,
 * who is on the 選挙人名簿 (age, three months, 転出表示, 失権, 外国人住民),
 * the 起算日 of the three months, 投票区 matching and checking, the order of
 * addresses, and the roll derived from a real town register: districts,
 * counts, a 転出 who came back, naturalisation, reproducing an earlier roll
 * (known_at), and the CSV in UTF-8 and CP932.
 */
#include "testutil.h"

#include "base/clock.h"
#include "engine/audit.h"
#include "engine/session.h"
#include "engine/settings.h"
#include "engine/tenant.h"
#include "engine/user.h"
#include "report/report.h"
#include "residents/residents.h"
#include "residents/senkyo.h"
#include "store/catalog.h"

#include <jansson.h>

static struct date D(int y, int m, int d)
{
    return (struct date){y, (uint8_t)m, (uint8_t)d};
}

static void assert_date(struct date got, int y, int m, int d)
{
    char a[DATE_ISO_LEN], b[DATE_ISO_LEN];
    date_format_iso(got, a);
    date_format_iso(D(y, m, d), b);
    assert_string_equal(a, b);
}

/* ---- periods ----------------------------------------------------------------------- */

static void periods(void **state)
{
    (void)state;
    struct kd_err err;
    struct date e;
    static const struct {
        int y, m, d, months, ey, em, ed;
    } v[] = {
        {2025, 6, 1, 3, 2025, 9, 1},    /* a 転入届 on 6/1 has its 3 months on 9/1 */
        {2025, 6, 2, 3, 2025, 9, 2},
        {2024, 11, 30, 3, 2025, 2, 28}, /* first day 12/1, 3/1 exists: the day before */
        {2024, 11, 29, 3, 2025, 2, 28}, /* first day 11/30, no 2/30: the month's last day */
        {2024, 11, 28, 3, 2025, 2, 28}, /* first day 11/29, no 2/29 in 2025 */
        {2023, 11, 28, 3, 2024, 2, 28}, /* first day 11/29, 2024-02-29 exists */
        {2023, 11, 30, 3, 2024, 2, 29},
        {2024, 12, 31, 3, 2025, 3, 31},
        {2025, 1, 31, 3, 2025, 4, 30},
        {2025, 3, 15, 4, 2025, 7, 15}, /* a 転出 on 3/15: four months end 7/15 */
        {2024, 10, 31, 4, 2025, 2, 28},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_int_equal(senkyo_period_end(D(v[i].y, v[i].m, v[i].d), v[i].months, &e, &err), 0);
        assert_date(e, v[i].ey, v[i].em, v[i].ed);
    }
    assert_int_equal(senkyo_period_end(D(9999, 12, 31), 3, &e, &err), -1);
}

/* ---- the judgement -------------------------------------------------------------------- */

static struct senkyo_person resident(struct date birth, struct date start)
{
    return (struct senkyo_person){.resident = true, .has_birth = true, .birth = birth,
                                  .start = start};
}

static void judgement(void **state)
{
    (void)state;
    struct senkyo_dates teiji = {D(2025, 9, 1), D(2025, 9, 1)};
    struct senkyo_dates senkyo = {D(2025, 9, 1), D(2025, 9, 21)}; /* 選挙期日 9/21 */
    struct date long_ago = D(2000, 1, 1);

    /* 18 is reached the day before the 18th birthday (年齢計算ニ関スル法律). */
    struct senkyo_person p = resident(D(2007, 9, 2), long_ago);
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_REGISTERED);
    p = resident(D(2007, 9, 3), long_ago);
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_UNDER_AGE);
    /* 選挙時登録: the age on the 選挙期日 (born 9/22 reaches 18 on 9/21). */
    p = resident(D(2007, 9, 22), long_ago);
    assert_int_equal(senkyo_judge(&p, &senkyo), SENKYO_REGISTERED);
    p = resident(D(2007, 9, 23), long_ago);
    assert_int_equal(senkyo_judge(&p, &senkyo), SENKYO_UNDER_AGE);
    /* Born 2.29: 18 on 2.28 of the year. */
    p = resident(D(2008, 2, 29), long_ago);
    struct senkyo_dates feb = {D(2026, 2, 28), D(2026, 2, 28)};
    assert_int_equal(senkyo_judge(&p, &feb), SENKYO_REGISTERED);
    feb.kijun = feb.age_date = D(2026, 2, 27);
    assert_int_equal(senkyo_judge(&p, &feb), SENKYO_UNDER_AGE);

    /* Three months from the 届出: 6/1 is in for 9/1, 6/2 is not. */
    p = resident(D(1980, 1, 1), D(2025, 6, 1));
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_REGISTERED);
    p.start = D(2025, 6, 2);
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_SHORT);

    /* Not 日本国民; birth unknown; 失権. */
    p = resident(D(1980, 1, 1), long_ago);
    p.foreign = true;
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_FOREIGN);
    p = resident(D(1980, 1, 1), long_ago);
    p.has_birth = false;
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_BIRTH_UNKNOWN);
    p = resident(D(1980, 1, 1), long_ago);
    p.shikken = true;
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_SHIKKEN);

    /* Moved out (第21条第2項): four months from the 転出日 not yet passed on
     * the 基準日, and three months on the day of the move. */
    p = resident(D(1980, 1, 1), long_ago);
    p.resident = false;
    p.moved_out = true;
    p.removal_date = D(2025, 5, 2); /* four months end 9/2 */
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_MOVED_OUT);
    p.removal_date = D(2025, 5, 1); /* they end 9/1: passed on the 基準日 */
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_REMOVED);
    p.removal_date = D(2025, 9, 2); /* after the 基準日: (not a 除票 then) */
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_REMOVED);
    p.removal_date = D(2025, 7, 1);
    p.start = D(2025, 4, 2); /* three months end 7/2: not on the day of the move */
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_SHORT);
    p.start = D(2025, 4, 1);
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_MOVED_OUT);
    /* Other removals end it; a removed foreigner is removed, not counted foreign. */
    p.moved_out = false;
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_REMOVED);
    p.foreign = true;
    assert_int_equal(senkyo_judge(&p, &teiji), SENKYO_REMOVED);

    assert_string_equal(senkyo_reason_code(SENKYO_MOVED_OUT), "moved_out");
    assert_string_equal(senkyo_reason_label(SENKYO_REGISTERED), "登録");
    assert_string_equal(senkyo_reason_code(SENKYO_REASON_COUNT), "");
}

static void start_dates(void **state)
{
    (void)state;
    struct kd_err err;
    struct date d;
    enum senkyo_start_basis b;
    assert_int_equal(senkyo_start("kokunai_tennyu", "2025-05-25", "2025-06-01", "2025-05-25",
                                  true, &d, &b, &err),
                     0);
    assert_date(d, 2025, 6, 1);
    assert_int_equal(b, SENKYO_START_TODOKE);
    assert_int_equal(senkyo_start("kokunai_tennyu", "2025-05-25", "", "2025-05-25", true, &d, &b,
                                  &err),
                     0);
    assert_date(d, 2025, 5, 25);
    assert_int_equal(b, SENKYO_START_IDOU);
    /* 出生: the 出生届. */
    assert_int_equal(senkyo_start("shussei", "2007-09-02", "2007-09-10", "2007-09-02", true, &d,
                                  &b, &err),
                     0);
    assert_date(d, 2007, 9, 10);
    /* 帰化等: the 住民となった年月日 when the town counts the time before. */
    assert_int_equal(senkyo_start("shokken_kisai_kika", "2025-07-01", "", "2015-01-01", true, &d,
                                  &b, &err),
                     0);
    assert_date(d, 2015, 1, 1);
    assert_int_equal(b, SENKYO_START_BECAME_RESIDENT);
    assert_int_equal(senkyo_start("shokken_kisai_kika", "2025-07-01", "", "2015-01-01", false, &d,
                                  &b, &err),
                     0);
    assert_date(d, 2025, 7, 1);
    assert_int_equal(senkyo_start("kokunai_tennyu", "", "", "", true, &d, &b, &err), -1);
    assert_string_equal(err.field, "start");

    assert_string_equal(senkyo_registration_label(D(2025, 9, 1), false), "定時登録");
    assert_string_equal(senkyo_registration_label(D(2025, 9, 1), true), "選挙時登録");
    assert_string_equal(senkyo_registration_label(D(2025, 9, 2), false), "基準日現在");
    assert_string_equal(senkyo_registration_code(D(2025, 12, 1), false), "teiji");
}

/* ---- 投票区 and order ----------------------------------------------------------------- */

static void districts(void **state)
{
    (void)state;
    struct kd_err err;
    assert_string_equal(senkyo_local_address("群馬県吾妻郡中之条町大字中之条町1000番地", "中之条町"),
                        "中之条町1000番地");
    assert_string_equal(senkyo_local_address("群馬県吾妻郡中之条町字折田5", "中之条町"), "折田5");
    assert_string_equal(senkyo_local_address("大字四万1", "草津町"), "四万1");

    const char *p1[] = {"大字中之条町", "伊勢町"}, *p2[] = {"伊勢町1000"}, *p3[] = {"字折田"};
    struct senkyo_district d[3] = {{"01", "中之条", "", true, 2, p1},
                                   {"02", "伊勢町東", "公民館", false, 1, p2},
                                   {"A-3", "折田", "", false, 1, p3}};
    struct senkyo_districts t = {3, d};
    assert_int_equal(senkyo_districts_check(&t, &err), 0);
    assert_string_equal(d[0].prefix[0], "中之条町"); /* 大字 is cut */
    assert_string_equal(d[2].prefix[0], "折田");
    bool def;
    const char *town = "中之条町";
    assert_int_equal(senkyo_district_of(&t, "群馬県吾妻郡中之条町大字伊勢町1000番地", town, &def),
                     1); /* the longest prefix */
    assert_false(def);
    assert_int_equal(senkyo_district_of(&t, "群馬県吾妻郡中之条町大字伊勢町99番地", town, &def), 0);
    assert_int_equal(senkyo_district_of(&t, "群馬県吾妻郡中之条町大字折田5", town, &def), 2);
    assert_int_equal(senkyo_district_of(&t, "群馬県吾妻郡中之条町大字四万1", town, &def), 0);
    assert_true(def);
    struct senkyo_districts none = {0, NULL};
    assert_int_equal(senkyo_district_of(&none, "どこか", town, &def), -1);
    struct arena a;
    arena_init(&a, NULL, 0, 4096);
    assert_string_equal(senkyo_district_label(&a, &d[1]), "第02投票区 伊勢町東");
    arena_release(&a);

    /* Errors name the item. */
    d[1].code = "01";
    assert_int_equal(senkyo_districts_check(&t, &err), -1);
    assert_string_equal(err.field, "districts[1].code");
    d[1].code = "0 2";
    assert_int_equal(senkyo_districts_check(&t, &err), -1);
    assert_string_equal(err.field, "districts[1].code");
    d[1].code = "02";
    d[1].is_default = true;
    assert_int_equal(senkyo_districts_check(&t, &err), -1);
    assert_string_equal(err.field, "districts");
    d[1].is_default = false;
    const char *dup[] = {"大字折田"};
    d[1].prefix = dup;
    assert_int_equal(senkyo_districts_check(&t, &err), -1);
    assert_string_equal(err.field, "districts[2].prefixes[0]");
    const char *aza[] = {"大字"};
    d[1].prefix = aza;
    assert_int_equal(senkyo_districts_check(&t, &err), -1);
    assert_string_equal(err.field, "districts[1].prefixes[0]");
    d[1].prefix = p2;
    d[2].name = "";
    assert_int_equal(senkyo_districts_check(&t, &err), -1);
    assert_string_equal(err.field, "districts[2].name");
    t.count = 0;
    assert_int_equal(senkyo_districts_check(&t, &err), -1);
    assert_string_equal(err.field, "districts");
}

static void address_order(void **state)
{
    (void)state;
    assert_true(senkyo_text_cmp("大字中之条町99番地", "大字中之条町1000番地") < 0);
    assert_true(senkyo_text_cmp("大字中之条町1000番地", "大字中之条町99番地") > 0);
    assert_true(senkyo_text_cmp("伊勢町２番地", "伊勢町10番地") < 0); /* full-width digits */
    assert_true(senkyo_text_cmp("伊勢町10番地の2", "伊勢町10番地の10") < 0);
    assert_true(senkyo_text_cmp("伊勢町10番地", "伊勢町10番地の2") < 0);
    assert_true(senkyo_text_cmp("101号室", "0101号室") != 0); /* a total order */
    assert_int_equal(senkyo_text_cmp("a1b", "a1b"), 0);
    assert_true(senkyo_text_cmp("あ", "い") < 0);
    assert_true(senkyo_text_cmp("", "1") < 0);
    /* Numbers before other characters, full-width or not: transitive. */
    assert_true(senkyo_text_cmp("２", "10") < 0);
    assert_true(senkyo_text_cmp("10", "A") < 0);
    assert_true(senkyo_text_cmp("２", "A") < 0);
    assert_true(senkyo_text_cmp("-1", "1") > 0);
    /* Runs longer than any number still order by length, then digits. */
    assert_true(senkyo_text_cmp("x123456789012345678901234567890",
                                "x123456789012345678901234567891") < 0);
}

/* ---- on a town database ------------------------------------------------------------------- */

static const struct store_schema *const control_schemas[] = {&tenant_schema, &user_schema,
                                                              &session_schema};
static const struct store_schema *const town_schemas[] = {&audit_schema, &settings_schema,
                                                           &residents_schema, &senkyo_schema};
static const struct catalog_schemas schemas = {control_schemas, 3, town_schemas, 4};

struct fixture {
    char *dir;
    struct catalog *cat;
    struct store *town;
    struct arena a;
    int64_t clock; /* recorded time, advancing */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = make_temp_dir();
    struct kd_err err;
    f->cat = catalog_open(f->dir, &schemas, &err);
    assert_non_null(f->cat);
    assert_int_equal(catalog_town_create(f->cat, "104213", &err), 0);
    f->town = catalog_town(f->cat, "104213", &err);
    assert_non_null(f->town);
    arena_init(&f->a, NULL, 0, 256 << 20);
    f->clock = 1756000000000; /* 2025-08-24 */
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

#define ADDR "群馬県吾妻郡中之条町大字"

/* Records a 異動 given as JSON text; returns the first person's 宛名番号. */
static const char *idou(struct fixture *f, const char *fmt, ...)
{
    char body[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    json_error_t je;
    json_t *j = json_loads(body, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s: %s", body, je.text);
    struct idou_actor who = {"unit", "unit-test", f->clock, "2025-09-30"};
    f->clock += 1000;
    struct idou_result res;
    struct kd_err err;
    int rc = residents_record_idou(f->town, j, &who, &res, &f->a, &err);
    json_decref(j);
    if (rc < 0)
        fail_msg("%s: %s (%s)", body, err.message, err.field);
    return res.count ? arena_strndup(&f->a, res.atena[0], strlen(res.atena[0])) : NULL;
}

/* A household of one moving in. */
static const char *move_in(struct fixture *f, const char *date, const char *todoke,
                           const char *address, const char *person)
{
    char todoke_field[40] = "";
    if (todoke)
        snprintf(todoke_field, sizeof todoke_field, "\"todoke_date\":\"%s\",", todoke);
    return idou(f,
                "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"%s\",%s"
                "\"changes\":{\"postcode\":\"3770424\",\"address\":\"%s\"},"
                "\"persons\":[%s]}",
                date, todoke_field, address, person);
}

static const char *jp(struct arena *a, const char *name, const char *kana, const char *birth,
                      int sex, const char *extra)
{
    return arena_printf(a,
                        "{\"kind\":\"japanese\",\"shimei\":\"%s\",\"shimei_kana\":\"%s\","
                        "\"birth\":\"%s\",\"sex\":%d,\"zokugara\":\"世帯主\"%s}",
                        name, kana, birth, sex, extra ? extra : "");
}

static int find(const struct senkyo_roll *r, const char *atena)
{
    for (int i = 0; i < r->count; i++)
        if (strcmp(r->e[i].atena, atena) == 0)
            return i;
    return -1;
}

static bool hide_atena(void *ctx, const struct senkyo_elector *e)
{
    return strcmp(e->atena, ctx) == 0;
}

static void set_districts(struct fixture *f)
{
    const char *p1[] = {"中之条町"}, *p2[] = {"伊勢町"};
    struct senkyo_district d[2] = {{"01", "中之条", "", true, 1, p1},
                                   {"02", "伊勢町", "伊勢町公民館", false, 1, p2}};
    struct senkyo_districts t = {2, d};
    struct kd_err err;
    assert_int_equal(senkyo_districts_check(&t, &err), 0);
    assert_int_equal(store_begin_write(f->town, &err), 0);
    assert_true(senkyo_districts_replace(f->town, &t, "unit", f->clock, &err) > 0);
    assert_int_equal(store_commit(f->town, &err), 0);
    f->clock += 1000;
}

static int build(struct fixture *f, struct senkyo_dates dates, int64_t known, bool kika,
                 struct senkyo_roll *r)
{
    struct senkyo_query q = {dates, known, "中之条町", kika};
    struct kd_err err;
    int rc = senkyo_roll_build(f->town, &q, r, &f->a, &err);
    if (rc < 0)
        fail_msg("roll: %s", err.message);
    return rc;
}

static void roll_from_register(void **state)
{
    struct fixture *f = *state;
    struct arena *a = &f->a;
    struct kd_err err;
    int64_t before_districts = f->clock;
    set_districts(f);

    /* A household: two adults, a child who is 18 on 9/1, one who is not. */
    const char *taro = idou(
        f,
        "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"2020-04-01\",\"todoke_date\":\"2020-04-03\","
        "\"changes\":{\"postcode\":\"3770424\",\"address\":\"" ADDR "中之条町1000番地\"},"
        "\"persons\":[%s,%s,%s,%s]}",
        jp(a, "山田 太郎", "ヤマダ タロウ", "1980-05-05", 1, ",\"jumin_code\":\"24727059608\""),
        "{\"kind\":\"japanese\",\"shimei\":\"山田 花子\",\"shimei_kana\":\"ヤマダ ハナコ\","
        "\"birth\":\"1982-07-07\",\"sex\":2,\"zokugara\":\"妻\"}",
        "{\"kind\":\"japanese\",\"shimei\":\"山田 一郎\",\"shimei_kana\":\"ヤマダ イチロウ\","
        "\"birth\":\"2007-09-02\",\"sex\":1,\"zokugara\":\"子\"}",
        "{\"kind\":\"japanese\",\"shimei\":\"山田 次郎\",\"shimei_kana\":\"ヤマダ ジロウ\","
        "\"birth\":\"2007-09-03\",\"sex\":1,\"zokugara\":\"子\"}");
    /* 伊勢町: 99番地 (届出 6/1: in), 1000番地, and a 届出 on 6/2 (out). */
    const char *b = move_in(f, "2025-05-25", "2025-06-01", ADDR "伊勢町99番地",
                            jp(a, "佐藤 一", "サトウ ハジメ", "1990-01-01", 1, NULL));
    const char *k = move_in(f, "2019-01-01", "2019-01-05", ADDR "伊勢町1000番地",
                            jp(a, "𠮷田 葵", "ヨシダ アオイ", "1970-02-02", 2, NULL));
    const char *c = move_in(f, "2025-06-01", "2025-06-02", ADDR "伊勢町5番地",
                            jp(a, "鈴木 二", "スズキ ニ", "1990-01-01", 2, NULL));
    /* No 届出日 recorded: the 異動日 counts, and the roll says so. */
    const char *d = move_in(f, "2025-05-01", NULL, ADDR "中之条町7番地",
                            jp(a, "高橋 三", "タカハシ サン", "1991-01-01", 1, NULL));
    /* A foreign resident. */
    const char *e = move_in(
        f, "2019-01-01", "2019-01-01", ADDR "伊勢町1000番地",
        "{\"kind\":\"foreign\",\"shimei\":\"林 美玲\",\"shimei_kana\":\"リン メイリン\","
        "\"birth\":\"1990-02-03\",\"sex\":2,\"zokugara\":\"世帯主\",\"nationality\":\"中国\","
        "\"zairyu_kubun\":\"特別永住者\"}");
    /* Moved out on 5/2 (four months end 9/2: 転出表示) and on 5/1 (off). */
    const char *mo = move_in(f, "2020-01-01", "2020-01-01", ADDR "中之条町20番地",
                             jp(a, "伊藤 四", "イトウ シ", "1960-01-01", 1, NULL));
    idou(f,
         "{\"kind\":\"kokunai_tenshutsu\",\"idou_date\":\"2025-05-02\",\"subjects\":"
         "[{\"atena\":\"%s\"}],\"changes\":{\"dest_address\":\"群馬県前橋市大手町1番地\"}}",
         mo);
    const char *gone = move_in(f, "2020-01-01", "2020-01-01", ADDR "中之条町21番地",
                               jp(a, "渡辺 五", "ワタナベ ゴ", "1960-01-01", 1, NULL));
    idou(f,
         "{\"kind\":\"kokunai_tenshutsu\",\"idou_date\":\"2025-05-01\",\"subjects\":"
         "[{\"atena\":\"%s\"}],\"changes\":{\"dest_address\":\"群馬県前橋市大手町1番地\"}}",
         gone);
    /* Died. */
    const char *dead = move_in(f, "2020-01-01", "2020-01-01", ADDR "中之条町22番地",
                               jp(a, "中村 六", "ナカムラ ロク", "1940-01-01", 1, NULL));
    idou(f, "{\"kind\":\"shibou\",\"idou_date\":\"2025-08-01\",\"subjects\":[{\"atena\":\"%s\"}]}",
         dead);
    /* Moved out on 5/10 and back on 5/20 with a new record (the same 住民票コード):
     * registered at home, so the old 転出表示 goes. */
    const char *away = move_in(f, "2020-01-01", "2020-01-01", ADDR "中之条町30番地",
                               jp(a, "小林 七", "コバヤシ ナナ", "1985-01-01", 2,
                                  ",\"jumin_code\":\"12345678903\""));
    idou(f,
         "{\"kind\":\"kokunai_tenshutsu\",\"idou_date\":\"2025-05-10\",\"subjects\":"
         "[{\"atena\":\"%s\"}],\"changes\":{\"dest_address\":\"群馬県前橋市大手町1番地\"}}",
         away);
    const char *back = move_in(f, "2025-05-20", "2025-05-20", ADDR "中之条町31番地",
                               jp(a, "小林 七", "コバヤシ ナナ", "1985-01-01", 2,
                                  ",\"jumin_code\":\"12345678903\""));
    /* Naturalised on 7/1 after ten years as a 外国人住民. */
    const char *f_old = move_in(
        f, "2015-01-01", "2015-01-01", ADDR "伊勢町40番地",
        "{\"kind\":\"foreign\",\"shimei\":\"王 明\",\"shimei_kana\":\"オウ メイ\","
        "\"birth\":\"1980-03-03\",\"sex\":1,\"zokugara\":\"世帯主\",\"nationality\":\"中国\","
        "\"zairyu_kubun\":\"特別永住者\"}");
    idou(f,
         "{\"kind\":\"shokken_shojo_kika\",\"idou_date\":\"2025-07-01\",\"subjects\":"
         "[{\"atena\":\"%s\"}]}",
         f_old);
    const char *kika = idou(
        f,
        "{\"kind\":\"shokken_kisai_kika\",\"idou_date\":\"2025-07-01\","
        "\"changes\":{\"postcode\":\"3770423\",\"address\":\"" ADDR "伊勢町40番地\"},"
        "\"persons\":[%s]}",
        jp(a, "王 明", "オウ メイ", "1980-03-03", 1, ",\"became_resident\":\"2015-01-01\""));
    /* An address that no prefix matches: the default district. */
    const char *orita = move_in(f, "2020-01-01", "2020-01-01", ADDR "折田5番地",
                                jp(a, "加藤 八", "カトウ ハチ", "1950-01-01", 1, NULL));
    /* 失権: one in effect on 9/1, one that ended 8/31. */
    const char *sk = move_in(f, "2020-01-01", "2020-01-01", ADDR "中之条町50番地",
                             jp(a, "吉田 九", "ヨシダ キュウ", "1975-01-01", 1, NULL));
    const char *sk2 = move_in(f, "2020-01-01", "2020-01-01", ADDR "中之条町51番地",
                              jp(a, "山口 十", "ヤマグチ ジュウ", "1975-01-01", 1, NULL));
    int64_t before_shikken = f->clock;
    char now[CLOCK_ISO_LEN];
    clock_format_iso(f->clock, now);
    struct senkyo_shikken s1 = {0, sk, "11-1-2", "検察庁通知", "2025-01-01", "", now, "unit", "",
                                "", 0};
    struct senkyo_shikken s2 = {0, sk2, "252", "通知", "2024-01-01", "2025-08-31", now, "unit", "",
                                "", 0};
    assert_int_equal(senkyo_shikken_add(f->town, &s1, &err), 0);
    assert_int_equal(senkyo_shikken_add(f->town, &s2, &err), 0);
    struct senkyo_shikken s3 = {0, "9999999999", "252", "x", "2024-01-01", "", now, "unit", "", "",
                                0};
    assert_int_equal(senkyo_shikken_add(f->town, &s3, &err), -1);
    assert_string_equal(err.field, "atena");
    f->clock += 1000;

    struct senkyo_dates teiji = {D(2025, 9, 1), D(2025, 9, 1)};
    struct senkyo_roll r;
    build(f, teiji, f->clock, true, &r);

    /* Who is on, who is not. */
    assert_true(find(&r, taro) >= 0);
    assert_true(find(&r, b) >= 0);
    assert_true(find(&r, k) >= 0);
    assert_int_equal(find(&r, c), -1);
    assert_true(find(&r, d) >= 0);
    assert_int_equal(r.e[find(&r, d)].basis, SENKYO_START_IDOU);
    assert_int_equal(r.e[find(&r, b)].basis, SENKYO_START_TODOKE);
    assert_int_equal(find(&r, e), -1);
    assert_true(find(&r, mo) >= 0);
    assert_int_equal(r.e[find(&r, mo)].reason, SENKYO_MOVED_OUT);
    assert_string_equal(r.e[find(&r, mo)].moved_out, "2025-05-02");
    assert_int_equal(find(&r, gone), -1);
    assert_int_equal(find(&r, dead), -1);
    assert_int_equal(find(&r, away), -1); /* back home: once, as registered there */
    assert_true(find(&r, back) >= 0);
    assert_int_equal(find(&r, f_old), -1);
    assert_true(find(&r, kika) >= 0);
    assert_int_equal(r.e[find(&r, kika)].basis, SENKYO_START_BECAME_RESIDENT);
    assert_true(find(&r, orita) >= 0);
    assert_int_equal(find(&r, sk), -1);
    assert_true(find(&r, sk2) >= 0);
    /* The household: 太郎, 花子, 一郎 (18 on 9/1); not 次郎. */
    int t = find(&r, taro);
    assert_string_equal(r.e[t + 1].shimei, "山田 花子");
    assert_string_equal(r.e[t + 2].shimei, "山田 一郎");
    for (int i = 0; i < r.count; i++)
        assert_string_not_equal(r.e[i].shimei, "山田 次郎");

    /* Districts: 01 中之条 (with the default's 折田), 02 伊勢町, in address
     * order (99番地 before 1000番地), numbered from 1 in each. */
    assert_int_equal(r.districts.count, 2);
    assert_int_equal(r.e[find(&r, orita)].district, 0);
    assert_true(r.e[find(&r, orita)].by_default);
    assert_int_equal(r.by_default, 1);
    assert_int_equal(r.e[find(&r, b)].district, 1);
    assert_true(find(&r, b) < find(&r, k));
    int first, count;
    senkyo_roll_range(&r, 1, &first, &count);
    assert_int_equal(count, 3); /* 佐藤 (99), 𠮷田 (1000), 王 (40 → between) */
    assert_int_equal(r.e[first].number, 1);
    assert_string_equal(r.e[first].shimei, "王 明");   /* 40番地 */
    assert_string_equal(r.e[first + 1].shimei, "佐藤 一"); /* 99番地 */
    assert_string_equal(r.e[first + 2].shimei, "𠮷田 葵"); /* 1000番地 */
    assert_int_equal(r.e[first + 2].number, 3);
    for (int i = 1; i < r.count; i++)
        assert_true(r.e[i - 1].district <= r.e[i].district);

    /* Counts. 01: 太郎, 花子, 一郎, 高橋, 伊藤 (転出), 小林 (back), 加藤, 山口 = 8. */
    assert_int_equal(r.by_district[0].total, 8);
    assert_int_equal(r.by_district[0].female, 2);
    assert_int_equal(r.by_district[0].moved_out, 1);
    assert_int_equal(r.by_district[1].total, 3);
    assert_int_equal(r.all.total, 11);
    assert_int_equal(r.all.male + r.all.female + r.all.other, 11);
    assert_int_equal(r.excluded[SENKYO_FOREIGN], 1);
    assert_int_equal(r.excluded[SENKYO_UNDER_AGE], 1);
    assert_int_equal(r.excluded[SENKYO_SHORT], 1);
    assert_int_equal(r.excluded[SENKYO_SHIKKEN], 1);
    assert_int_equal(r.no_todoke, 1);

    /* 選挙時登録 with the 選挙期日 9/2: 次郎 is 18 by then. */
    struct senkyo_dates senkyo = {D(2025, 9, 1), D(2025, 9, 2)};
    struct senkyo_roll r2;
    build(f, senkyo, f->clock, true, &r2);
    assert_int_equal(r2.all.total, 12);

    /* The town that does not count the time before naturalisation. */
    build(f, teiji, f->clock, false, &r2);
    assert_int_equal(find(&r2, kika), -1);

    /* As recorded before the 失権 entries: 吉田 is on; before the
     * districts: no table, one group. */
    build(f, teiji, before_shikken - 1, true, &r2);
    assert_true(find(&r2, sk) >= 0);
    assert_int_equal(r2.districts.count, 2);
    build(f, teiji, before_districts - 1, true, &r2);
    assert_int_equal(r2.districts.count, 0);
    assert_int_equal(r2.count, 0); /* nobody was recorded then either */
    /* A withdrawn entry: as recorded after the withdrawal, 吉田 is on. */
    assert_int_equal(senkyo_shikken_withdraw(f->town, s1.id, "unit", f->clock, 0, &err), 0);
    assert_int_equal(senkyo_shikken_withdraw(f->town, s1.id, "unit", f->clock, 0, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    f->clock += 1000;
    build(f, teiji, f->clock, true, &r2);
    assert_true(find(&r2, sk) >= 0);
    build(f, teiji, f->clock - 2000, true, &r2); /* before it: off */
    assert_int_equal(find(&r2, sk), -1);

    /* CSV: UTF-8 with a BOM; CP932 refuses 𠮷 unless asked for 〓. */
    struct senkyo_file csv;
    assert_int_equal(senkyo_roll_csv(&r, 0, r.count, SENKYO_UTF8, SENKYO_UNMAPPABLE_FAIL, &csv,
                                     &err),
                     0);
    assert_memory_equal(csv.data, "\xEF\xBB\xBF\"投票区コード\"", 3 + strlen("\"投票区コード\""));
    assert_non_null(memmem(csv.data, csv.len, "\"𠮷田 葵\"", strlen("\"𠮷田 葵\"")));
    assert_non_null(memmem(csv.data, csv.len, "\"転出表示\",\"2025-05-02\"\r\n",
                           strlen("\"転出表示\",\"2025-05-02\"\r\n")));
    assert_non_null(memmem(csv.data, csv.len, "\"平成19年9月2日\"", strlen("\"平成19年9月2日\"")));
    free(csv.data);
    assert_int_equal(senkyo_roll_csv(&r, 0, r.count, SENKYO_CP932, SENKYO_UNMAPPABLE_FAIL, &csv,
                                     &err),
                     -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_string_equal(err.field, "encoding");
    assert_non_null(strstr(err.message, "氏名"));
    assert_non_null(strstr(err.message, k));
    assert_int_equal(senkyo_roll_csv(&r, 0, r.count, SENKYO_CP932, SENKYO_UNMAPPABLE_GETA, &csv,
                                     &err),
                     0);
    assert_int_equal(csv.unmapped, 1);
    /* "〓田 葵" in CP932: 81 AC, 93 63 (田), 20, 88 A8 (葵). */
    assert_non_null(memmem(csv.data, csv.len, "\"\x81\xAC\x93\x63 \x88\xA8\"", 8));
    assert_memory_equal(csv.data, "\"\x93\x8A", 3); /* 投 without a BOM */
    free(csv.data);
    assert_int_equal(senkyo_summary_csv(&r, SENKYO_UTF8, SENKYO_UNMAPPABLE_FAIL, &csv, &err), 0);
    assert_non_null(memmem(csv.data, csv.len, "\"合計\",\"", strlen("\"合計\",\"")));
    assert_non_null(memmem(csv.data, csv.len, "\"02\",\"伊勢町\",\"2\",\"1\",\"0\",\"3\",\"0\"",
                           strlen("\"02\",\"伊勢町\",\"2\",\"1\",\"0\",\"3\",\"0\"")));
    free(csv.data);

    /* The printed roll and count describe and render. Every district is
     * described; district 01 is rendered (02 holds 𠮷, whose glyph comes
     * from Noto Sans CJK, and cairo 1.16 leaks 768 bytes subsetting it:
     * docs/senkyo.md). */
    struct senkyo_doc doc = {"中之条町", "2025-09-01", NULL, "2025-09-02", f->clock};
    assert_non_null(senkyo_roll_report(a, &r, -2, &doc, &err));
    struct report *rep = senkyo_roll_report(a, &r, 0, &doc, &err);
    assert_non_null(rep);
    char *pdf;
    size_t len;
    assert_int_equal(report_render_pdf(rep, &pdf, &len, &err), 0);
    assert_memory_equal(pdf, "%PDF-", 5);
    free(pdf);
    rep = senkyo_summary_report(a, &r, &doc, &err);
    assert_non_null(rep);
    assert_int_equal(report_render_pdf(rep, &pdf, &len, &err), 0);
    free(pdf);

    /* Withheld from the rows (a support measure, for a role that may not
     * see the person): 佐藤 leaves 02, the numbers close up, counts keep him. */
    senkyo_roll_withhold(&r, hide_atena, (void *)b);
    assert_int_equal(find(&r, b), -1);
    senkyo_roll_range(&r, 1, &first, &count);
    assert_int_equal(count, 2);
    assert_string_equal(r.e[first].shimei, "王 明");
    assert_int_equal(r.e[first].number, 1);
    assert_int_equal(r.e[first + 1].number, 2);
    assert_int_equal(r.by_district[1].withheld, 1);
    assert_int_equal(r.by_district[0].withheld, 0);
    assert_int_equal(r.all.withheld, 1);
    assert_int_equal(r.all.total, 11);
    assert_int_equal(r.count, 10);
}

static void variation_selectors_and_limits(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    /* 葛 with an IVS: the variant is the name; CP932 cannot say it. */
    move_in(f, "2020-01-01", "2020-01-01", ADDR "中之条町1番地",
            jp(&f->a, "葛\xF3\xA0\x84\x81城 一", "カツラギ ハジメ", "1980-01-01", 1, NULL));
    struct senkyo_roll r;
    build(f, (struct senkyo_dates){D(2025, 9, 1), D(2025, 9, 1)}, f->clock, true, &r);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.e[0].district, -1); /* no table */
    assert_int_equal(r.by_district[0].total, 1);
    struct senkyo_file csv;
    assert_int_equal(senkyo_roll_csv(&r, 0, 1, SENKYO_CP932, SENKYO_UNMAPPABLE_GETA, &csv, &err),
                     0);
    assert_int_equal(csv.unmapped, 1);
    assert_non_null(memmem(csv.data, csv.len, "\"\x81\xAC\x8F\xE9 ", 6)); /* 〓城 */
    free(csv.data);

    /* A printed roll is bounded. */
    r.count = SENKYO_PDF_MAX_ROWS + 1;
    struct senkyo_doc doc = {"中之条町", "2025-09-01", NULL, "2025-09-02", f->clock};
    assert_null(senkyo_roll_report(&f->a, &r, -2, &doc, &err));
    assert_string_equal(err.field, "district");

    /* Demonstration districts: once, for the demo towns only. */
    bool stored;
    assert_int_equal(senkyo_demo_districts(f->town, "104213", f->clock, &stored, &err), 0);
    assert_true(stored);
    assert_int_equal(senkyo_demo_districts(f->town, "104213", f->clock, &stored, &err), 0);
    assert_false(stored);
    struct senkyo_districts t;
    struct senkyo_table_info info;
    assert_int_equal(senkyo_districts_load(f->town, 0, &t, &info, &f->a, &err), 0);
    assert_int_equal(t.count, 6);
    assert_string_equal(t.d[3].name, "折田・平");
    assert_int_equal(t.d[3].nprefix, 2);
    assert_string_equal(info.set_by, "demo");
    assert_int_equal(senkyo_demo_districts(f->town, "999999", f->clock, &stored, &err), 0);
    assert_false(stored);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(periods),
        cmocka_unit_test(judgement),
        cmocka_unit_test(start_dates),
        cmocka_unit_test(districts),
        cmocka_unit_test(address_order),
        cmocka_unit_test_setup_teardown(roll_from_register, setup, teardown),
        cmocka_unit_test_setup_teardown(variation_selectors_and_limits, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    report_shutdown();
    return rc;
}
