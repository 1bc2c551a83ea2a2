/*
 * test_wareki.c — src/engine/wareki: the era table, conversions, text forms,
 * added eras and 不詳日.
 *
 * Vectors: ../shared/domain/identifiers-and-dates.md §2 and §4;
 * 不詳 forms: resident-registry.md §4 (住民記録システム標準仕様書 1.1.8).
 */
#include "testutil.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/err.h"
#include "engine/wareki.h"

static struct date D(int32_t y, int m, int d)
{
    return (struct date){y, (uint8_t)m, (uint8_t)d};
}

static void assert_date(struct date got, int32_t y, int m, int d)
{
    if (got.y != y || got.m != m || got.d != d)
        fail_msg("got %04d-%02d-%02d, want %04d-%02d-%02d", (int)got.y, got.m, got.d, (int)y, m,
                 d);
}

static struct kd_err err;

/* Parses with `parse` and expects the date, or fails the test. */
typedef int (*parse_fn)(const char *, size_t, const char *, struct date *, struct kd_err *);

static struct date must_parse(parse_fn parse, const char *s)
{
    struct date d;
    if (parse(s, strlen(s), "f", &d, &err) < 0)
        fail_msg("%s: %s", s, err.message);
    return d;
}

/* Expects `parse` to refuse s, with a message containing `why`. */
static void must_refuse(parse_fn parse, const char *s, const char *why)
{
    struct date d = D(1, 1, 1);
    kd_err_clear(&err);
    if (parse(s, strlen(s), "f", &d, &err) == 0)
        fail_msg("%s was accepted as %04d-%02d-%02d", s, (int)d.y, d.m, d.d);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_string_equal(err.field, "f");
    if (why && !strstr(err.message, why))
        fail_msg("%s: message \"%s\" does not say \"%s\"", s, err.message, why);
    assert_date(d, 1, 1, 1); /* untouched */
}

/* ---- the table ----------------------------------------------------------- */

static void builtin_table(void **state)
{
    (void)state;
    assert_int_equal(wareki_era_count(), 5);
    static const struct {
        int code;
        const char *name;
        char letter;
        struct date first, last;
    } want[] = {
        {1, "明治", 'M', {1868, 1, 25}, {1912, 7, 30}},
        {2, "大正", 'T', {1912, 7, 30}, {1926, 12, 25}},
        {3, "昭和", 'S', {1926, 12, 25}, {1989, 1, 7}},
        {4, "平成", 'H', {1989, 1, 8}, {2019, 4, 30}},
        {5, "令和", 'R', {2019, 5, 1}, {0, 0, 0}},
    };
    for (size_t i = 0; i < 5; i++) {
        const struct wareki_era *e = wareki_era_at(i);
        assert_non_null(e);
        assert_int_equal(e->code, want[i].code);
        assert_string_equal(e->name, want[i].name);
        assert_int_equal(e->letter, want[i].letter);
        assert_int_equal(date_cmp(e->first, want[i].first), 0);
        assert_int_equal(date_cmp(e->last, want[i].last), 0);
        assert_ptr_equal(wareki_era_by_code(want[i].code), e);
        assert_ptr_equal(wareki_era_by_letter(want[i].letter), e);
        assert_ptr_equal(wareki_era_by_name(want[i].name, strlen(want[i].name)), e);
    }
    assert_null(wareki_era_at(5));
    assert_null(wareki_era_by_code(0));
    assert_null(wareki_era_by_code(6));
    assert_null(wareki_era_by_letter('r'));
    assert_null(wareki_era_by_name("令", strlen("令")));
    assert_null(wareki_era_by_name("令和x", strlen("令和x")));
}

/* ---- the vectors of §2 and §4 -------------------------------------------- */

static const struct vector {
    struct date g;
    const char *kanji, *gyymmdd, *letter, *layout;
    int code, year;
} vectors[] = {
    {{1912, 7, 29}, "明治45年7月29日", "1450729", "M45.07.29", "01450729", 1, 45},
    {{1912, 7, 30}, "大正元年7月30日", "2010730", "T01.07.30", "02010730", 2, 1},
    {{1926, 12, 24}, "大正15年12月24日", "2151224", "T15.12.24", "02151224", 2, 15},
    {{1926, 12, 25}, "昭和元年12月25日", "3011225", "S01.12.25", "03011225", 3, 1},
    {{1989, 1, 7}, "昭和64年1月7日", "3640107", "S64.01.07", "03640107", 3, 64},
    {{1989, 1, 8}, "平成元年1月8日", "4010108", "H01.01.08", "04010108", 4, 1},
    {{2019, 4, 30}, "平成31年4月30日", "4310430", "H31.04.30", "04310430", 4, 31},
    {{2019, 5, 1}, "令和元年5月1日", "5010501", "R01.05.01", "05010501", 5, 1},
    {{2020, 1, 1}, "令和2年1月1日", "5020101", "R02.01.01", "05020101", 5, 2},
    {{2026, 4, 1}, "令和8年4月1日", "5080401", "R08.04.01", "05080401", 5, 8},
};

