/*
 * fuzz_wareki.c — every date parser of base/date and engine/wareki.
 *
 * The whole input is, in turn:
 *   - an ISO date and a compact date: when one parses, formatting the date
 *     gives the input back byte for byte;
 *   - a kanji era date, a letter date (R08.04.01), GYYMMDD and the layout's
 *     era code + YYMMDD: when one parses, the canonical form of the date
 *     parses to the same date, and if the input names another era than the
 *     canonical one, the day is an overlap day that ends the named era;
 *   - a 不詳日: an exact result formats and parses back to the same date;
 *     any other keeps the input as its text, byte for byte, and parsing that
 *     text gives the same result again; internal dates are valid;
 * and every failure is an error value naming the field, with a message.
 * Its first 8 bytes are also two day numbers in the range, whose dates go
 * through every format and back, month arithmetic and the age rule (checked
 * against a reference).
 */
#include "base/clock.h"
#include "base/date.h"
#include "base/err.h"
#include "base/text.h"
#include "engine/wareki.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_wareki: check failed: %s (line %d)\n", #cond, __LINE__);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static bool same_date(struct date a, struct date b)
{
    return a.y == b.y && a.m == b.m && a.d == b.d;
}

/* A failed parse leaves a proper error value. */
static void check_failure(const struct kd_err *err)
{
    CHECK(err->code != KD_OK);
    CHECK(strcmp(err->field, "f") == 0);
    size_t n = strlen(err->message);
    CHECK(n > 0 && text_utf8_valid(err->message, n, NULL));
}

/* ---- ISO and compact ----------------------------------------------------- */

static void check_iso(const char *s, size_t len)
{
    struct date d;
    struct kd_err err;
    if (date_parse_iso(s, len, "f", &d, &err) < 0) {
        check_failure(&err);
        return;
    }
    CHECK(date_valid(d) && len == 10);
    char buf[DATE_ISO_LEN];
    date_format_iso(d, buf);
    CHECK(memcmp(buf, s, 10) == 0);
}

static void check_compact(const char *s, size_t len)
{
    struct date d;
    struct kd_err err;
    if (date_parse_compact(s, len, "f", &d, &err) < 0) {
        check_failure(&err);
        return;
    }
    CHECK(date_valid(d) && len == 8);
    char buf[DATE_COMPACT_LEN];
    date_format_compact(d, buf);
    CHECK(memcmp(buf, s, 8) == 0);
}

/* ---- era forms ----------------------------------------------------------- */

/* The input named era `named` for the date d: either the canonical era, or
 * d is the last day of `named` and the first of its successor. */
static void check_named_era(const struct wareki_era *named, struct date d)
{
    const struct wareki_era *canon;
    int year;
    struct kd_err err;
    CHECK(wareki_from_date(d, &canon, &year, &err) == 0);
    if (canon == named)
        return;
    CHECK(named->last.y != 0 && same_date(named->last, d) && same_date(canon->first, d));
}

static void check_canonical_forms(struct date d)
{
    struct kd_err err;
    struct date back;
    char k[WAREKI_TEXT_CAP];
    CHECK(wareki_format_kanji(d, 0, k, sizeof k, &err) == 0);
    CHECK(wareki_parse_kanji(k, strlen(k), "f", &back, &err) == 0 && same_date(back, d));
    CHECK(wareki_format_kanji(d, WAREKI_FULLWIDTH, k, sizeof k, &err) == 0);
    CHECK(wareki_parse_kanji(k, strlen(k), "f", &back, &err) == 0 && same_date(back, d));
    CHECK(wareki_format_kanji(d, WAREKI_GREGORIAN, k, sizeof k, &err) == 0);
    struct fuzzy_date fd;
    CHECK(wareki_fuzzy_parse(k, strlen(k), "f", &fd, &err) == 0);
    CHECK(fd.known_exact && same_date(fd.date, d));

    const struct wareki_era *era;
    int year;
    CHECK(wareki_from_date(d, &era, &year, &err) == 0);
    CHECK(year >= 1);
    char l[WAREKI_LETTER_LEN], g[WAREKI_GYYMMDD_LEN], lay[WAREKI_LAYOUT_LEN];
    if (wareki_format_letter(d, l, &err) == 0) {
        CHECK(year <= 99 && strlen(l) == 9);
        CHECK(wareki_parse_letter(l, 9, "f", &back, &err) == 0 && same_date(back, d));
    } else {
        CHECK(year > 99);
    }
    if (wareki_format_gyymmdd(d, g, &err) == 0) {
        CHECK(strlen(g) == 7);
        CHECK(wareki_parse_gyymmdd(g, 7, "f", &back, &err) == 0 && same_date(back, d));
    } else {
        CHECK(year > 99 || era->code > 9);
    }
    if (wareki_format_layout(d, lay, &err) == 0) {
        CHECK(strlen(lay) == 8);
        CHECK(wareki_parse_layout(lay, 8, "f", &back, &err) == 0 && same_date(back, d));
    } else {
        CHECK(year > 99);
    }
    CHECK(wareki_to_date(era->code, year, d.m, d.d, &back, &err) == 0 && same_date(back, d));
}

