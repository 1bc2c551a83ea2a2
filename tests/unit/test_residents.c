/*
 * test_residents.c — src/residents: 続柄 and household order, the record's
 * field list, numbering, and the 異動 engine on a real town database
 * (replay, supersession, as-of reads as known at a time, subscribers).
 */
#include "testutil.h"

#include "app.h"
#include "base/clock.h"
#include "engine/ident.h"
#include "engine/settings.h"
#include "residents/internal.h"
#include "residents/zokugara.h"

static void zokugara_values(void **state)
{
    (void)state;
    struct kd_err err;
    const char *good[] = {"世帯主", "妻", "夫", "夫（未届）", "妻（未届）", "子", "父", "母", "兄", "姉",
                          "弟", "妹", "子の子", "子の妻", "父の母", "子の子の子の子", "縁故者", "同居人"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(zokugara_check(good[i], strlen(good[i]), "z", &err), 0);
    const char *bad[] = {"孫", "祖父", "おじ", "子の子の子の子の子", "子の", "の子", "世帯主の子", "",
                         "子子", "妻 ", "縁故者の子"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(zokugara_check(bad[i], strlen(bad[i]), "z", &err), -1);
        assert_string_equal(err.field, "z");
    }
    /* 5.2: 世帯主 → 配偶者 → 子 → 子の家族 → 父母・兄弟 → 祖父母 → 親族 → 縁故者 → 同居人 */
    const char *order[] = {"世帯主", "妻", "子", "子の妻", "母", "弟", "父の父", "父の兄", "縁故者",
                           "同居人"};
    for (size_t i = 1; i < sizeof order / sizeof order[0]; i++)
        assert_true(zokugara_rank(order[i - 1]) < zokugara_rank(order[i]));
}

static void record_fields_roundtrip(void **state)
{
    (void)state;
    struct record r;
    record_clear(&r);
    assert_int_equal(record_field_index("shimei"), 4);
    assert_int_equal(record_field_index("nosuch"), -1);
    for (int i = 0; i < record_field_count; i++) {
        if (record_fields[i].kind == 'I') {
            record_set_int(&r, i, i);
            assert_int_equal(record_int(&r, i), i);
            assert_null(record_text(&r, i));
        } else {
            assert_string_equal(record_text(&r, i), "");
            record_set_text(&r, i, record_fields[i].name);
        }
    }
    assert_string_equal(r.shimei, "shimei");
    assert_string_equal(r.zairyu_card, "zairyu_card");
    /* Writable fields are not the register's own. */
    assert_int_equal(record_fields[record_field_index("status")].who, 'r');
    assert_int_equal(record_fields[record_field_index("setai")].who, 'r');
    assert_int_equal(record_fields[record_field_index("honseki")].who, 'j');
    assert_int_equal(record_fields[record_field_index("tsusho")].who, 'f');
}

/* ---- on a town database -------------------------------------------------- */

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

static void numbering(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    char n[16];
    /* Default: ten digits, remainder 1 skipped; every number's check digit holds. */
    for (int i = 0; i < 40; i++) {
        assert_int_equal(numbers_next(f->town, "atena", n, &f->a, &err), 0);
        assert_int_equal(strlen(n), 10);
        assert_int_equal(ident_m11_check_digit(n, 9, IDENT_M11_R1_SKIP), n[9] - '0');
    }
    /* Serial 6 has remainder 1: skipped by default. Series are separate. */
    assert_int_equal(numbers_next(f->town, "setai", n, &f->a, &err), 0);
    assert_string_equal(n, "0000000019");
    for (int i = 0; i < 4; i++)
        numbers_next(f->town, "setai", n, &f->a, &err);
    assert_string_equal(n, "0000000051");
    numbers_next(f->town, "setai", n, &f->a, &err); /* serial 6 skipped */
    assert_string_equal(n, "0000000078");
    /* The settings change the width and the remainder-1 rule. */
    assert_int_equal(settings_set(f->town, "residents.number_digits", "6", &err), 0);
    assert_int_equal(settings_set(f->town, "residents.m11_remainder1", "zero", &err), 0);
    assert_int_equal(numbers_next(f->town, "other", n, &f->a, &err), 0);
    assert_string_equal(n, "000019");
    assert_int_equal(settings_set(f->town, "residents.m11_remainder1", "maybe", &err), 0);
    assert_int_equal(numbers_next(f->town, "other", n, &f->a, &err), -1);
    assert_string_equal(err.field, "residents.m11_remainder1");
}

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    if (!v)
        fail_msg("bad test JSON: %s: %s", s, e.text);
    return v;
}