static void domain_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vector *v = &vectors[i];
        const struct wareki_era *era;
        int year;
        assert_int_equal(wareki_from_date(v->g, &era, &year, &err), 0);
        assert_int_equal(era->code, v->code);
        assert_int_equal(year, v->year);

        char buf[WAREKI_TEXT_CAP], l[WAREKI_LETTER_LEN], g[WAREKI_GYYMMDD_LEN],
            lay[WAREKI_LAYOUT_LEN];
        assert_int_equal(wareki_format_kanji(v->g, 0, buf, sizeof buf, &err), 0);
        assert_string_equal(buf, v->kanji);
        assert_int_equal(wareki_format_letter(v->g, l, &err), 0);
        assert_string_equal(l, v->letter);
        assert_int_equal(wareki_format_gyymmdd(v->g, g, &err), 0);
        assert_string_equal(g, v->gyymmdd);
        assert_int_equal(wareki_format_layout(v->g, lay, &err), 0);
        assert_string_equal(lay, v->layout);

        struct date back;
        assert_int_equal(date_cmp(must_parse(wareki_parse_kanji, v->kanji), v->g), 0);
        assert_int_equal(date_cmp(must_parse(wareki_parse_letter, v->letter), v->g), 0);
        assert_int_equal(date_cmp(must_parse(wareki_parse_gyymmdd, v->gyymmdd), v->g), 0);
        assert_int_equal(date_cmp(must_parse(wareki_parse_layout, v->layout), v->g), 0);
        assert_int_equal(wareki_to_date(v->code, v->year, v->g.m, v->g.d, &back, &err), 0);
        assert_int_equal(date_cmp(back, v->g), 0);
    }

    /* §4: from_wareki(5,8,4,1) => 2026-04-01; (4,31,5,1) and (3,64,1,8) => ERROR. */
    struct date d;
    assert_int_equal(wareki_to_date(5, 8, 4, 1, &d, &err), 0);
    assert_date(d, 2026, 4, 1);
    assert_int_equal(wareki_to_date(4, 31, 5, 1, &d, &err), -1);
    assert_string_equal(err.message, "date: 平成 ended on 2019-04-30 (平成31年4月30日)");
    assert_int_equal(wareki_to_date(3, 64, 1, 8, &d, &err), -1);
    assert_string_equal(err.message, "date: 昭和 ended on 1989-01-07 (昭和64年1月7日)");
    assert_int_equal(wareki_to_date(5, 1, 4, 30, &d, &err), -1);
    assert_string_equal(err.message, "date: 令和 began on 2019-05-01 (令和元年5月1日)");
    assert_int_equal(wareki_to_date(9, 1, 1, 1, &d, &err), -1);
    assert_string_equal(err.message, "date: era code 9 is not in the era table");
    assert_int_equal(wareki_to_date(5, 0, 5, 1, &d, &err), -1);
    assert_non_null(strstr(err.message, "元年"));
    assert_int_equal(wareki_to_date(5, 3, 2, 29, &d, &err), -1);
    assert_string_equal(err.message, "date: 令和3年2月 has 28 days");
    assert_int_equal(wareki_to_date(5, 2, 2, 29, &d, &err), 0); /* 2020 is a leap year */
    assert_int_equal(wareki_to_date(5, 4, 13, 1, &d, &err), -1);
    assert_int_equal(wareki_to_date(5, 4, 4, 31, &d, &err), -1);
    assert_int_equal(wareki_to_date(5, INT64_MAX, 1, 1, &d, &err), -1);
    assert_int_equal(wareki_to_date(5, INT64_MIN, 1, 1, &d, &err), -1);
}

/* The three negatives of §2, in each text form, with the reason. */
static void out_of_era_is_refused(void **state)
{
    (void)state;
    must_refuse(wareki_parse_kanji, "平成31年5月1日", "平成 ended on 2019-04-30 (平成31年4月30日)");
    must_refuse(wareki_parse_kanji, "昭和64年1月8日", "昭和 ended on 1989-01-07 (昭和64年1月7日)");
    must_refuse(wareki_parse_kanji, "令和元年4月30日", "令和 began on 2019-05-01 (令和元年5月1日)");
    must_refuse(wareki_parse_letter, "H31.05.01", "平成 ended");
    must_refuse(wareki_parse_letter, "S64.01.08", "昭和 ended");
    must_refuse(wareki_parse_letter, "R01.04.30", "令和 began");
    must_refuse(wareki_parse_gyymmdd, "4310501", "平成 ended");
    must_refuse(wareki_parse_gyymmdd, "3640108", "昭和 ended");
    must_refuse(wareki_parse_gyymmdd, "5010430", "令和 began");
    must_refuse(wareki_parse_layout, "04310501", "平成 ended");
    must_refuse(wareki_parse_layout, "03640108", "昭和 ended");
    must_refuse(wareki_parse_layout, "05010430", "令和 began");
    /* Era boundaries one day out, the other eras. */
    must_refuse(wareki_parse_kanji, "明治45年7月31日", "明治 ended on 1912-07-30 (明治45年7月30日)");
    must_refuse(wareki_parse_kanji, "大正元年7月29日", "大正 began on 1912-07-30 (大正元年7月30日)");
    must_refuse(wareki_parse_kanji, "大正15年12月26日", "大正 ended on 1926-12-25");
    must_refuse(wareki_parse_kanji, "昭和元年12月24日", "昭和 began on 1926-12-25");
    must_refuse(wareki_parse_kanji, "平成元年1月7日", "平成 began on 1989-01-08");
    must_refuse(wareki_parse_kanji, "平成32年1月1日", "平成 ended");
    must_refuse(wareki_parse_kanji, "明治46年1月1日", "明治 ended");
}

