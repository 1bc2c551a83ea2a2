/*
 * date.h — civil dates: days of the calendar in Japan, not instants.
 *
 * A struct date is a day of the proleptic Gregorian calendar (異動日, 生年月日,
 * 納期限, 賦課期日). Instants (audit entries, sessions) are a different thing
 * and live in clock.h; date_today_japan() is the one bridge between them.
 *
 * Range. A date is *valid* when it is a day of the calendar (2026-02-30 is
 * not) from 1873-01-01 to 9999-12-31. Japan adopted the Gregorian calendar on
 * 明治6年1月1日 = 1873-01-01; the days before it are lunisolar (旧暦) and a
 * Gregorian day number for them would be wrong, so kyodo does not represent
 * them (docs/dates.md). The struct can hold other values (the era table keeps
 * 明治's first day, 1868-01-25, as data), but every function that makes a
 * date (parsers, arithmetic) refuses to make one outside the range, and
 * every function that takes dates expects valid ones: given an invalid date
 * the result is unspecified but never undefined behaviour.
 *
 * Ages follow 年齢計算ニ関スル法律 and 民法第143条: see date_reaches_age().
 *
 * Every function is pure (no state), so all are thread-safe. Rules and test
 * vectors: ../shared/domain/identifiers-and-dates.md §3–§4; docs/dates.md.
 */
#ifndef KYODO_BASE_DATE_H
#define KYODO_BASE_DATE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct date {
    int32_t y; /* 1873..9999 */
    uint8_t m; /* 1..12 */
    uint8_t d; /* 1..days in the month */
};

#define DATE_YEAR_MIN 1873 /* 明治6年: the first Gregorian year in Japan */
#define DATE_YEAR_MAX 9999
#define DATE_ISO_LEN 11    /* "YYYY-MM-DD" + NUL */
#define DATE_COMPACT_LEN 9 /* "YYYYMMDD" + NUL */

/* The oldest age date_reaches_age() and date_age_on() work with. */
#define DATE_AGE_MAX 200

enum date_weekday {
    DATE_SUNDAY = 0, /* 日 */
    DATE_MONDAY,     /* 月 */
    DATE_TUESDAY,    /* 火 */
    DATE_WEDNESDAY,  /* 水 */
    DATE_THURSDAY,   /* 木 */
    DATE_FRIDAY,     /* 金 */
    DATE_SATURDAY,   /* 土 */
};

/* ---- validity ------------------------------------------------------------ */

bool date_is_leap(int64_t y);

/* Days in month m (1..12) of year y; 0 for a month outside 1..12. */
int date_days_in_month(int64_t y, int m);

/* True if d is a day of the calendar within 1873-01-01..9999-12-31. */
bool date_valid(struct date d);

/* Builds the date y-m-d, or fails with KD_INVALID_VALUE naming `field` (NULL
 * reads as "date") and the reason, e.g. "birth: February 2026 has 28 days",
 * "birth: month 13 is not 1 to 12", "birth: 1872 is before 1873 (明治6年) …".
 * *out is written only on success. */
int date_make(int64_t y, int64_t m, int64_t d, const char *field, struct date *out,
              struct kd_err *err);

/* ---- day numbers and arithmetic ------------------------------------------ */

/* Days since 1970-01-01 (negative before it), through clock_days_from_civil. */
int64_t date_to_days(struct date d);

/* The date of a day number; fails (KD_INVALID_VALUE) outside the range. */
int date_from_days(int64_t days, struct date *out, struct kd_err *err);

/* -1, 0 or 1 as a is before, the same day as, or after b. */
int date_cmp(struct date a, struct date b);

/* to - from, in days (positive when `to` is later). */
int64_t date_days_between(struct date from, struct date to);

/* d + n days. Fails (KD_INVALID_VALUE) when the result leaves the range. */
int date_add_days(struct date d, int64_t n, struct date *out, struct kd_err *err);

/* d + n months (n may be negative). When the day does not exist in the
 * target month it is clamped to the month's last day: 2024-01-31 + 1 month =
 * 2024-02-29, 2023-03-31 - 1 month = 2023-02-28. This is 民法第143条第2項's
 * rule for a period that ends in a month without the corresponding day.
 * Months are not additive: (+1 month) twice from 01-31 gives 03-29 in a leap
 * year, +2 months gives 03-31. Fails when the result leaves the range. */
int date_add_months(struct date d, int64_t n, struct date *out, struct kd_err *err);