static int record(struct fixture *f, const char *json, int64_t now_ms, struct idou_result *res,
                  struct kd_err *err)
{
    json_t *body = parse(json);
    struct idou_actor who = {"unit", "unit-test", now_ms, "2026-11-27"};
    int rc = residents_record_idou(f->town, body, &who, res, &f->a, err);
    json_decref(body);
    return rc;
}

static int notices;
static char last_notice[64];

static int count_notices(struct store *town, const struct idou_notice *n, struct kd_err *err)
{
    (void)town;
    notices++;
    snprintf(last_notice, sizeof last_notice, "%s %s->%s", n->kind->code,
             n->before ? n->before->status : "-", n->after ? n->after->status : "-");
    /* A subscriber can refuse: a 死亡 dated 1999-09-09 is refused here. */
    if (strcmp(n->idou_date, "1999-09-09") == 0)
        return kd_fail(err, KD_CONFLICT, NULL, "refused by a subscriber");
    return 0;
}

static const char *address_on(struct fixture *f, const char *atena, const char *date,
                              int64_t known)
{
    struct record r;
    struct kd_err err;
    int found = tl_as_of(f->town, atena, date, known, &r, &f->a, &err);
    assert_true(found >= 0);
    return found ? r.address : NULL;
}

static void replay_and_recorded_time(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct idou_result res;
    int64_t t0 = 1780000000000; /* recorded times, one day apart */
    assert_int_equal(record(f,
                            "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"2020-01-01\","
                            "\"changes\":{\"postcode\":\"3770424\",\"address\":\"A\"},"
                            "\"persons\":[{\"kind\":\"japanese\",\"shimei\":\"一\","
                            "\"shimei_kana\":\"イチ\",\"birth\":\"1950-01-01\",\"sex\":1,"
                            "\"zokugara\":\"世帯主\"}]}",
                            t0, &res, &err),
                     0);
    const char *p = arena_strndup(&f->a, res.atena[0], strlen(res.atena[0]));
    char body[256];
    snprintf(body, sizeof body,
             "{\"kind\":\"tenkyo\",\"idou_date\":\"2022-01-01\",\"subjects\":[{\"atena\":\"%s\"}],"
             "\"changes\":{\"postcode\":\"3770424\",\"address\":\"B\"}}",
             p);
    assert_int_equal(record(f, body, t0 + 86400000, &res, &err), 0);
    /* Recorded later, but true earlier: a 転居 on 2021-01-01 slots in before. */
    snprintf(body, sizeof body,
             "{\"kind\":\"tenkyo\",\"idou_date\":\"2021-01-01\",\"subjects\":[{\"atena\":\"%s\"}],"
             "\"changes\":{\"postcode\":\"3770424\",\"address\":\"C\"}}",
             p);
    assert_int_equal(record(f, body, t0 + 2 * 86400000, &res, &err), 0);
    assert_string_equal(address_on(f, p, "2020-06-01", 0), "A");
    assert_string_equal(address_on(f, p, "2021-06-01", 0), "C");
    assert_string_equal(address_on(f, p, "2022-06-01", 0), "B");
    assert_null(address_on(f, p, "2019-12-31", 0));
    /* As known before the backdated event was recorded: no C. */
    assert_string_equal(address_on(f, p, "2021-06-01", t0 + 86400000 + 1), "A");
    assert_string_equal(address_on(f, p, "2022-06-01", t0 + 86400000 + 1), "B");
    /* As known before anything about 2022 was recorded. */
    assert_string_equal(address_on(f, p, "2022-06-01", t0 + 1), "A");
    assert_null(address_on(f, p, "2022-06-01", t0 - 1));

    /* The 2022 snapshot was superseded and recomputed: 履歴番号 1..4, one
     * superseded. */
    struct store_stmt *st = store_prepare(
        f->town, "SELECT count(*), max(rireki), (SELECT count(*) FROM version_supersessions)"
                 " FROM resident_versions",
        &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_col_i64(st, 0), 4);
    assert_int_equal(store_col_i64(st, 1), 4);
    assert_int_equal(store_col_i64(st, 2), 1);
    store_reset(st);
}