/* The era whose name the input starts with (longest match). */
static const struct wareki_era *leading_era(const char *s, size_t len)
{
    const struct wareki_era *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < wareki_era_count(); i++) {
        const struct wareki_era *e = wareki_era_at(i);
        size_t n = strlen(e->name);
        if (n > best_len && n <= len && memcmp(s, e->name, n) == 0)
            best = e, best_len = n;
    }
    return best;
}

static void check_kanji(const char *s, size_t len)
{
    struct date d;
    struct kd_err err;
    if (wareki_parse_kanji(s, len, "f", &d, &err) < 0) {
        check_failure(&err);
        return;
    }
    CHECK(date_valid(d));
    const struct wareki_era *named = leading_era(s, len);
    CHECK(named);
    check_named_era(named, d);
    check_canonical_forms(d);
}

static void check_letter(const char *s, size_t len)
{
    struct date d;
    struct kd_err err;
    if (wareki_parse_letter(s, len, "f", &d, &err) < 0) {
        check_failure(&err);
        return;
    }
    CHECK(date_valid(d) && len == 9);
    const struct wareki_era *named = wareki_era_by_letter(s[0]);
    CHECK(named);
    check_named_era(named, d);
    char l[WAREKI_LETTER_LEN];
    CHECK(wareki_format_letter(d, l, &err) == 0);
    if (named->letter == l[0])
        CHECK(memcmp(l, s, 9) == 0);
    check_canonical_forms(d);
}

static void check_numeric(const char *s, size_t len, bool layout)
{
    struct date d;
    struct kd_err err;
    int rc = layout ? wareki_parse_layout(s, len, "f", &d, &err)
                    : wareki_parse_gyymmdd(s, len, "f", &d, &err);
    if (rc < 0) {
        check_failure(&err);
        return;
    }
    CHECK(date_valid(d) && len == (layout ? 8u : 7u));
    int code = layout ? (s[0] - '0') * 10 + (s[1] - '0') : s[0] - '0';
    const struct wareki_era *named = wareki_era_by_code(code);
    CHECK(named);
    check_named_era(named, d);
    char buf[WAREKI_LAYOUT_LEN];
    if (layout)
        CHECK(wareki_format_layout(d, buf, &err) == 0);
    else
        CHECK(wareki_format_gyymmdd(d, buf, &err) == 0);
    const struct wareki_era *canon;
    int year;
    CHECK(wareki_from_date(d, &canon, &year, &err) == 0);
    if (canon == named)
        CHECK(memcmp(buf, s, len) == 0);
    check_canonical_forms(d);
}

/* ---- 不詳日 ---------------------------------------------------------------- */

