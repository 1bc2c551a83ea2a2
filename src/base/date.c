/*
 * date.c — civil dates. Day numbers come from clock.c (Hinnant's
 * days_from_civil / civil_from_days); this file adds the range, the text
 * forms, arithmetic, ages and 年度.
 */
#include "base/date.h"

#include "base/clock.h"

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

/* 1873-01-01 and 9999-12-31 as day numbers. */
#define DAYS_MIN (-35428)
#define DAYS_MAX 2932896

static const char *field_or_default(const char *field)
{
    return field && field[0] ? field : "date";
}

bool date_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int64_t y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return mdays[m - 1] + (m == 2 && date_is_leap(y));
}

bool date_valid(struct date d)
{
    return d.y >= DATE_YEAR_MIN && d.y <= DATE_YEAR_MAX && clock_valid_civil(d.y, d.m, d.d);
}

int date_make(int64_t y, int64_t m, int64_t d, const char *field, struct date *out,
              struct kd_err *err)
{
    const char *f = field_or_default(field);
    if (m < 1 || m > 12)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: month %lld is not 1 to 12", f,
                       (long long)m);
    if (d < 1)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: day %lld does not exist", f,
                       (long long)d);
    if (y < DATE_YEAR_MIN)
        return kd_fail(err, KD_INVALID_VALUE, field,
                       "%s: %lld is before 1873 (明治6年), when Japan adopted the Gregorian "
                       "calendar; earlier dates are lunisolar and are not converted",
                       f, (long long)y);
    if (y > DATE_YEAR_MAX)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: year %lld is after 9999", f,
                       (long long)y);
    int max = date_days_in_month(y, (int)m);
    if (d > max)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: %s %lld has %d days", f,
                       month_names[m - 1], (long long)y, max);
    out->y = (int32_t)y;
    out->m = (uint8_t)m;
    out->d = (uint8_t)d;
    return 0;
}

/* ---- day numbers and arithmetic ------------------------------------------ */

int64_t date_to_days(struct date d)
{
    return clock_days_from_civil(d.y, d.m, d.d);
}

int date_from_days(int64_t days, struct date *out, struct kd_err *err)
{
    if (days < DAYS_MIN)
        return kd_fail(err, KD_INVALID_VALUE, NULL,
                       "the date is before 1873-01-01, the first Gregorian day in Japan");
    if (days > DAYS_MAX)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "the date is after 9999-12-31");
    int64_t y;
    unsigned m, d;
    clock_civil_from_days(days, &y, &m, &d);
    out->y = (int32_t)y;
    out->m = (uint8_t)m;
    out->d = (uint8_t)d;
    return 0;
}

int date_cmp(struct date a, struct date b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    if (a.d != b.d)
        return a.d < b.d ? -1 : 1;
    return 0;
}

int64_t date_days_between(struct date from, struct date to)
{
    return date_to_days(to) - date_to_days(from);
}

int date_add_days(struct date d, int64_t n, struct date *out, struct kd_err *err)
{
    /* Any n beyond the width of the range fails; checking first keeps the
     * sum from overflowing. */
    if (n > DAYS_MAX - DAYS_MIN || n < DAYS_MIN - DAYS_MAX)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "%lld days is outside 1873..9999",
                       (long long)n);
    return date_from_days(date_to_days(d) + n, out, err);
}

int date_add_months(struct date d, int64_t n, struct date *out, struct kd_err *err)
{
    const int64_t span = (int64_t)(DATE_YEAR_MAX - DATE_YEAR_MIN + 1) * 12;
    if (n > span || n < -span)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "%lld months is outside 1873..9999",
                       (long long)n);
    int64_t total = (int64_t)d.y * 12 + (d.m - 1) + n;
    int64_t y = total / 12, m0 = total % 12;
    if (m0 < 0) {
        m0 += 12;
        y--;
    }
    if (y < DATE_YEAR_MIN)
        return kd_fail(err, KD_INVALID_VALUE, NULL,
                       "the date is before 1873-01-01, the first Gregorian day in Japan");
    if (y > DATE_YEAR_MAX)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "the date is after 9999-12-31");
    int max = date_days_in_month(y, (int)m0 + 1);
    out->y = (int32_t)y;
    out->m = (uint8_t)(m0 + 1);
    out->d = (uint8_t)(d.d > max ? max : d.d);
    return 0;
}

int date_add_years(struct date d, int64_t n, struct date *out, struct kd_err *err)
{
    const int64_t span = DATE_YEAR_MAX - DATE_YEAR_MIN + 1;
    if (n > span || n < -span)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "%lld years is outside 1873..9999",
                       (long long)n);
    return date_add_months(d, n * 12, out, err);
}

enum date_weekday date_weekday(struct date d)
{
    /* 1970-01-01 was a Thursday. */
    int64_t w = (date_to_days(d) + 4) % 7;
    if (w < 0)
        w += 7;
    return (enum date_weekday)w;
}