/* d + n years, as date_add_months(d, 12 n): 2024-02-29 + 1 year = 2025-02-28. */
int date_add_years(struct date d, int64_t n, struct date *out, struct kd_err *err);

/* The day of the week. */
enum date_weekday date_weekday(struct date d);

/* "日", "月", … "土" (UTF-8) for a weekday; "?" outside 0..6. */
const char *date_weekday_kanji(enum date_weekday wd);

/* ---- text ---------------------------------------------------------------- */

/* "YYYY-MM-DD" exactly (10 bytes, ASCII digits). Reads s[0..len) only; no
 * NUL is needed. Fails with KD_INVALID_VALUE naming `field` and the reason:
 * the shape ("expected YYYY-MM-DD"), the month, the day ("February 2026 has
 * 28 days") or the range (before 1873-01-01). The message names the field
 * and the parsed year and month when they are the reason; it never repeats
 * the input. */
int date_parse_iso(const char *s, size_t len, const char *field, struct date *out,
                   struct kd_err *err);

/* "YYYYMMDD" exactly (8 ASCII digits), as date_parse_iso() otherwise. */
int date_parse_compact(const char *s, size_t len, const char *field, struct date *out,
                       struct kd_err *err);

/* Writes "YYYY-MM-DD" / "YYYYMMDD" and a NUL. */
void date_format_iso(struct date d, char buf[DATE_ISO_LEN]);
void date_format_compact(struct date d, char buf[DATE_COMPACT_LEN]);

/* ---- Japan --------------------------------------------------------------- */

/* The date in Japan (UTC+9; Japan has no daylight saving time) at the instant
 * now_ms (milliseconds since the Unix epoch, as clock_now_ms() gives).
 * Instants before 1873-01-01 or after 9999-12-31 in Japan give those days.
 * Defined for every int64. */
struct date date_today_japan(int64_t now_ms);

/* ---- ages (年齢計算ニ関スル法律, 民法第143条) --------------------------------- */

/*
 * The day on which a person born on `birth` reaches age n (n 歳に達する日).
 *
 * Age is counted from the day of birth (年齢計算ニ関スル法律第1項) and a
 * period counted in years ends at the end of the day before the day that
 * corresponds to the starting day (民法第143条第2項). So age n is reached on
 * the day before the n-th birthday; n = 0 is the day of birth. Administrations
 * treat the person as n years old for that whole day: born 2005-01-02 reaches
 * 18 on 2023-01-01 and is not a minor for 令和5年度 住民税 (賦課期日
 * 2023-01-01); born 2005-01-03 is (identifiers-and-dates.md §3).
 *
 * Born on 02-29: in a year without 02-29 there is no corresponding day, and
 * the period ends on the last day of that month (民法第143条第2項ただし書), so
 * the age is reached on 02-28 — in every year, since in a leap year 02-28 is
 * also the day before 02-29.
 *
 * Fails (KD_INVALID_VALUE) for n outside 0..DATE_AGE_MAX or a result after
 * 9999-12-31.
 */
int date_reaches_age(struct date birth, int n, struct date *out, struct kd_err *err);

/* True if the person born on `birth` has reached age n on the day `on`
 * (date_reaches_age(birth, n) <= on). False for n outside 0..DATE_AGE_MAX. */
bool date_has_reached_age(struct date birth, int n, struct date on);

/* The age (満年齢) on the day `on`: the largest n with date_reaches_age(birth,
 * n) <= on, at most DATE_AGE_MAX. -1 when `on` is before the birth. */
int date_age_on(struct date birth, struct date on);

/* ---- 年度 (fiscal year, April to March) ----------------------------------- */

/* The 年度 of a date, as the Gregorian year in which it starts:
 * 2026-03-31 -> 2025, 2026-04-01 -> 2026. */
int32_t date_fiscal_year(struct date d);

/* April 1 of fy, and March 31 of fy + 1 (fy in 1873..9998 for the end). */
struct date date_fiscal_year_start(int32_t fy);
struct date date_fiscal_year_end(int32_t fy);

/* The first March 31 on or after d (d itself when it is a March 31). This is
 * the end of the school year of "…に達する日以後の最初の3月31日" (児童手当
 * 高校生年代: the first 31 March on or after reaching 18). Fails after
 * 9999-03-31. */
int date_first_mar31_on_or_after(struct date d, struct date *out, struct kd_err *err);

#endif