static void check_fuzzy(const char *s, size_t len)
{
    struct fuzzy_date fd;
    struct kd_err err;
    if (wareki_fuzzy_parse(s, len, "f", &fd, &err) < 0) {
        check_failure(&err);
        return;
    }
    CHECK(text_utf8_valid(s, len, NULL) && text_utf8_chars(s, len) <= WAREKI_FUZZY_TEXT_MAX);
    if (fd.has_date)
        CHECK(date_valid(fd.date));
    char buf[WAREKI_FUZZY_TEXT_CAP];
    CHECK(wareki_fuzzy_format(&fd, 0, buf, sizeof buf, &err) == 0);
    if (fd.known_exact) {
        CHECK(!fd.unknown && fd.has_date && fd.text[0] == '\0');
        struct fuzzy_date again;
        CHECK(wareki_fuzzy_parse(buf, strlen(buf), "f", &again, &err) == 0);
        CHECK(again.known_exact && same_date(again.date, fd.date));
        check_canonical_forms(fd.date);
        return;
    }
    /* Not exact: the text is the input, and it reads the same again. */
    CHECK(strlen(fd.text) == len && memcmp(fd.text, s, len) == 0);
    CHECK(strcmp(buf, fd.text) == 0);
    if (!fd.unknown)
        CHECK(fd.has_date); /* non-calendar dates always have their internal day */
    else if (!fd.has_date)
        CHECK(strcmp(fd.text, "年月日不詳") == 0);
    struct fuzzy_date again;
    CHECK(wareki_fuzzy_parse(fd.text, len, "f", &again, &err) == 0);
    CHECK(again.known_exact == fd.known_exact && again.unknown == fd.unknown &&
          again.has_date == fd.has_date && strcmp(again.text, fd.text) == 0);
    if (fd.has_date)
        CHECK(same_date(again.date, fd.date));
}

/* ---- dates from day numbers ---------------------------------------------- */

static int ref_age(struct date b, struct date on)
{
    struct date next;
    if (date_add_days(on, 1, &next, NULL) < 0)
        return -2;
    int age = next.y - b.y;
    int bm = b.m, bd = b.d;
    if (bm == 2 && bd == 29 && !date_is_leap(next.y))
        bm = 3, bd = 1;
    if (next.m < bm || (next.m == bm && next.d < bd))
        age--;
    return age;
}

static void check_days(uint32_t a, uint32_t b)
{
    const int64_t lo = clock_days_from_civil(1873, 1, 1), hi = clock_days_from_civil(9999, 12, 31);
    const int64_t span = hi - lo + 1;
    struct date d1, d2;
    struct kd_err err;
    CHECK(date_from_days(lo + (int64_t)(a % (uint64_t)span), &d1, &err) == 0);
    CHECK(date_from_days(lo + (int64_t)(b % (uint64_t)span), &d2, &err) == 0);
    CHECK(date_to_days(d1) == lo + (int64_t)(a % (uint64_t)span));
    check_canonical_forms(d1);

    /* Months: clamped to the month's end, never past it. */
    int64_t n = (int64_t)(b % 4001) - 2000;
    struct date m;
    if (date_add_months(d1, n, &m, &err) == 0) {
        CHECK(date_valid(m));
        int64_t months = ((int64_t)m.y * 12 + m.m) - ((int64_t)d1.y * 12 + d1.m);
        CHECK(months == n);
        CHECK(m.d == d1.d || (m.d < d1.d && m.d == date_days_in_month(m.y, m.m)));
    }

    /* Ages against the reference; 年度 and the next 03-31. */
    struct date birth = date_cmp(d1, d2) <= 0 ? d1 : d2, on = date_cmp(d1, d2) <= 0 ? d2 : d1;
    int age = date_age_on(birth, on), ref = ref_age(birth, on);
    if (ref != -2)
        CHECK(age == (ref > DATE_AGE_MAX ? DATE_AGE_MAX : ref));
    CHECK(date_has_reached_age(birth, age, on));
    if (age < DATE_AGE_MAX)
        CHECK(!date_has_reached_age(birth, age + 1, on));
    int32_t fy = date_fiscal_year(d1);
    CHECK(date_cmp(date_fiscal_year_start(fy), d1) <= 0);
    CHECK(fy >= DATE_YEAR_MAX || date_cmp(d1, date_fiscal_year_end(fy)) <= 0);
    struct date mar31;
    if (date_first_mar31_on_or_after(d1, &mar31, &err) == 0)
        CHECK(date_cmp(d1, mar31) <= 0 && date_days_between(d1, mar31) < 366 && mar31.m == 3 &&
              mar31.d == 31);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const char *s = (const char *)data;
    check_iso(s, size);
    check_compact(s, size);
    check_kanji(s, size);
    check_letter(s, size);
    check_numeric(s, size, false);
    check_numeric(s, size, true);
    check_fuzzy(s, size);
    if (size >= 8) {
        uint32_t a, b;
        memcpy(&a, data, 4);
        memcpy(&b, data + 4, 4);
        check_days(a, b);
    }
    return 0;
}