static void subscribers_see_and_can_refuse(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct idou_result res;
    notices = 0;
    residents_subscribe(count_notices);
    assert_int_equal(record(f,
                            "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"1990-01-01\","
                            "\"changes\":{\"postcode\":\"3770424\",\"address\":\"A\"},"
                            "\"persons\":[{\"kind\":\"japanese\",\"shimei\":\"二\","
                            "\"shimei_kana\":\"ニ\",\"birth\":\"1950-01-01\",\"sex\":2,"
                            "\"zokugara\":\"世帯主\"}]}",
                            1780000000000, &res, &err),
                     0);
    assert_int_equal(notices, 1);
    assert_string_equal(last_notice, "kokunai_tennyu -->resident");
    const char *p = arena_strndup(&f->a, res.atena[0], strlen(res.atena[0]));
    char body[200];
    snprintf(body, sizeof body,
             "{\"kind\":\"shibou\",\"idou_date\":\"1999-09-09\",\"subjects\":[{\"atena\":\"%s\"}]}",
             p);
    assert_int_equal(record(f, body, 1780000000001, &res, &err), -1);
    assert_string_equal(err.message, "refused by a subscriber");
    /* Refused: nothing of it remains. */
    assert_int_equal(tl_as_of(f->town, p, "2000-01-01", 0, &(struct record){0}, &f->a, &err), 1);
    struct record r;
    tl_as_of(f->town, p, "2000-01-01", 0, &r, &f->a, &err);
    assert_string_equal(r.status, "resident");
    snprintf(body, sizeof body,
             "{\"kind\":\"shibou\",\"idou_date\":\"1999-09-10\",\"subjects\":[{\"atena\":\"%s\"}]}",
             p);
    assert_int_equal(record(f, body, 1780000000002, &res, &err), 0);
    assert_string_equal(last_notice, "shibou resident->removed");
}

static void address_parts(void **state)
{
    (void)state;
    assert_string_equal(address_local_part("群馬県吾妻郡中之条町大字折田300番地"), "折田300番地");
    assert_string_equal(address_local_part("群馬県吾妻郡中之条町大字中之条町1000番地"),
                        "中之条町1000番地");
    assert_string_equal(address_local_part("東京都練馬区豊玉北6丁目12番1号"), "豊玉北6丁目12番1号");
    assert_string_equal(address_local_part("神奈川県横浜市中区日本大通1"), "中区日本大通1");
    assert_string_equal(address_local_part("群馬県前橋市大手町1丁目1番1号"), "大手町1丁目1番1号");
    assert_string_equal(address_local_part("長野県長野市字鶴賀1613番地"), "鶴賀1613番地");
    /* Nothing to cut: no local part (the whole address is indexed anyway). */
    assert_string_equal(address_local_part("ベトナム社会主義共和国ハノイ市"), "");
    assert_string_equal(address_local_part(""), "");
    assert_string_equal(address_local_part("A"), "");
}

/* People indexed before address keys existed get them from residents_reindex. */
static void reindex_fills_missing_keys(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct idou_result res;
    assert_int_equal(record(f,
                            "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"2020-01-01\","
                            "\"changes\":{\"postcode\":\"3770431\",\"address\":"
                            "\"群馬県吾妻郡中之条町大字折田３００番地\",\"katagaki\":\"コーポ折田\"},"
                            "\"persons\":[{\"kind\":\"japanese\",\"shimei\":\"一\","
                            "\"shimei_kana\":\"イチ\",\"birth\":\"1950-01-01\",\"sex\":1,"
                            "\"zokugara\":\"世帯主\"}]}",
                            1780000000000, &res, &err),
                     0);
    const char *sql = "SELECT group_concat(key, '|') FROM (SELECT key FROM resident_keys"
                      " WHERE kind = 'addr' ORDER BY key)";
    char before[512];
    struct store_stmt *q = store_prepare(f->town, sql, &err);
    assert_int_equal(store_step(q, &err), STORE_ROW);
    snprintf(before, sizeof before, "%s", store_col_text(q, 0, NULL));
    store_reset(q);
    assert_string_equal(before, "コーポ折田|折田300番地|群馬県吾妻郡中之条町大字折田300番地");
    assert_int_equal(store_exec(f->town, "DELETE FROM resident_keys WHERE kind = 'addr'", &err), 0);
    int done = -1;
    assert_int_equal(residents_reindex(f->town, &done, &err), 0);
    assert_int_equal(done, 1);
    q = store_prepare(f->town, sql, &err);
    assert_int_equal(store_step(q, &err), STORE_ROW);
    assert_string_equal(store_col_text(q, 0, NULL), before);
    store_reset(q);
    assert_int_equal(residents_reindex(f->town, &done, &err), 0);
    assert_int_equal(done, 0);
}

static int milestone_calls;
static char milestone_seen[8][48];

static int count_milestones(struct store *town, const struct milestone_notice *n,
                            struct kd_err *err)
{
    (void)town, (void)err;
    assert_non_null(n->record);
    assert_string_equal(n->record->atena, n->atena);
    assert_true(n->event_id > 0);
    if (milestone_calls < 8)
        snprintf(milestone_seen[milestone_calls], sizeof milestone_seen[0], "%s %d %s",
                 n->record->shimei, n->age, n->date);
    milestone_calls++;
    return 0;
}