/* Overlap days: the new era when writing, both eras when reading. */
static void overlap_days_both_ways(void **state)
{
    (void)state;
    char buf[WAREKI_TEXT_CAP];
    assert_int_equal(wareki_format_kanji(D(1912, 7, 30), 0, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "大正元年7月30日");
    assert_int_equal(wareki_format_kanji(D(1926, 12, 25), 0, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "昭和元年12月25日");

    assert_date(must_parse(wareki_parse_kanji, "明治45年7月30日"), 1912, 7, 30);
    assert_date(must_parse(wareki_parse_kanji, "大正元年7月30日"), 1912, 7, 30);
    assert_date(must_parse(wareki_parse_kanji, "大正1年7月30日"), 1912, 7, 30);
    assert_date(must_parse(wareki_parse_kanji, "大正15年12月25日"), 1926, 12, 25);
    assert_date(must_parse(wareki_parse_kanji, "昭和元年12月25日"), 1926, 12, 25);
    assert_date(must_parse(wareki_parse_letter, "M45.07.30"), 1912, 7, 30);
    assert_date(must_parse(wareki_parse_letter, "T15.12.25"), 1926, 12, 25);
    assert_date(must_parse(wareki_parse_gyymmdd, "1450730"), 1912, 7, 30);
    assert_date(must_parse(wareki_parse_layout, "02151225"), 1926, 12, 25);
    /* The day before and after each change. */
    assert_date(must_parse(wareki_parse_kanji, "明治45年7月29日"), 1912, 7, 29);
    assert_date(must_parse(wareki_parse_kanji, "大正元年7月31日"), 1912, 7, 31);
    assert_date(must_parse(wareki_parse_kanji, "昭和64年1月7日"), 1989, 1, 7);
    assert_date(must_parse(wareki_parse_kanji, "平成元年1月8日"), 1989, 1, 8);
    assert_date(must_parse(wareki_parse_kanji, "平成31年4月30日"), 2019, 4, 30);
    assert_date(must_parse(wareki_parse_kanji, "令和元年5月1日"), 2019, 5, 1);
}

static void kanji_forms(void **state)
{
    (void)state;
    /* 元年, 1年, leading zeros, full-width digits, mixed. */
    assert_date(must_parse(wareki_parse_kanji, "令和元年5月1日"), 2019, 5, 1);
    assert_date(must_parse(wareki_parse_kanji, "令和1年5月1日"), 2019, 5, 1);
    assert_date(must_parse(wareki_parse_kanji, "令和01年05月01日"), 2019, 5, 1);
    assert_date(must_parse(wareki_parse_kanji, "令和８年４月１日"), 2026, 4, 1);
    assert_date(must_parse(wareki_parse_kanji, "令和０８年０４月０１日"), 2026, 4, 1);
    assert_date(must_parse(wareki_parse_kanji, "令和元年１２月３１日"), 2019, 12, 31);
    assert_date(must_parse(wareki_parse_kanji, "令和8年４月1日"), 2026, 4, 1);
    assert_date(must_parse(wareki_parse_kanji, "昭和６４年１月７日"), 1989, 1, 7);
    assert_date(must_parse(wareki_parse_kanji, "令和100年1月1日"), 2118, 1, 1);

    char buf[WAREKI_TEXT_CAP];
    assert_int_equal(wareki_format_kanji(D(2026, 4, 1), WAREKI_FULLWIDTH, buf, sizeof buf, &err),
                     0);
    assert_string_equal(buf, "令和８年４月１日");
    assert_int_equal(wareki_format_kanji(D(2019, 5, 1), WAREKI_FULLWIDTH, buf, sizeof buf, &err),
                     0);
    assert_string_equal(buf, "令和元年５月１日");
    assert_int_equal(wareki_format_kanji(D(2026, 12, 31), WAREKI_FULLWIDTH, buf, sizeof buf,
                                         &err),
                     0);
    assert_string_equal(buf, "令和８年１２月３１日");
    assert_int_equal(wareki_format_kanji(D(2026, 4, 1), WAREKI_GREGORIAN, buf, sizeof buf, &err),
                     0);
    assert_string_equal(buf, "2026年4月1日");
    assert_int_equal(wareki_format_kanji(D(2026, 4, 1), WAREKI_GREGORIAN | WAREKI_FULLWIDTH, buf,
                                         sizeof buf, &err),
                     0);
    assert_string_equal(buf, "２０２６年４月１日");
    /* A buffer too small fails and leaves an empty string. */
    char small[8];
    assert_int_equal(wareki_format_kanji(D(2026, 4, 1), 0, small, sizeof small, &err), -1);
    assert_string_equal(small, "");
    assert_int_equal(wareki_format_kanji(D(2026, 2, 30), 0, buf, sizeof buf, &err), -1);

    const char *bad[] = {"",
                         "令和",
                         "令和8年",
                         "令和8年4月",
                         "令和8年4月1",
                         "令和8年4月1日 ",
                         " 令和8年4月1日",
                         "令和 8年4月1日",
                         "令和8年4月1日頃",
                         "令和八年四月一日",
                         "令和00008年4月1日",
                         "令和8年004月1日",
                         "令和8年4月001日",
                         "2026年4月1日",
                         "R8年4月1日",
                         "令8年4月1日",
                         "令和元元年4月1日",
                         "令和-8年4月1日",
                         "令和8年4月1日日"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        must_refuse(wareki_parse_kanji, bad[i], "expected an era date such as 令和8年4月1日");
    must_refuse(wareki_parse_kanji, "令和0年5月1日", "令和0年 does not exist");
    must_refuse(wareki_parse_kanji, "令和3年2月29日", "令和3年2月 has 28 days");
    must_refuse(wareki_parse_kanji, "令和元年2月30日", "令和元年2月 has 28 days");
    must_refuse(wareki_parse_kanji, "令和4年13月1日", "month 13 is not 1 to 12");
    must_refuse(wareki_parse_kanji, "令和4年0月1日", "month 0");
    must_refuse(wareki_parse_kanji, "令和4年4月0日", "day 0 does not exist");
    must_refuse(wareki_parse_kanji, "令和4年4月31日", "has 30 days");
    must_refuse(wareki_parse_kanji, "令和7982年1月1日", "after 9999");
    /* Length-delimited: a prefix of a good date is refused, the rest unread. */
    const char *good = "令和8年4月1日";
    struct date d;
    assert_int_equal(wareki_parse_kanji(good, strlen(good) - 1, "f", &d, &err), -1);
    assert_int_equal(wareki_parse_kanji(good, 3, "f", &d, &err), -1);
    assert_int_equal(wareki_parse_kanji(good, 0, "f", &d, &err), -1);
}

static void numeric_forms(void **state)
{
    (void)state;
    const char *bad_letter[] = {"", "R8.4.1", "R08.04.1", "R08-04-01", "r08.04.01", "R08.04.01 ",
                                "R0A.04.01", "RR8.04.01", "R08.04.010"};
    for (size_t i = 0; i < sizeof bad_letter / sizeof bad_letter[0]; i++)
        must_refuse(wareki_parse_letter, bad_letter[i], "expected an era date such as R08.04.01");
    must_refuse(wareki_parse_letter, "X08.04.01", "no era has the letter X");
    must_refuse(wareki_parse_letter, "R00.05.01", "令和0年 does not exist");
    must_refuse(wareki_parse_letter, "R03.02.29", "令和3年2月 has 28 days");

    const char *bad_g[] = {"", "508041", "50804011", "5080a01", "５080401", " 5080401"};
    for (size_t i = 0; i < sizeof bad_g / sizeof bad_g[0]; i++)
        must_refuse(wareki_parse_gyymmdd, bad_g[i], "expected 7 digits");
    must_refuse(wareki_parse_gyymmdd, "0080401", "era code 0 is not in the era table");
    must_refuse(wareki_parse_gyymmdd, "6010101", "era code 6 is not in the era table");
    must_refuse(wareki_parse_gyymmdd, "5081301", "month 13");
    must_refuse(wareki_parse_gyymmdd, "1051231", "lunisolar"); /* 明治5年 = 1872 */
    assert_date(must_parse(wareki_parse_gyymmdd, "1060101"), 1873, 1, 1);

    const char *bad_l[] = {"", "5080401", "050804011", "0508040a", "05-80401"};
    for (size_t i = 0; i < sizeof bad_l / sizeof bad_l[0]; i++)
        must_refuse(wareki_parse_layout, bad_l[i], "expected 8 digits");
    must_refuse(wareki_parse_layout, "06010101", "era code 6 is not in the era table");
    must_refuse(wareki_parse_layout, "00010101", "era code 0");
    must_refuse(wareki_parse_layout, "99010101", "era code 99");

    /* Years of more than two digits do not fit the numeric forms. */
    char l[WAREKI_LETTER_LEN], g[WAREKI_GYYMMDD_LEN], lay[WAREKI_LAYOUT_LEN];
    assert_int_equal(wareki_format_letter(D(2117, 12, 31), l, &err), 0);
    assert_string_equal(l, "R99.12.31");
    assert_int_equal(wareki_format_letter(D(2118, 1, 1), l, &err), -1);
    assert_string_equal(err.message, "令和100年 has more than 2 digits of year");
    assert_string_equal(l, "");
    assert_int_equal(wareki_format_gyymmdd(D(2118, 1, 1), g, &err), -1);
    assert_int_equal(wareki_format_layout(D(2118, 1, 1), lay, &err), -1);
    assert_int_equal(wareki_format_letter(D(1872, 12, 31), l, &err), -1);
}

static void before_1873_is_lunisolar(void **state)
{
    (void)state;
    struct date d;
    const struct wareki_era *era;
    int year;
    assert_date(must_parse(wareki_parse_kanji, "明治6年1月1日"), 1873, 1, 1);
    must_refuse(wareki_parse_kanji, "明治5年12月2日", "lunisolar");
    must_refuse(wareki_parse_kanji, "明治5年12月31日",
                "明治5年 is before 1873 (明治6年), when Japan adopted the Gregorian calendar");
    must_refuse(wareki_parse_kanji, "明治元年1月25日", "lunisolar");
    must_refuse(wareki_parse_letter, "M05.12.31", "lunisolar");
    assert_int_equal(wareki_to_date(1, 5, 12, 31, &d, &err), -1);
    assert_non_null(strstr(err.message, "lunisolar"));
    assert_int_equal(wareki_from_date(D(1872, 12, 31), &era, &year, &err), -1);
    assert_int_equal(wareki_from_date(D(1873, 1, 1), &era, &year, &err), 0);
    assert_int_equal(era->code, 1);
    assert_int_equal(year, 6);
    assert_int_equal(wareki_from_date(D(2026, 2, 30), &era, &year, &err), -1);
}

/* Every day from 1873 to 2100 through each form and back. */
static void round_trips_1873_to_2100(void **state)
{
    (void)state;
    struct date d = D(1873, 1, 1), back;
    struct kd_err e;
    int prev_code = 1, prev_year = 6;
    size_t days = 0;
    while (date_cmp(d, D(2100, 12, 31)) <= 0) {
        const struct wareki_era *era;
        int year;
        assert_int_equal(wareki_from_date(d, &era, &year, &e), 0);
        /* Eras and years only move forward, by one at a time. */
        if (era->code == prev_code)
            assert_true(year == prev_year || year == prev_year + 1);
        else
            assert_true(era->code == prev_code + 1 && year == 1);
        prev_code = era->code, prev_year = year;

        char k[WAREKI_TEXT_CAP], kf[WAREKI_TEXT_CAP], l[WAREKI_LETTER_LEN],
            g[WAREKI_GYYMMDD_LEN], lay[WAREKI_LAYOUT_LEN];
        assert_int_equal(wareki_format_kanji(d, 0, k, sizeof k, &e), 0);
        assert_int_equal(wareki_parse_kanji(k, strlen(k), "f", &back, &e), 0);
        assert_int_equal(date_cmp(back, d), 0);
        assert_int_equal(wareki_format_kanji(d, WAREKI_FULLWIDTH, kf, sizeof kf, &e), 0);
        assert_int_equal(wareki_parse_kanji(kf, strlen(kf), "f", &back, &e), 0);
        assert_int_equal(date_cmp(back, d), 0);
        assert_int_equal(wareki_format_letter(d, l, &e), 0);
        assert_int_equal(wareki_parse_letter(l, 9, "f", &back, &e), 0);
        assert_int_equal(date_cmp(back, d), 0);
        assert_int_equal(wareki_format_gyymmdd(d, g, &e), 0);
        assert_int_equal(wareki_parse_gyymmdd(g, 7, "f", &back, &e), 0);
        assert_int_equal(date_cmp(back, d), 0);
        assert_int_equal(wareki_format_layout(d, lay, &e), 0);
        assert_int_equal(wareki_parse_layout(lay, 8, "f", &back, &e), 0);
        assert_int_equal(date_cmp(back, d), 0);
        assert_int_equal(wareki_to_date(era->code, year, d.m, d.d, &back, &e), 0);
        assert_int_equal(date_cmp(back, d), 0);
        /* An exact date through the 不詳日 parser stays exact. */
        struct fuzzy_date fd;
        assert_int_equal(wareki_fuzzy_parse(k, strlen(k), "f", &fd, &e), 0);
        assert_true(fd.known_exact && !fd.unknown && fd.has_date);
        assert_int_equal(date_cmp(fd.date, d), 0);
        days++;
        assert_int_equal(date_add_days(d, 1, &d, &e), 0);
    }
    assert_int_equal(days, (size_t)(clock_days_from_civil(2100, 12, 31) -
                                    clock_days_from_civil(1873, 1, 1) + 1));
    assert_int_equal(prev_code, 5);
    assert_int_equal(prev_year, 82);
}

/* ---- a sixth era from configuration -------------------------------------- */

static int reset_table(void **state)
{
    (void)state;
    wareki_reset();
    return 0;
}

static void added_era(void **state)
{
    (void)state;
    assert_int_equal(wareki_add_era(6, "未来", 'F', D(2040, 5, 1), false, &err), 0);
    assert_int_equal(wareki_era_count(), 6);
    const struct wareki_era *r = wareki_era_by_code(5), *f = wareki_era_by_code(6);
    assert_non_null(f);
    assert_date(r->last, 2040, 4, 30);
    assert_date(f->first, 2040, 5, 1);
    assert_int_equal(f->last.y, 0);

    char buf[WAREKI_TEXT_CAP], g[WAREKI_GYYMMDD_LEN], lay[WAREKI_LAYOUT_LEN],
        l[WAREKI_LETTER_LEN];
    assert_int_equal(wareki_format_kanji(D(2040, 4, 30), 0, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "令和22年4月30日");
    assert_int_equal(wareki_format_kanji(D(2040, 5, 1), 0, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "未来元年5月1日");
    assert_int_equal(wareki_format_gyymmdd(D(2041, 1, 2), g, &err), 0);
    assert_string_equal(g, "6020102");
    assert_int_equal(wareki_format_layout(D(2041, 1, 2), lay, &err), 0);
    assert_string_equal(lay, "06020102");
    assert_int_equal(wareki_format_letter(D(2041, 1, 2), l, &err), 0);
    assert_string_equal(l, "F02.01.02");
    assert_date(must_parse(wareki_parse_kanji, "未来元年5月1日"), 2040, 5, 1);
    assert_date(must_parse(wareki_parse_kanji, "未来２年１月２日"), 2041, 1, 2);
    assert_date(must_parse(wareki_parse_letter, "F02.01.02"), 2041, 1, 2);
    assert_date(must_parse(wareki_parse_layout, "06020102"), 2041, 1, 2);
    must_refuse(wareki_parse_kanji, "令和22年5月1日", "令和 ended on 2040-04-30 (令和22年4月30日)");
    must_refuse(wareki_parse_kanji, "未来元年4月30日", "未来 began on 2040-05-01 (未来元年5月1日)");
    struct fuzzy_date fd;
    assert_int_equal(wareki_fuzzy_parse("未来元年頃", strlen("未来元年頃"), "f", &fd, &err), 0);
    assert_date(fd.date, 2040, 5, 1);

    /* Refusals leave the table as it was. */
    assert_int_equal(wareki_add_era(6, "別名", 'G', D(2050, 1, 1), false, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_int_equal(wareki_add_era(4, "別名", 'G', D(2050, 1, 1), false, &err), -1);
    assert_int_equal(wareki_add_era(100, "別名", 'G', D(2050, 1, 1), false, &err), -1);
    assert_int_equal(wareki_add_era(7, "令和", 'G', D(2050, 1, 1), false, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_int_equal(wareki_add_era(7, "別名", 'R', D(2050, 1, 1), false, &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    assert_int_equal(wareki_add_era(7, "別名", 'g', D(2050, 1, 1), false, &err), -1);
    assert_int_equal(wareki_add_era(7, "別名", 'G', D(2040, 5, 1), false, &err), -1);
    assert_int_equal(wareki_add_era(7, "別名", 'G', D(2050, 2, 30), false, &err), -1);
    assert_int_equal(wareki_add_era(7, NULL, 'G', D(2050, 1, 1), false, &err), -1);
    const char *bad_names[] = {"", "AB", "別1", "別１", "別年", "別日", "頃別", "別　名", "推定別",
                               "一二三四五六七八九", "\xff\xfe"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        assert_int_equal(wareki_add_era(7, bad_names[i], 'G', D(2050, 1, 1), false, &err), -1);
        assert_string_equal(err.field, "name");
    }
    assert_int_equal(wareki_era_count(), 6);

    /* 即日改元: the change day belongs to both, written in the new era. */
    assert_int_equal(wareki_add_era(7, "別名", 'G', D(2050, 1, 1), true, &err), 0);
    assert_date(wareki_era_by_code(6)->last, 2050, 1, 1);
    assert_int_equal(wareki_format_kanji(D(2050, 1, 1), 0, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "別名元年1月1日");
    assert_date(must_parse(wareki_parse_kanji, "未来11年1月1日"), 2050, 1, 1);
    assert_int_equal(wareki_fuzzy_parse("未来11年1月1日", strlen("未来11年1月1日"), "f", &fd, &err),
                     0);
    assert_false(fd.known_exact); /* the old era of an overlap day is kept as written */
    assert_string_equal(fd.text, "未来11年1月1日");

    wareki_reset();
    assert_int_equal(wareki_era_count(), 5);
    assert_int_equal(wareki_era_by_code(5)->last.y, 0);
    assert_null(wareki_era_by_code(6));
}

static void added_era_from_spec(void **state)
{
    (void)state;
    const char *spec = "6,新元,N,2031-05-01";
    assert_int_equal(wareki_add_era_spec(spec, strlen(spec), &err), 0);
    assert_string_equal(wareki_era_by_code(6)->name, "新元");
    assert_int_equal(wareki_era_by_code(6)->letter, 'N');
    assert_date(wareki_era_by_code(5)->last, 2031, 4, 30);
    assert_date(must_parse(wareki_parse_gyymmdd, "6010501"), 2031, 5, 1);
    /* A name may hold 元, as many past era names do (元禄, 元治). */
    assert_date(must_parse(wareki_parse_kanji, "新元元年5月1日"), 2031, 5, 1);
    assert_date(must_parse(wareki_parse_kanji, "新元2年5月1日"), 2032, 5, 1);
    char buf[WAREKI_TEXT_CAP];
    assert_int_equal(wareki_format_kanji(D(2031, 6, 1), 0, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "新元元年6月1日");
    const char *spec2 = "7,次代,J,2032-01-01,same-day";
    assert_int_equal(wareki_add_era_spec(spec2, strlen(spec2), &err), 0);
    assert_date(wareki_era_by_code(6)->last, 2032, 1, 1);

    const char *bad[] = {"",
                         "8",
                         "8,名前,Q",
                         "8,名前,Q,2040-01-01,same",
                         "8,名前,Q,2040-01-01,same-day,x",
                         "x,名前,Q,2040-01-01",
                         "0,名前,Q,2040-01-01",
                         "8,,Q,2040-01-01",
                         "8,名前,QQ,2040-01-01",
                         "8,名前,Q,2040-02-30",
                         "8,名前,Q,20400101",
                         "8,名前名前名前名前名前名前名前名前名前,Q,2040-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (wareki_add_era_spec(bad[i], strlen(bad[i]), &err) == 0)
            fail_msg("%s was accepted", bad[i]);
    /* A NUL inside the name is refused, not cut. */
    const char nul[] = "8,名\0前,Q,2040-01-01";
    assert_int_equal(wareki_add_era_spec(nul, sizeof nul - 1, &err), -1);
    assert_int_equal(wareki_era_count(), 7);
    wareki_reset();
}

/* ---- 不詳日 ---------------------------------------------------------------- */

struct fuzzy_case {
    const char *text;
    int kind; /* 0 exact, 1 non-calendar, 2 unknown */
    struct date internal; /* {0} for none */
};

static void check_fuzzy(const struct fuzzy_case *c)
{
    struct fuzzy_date fd;
    memset(&fd, 0x5a, sizeof fd);
    if (wareki_fuzzy_parse(c->text, strlen(c->text), "birth", &fd, &err) < 0)
        fail_msg("%s: %s", c->text, err.message);
    if (fd.known_exact != (c->kind == 0) || fd.unknown != (c->kind == 2))
        fail_msg("%s: kind exact=%d unknown=%d", c->text, fd.known_exact, fd.unknown);
    if (c->internal.y == 0) {
        assert_false(fd.has_date);
    } else {
        assert_true(fd.has_date);
        if (date_cmp(fd.date, c->internal) != 0)
            fail_msg("%s: internal %04d-%02d-%02d, want %04d-%02d-%02d", c->text, (int)fd.date.y,
                     fd.date.m, fd.date.d, (int)c->internal.y, c->internal.m, c->internal.d);
    }
    assert_string_equal(fd.text, c->kind == 0 ? "" : c->text);

    /* Display: the text as given, or the date in the era. */
    char buf[WAREKI_FUZZY_TEXT_CAP];
    assert_int_equal(wareki_fuzzy_format(&fd, 0, buf, sizeof buf, &err), 0);
    if (c->kind != 0)
        assert_string_equal(buf, c->text);
    /* And what is displayed parses to the same thing. */
    struct fuzzy_date again;
    assert_int_equal(wareki_fuzzy_parse(buf, strlen(buf), "birth", &again, &err), 0);
    assert_int_equal(again.known_exact, fd.known_exact);
    assert_int_equal(again.unknown, fd.unknown);
    assert_int_equal(again.has_date, fd.has_date);
    if (fd.has_date)
        assert_int_equal(date_cmp(again.date, fd.date), 0);
}

static void fuzzy_standard_forms(void **state)
{
    (void)state;
    /* 住民記録システム標準仕様書 1.1.8 【不詳日入力一覧】, every line, with 令和5年. */
    const struct fuzzy_case cases[] = {
        {"令和5年頃", 2, {2023, 1, 1}},
        {"令和5年4月頃", 2, {2023, 4, 1}},
        {"令和5年4月10日頃", 2, {2023, 4, 10}},
        {"推定令和5年4月10日", 2, {2023, 4, 10}},
        {"推定令和5年4月", 2, {2023, 4, 1}},
        {"令和5年春", 2, {2023, 3, 1}},
        {"令和5年4月上旬", 2, {2023, 4, 1}},
        {"令和5年4月中旬頃", 2, {2023, 4, 11}},
        {"年月日不詳", 2, {0, 0, 0}},
        {"令和5年 月日不詳", 2, {2023, 1, 1}},
        {"令和5年12月 日不詳", 2, {2023, 12, 1}},
        {"令和5年12月1日から12月15日頃までの間", 2, {2023, 12, 1}},
        {"令和5年12月推定1日から15日までの間", 2, {2023, 12, 1}},
        {"令和5年12月1日頃から15日頃までの間", 2, {2023, 12, 1}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_fuzzy(&cases[i]);
}

static void fuzzy_variants(void **state)
{
    (void)state;
    const struct fuzzy_case cases[] = {
        /* Exact dates. */
        {"2026-04-01", 0, {2026, 4, 1}},
        {"令和8年4月1日", 0, {2026, 4, 1}},
        {"令和８年４月１日", 0, {2026, 4, 1}},
        {"令和元年5月1日", 0, {2019, 5, 1}},
        {"2026年4月1日", 0, {2026, 4, 1}},
        {"２０２６年４月１日", 0, {2026, 4, 1}},
        {"大正元年7月30日", 0, {1912, 7, 30}},
        /* Non-calendar: kept as written (戸籍), an internal day. */
        {"平成3年2月29日", 1, {1991, 2, 28}},
        {"平成３年２月２９日", 1, {1991, 2, 28}},
        {"1991年2月29日", 1, {1991, 2, 28}},
        {"昭和50年2月30日", 1, {1975, 2, 28}},
        {"令和5年4月31日", 1, {2023, 4, 30}},
        {"平成31年4月31日", 1, {2019, 4, 30}},
        {"明治45年7月30日", 1, {1912, 7, 30}},
        {"大正15年12月25日", 1, {1926, 12, 25}},
        /* Every 不詳 shape, seasons and 旬, 西暦, full-width, spaces. */
        {"令和5年夏", 2, {2023, 6, 1}},
        {"令和5年秋頃", 2, {2023, 9, 1}},
        {"令和5年冬", 2, {2023, 12, 1}},
        {"令和5年4月下旬", 2, {2023, 4, 21}},
        {"令和5年2月下旬頃", 2, {2023, 2, 21}},
        {"令和5年月日不詳", 2, {2023, 1, 1}},
        {"令和5年　月日不詳", 2, {2023, 1, 1}},
        {"令和5年12月日不詳", 2, {2023, 12, 1}},
        {"令和5年12月　日不詳", 2, {2023, 12, 1}},
        {"推定令和5年", 2, {2023, 1, 1}},
        {"推定令和5年4月10日頃", 2, {2023, 4, 10}},
        {"令和５年頃", 2, {2023, 1, 1}},
        {"令和元年頃", 2, {2019, 5, 1}},        /* the era's first day */
        {"令和元年春", 2, {2019, 5, 1}},        /* 3-5月, from 5月1日 */
        {"令和元年5月上旬", 2, {2019, 5, 1}},
        {"平成31年頃", 2, {2019, 1, 1}},
        {"平成31年4月下旬", 2, {2019, 4, 21}},
        {"昭和64年1月上旬", 2, {1989, 1, 1}},
        {"平成元年1月上旬", 2, {1989, 1, 8}},
        {"大正元年頃", 2, {1912, 7, 30}},
        {"明治45年 月日不詳", 2, {1912, 1, 1}},
        {"明治6年頃", 2, {1873, 1, 1}},
        {"1980年頃", 2, {1980, 1, 1}},
        {"1980年 月日不詳", 2, {1980, 1, 1}},
        {"推定1980年6月", 2, {1980, 6, 1}},
        {"1980年冬", 2, {1980, 12, 1}},
        {"令和5年12月20日から1月5日頃までの間", 2, {2023, 12, 20}},
        {"令和5年12月1日から15日までの間", 2, {2023, 12, 1}},
        {"令和5年12月1日から12月1日までの間", 2, {2023, 12, 1}},
        {"平成31年4月20日から5月5日頃までの間", 2, {2019, 4, 20}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_fuzzy(&cases[i]);
}

static void fuzzy_refusals(void **state)
{
    (void)state;
    struct {
        const char *text;
        const char *why;
    } bad[] = {
        {"令和5年", "expected a date"},
        {"令和5年4月", "expected a date"},
        {"令和5年頃4月", "expected a date"},
        {"令和5年4月頃頃", "expected a date"},
        {"令和5年4月上旬中旬", "expected a date"},
        {"令和5年春夏", "expected a date"},
        {"令和5年4月10日頃頃", "expected a date"},
        {"令和5年4月推定10日", "expected a date"},
        {"令和5年4月10日から", "expected a date"},
        {"令和5年4月10日から15日", "expected a date"},
        {"令和5年4月10日から15日までの間。", "expected a date"},
        {"頃", "expected a date"},
        {"不詳", "expected a date"},
        {"年月日不詳 ", "expected a date"},
        {"令和五年頃", "expected a date"},
        {"26年頃", "expected a date"},
        {"令和5年  月日不詳", "expected a date"},
        {"令和元年4月頃", "令和 began on 2019-05-01"},
        {"令和元年4月下旬", "令和 began on 2019-05-01"},
        {"平成31年5月頃", "平成 ended on 2019-04-30"},
        {"平成32年頃", "平成 ended on 2019-04-30"},
        {"昭和64年1月中旬", "昭和 ended on 1989-01-07"},
        {"平成元年1月1日頃", "平成 began on 1989-01-08"},
        {"明治5年頃", "lunisolar"},
        {"1872年頃", "lunisolar"},
        {"1872年12月1日", "lunisolar"},
        {"令和0年頃", "令和0年 does not exist"},
        {"令和5年13月頃", "month 13 is not 1 to 12"},
        {"令和5年2月29日頃", "令和5年2月 has 28 days"},
        {"推定令和5年2月30日", "has 28 days"},
        {"令和5年2月32日", "has 28 days"},
        {"令和5年2月0日", "day 0 does not exist"},
        {"令和5年12月15日から12月1日までの間", "ends before it begins"},
        {"令和5年12月15日から1日までの間", "ends before it begins"},
        {"令和5年12月1日から2月30日までの間", "has 29 days"}, /* 2024 is a leap year */
        {"令和5年12月1日から13月1日までの間", "month 13"},
        {"令和7982年頃", "after 9999"},
        {"2026-02-30", "February 2026 has 28 days"},
        {"2026-13-01", "month 13"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fuzzy_date fd;
        kd_err_clear(&err);
        if (wareki_fuzzy_parse(bad[i].text, strlen(bad[i].text), "birth", &fd, &err) == 0)
            fail_msg("%s was accepted", bad[i].text);
        assert_string_equal(err.field, "birth");
        if (!strstr(err.message, bad[i].why))
            fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].text, err.message, bad[i].why);
    }

    /* Text checks: empty, too long, bad UTF-8, control characters. */
    struct fuzzy_date fd;
    assert_int_equal(wareki_fuzzy_parse("", 0, "birth", &fd, &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    char long_text[WAREKI_FUZZY_TEXT_CAP + 16] = "";
    for (int i = 0; i < 73; i++)
        memcpy(long_text + strlen(long_text), "頃", strlen("頃") + 1);
    assert_int_equal(wareki_fuzzy_parse(long_text, strlen(long_text), "birth", &fd, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_int_equal(wareki_fuzzy_parse("令和5年\xff頃", strlen("令和5年\xff頃"), "birth", &fd, &err),
                     -1);
    assert_int_equal(err.code, KD_INVALID_UTF8);
    assert_int_equal(wareki_fuzzy_parse("令和5年\n頃", strlen("令和5年\n頃"), "birth", &fd, &err),
                     -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    /* Without a field the error still reads, and names no field. */
    assert_int_equal(wareki_fuzzy_parse("", 0, NULL, &fd, &err), -1);
    assert_string_equal(err.field, "");
    assert_int_equal(wareki_fuzzy_parse("", 0, NULL, &fd, NULL), -1);
    /* Length-delimited. */
    const char *t = "令和5年頃XYZ";
    assert_int_equal(wareki_fuzzy_parse(t, strlen("令和5年頃"), "birth", &fd, &err), 0);
    assert_string_equal(fd.text, "令和5年頃");
}

static void fuzzy_72_characters_fit(void **state)
{
    (void)state;
    /* 72 characters of 4-byte UTF-8: the most wareki_fuzzy_unknown keeps. */
    char text[WAREKI_FUZZY_TEXT_CAP] = "";
    for (int i = 0; i < WAREKI_FUZZY_TEXT_MAX; i++)
        memcpy(text + strlen(text), "𠮷", strlen("𠮷") + 1);
    assert_int_equal(strlen(text), WAREKI_FUZZY_TEXT_CAP - 1);
    struct fuzzy_date fd;
    struct date internal = D(1950, 1, 1);
    assert_int_equal(wareki_fuzzy_unknown(text, strlen(text), &internal, "birth", &fd, &err), 0);
    assert_true(fd.unknown && fd.has_date && !fd.known_exact);
    assert_string_equal(fd.text, text);
    char buf[WAREKI_FUZZY_TEXT_CAP], small[16];
    assert_int_equal(wareki_fuzzy_format(&fd, 0, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, text);
    assert_int_equal(wareki_fuzzy_format(&fd, 0, small, sizeof small, &err), -1);
    assert_string_equal(small, "");

    /* Migrated text kyodo does not parse, with or without a date. */
    const char *odd = "昭和20年終戦の頃";
    assert_int_equal(wareki_fuzzy_unknown(odd, strlen(odd), NULL, "birth", &fd, &err), 0);
    assert_true(fd.unknown && !fd.has_date);
    struct date bad = D(2026, 2, 30);
    assert_int_equal(wareki_fuzzy_unknown(odd, strlen(odd), &bad, "birth", &fd, &err), -1);
    assert_int_equal(wareki_fuzzy_unknown("", 0, NULL, "birth", &fd, &err), -1);

    /* An exact date displays in the era, or in 西暦. */
    wareki_fuzzy_exact(D(2026, 4, 1), &fd);
    assert_int_equal(wareki_fuzzy_format(&fd, 0, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "令和8年4月1日");
    assert_int_equal(wareki_fuzzy_format(&fd, WAREKI_GREGORIAN, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "2026年4月1日");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_table),
        cmocka_unit_test(domain_vectors),
        cmocka_unit_test(out_of_era_is_refused),
        cmocka_unit_test(overlap_days_both_ways),
        cmocka_unit_test(kanji_forms),
        cmocka_unit_test(numeric_forms),
        cmocka_unit_test(before_1873_is_lunisolar),
        cmocka_unit_test(round_trips_1873_to_2100),
        cmocka_unit_test_teardown(added_era, reset_table),
        cmocka_unit_test_teardown(added_era_from_spec, reset_table),
        cmocka_unit_test(fuzzy_standard_forms),
        cmocka_unit_test(fuzzy_variants),
        cmocka_unit_test(fuzzy_refusals),
        cmocka_unit_test(fuzzy_72_characters_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