const char *date_weekday_kanji(enum date_weekday wd)
{
    static const char *const names[7] = {"日", "月", "火", "水", "木", "金", "土"};
    if ((unsigned)wd > 6)
        return "?";
    return names[wd];
}

/* ---- text ---------------------------------------------------------------- */

static bool digits(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int date_parse_iso(const char *s, size_t len, const char *field, struct date *out,
                   struct kd_err *err)
{
    int64_t y, m, d;
    if (len != 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: expected a date as YYYY-MM-DD",
                       field_or_default(field));
    return date_make(y, m, d, field, out, err);
}

int date_parse_compact(const char *s, size_t len, const char *field, struct date *out,
                       struct kd_err *err)
{
    int64_t y, m, d;
    if (len != 8 || !digits(s, 4, &y) || !digits(s + 4, 2, &m) || !digits(s + 6, 2, &d))
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: expected a date as YYYYMMDD",
                       field_or_default(field));
    return date_make(y, m, d, field, out, err);
}

static void put_digits(char *out, int64_t v, int n)
{
    /* Reduced modulo 10^n, so that any value writes n digits. */
    if (v < 0)
        v = -v;
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void date_format_iso(struct date d, char buf[DATE_ISO_LEN])
{
    put_digits(buf, d.y, 4);
    buf[4] = '-';
    put_digits(buf + 5, d.m, 2);
    buf[7] = '-';
    put_digits(buf + 8, d.d, 2);
    buf[10] = '\0';
}

void date_format_compact(struct date d, char buf[DATE_COMPACT_LEN])
{
    put_digits(buf, d.y, 4);
    put_digits(buf + 4, d.m, 2);
    put_digits(buf + 6, d.d, 2);
    buf[8] = '\0';
}

/* ---- Japan --------------------------------------------------------------- */

struct date date_today_japan(int64_t now_ms)
{
    const int64_t day_ms = 86400000, jst_ms = 9 * 3600000; /* JST = UTC+9, no DST */
    /* Floor division first, then the offset: now_ms + jst_ms could overflow. */
    int64_t days = now_ms / day_ms, rem = now_ms % day_ms;
    if (rem < 0) {
        days--;
        rem += day_ms;
    }
    if (rem >= day_ms - jst_ms)
        days++;
    if (days < DAYS_MIN)
        days = DAYS_MIN;
    if (days > DAYS_MAX)
        days = DAYS_MAX;
    struct date out;
    date_from_days(days, &out, NULL);
    return out;
}

/* ---- ages ---------------------------------------------------------------- */

int date_reaches_age(struct date birth, int n, struct date *out, struct kd_err *err)
{
    if (n < 0 || n > DATE_AGE_MAX)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "age %d is not 0 to %d", n, DATE_AGE_MAX);
    if (n == 0) {
        *out = birth;
        return 0;
    }
    int64_t y = (int64_t)birth.y + n;
    if (y > DATE_YEAR_MAX)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "the date is after 9999-12-31");
    if (birth.m == 2 && birth.d == 29 && !date_is_leap(y)) {
        /* No corresponding day: the period ends on the month's last day. */
        out->y = (int32_t)y;
        out->m = 2;
        out->d = 28;
        return 0;
    }
    struct date anniversary = {(int32_t)y, birth.m, birth.d};
    return date_add_days(anniversary, -1, out, err);
}

bool date_has_reached_age(struct date birth, int n, struct date on)
{
    struct date when = {0};
    if (date_reaches_age(birth, n, &when, NULL) < 0)
        return false;
    return date_cmp(when, on) <= 0;
}

int date_age_on(struct date birth, struct date on)
{
    if (date_cmp(on, birth) < 0)
        return -1;
    int64_t n = (int64_t)on.y - birth.y + 1; /* an upper bound; at most one too many */
    if (n > DATE_AGE_MAX)
        n = DATE_AGE_MAX;
    while (n > 0 && !date_has_reached_age(birth, (int)n, on))
        n--;
    return (int)n;
}

/* ---- 年度 ----------------------------------------------------------------- */

int32_t date_fiscal_year(struct date d)
{
    /* In int64 so that no int32 value of d.y can overflow; valid dates are
     * far from the ends. */
    return (int32_t)(d.m >= 4 ? (int64_t)d.y : (int64_t)d.y - 1);
}

struct date date_fiscal_year_start(int32_t fy)
{
    return (struct date){fy, 4, 1};
}

struct date date_fiscal_year_end(int32_t fy)
{
    return (struct date){(int32_t)((int64_t)fy + (fy < INT32_MAX)), 3, 31};
}

int date_first_mar31_on_or_after(struct date d, struct date *out, struct kd_err *err)
{
    int64_t y = d.m <= 3 ? d.y : (int64_t)d.y + 1;
    if (y > DATE_YEAR_MAX)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "the date is after 9999-12-31");
    out->y = (int32_t)y;
    out->m = 3;
    out->d = 31;
    return 0;
}
