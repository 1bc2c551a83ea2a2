/*
 * test_migration_register.c — the mapping half of migrations: instants as a
 * date and time in Japan, the numbers' rules, kyodo_codes.tsv, and the
 * resident register written whole (residents/bulk.h): snapshots as given,
 * the body of a migrated row read back, and the register going on from
 * imported people (a backdated change replays the migrated rows by what
 * each changed; a 死亡 before an imported change is refused).
 */
#include "testutil.h"

#include "app.h"
#include "migration/internal.h"
#include "residents/bulk.h"
#include "residents/internal.h"

#include <sys/stat.h>

/* ---- instants --------------------------------------------------------------- */

static void instants(void **state)
{
    (void)state;
    char d[11], t[13], back[25];
    mig_instant_split("2026-11-27T15:00:00.000Z", d, t);
    assert_string_equal(d, "2026-11-28"); /* midnight in Japan */
    assert_string_equal(t, "00:00:00.000");
    mig_instant_split("2016-11-28T02:30:20.007Z", d, t);
    assert_string_equal(d, "2016-11-28");
    assert_string_equal(t, "11:30:20.007");
    const char *all[] = {"2026-11-27T14:59:59.999Z", "2000-02-29T23:00:00.001Z",
                         "1970-01-01T00:00:00.000Z", "2019-04-30T15:00:00.000Z"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        mig_instant_split(all[i], d, t);
        assert_true(mig_instant_join(d, t, back));
        assert_string_equal(back, all[i]);
    }
    const char *bad[] = {"24:00:00.000", "12:60:00.000", "12:00:60.000", "1:00:00.000",
                         "12:00:00", "12-00-00.000", "12:00:00.1234", "ab:00:00.000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(mig_instant_join("2026-01-01", bad[i], back));
    assert_false(mig_instant_join("2026-02-30", "00:00:00.000", back));
    assert_false(mig_instant_join("", "00:00:00.000", back));
}

static void numbers(void **state)
{
    (void)state;
    struct mig_ctx c = {.number_digits = 10, .m11_zero = false};
    assert_true(mig_number_ok(&c, "0000000019"));
    assert_false(mig_number_ok(&c, "0000000018")); /* check digit */
    assert_false(mig_number_ok(&c, "000000019"));  /* the town's width */
    assert_false(mig_number_ok(&c, "00000000a9"));
    assert_false(mig_number_ok(&c, ""));
    /* Serial 6: remainder 1, never issued by default; 0 with the zero rule. */
    assert_false(mig_number_ok(&c, "0000000060"));
    c.m11_zero = true;
    assert_true(mig_number_ok(&c, "0000000060"));
    c.number_digits = 6;
    assert_true(mig_number_ok(&c, "000019"));
    assert_int_equal(residents_number_serial("0000000019"), 1);
    assert_int_equal(residents_number_serial("x"), -1);
}

/* ---- kyodo_codes.tsv ----------------------------------------------------------- */

static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void codes(void **state)
{
    (void)state;
    char *root = make_temp_dir();
    char dir[512], items[600];
    snprintf(dir, sizeof dir, "%s/t", root);
    snprintf(items, sizeof items, "%s/items", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(mkdir(items, 0700), 0);
    put(dir, "layout.tsv", "キー\t値\nname\tt\ntitle\tテスト\nversion\tkyodo-1\n");
    put(dir, "files.tsv", "ファイルID\tファイル名\t物理ファイル名\tキー項目\t説明\nF\t例\tF.csv\t番号\t\n");
    put(dir, "items/F.tsv",
        "項番\t項目名\t型\t桁数\t固定\t必須\tコード表\t検査\tkyodo名\t説明\n"
        "1\t番号\t数字\t10\t\t○\t\t\tatena\t\n2\t事由\tコード\t\t\t\tJIYU\t\tjiyu\t\n");
    put(dir, "code_tables.tsv", "コード表ID\tコード表名\t桁数\t説明\nJIYU\t事由\t2\t\n");
    put(dir, "codes.tsv", "コード表ID\tコード\t名称\nJIYU\t11\t転入\nJIYU\t32\t転居\nJIYU\t27\t改製\n");
    put(dir, "kyodo_codes.tsv",
        "# comment\nコード表ID\tコード\tkyodo値\nJIYU\t11\tkokunai_tennyu\nJIYU\t32\ttenkyo\n");
    struct kd_err err;
    struct mig_layout *l;
    assert_int_equal(mig_layout_load(root, "t", &l, &err), 0);
    struct mig_codes *c;
    assert_int_equal(mig_codes_load(root, l, &c, &err), 0);
    assert_string_equal(mig_codes_value(c, "JIYU", "32"), "tenkyo");
    assert_string_equal(mig_codes_code(c, "JIYU", "kokunai_tennyu"), "11");
    assert_null(mig_codes_value(c, "JIYU", "27")); /* a code kyodo has no value for */
    assert_null(mig_codes_code(c, "JIYU", "shibou"));
    assert_null(mig_codes_value(c, "OTHER", "32"));
    mig_codes_free(c);
    /* One to one: a value twice, a code twice, a code not in the table, a bad header. */
    const char *bad[] = {
        "コード表ID\tコード\tkyodo値\nJIYU\t11\ttenkyo\nJIYU\t32\ttenkyo\n",
        "コード表ID\tコード\tkyodo値\nJIYU\t11\ta\nJIYU\t11\tb\n",
        "コード表ID\tコード\tkyodo値\nJIYU\t99\ta\n",
        "コード\tkyodo値\tコード表ID\nJIYU\t11\ta\n",
        "コード表ID\tコード\tkyodo値\nJIYU\t11\n",
        "コード表ID\tコード\tkyodo値\nJIYU\t11\t\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put(dir, "kyodo_codes.tsv", bad[i]);
        assert_int_equal(mig_codes_load(root, l, &c, &err), -1);
        assert_string_equal(err.field, "t/kyodo_codes.tsv");
        assert_non_null(strstr(err.message, "kyodo_codes.tsv:"));
    }
    /* No file: no bindings. */
    char path[600];
    snprintf(path, sizeof path, "%s/kyodo_codes.tsv", dir);
    unlink(path);
    assert_int_equal(mig_codes_load(root, l, &c, &err), 0);
    assert_null(mig_codes_value(c, "JIYU", "11"));
    mig_codes_free(c);
    mig_layout_free(l);
    rm_tree(root);
}

/* ---- the register written whole --------------------------------------------------- */

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

static struct bulk_version row(int64_t rireki, const char *kind, const char *jiyu,
                               const char *date, const char *recorded, const char *address,
                               const char *superseded)
{
    struct bulk_version v;
    memset(&v, 0, sizeof v);
    record_clear(&v.r);
    v.r.atena = "0000000019";
    v.r.rireki = rireki;
    v.r.valid_from = date;
    v.r.recorded_at = recorded;
    v.r.status = "resident";
    v.r.kind = "japanese";
    v.r.shimei = "移行 太郎";
    v.r.shimei_kana = "イコウ　タロウ";
    v.r.birth = "1970-01-01";
    v.r.sex = 1;
    v.r.setai = "0000000027";
    v.r.zokugara = "世帯主";
    v.r.postcode = "3770424";
    v.r.address = address;
    v.r.became_resident = "2010-01-01";
    v.r.address_fixed = date;
    v.kind = kind;
    v.jiyu = jiyu;
    v.idou_date_text = "";
    v.user_login = "vendor";
    v.note = "";
    v.superseded_at = superseded;
    return v;
}

struct seen {
    int n;
    char notes[4][64];
    char jiyu[4][8];
    bool latest[4];
};

static int collect(void *ctx, const struct bulk_version *v, bool latest, struct kd_err *err)
{
    (void)err;
    struct seen *s = ctx;
    if (s->n < 4) {
        snprintf(s->notes[s->n], sizeof s->notes[0], "%s", v->note);
        snprintf(s->jiyu[s->n], sizeof s->jiyu[0], "%s", v->jiyu ? v->jiyu : "-");
        s->latest[s->n] = latest;
    }
    s->n++;
    return 0;
}

static const char *on(struct fixture *f, const char *date, const char *field)
{
    struct record r;
    struct kd_err err;
    int found = tl_as_of(f->town, "0000000019", date, 0, &r, &f->a, &err);
    assert_true(found >= 0);
    if (!found)
        return NULL;
    return record_text(&r, record_field_index(field));
}

static int idou(struct fixture *f, const char *json, struct kd_err *err)
{
    json_error_t je;
    json_t *body = json_loads(json, 0, &je);
    assert_non_null(body);
    struct idou_actor who = {"unit", "unit-test", 1800000000000, "2026-11-27"};
    struct idou_result res;
    int rc = residents_record_idou(f->town, body, &who, &res, &f->a, err);
    json_decref(body);
    return rc;
}

static void bulk_register(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct bulk_version rows[3] = {
        row(1, "shokken_kisai", "14", "2020-01-01", "2020-01-02T01:00:00.000Z", "群馬県A", ""),
        row(2, "tenkyo", "32", "2022-01-01", "2022-01-02T01:00:00.000Z", "群馬県X",
            "2022-03-01T01:00:00.000Z"),
        row(3, "ikou", "45", "2022-01-01", "2022-03-01T01:00:00.000Z", "群馬県B", ""),
    };
    rows[0].note = "「注意」\n\"引用\" \\ 終";
    assert_int_equal(store_begin_write(f->town, &err), 0);
    struct bulk_writer *w;
    assert_int_equal(residents_bulk_open(f->town, "unit-import", &w, &err), 0);
    assert_int_equal(residents_bulk_person(w, rows, 3, &err), 0);
    /* The same number again: refused, naming it. */
    assert_int_equal(residents_bulk_person(w, rows, 1, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_string_equal(err.field, "atena");
    assert_int_equal(residents_bulk_close(w, &err), 0);
    assert_int_equal(store_commit(f->town, &err), 0);

    /* The indexes the import built at its end are those of the schema (as a
     * town just made has them). */
    assert_int_equal(catalog_town_create(f->cat, "104248", &err), 0);
    struct store *fresh = catalog_town(f->cat, "104248", &err);
    const char *q = "SELECT group_concat(name || ':' || coalesce(sql, ''), '|') FROM"
                    " (SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name)";
    char *lists[2];
    struct store *both[2] = {f->town, fresh};
    for (int i = 0; i < 2; i++) {
        struct store_stmt *st = store_prepare(both[i], q, &err);
        assert_non_null(st);
        assert_int_equal(store_step(st, &err), STORE_ROW);
        lists[i] = strdup(store_col_text(st, 0, NULL));
        store_reset(st);
    }
    assert_non_null(strstr(lists[0], "resident_keys_by_atena"));
    assert_string_equal(lists[0], lists[1]);
    free(lists[0]);
    free(lists[1]);

    /* Read as given: the superseded row is known before it was superseded. */
    assert_string_equal(on(f, "2021-06-01", "address"), "群馬県A");
    assert_string_equal(on(f, "2022-06-01", "address"), "群馬県B");
    struct record r;
    assert_int_equal(tl_as_of(f->town, "0000000019", "2022-06-01", 1646096400000 - 1, &r, &f->a,
                              &err),
                     1);
    assert_string_equal(r.address, "群馬県X");
    /* Read back whole: notes with escapes, the codes kept, the latest row. */
    struct seen s = {0};
    assert_int_equal(store_begin_read(f->town, &err), 0);
    assert_int_equal(residents_bulk_scan(f->town, collect, &s, &err), 0);
    store_rollback(f->town);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.notes[0], "「注意」\n\"引用\" \\ 終");
    assert_string_equal(s.jiyu[1], "32");
    assert_string_equal(s.jiyu[2], "45");
    assert_false(s.latest[0]);
    assert_false(s.latest[1]);
    assert_true(s.latest[2]);
    /* The number series moved past what was imported. */
    char n[16];
    assert_int_equal(numbers_next(f->town, "atena", n, &f->a, &err), 0);
    assert_string_equal(n, "0000000027");
    assert_int_equal(numbers_next(f->town, "setai", n, &f->a, &err), 0);
    assert_string_equal(n, "0000000035");

    /* A backdated 氏名の変更 in 2021: the migrated row of 2022 is replayed by
     * what it changed (the address), so the new name carries on. */
    assert_int_equal(idou(f,
                          "{\"kind\":\"shimei_henko\",\"idou_date\":\"2021-05-05\",\"subjects\":"
                          "[{\"atena\":\"0000000019\"}],\"changes\":{\"shimei\":\"改名 太郎\"}}",
                          &err),
                     0);
    assert_string_equal(on(f, "2021-06-01", "shimei"), "改名 太郎");
    assert_string_equal(on(f, "2022-06-01", "shimei"), "改名 太郎");
    assert_string_equal(on(f, "2022-06-01", "address"), "群馬県B");
    assert_string_equal(on(f, "2020-06-01", "shimei"), "移行 太郎");
    /* A 死亡 before the migrated change of 2022 cannot be. */
    assert_int_equal(idou(f,
                          "{\"kind\":\"shibou\",\"idou_date\":\"2021-06-06\",\"subjects\":"
                          "[{\"atena\":\"0000000019\"}]}",
                          &err),
                     -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_non_null(strstr(err.message, "migrated"));
    /* A 転居 after it goes on as for any resident. */
    assert_int_equal(idou(f,
                          "{\"kind\":\"tenkyo\",\"idou_date\":\"2026-11-01\",\"subjects\":"
                          "[{\"atena\":\"0000000019\"}],\"changes\":{\"postcode\":\"3770424\","
                          "\"address\":\"群馬県C\"}}",
                          &err),
                     0);
    assert_string_equal(on(f, "2026-11-02", "address"), "群馬県C");
    assert_string_equal(on(f, "2026-11-02", "shimei"), "改名 太郎");
    /* The kind kept for rows without one of kyodo's is not a kind to record. */
    assert_int_equal(idou(f, "{\"kind\":\"ikou\",\"idou_date\":\"2026-11-01\"}", &err), -1);
    assert_string_equal(err.field, "kind");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(instants),
        cmocka_unit_test(numbers),
        cmocka_unit_test(codes),
        cmocka_unit_test_setup_teardown(bulk_register, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