static const char *born(struct fixture *f, const char *name, const char *birth)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"kind\":\"kokunai_tennyu\",\"idou_date\":\"2020-01-01\","
             "\"changes\":{\"postcode\":\"3770424\",\"address\":\"A\"},"
             "\"persons\":[{\"kind\":\"japanese\",\"shimei\":\"%s\",\"shimei_kana\":\"カ\","
             "\"birth\":\"%s\",\"sex\":1,\"zokugara\":\"世帯主\"}]}",
             name, birth);
    struct idou_result res;
    struct kd_err err;
    assert_int_equal(record(f, body, 1780000000000, &res, &err), 0);
    return arena_strndup(&f->a, res.atena[0], strlen(res.atena[0]));
}

static int64_t count_rows(struct fixture *f, const char *sql)
{
    struct kd_err err;
    struct store_stmt *q = store_prepare(f->town, sql, &err);
    assert_non_null(q);
    assert_int_equal(store_step(q, &err), STORE_ROW);
    int64_t n = store_col_i64(q, 0);
    store_reset(q);
    return n;
}

/* Ages reached the day before the birthday (02-29 births on 02-28), each
 * published once, in the feed's sequence, to subscribers; the dead are not. */
static void age_milestones(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    assert_int_equal(settings_set(f->town, "residents.milestone_ages", "18,65", &err), 0);
    assert_int_equal(residents_subscribe_milestones(count_milestones), 0);
    born(f, "甲", "2008-03-02"); /* 18 on 2026-03-01 */
    born(f, "乙", "1961-03-01"); /* 65 on 2026-02-28 */
    born(f, "丙", "2008-02-29"); /* 18 on 2026-02-28 */
    const char *d = born(f, "丁", "2008-03-02");
    char body[256];
    snprintf(body, sizeof body,
             "{\"kind\":\"shibou\",\"idou_date\":\"2026-02-15\",\"subjects\":[{\"atena\":\"%s\"}]}",
             d);
    struct idou_result res;
    assert_int_equal(record(f, body, 1780000000000, &res, &err), 0);
    int64_t idou_events = count_rows(f, "SELECT count(*) FROM register_events WHERE source = 'idou'");
    assert_int_equal(idou_events, 5);

    int n = -1;
    /* The first run does its own day only. */
    assert_int_equal(residents_publish_milestones(f->town, NULL, "2026-02-27", 1780000000000, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(residents_publish_milestones(f->town, NULL, "2026-03-01", 1780000000000, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(milestone_calls, 3);
    /* By day, then by age. */
    assert_string_equal(milestone_seen[0], "丙 18 2026-02-28");
    assert_string_equal(milestone_seen[1], "乙 65 2026-02-28");
    assert_string_equal(milestone_seen[2], "甲 18 2026-03-01");
    assert_int_equal(count_rows(f, "SELECT count(*) FROM register_events WHERE source = 'age'"
                                   " AND id > (SELECT max(id) FROM register_events"
                                   "           WHERE source = 'idou')"),
                     3);
    /* Done is done; a later day goes on from there. */
    assert_int_equal(residents_publish_milestones(f->town, NULL, "2026-03-01", 1780000000000, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(residents_publish_milestones(f->town, NULL, "2026-04-30", 1780000000000, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(milestone_calls, 3);
    assert_int_equal(residents_publish_milestones(f->town, NULL, "2026-02-30", 1780000000000, &n, &err), -1);
    assert_string_equal(err.field, "through");
    /* Someone recorded late (a backdated 転入) reached 65 on a day already
     * done: only a run from that day finds it, once. */
    born(f, "戊", "1961-03-02"); /* 65 on 2026-03-01 */
    assert_int_equal(residents_publish_milestones(f->town, NULL, "2026-04-30", 1780000000000, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(residents_publish_milestones(f->town, "2026-02-01", "2026-04-30", 1780000000000, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(milestone_seen[3], "戊 65 2026-03-01");
    assert_int_equal(residents_publish_milestones(f->town, "2026-02-01", "2026-04-30", 1780000000000, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(residents_publish_milestones(f->town, "2026-05-01", "2026-04-30", 1780000000000, &n, &err), -1);
    assert_string_equal(err.field, "from");
    /* A setting out of order is named. */
    assert_int_equal(settings_set(f->town, "residents.milestone_ages", "65,18", &err), 0);
    assert_int_equal(residents_publish_milestones(f->town, NULL, "2026-05-01", 1780000000000, &n, &err), -1);
    assert_string_equal(err.field, "residents.milestone_ages");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zokugara_values),
        cmocka_unit_test(record_fields_roundtrip),
        cmocka_unit_test_setup_teardown(numbering, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_and_recorded_time, setup, teardown),
        cmocka_unit_test_setup_teardown(subscribers_see_and_can_refuse, setup, teardown),
        cmocka_unit_test(address_parts),
        cmocka_unit_test_setup_teardown(reindex_fills_missing_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(age_milestones, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
