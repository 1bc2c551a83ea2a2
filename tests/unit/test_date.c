/*
 * test_date.c — src/base/date: civil dates, text forms, arithmetic, ages, 年度.
 *
 * Vectors: ../shared/domain/identifiers-and-dates.md §3 and §4.
 */
#include "testutil.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/err.h"

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

/* ---- validity and the range ---------------------------------------------- */

static void range_and_validity(void **state)
{
    (void)state;
    assert_true(date_valid(D(1873, 1, 1)));
    assert_true(date_valid(D(9999, 12, 31)));
    assert_false(date_valid(D(1872, 12, 31)));
    assert_false(date_valid(D(10000, 1, 1)));
    assert_false(date_valid(D(2026, 2, 29)));
    assert_false(date_valid(D(2026, 0, 1)));
    assert_false(date_valid(D(2026, 13, 1)));
    assert_false(date_valid(D(2026, 4, 0)));
    assert_false(date_valid(D(2026, 4, 31)));
    assert_true(date_valid(D(2024, 2, 29)));
    assert_true(date_valid(D(2000, 2, 29)));
    assert_false(date_valid(D(1900, 2, 29)));
    assert_true(date_is_leap(2000));
    assert_false(date_is_leap(1900));
    assert_false(date_is_leap(2100));
    assert_true(date_is_leap(2024));
    assert_int_equal(date_days_in_month(2024, 2), 29);
    assert_int_equal(date_days_in_month(2023, 2), 28);
    assert_int_equal(date_days_in_month(2023, 4), 30);
    assert_int_equal(date_days_in_month(2023, 12), 31);
    assert_int_equal(date_days_in_month(2023, 0), 0);
    assert_int_equal(date_days_in_month(2023, 13), 0);

    /* The ends of the range agree with clock.c's day numbers. */
    struct date d;
    struct kd_err err;
    int64_t lo = clock_days_from_civil(1873, 1, 1), hi = clock_days_from_civil(9999, 12, 31);
    assert_int_equal(date_from_days(lo, &d, &err), 0);
    assert_date(d, 1873, 1, 1);
    assert_int_equal(date_from_days(hi, &d, &err), 0);
    assert_date(d, 9999, 12, 31);
    assert_int_equal(date_from_days(lo - 1, &d, &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_non_null(strstr(err.message, "1873-01-01"));
    assert_int_equal(date_from_days(hi + 1, &d, &err), -1);
    assert_int_equal(date_from_days(INT64_MIN, &d, &err), -1);
    assert_int_equal(date_from_days(INT64_MAX, &d, &err), -1);
    assert_int_equal(date_to_days(D(1970, 1, 1)), 0);
    assert_int_equal(date_to_days(D(2000, 3, 1)), 11017);
}

static void make_names_the_reason(void **state)
{
    (void)state;
    struct date d;
    struct kd_err err;
    assert_int_equal(date_make(2026, 4, 1, "birth", &d, &err), 0);
    assert_date(d, 2026, 4, 1);

    assert_int_equal(date_make(2026, 2, 30, "birth", &d, &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_string_equal(err.field, "birth");
    assert_string_equal(err.message, "birth: February 2026 has 28 days");

    assert_int_equal(date_make(2024, 2, 30, "birth", &d, &err), -1);
    assert_string_equal(err.message, "birth: February 2024 has 29 days");
    assert_int_equal(date_make(2026, 13, 1, "x", &d, &err), -1);
    assert_string_equal(err.message, "x: month 13 is not 1 to 12");
    assert_int_equal(date_make(2026, 4, 0, "x", &d, &err), -1);
    assert_string_equal(err.message, "x: day 0 does not exist");
    assert_int_equal(date_make(1872, 12, 31, "x", &d, &err), -1);
    assert_non_null(strstr(err.message, "lunisolar"));
    assert_int_equal(date_make(10000, 1, 1, "x", &d, &err), -1);
    /* No field: the message still reads, the field stays empty. */
    assert_int_equal(date_make(2026, 2, 30, NULL, &d, &err), -1);
    assert_string_equal(err.field, "");
    assert_string_equal(err.message, "date: February 2026 has 28 days");
    /* A NULL err is allowed. */
    assert_int_equal(date_make(2026, 2, 30, NULL, &d, NULL), -1);
}

/* ---- text ---------------------------------------------------------------- */

static void iso_and_compact(void **state)
{
    (void)state;
    struct date d;
    struct kd_err err;
    char buf[DATE_ISO_LEN], cbuf[DATE_COMPACT_LEN];

    assert_int_equal(date_parse_iso("2026-04-01", 10, "f", &d, &err), 0);
    assert_date(d, 2026, 4, 1);
    date_format_iso(d, buf);
    assert_string_equal(buf, "2026-04-01");
    date_format_compact(d, cbuf);
    assert_string_equal(cbuf, "20260401");
    assert_int_equal(date_parse_compact("19890108", 8, "f", &d, &err), 0);
    assert_date(d, 1989, 1, 8);
    assert_int_equal(date_parse_iso("2024-02-29", 10, "f", &d, &err), 0);
    assert_int_equal(date_parse_iso("1873-01-01", 10, "f", &d, &err), 0);
    assert_int_equal(date_parse_iso("9999-12-31", 10, "f", &d, &err), 0);

    /* Length-delimited: what follows len is never read. */
    char raw[16];
    memcpy(raw, "2026-04-01XXXXXX", 16);
    assert_int_equal(date_parse_iso(raw, 10, "f", &d, &err), 0);
    assert_date(d, 2026, 4, 1);
    assert_int_equal(date_parse_iso(raw, 9, "f", &d, &err), -1);
    assert_int_equal(date_parse_compact("20260401999", 8, "f", &d, &err), 0);

    /* The example of the brief, with the field instead of the value. */
    assert_int_equal(date_parse_iso("2026-02-30", 10, "birth", &d, &err), -1);
    assert_string_equal(err.message, "birth: February 2026 has 28 days");
    assert_string_equal(err.field, "birth");
    assert_int_equal(date_parse_compact("20260230", 8, "birth", &d, &err), -1);
    assert_string_equal(err.message, "birth: February 2026 has 28 days");

    const char *bad_iso[] = {"",           "2026-4-01",  "2026/04/01", "2026-04-1",
                             "26-04-01",   "2026-04-01 ", " 2026-04-01", "２０２６-04-01",
                             "2026-0a-01", "+026-04-01", "2026-04-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad_iso / sizeof bad_iso[0]; i++) {
        assert_int_equal(date_parse_iso(bad_iso[i], strlen(bad_iso[i]), "f", &d, &err), -1);
        assert_int_equal(err.code, KD_INVALID_VALUE);
        assert_string_equal(err.message, "f: expected a date as YYYY-MM-DD");
    }
    const char *bad_values[] = {"2026-13-01", "2026-00-10", "2026-04-00", "2026-04-31",
                                "2023-02-29", "1900-02-29", "1872-12-31", "0000-01-01"};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++)
        assert_int_equal(date_parse_iso(bad_values[i], 10, "f", &d, &err), -1);
    const char *bad_compact[] = {"", "2026041", "202604011", "2026-4-1", "2026O401", "20261301",
                                 "20260431", "18721231"};
    for (size_t i = 0; i < sizeof bad_compact / sizeof bad_compact[0]; i++)
        assert_int_equal(date_parse_compact(bad_compact[i], strlen(bad_compact[i]), "f", &d, &err),
                         -1);
}

/* ---- arithmetic ---------------------------------------------------------- */

static void add_days_months_years(void **state)
{
    (void)state;
    struct date d;
    struct kd_err err;
    assert_int_equal(date_add_days(D(2024, 2, 28), 1, &d, &err), 0);
    assert_date(d, 2024, 2, 29);
    assert_int_equal(date_add_days(D(2023, 2, 28), 1, &d, &err), 0);
    assert_date(d, 2023, 3, 1);
    assert_int_equal(date_add_days(D(2026, 12, 31), 1, &d, &err), 0);
    assert_date(d, 2027, 1, 1);
    assert_int_equal(date_add_days(D(2026, 1, 1), -1, &d, &err), 0);
    assert_date(d, 2025, 12, 31);
    assert_int_equal(date_add_days(D(2026, 4, 1), 365, &d, &err), 0);
    assert_date(d, 2027, 4, 1);
    assert_int_equal(date_add_days(D(9999, 12, 31), 1, &d, &err), -1);
    assert_int_equal(date_add_days(D(1873, 1, 1), -1, &d, &err), -1);
    assert_int_equal(date_add_days(D(2026, 1, 1), INT64_MAX, &d, &err), -1);
    assert_int_equal(date_add_days(D(2026, 1, 1), INT64_MIN, &d, &err), -1);
    assert_int_equal(date_days_between(D(2026, 4, 1), D(2027, 4, 1)), 365);
    assert_int_equal(date_days_between(D(2027, 4, 1), D(2026, 4, 1)), -365);

    /* Months clamp to the month's end (民法第143条第2項). */
    assert_int_equal(date_add_months(D(2024, 1, 31), 1, &d, &err), 0);
    assert_date(d, 2024, 2, 29);
    assert_int_equal(date_add_months(D(2023, 1, 31), 1, &d, &err), 0);
    assert_date(d, 2023, 2, 28);
    assert_int_equal(date_add_months(D(2023, 3, 31), -1, &d, &err), 0);
    assert_date(d, 2023, 2, 28);
    assert_int_equal(date_add_months(D(2023, 1, 31), 2, &d, &err), 0);
    assert_date(d, 2023, 3, 31);
    assert_int_equal(date_add_months(D(2023, 5, 31), 1, &d, &err), 0);
    assert_date(d, 2023, 6, 30);
    assert_int_equal(date_add_months(D(2026, 11, 15), 2, &d, &err), 0);
    assert_date(d, 2027, 1, 15);
    assert_int_equal(date_add_months(D(2026, 1, 15), -1, &d, &err), 0);
    assert_date(d, 2025, 12, 15);
    assert_int_equal(date_add_months(D(2026, 1, 15), -13, &d, &err), 0);
    assert_date(d, 2024, 12, 15);
    assert_int_equal(date_add_months(D(2026, 1, 15), 0, &d, &err), 0);
    assert_date(d, 2026, 1, 15);
    assert_int_equal(date_add_months(D(9999, 12, 1), 1, &d, &err), -1);
    assert_int_equal(date_add_months(D(1873, 1, 1), -1, &d, &err), -1);
    assert_int_equal(date_add_months(D(2026, 1, 1), INT64_MIN, &d, &err), -1);
    assert_int_equal(date_add_months(D(2026, 1, 1), INT64_MAX, &d, &err), -1);

    assert_int_equal(date_add_years(D(2024, 2, 29), 1, &d, &err), 0);
    assert_date(d, 2025, 2, 28);
    assert_int_equal(date_add_years(D(2024, 2, 29), 4, &d, &err), 0);
    assert_date(d, 2028, 2, 29);
    assert_int_equal(date_add_years(D(2024, 2, 29), -100, &d, &err), 0);
    assert_date(d, 1924, 2, 29);
    assert_int_equal(date_add_years(D(2026, 4, 1), 8000, &d, &err), -1);
    assert_int_equal(date_add_years(D(2026, 4, 1), INT64_MAX, &d, &err), -1);

    assert_int_equal(date_cmp(D(2026, 4, 1), D(2026, 4, 1)), 0);
    assert_int_equal(date_cmp(D(2026, 4, 1), D(2026, 4, 2)), -1);
    assert_int_equal(date_cmp(D(2026, 5, 1), D(2026, 4, 30)), 1);
    assert_int_equal(date_cmp(D(2025, 12, 31), D(2026, 1, 1)), -1);
}

static void weekdays(void **state)
{
    (void)state;
    assert_int_equal(date_weekday(D(2026, 4, 1)), DATE_WEDNESDAY);
    assert_int_equal(date_weekday(D(1873, 1, 1)), DATE_WEDNESDAY);
    assert_int_equal(date_weekday(D(9999, 12, 31)), DATE_FRIDAY);
    assert_int_equal(date_weekday(D(1989, 1, 8)), DATE_SUNDAY);
    assert_int_equal(date_weekday(D(1970, 1, 1)), DATE_THURSDAY);
    assert_int_equal(date_weekday(D(1969, 12, 31)), DATE_WEDNESDAY);
    assert_string_equal(date_weekday_kanji(DATE_SUNDAY), "日");
    assert_string_equal(date_weekday_kanji(DATE_SATURDAY), "土");
    assert_string_equal(date_weekday_kanji((enum date_weekday)7), "?");
}

/* Every day of the range: day numbers, text forms and weekdays agree. */
static void every_day_of_the_range(void **state)
{
    (void)state;
    struct kd_err err;
    struct date prev = D(1872, 12, 31);
    int wd = DATE_TUESDAY; /* of 1872-12-31 */
    int64_t lo = clock_days_from_civil(1873, 1, 1), hi = clock_days_from_civil(9999, 12, 31);
    for (int64_t n = lo; n <= hi; n++) {
        struct date d, back;
        assert_int_equal(date_from_days(n, &d, &err), 0);
        assert_true(date_valid(d));
        assert_int_equal(date_to_days(d), n);
        assert_int_equal(date_cmp(prev, d), -1);
        wd = (wd + 1) % 7;
        if ((int)date_weekday(d) != wd)
            fail_msg("weekday of day %lld", (long long)n);
        if (n % 37 == 0 || d.d == 1 || (d.m == 2 && d.d >= 28)) {
            char buf[DATE_ISO_LEN], cbuf[DATE_COMPACT_LEN];
            date_format_iso(d, buf);
            assert_int_equal(date_parse_iso(buf, 10, "f", &back, &err), 0);
            assert_int_equal(date_cmp(back, d), 0);
            date_format_compact(d, cbuf);
            assert_int_equal(date_parse_compact(cbuf, 8, "f", &back, &err), 0);
            assert_int_equal(date_cmp(back, d), 0);
        }
        prev = d;
    }
}

static void today_in_japan(void **state)
{
    (void)state;
    /* 2026-03-31T15:00:00Z is 2026-04-01 00:00 in Japan. */
    int64_t t = 1774969200000;
    assert_date(date_today_japan(t), 2026, 4, 1);
    assert_date(date_today_japan(t - 1), 2026, 3, 31);
    assert_date(date_today_japan(t + 86400000 - 1), 2026, 4, 1);
    assert_date(date_today_japan(t + 86400000), 2026, 4, 2);
    /* The epoch is 09:00 in Japan; 1969-12-31T15:00Z is midnight there. */
    assert_date(date_today_japan(0), 1970, 1, 1);
    assert_date(date_today_japan(-9 * 3600000), 1970, 1, 1);
    assert_date(date_today_japan(-9 * 3600000 - 1), 1969, 12, 31);
    /* Every int64 is defined; the ends clamp. */
    assert_date(date_today_japan(INT64_MIN), 1873, 1, 1);
    assert_date(date_today_japan(INT64_MAX), 9999, 12, 31);
    /* Today is a valid date. */
    assert_true(date_valid(date_today_japan(clock_now_ms())));
}

/* ---- ages ---------------------------------------------------------------- */

/* An independent reference: the age on X is the count of birthdays passed
 * by X + 1 day, a birthday on 02-29 falling on 03-01 in other years. */
static int ref_age(struct date b, struct date on)
{
    struct date next;
    assert_int_equal(date_add_days(on, 1, &next, NULL), 0);
    int age = next.y - b.y;
    int bm = b.m, bd = b.d;
    if (bm == 2 && bd == 29 && !date_is_leap(next.y))
        bm = 3, bd = 1;
    if (next.m < bm || (next.m == bm && next.d < bd))
        age--;
    return age;
}

static void ages_by_the_act(void **state)
{
    (void)state;
    struct date d;
    struct kd_err err;
    /* identifiers-and-dates.md §4, ✔ 品川区: 令和5年度 住民税, 賦課期日 2023-01-01. */
    assert_int_equal(date_age_on(D(2005, 1, 2), D(2023, 1, 1)), 18);
    assert_false(date_age_on(D(2005, 1, 2), D(2023, 1, 1)) < 18); /* is_minor_on => false */
    assert_int_equal(date_age_on(D(2005, 1, 3), D(2023, 1, 1)), 17);
    assert_true(date_age_on(D(2005, 1, 3), D(2023, 1, 1)) < 18); /* is_minor_on => true */
    assert_true(date_has_reached_age(D(2005, 1, 2), 18, D(2023, 1, 1)));
    assert_false(date_has_reached_age(D(2005, 1, 3), 18, D(2023, 1, 1)));

    /* Age n is reached on the day before the n-th birthday. */
    assert_int_equal(date_reaches_age(D(2005, 1, 2), 18, &d, &err), 0);
    assert_date(d, 2023, 1, 1);
    assert_int_equal(date_reaches_age(D(2000, 1, 1), 1, &d, &err), 0);
    assert_date(d, 2000, 12, 31);
    assert_int_equal(date_reaches_age(D(1961, 4, 1), 65, &d, &err), 0); /* 介護 第1号 */
    assert_date(d, 2026, 3, 31);
    assert_int_equal(date_reaches_age(D(2026, 4, 1), 0, &d, &err), 0);
    assert_date(d, 2026, 4, 1);
    assert_int_equal(date_age_on(D(2026, 4, 1), D(2026, 4, 1)), 0);
    assert_int_equal(date_age_on(D(2026, 4, 1), D(2026, 3, 31)), -1);
    assert_int_equal(date_age_on(D(2000, 1, 1), D(2000, 12, 30)), 0);
    assert_int_equal(date_age_on(D(2000, 1, 1), D(2000, 12, 31)), 1);

    /* 後期高齢者医療 begins on the 75th birthday itself: the day after the
     * age is reached. */
    struct date reach, birthday;
    assert_int_equal(date_reaches_age(D(1951, 6, 15), 75, &reach, &err), 0);
    assert_int_equal(date_add_days(reach, 1, &birthday, &err), 0);
    assert_date(birthday, 2026, 6, 15);

    /* Born 02-29: the age is reached on 02-28, in every year. */
    assert_int_equal(date_reaches_age(D(2000, 2, 29), 1, &d, &err), 0);
    assert_date(d, 2001, 2, 28);
    assert_int_equal(date_reaches_age(D(2000, 2, 29), 4, &d, &err), 0);
    assert_date(d, 2004, 2, 28);
    assert_int_equal(date_reaches_age(D(2004, 2, 29), 18, &d, &err), 0);
    assert_date(d, 2022, 2, 28);
    assert_int_equal(date_age_on(D(2004, 2, 29), D(2022, 2, 27)), 17);
    assert_int_equal(date_age_on(D(2004, 2, 29), D(2022, 2, 28)), 18);
    assert_int_equal(date_age_on(D(2004, 2, 29), D(2024, 2, 28)), 20);
    /* 1900 is not a leap year. */
    assert_int_equal(date_reaches_age(D(1896, 2, 29), 4, &d, &err), 0);
    assert_date(d, 1900, 2, 28);

    /* Limits. */
    assert_int_equal(date_reaches_age(D(2000, 1, 1), -1, &d, &err), -1);
    assert_int_equal(date_reaches_age(D(2000, 1, 1), DATE_AGE_MAX + 1, &d, &err), -1);
    assert_int_equal(date_reaches_age(D(9990, 1, 2), 10, &d, &err), -1);
    assert_false(date_has_reached_age(D(2000, 1, 1), -1, D(2026, 1, 1)));
    assert_int_equal(date_age_on(D(1873, 1, 1), D(9999, 12, 31)), DATE_AGE_MAX);
    /* Near the cap the age is still exact (found by fuzz_wareki). */
    assert_int_equal(date_age_on(D(9368, 9, 19), D(9568, 7, 17)), 199);
    assert_int_equal(date_age_on(D(9368, 9, 19), D(9568, 9, 18)), 200);
    assert_int_equal(date_age_on(D(1900, 1, 2), D(2100, 1, 1)), 200);
    assert_int_equal(date_age_on(D(1900, 1, 2), D(2099, 12, 31)), 199);

    /* 扶養 ages are ages on 12-31 of the income year. */
    assert_int_equal(date_age_on(D(2007, 1, 1), D(2025, 12, 31)), 19);
    assert_int_equal(date_age_on(D(2007, 1, 2), D(2025, 12, 31)), 18);

    /* Against the reference, over births on every day of 1999-2001 (two
     * 02-29s in reach) and a spread of days. */
    for (struct date b = D(1999, 1, 1); date_cmp(b, D(2001, 1, 1)) < 0;) {
        for (int64_t k = 0; k < 30000; k += 61) {
            struct date on;
            assert_int_equal(date_add_days(b, k, &on, &err), 0);
            if (date_age_on(b, on) != ref_age(b, on))
                fail_msg("born %d-%d-%d on %d-%d-%d", b.y, b.m, b.d, on.y, on.m, on.d);
        }
        assert_int_equal(date_add_days(b, 1, &b, &err), 0);
    }
    struct date b2 = D(2000, 2, 29);
    for (int64_t k = 0; k < 30000; k++) {
        struct date on;
        assert_int_equal(date_add_days(b2, k, &on, &err), 0);
        if (date_age_on(b2, on) != ref_age(b2, on))
            fail_msg("born 2000-02-29 on %d-%d-%d", on.y, on.m, on.d);
    }
}

/* ---- 年度 ----------------------------------------------------------------- */

static void fiscal_years(void **state)
{
    (void)state;
    struct date d;
    struct kd_err err;
    assert_int_equal(date_fiscal_year(D(2026, 3, 31)), 2025);
    assert_int_equal(date_fiscal_year(D(2026, 4, 1)), 2026);
    assert_int_equal(date_fiscal_year(D(2026, 12, 31)), 2026);
    assert_int_equal(date_fiscal_year(D(2027, 1, 1)), 2026);
    assert_date(date_fiscal_year_start(2026), 2026, 4, 1);
    assert_date(date_fiscal_year_end(2026), 2027, 3, 31);
    /* 令和8年度住民税 = 令和7年分所得; its 賦課期日 2026-01-01 is in 令和7年度. */
    assert_int_equal(date_fiscal_year(D(2026, 1, 1)), 2025);

    assert_int_equal(date_first_mar31_on_or_after(D(2026, 3, 31), &d, &err), 0);
    assert_date(d, 2026, 3, 31);
    assert_int_equal(date_first_mar31_on_or_after(D(2026, 4, 1), &d, &err), 0);
    assert_date(d, 2027, 3, 31);
    assert_int_equal(date_first_mar31_on_or_after(D(2026, 1, 1), &d, &err), 0);
    assert_date(d, 2026, 3, 31);
    assert_int_equal(date_first_mar31_on_or_after(D(9999, 4, 1), &d, &err), -1);

    /* 児童手当 高校生年代, 令和6年度 = born 平成18年4月2日 .. 平成21年4月1日
     * (town.chonan.chiba.jp): the bracket runs from the first 03-31 after
     * reaching 15 (中学校修了) to the first 03-31 after reaching 18. A child
     * is in it for FY2024 when that span covers 2024-04-01. */
    struct date fy_start = D(2024, 4, 1);
    struct {
        struct date birth;
        bool in;
    } cases[] = {
        {D(2006, 4, 1), false}, {D(2006, 4, 2), true}, {D(2007, 10, 10), true},
        {D(2009, 4, 1), true},  {D(2009, 4, 2), false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct date r15, r18, end15, end18;
        assert_int_equal(date_reaches_age(cases[i].birth, 15, &r15, &err), 0);
        assert_int_equal(date_reaches_age(cases[i].birth, 18, &r18, &err), 0);
        assert_int_equal(date_first_mar31_on_or_after(r15, &end15, &err), 0);
        assert_int_equal(date_first_mar31_on_or_after(r18, &end18, &err), 0);
        bool in = date_cmp(end15, fy_start) < 0 && date_cmp(fy_start, end18) <= 0;
        if (in != cases[i].in)
            fail_msg("case %zu", i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(range_and_validity),
        cmocka_unit_test(make_names_the_reason),
        cmocka_unit_test(iso_and_compact),
        cmocka_unit_test(add_days_months_years),
        cmocka_unit_test(weekdays),
        cmocka_unit_test(every_day_of_the_range),
        cmocka_unit_test(today_in_japan),
        cmocka_unit_test(ages_by_the_act),
        cmocka_unit_test(fiscal_years),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
