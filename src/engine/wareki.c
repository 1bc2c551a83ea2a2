/*
 * wareki.c — the era table, conversions between eras and Gregorian dates,
 * the text forms of 和暦 dates, and the 不詳日 parser.
 *
 * Era boundaries: identifiers-and-dates.md §2 (✔). Forms of 不詳日:
 * 住民記録システム標準仕様書 第1.0版 1.1.8 (resident-registry.md §4).
 */
#include "engine/wareki.h"

#include "base/clock.h"
#include "base/text.h"

#include <string.h>

/* The built-in eras. 明治's first day is 1868-01-25 (明治元年1月1日 of the
 * lunisolar calendar, by the decree of 1868-10-23 back-dated to the start of
 * the year); days before 1873-01-01 are never converted, so it only fixes
 * the year count (明治6年 = 1873). */
/* clang-format off */
#define BUILTIN_ERAS                                 \
    {1, "明治", 'M', {1868, 1, 25}, {1912, 7, 30}},  \
    {2, "大正", 'T', {1912, 7, 30}, {1926, 12, 25}}, \
    {3, "昭和", 'S', {1926, 12, 25}, {1989, 1, 7}},  \
    {4, "平成", 'H', {1989, 1, 8}, {2019, 4, 30}},   \
    {5, "令和", 'R', {2019, 5, 1}, {0, 0, 0}}
/* clang-format on */

static const struct wareki_era builtin[] = {BUILTIN_ERAS};
#define BUILTIN_COUNT (sizeof builtin / sizeof builtin[0])

/* Read-only after start-up (see wareki.h). */
static struct wareki_era eras[WAREKI_MAX_ERAS] = {BUILTIN_ERAS};
static size_t era_count = BUILTIN_COUNT;

static const char *field_or_default(const char *field)
{
    return field && field[0] ? field : "date";
}

static bool era_open(const struct wareki_era *e)
{
    return e->last.y == 0;
}

/* ---- the era table ------------------------------------------------------- */

size_t wareki_era_count(void)
{
    return era_count;
}

const struct wareki_era *wareki_era_at(size_t i)
{
    return i < era_count ? &eras[i] : NULL;
}

const struct wareki_era *wareki_era_by_code(int code)
{
    for (size_t i = 0; i < era_count; i++)
        if (eras[i].code == code)
            return &eras[i];
    return NULL;
}

const struct wareki_era *wareki_era_by_letter(char letter)
{
    for (size_t i = 0; i < era_count; i++)
        if (eras[i].letter == letter)
            return &eras[i];
    return NULL;
}

const struct wareki_era *wareki_era_by_name(const char *s, size_t len)
{
    for (size_t i = 0; i < era_count; i++)
        if (strlen(eras[i].name) == len && memcmp(eras[i].name, s, len) == 0)
            return &eras[i];
    return NULL;
}

void wareki_reset(void)
{
    memset(eras, 0, sizeof eras);
    memcpy(eras, builtin, sizeof builtin);
    era_count = BUILTIN_COUNT;
}

/* Text that must not appear in an era name, or the parsers could not tell
 * the name from what follows it. */
static const char *const name_forbidden[] = {"年", "月", "日", "頃", "推定", "不詳", "　"};

static int check_era_name(const char *name, struct kd_err *err)
{
    size_t len = strlen(name);
    if (len == 0 || len >= WAREKI_NAME_CAP || !text_utf8_valid(name, len, NULL))
        return kd_fail(err, KD_INVALID_VALUE, "name", "an era name is 1 to %d characters of UTF-8",
                       WAREKI_NAME_MAX);
    size_t chars = text_utf8_chars(name, len);
    if (chars > WAREKI_NAME_MAX)
        return kd_fail(err, KD_INVALID_VALUE, "name", "an era name is 1 to %d characters of UTF-8",
                       WAREKI_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)name[i];
        if (b < 0x80)
            return kd_fail(err, KD_INVALID_VALUE, "name", "an era name has no ASCII characters");
        /* Full-width digits U+FF10..FF19 are EF BC 90..99. */
        if (b == 0xEF && i + 2 < len && (unsigned char)name[i + 1] == 0xBC &&
            (unsigned char)name[i + 2] >= 0x90 && (unsigned char)name[i + 2] <= 0x99)
            return kd_fail(err, KD_INVALID_VALUE, "name", "an era name has no digits");
    }
    for (size_t k = 0; k < sizeof name_forbidden / sizeof name_forbidden[0]; k++)
        if (strstr(name, name_forbidden[k]))
            return kd_fail(err, KD_INVALID_VALUE, "name", "an era name must not contain %s",
                           name_forbidden[k]);
    return 0;
}

int wareki_add_era(int code, const char *name, char letter, struct date first, bool same_day,
                   struct kd_err *err)
{
    struct wareki_era *cur = &eras[era_count - 1];
    if (era_count >= WAREKI_MAX_ERAS)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "the era table holds at most %d eras",
                       WAREKI_MAX_ERAS);
    if (wareki_era_by_code(code))
        return kd_fail(err, KD_CONFLICT, "code", "era code %d is already used", code);
    if (code <= cur->code || code > 99)
        return kd_fail(err, KD_INVALID_VALUE, "code",
                       "era code %d must be above %d (the current era's) and at most 99", code,
                       cur->code);
    if (!name)
        return kd_fail(err, KD_INVALID_VALUE, "name", "an era needs a name");
    if (check_era_name(name, err) < 0)
        return -1;
    if (wareki_era_by_name(name, strlen(name)))
        return kd_fail(err, KD_CONFLICT, "name", "era name %s is already used", name);
    if (letter < 'A' || letter > 'Z')
        return kd_fail(err, KD_INVALID_VALUE, "letter", "an era letter is one of A to Z");
    if (wareki_era_by_letter(letter))
        return kd_fail(err, KD_CONFLICT, "letter", "era letter %c is already used", letter);
    if (!date_valid(first))
        return kd_fail(err, KD_INVALID_VALUE, "first",
                       "the first day of an era must be a valid date from 1873 to 9999");
    if (date_cmp(first, cur->first) <= 0)
        return kd_fail(err, KD_INVALID_VALUE, "first",
                       "the first day of an era must be after the current era's first day");
    struct date last = first;
    if (!same_day && date_add_days(first, -1, &last, err) < 0)
        return -1;
    struct wareki_era *e = &eras[era_count];
    memset(e, 0, sizeof *e);
    e->code = code;
    memcpy(e->name, name, strlen(name) + 1);
    e->letter = letter;
    e->first = first;
    e->last = (struct date){0, 0, 0};
    cur->last = last;
    era_count++;
    return 0;
}

int wareki_add_era_spec(const char *spec, size_t len, struct kd_err *err)
{
    /* Up to five comma-separated parts. */
    const char *part[5];
    size_t plen[5], n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || spec[i] == ',') {
            if (n == 5)
                goto bad;
            part[n] = spec + start;
            plen[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    if (n != 4 && n != 5)
        goto bad;
    int64_t code;
    if (!text_parse_i64(part[0], plen[0], 1, 99, &code))
        return kd_fail(err, KD_INVALID_VALUE, "code", "era code must be 1 to 99");
    char name[WAREKI_NAME_CAP];
    if (plen[1] == 0 || plen[1] >= sizeof name || memchr(part[1], '\0', plen[1]))
        return kd_fail(err, KD_INVALID_VALUE, "name", "an era name is 1 to %d characters of UTF-8",
                       WAREKI_NAME_MAX);
    memcpy(name, part[1], plen[1]);
    name[plen[1]] = '\0';
    if (plen[2] != 1)
        return kd_fail(err, KD_INVALID_VALUE, "letter", "an era letter is one of A to Z");
    struct date first;
    if (date_parse_iso(part[3], plen[3], "first", &first, err) < 0)
        return -1;
    bool same_day = false;
    if (n == 5) {
        if (plen[4] != 8 || memcmp(part[4], "same-day", 8) != 0)
            goto bad;
        same_day = true;
    }
    return wareki_add_era((int)code, name, part[2][0], first, same_day, err);
bad:
    return kd_fail(err, KD_INVALID_VALUE, "era",
                   "an era is given as CODE,NAME,LETTER,YYYY-MM-DD[,same-day]");
}

/* ---- small text builder -------------------------------------------------- */

struct sb {
    char *buf;
    size_t cap, len;
    bool overflow;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
    if (b->overflow || b->cap - b->len <= n) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* A non-negative number in decimal, ASCII or full-width digits. */
static void sb_num(struct sb *b, int64_t v, bool fullwidth)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < 20);
    while (n-- > 0) {
        if (fullwidth) {
            char fw[3] = {(char)0xEF, (char)0xBC, (char)(0x90 + (tmp[n] - '0'))};
            sb_put(b, fw, 3);
        } else {
            sb_put(b, &tmp[n], 1);
        }
    }
}

/* "令和3年2月" or "2021年2月": what messages call a month. */
static void month_label(char *buf, size_t cap, const struct wareki_era *era, int64_t year,
                        int64_t m)
{
    struct sb b = {buf, cap, 0, false};
    buf[0] = '\0';
    if (era)
        sb_str(&b, era->name);
    if (era && year == 1)
        sb_str(&b, "元");
    else
        sb_num(&b, year, false);
    sb_str(&b, "年");
    if (m > 0) {
        sb_num(&b, m, false);
        sb_str(&b, "月");
    }
}

/* "平成31年4月30日": a day written in a given era (not necessarily the one
 * wareki_from_date would choose). */
static void era_day_text(char *buf, size_t cap, const struct wareki_era *era, struct date d)
{
    month_label(buf, cap, era, (int64_t)d.y - era->first.y + 1, d.m);
    struct sb b = {buf, cap, strlen(buf), false};
    sb_num(&b, d.d, false);
    sb_str(&b, "日");
}

static int fail_began(struct kd_err *err, const char *field, const struct wareki_era *era)
{
    char iso[DATE_ISO_LEN], text[WAREKI_TEXT_CAP];
    date_format_iso(era->first, iso);
    era_day_text(text, sizeof text, era, era->first);
    return kd_fail(err, KD_INVALID_VALUE, field, "%s: %s began on %s (%s)", field_or_default(field),
                   era->name, iso, text);
}

static int fail_ended(struct kd_err *err, const char *field, const struct wareki_era *era)
{
    char iso[DATE_ISO_LEN], text[WAREKI_TEXT_CAP];
    date_format_iso(era->last, iso);
    era_day_text(text, sizeof text, era, era->last);
    return kd_fail(err, KD_INVALID_VALUE, field, "%s: %s ended on %s (%s)", field_or_default(field),
                   era->name, iso, text);
}

static int fail_lunisolar(struct kd_err *err, const char *field, const struct wareki_era *era,
                          int64_t year)
{
    char label[WAREKI_TEXT_CAP];
    month_label(label, sizeof label, era, year, 0);
    return kd_fail(err, KD_INVALID_VALUE, field,
                   "%s: %s is before 1873 (明治6年), when Japan adopted the Gregorian "
                   "calendar; earlier dates are lunisolar and are not converted",
                   field_or_default(field), label);
}

/* ---- conversion ---------------------------------------------------------- */

/* The Gregorian year of an era year, or a value past the range. */
static int64_t greg_year(const struct wareki_era *era, int64_t year)
{
    if (year > 100000)
        return INT32_MAX;
    return (int64_t)era->first.y + year - 1;
}

/* Checks year, month and day of an era (a day of the calendar) and that the
 * day lies in the era. */
static int era_date(const struct wareki_era *era, int64_t year, int64_t m, int64_t d,
                    const char *field, struct date *out, struct kd_err *err)
{
    const char *f = field_or_default(field);
    if (year < 1)
        return kd_fail(err, KD_INVALID_VALUE, field,
                       "%s: %s%lld年 does not exist; the first year is 元年 (1)", f, era->name,
                       (long long)year);
    int64_t gy = greg_year(era, year);
    if (gy < DATE_YEAR_MIN)
        return fail_lunisolar(err, field, era, year);
    if (gy > DATE_YEAR_MAX)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: the year is after 9999", f);
    if (m < 1 || m > 12)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: month %lld is not 1 to 12", f,
                       (long long)m);
    int max = date_days_in_month(gy, (int)m);
    if (d < 1 || d > max) {
        char label[WAREKI_TEXT_CAP];
        month_label(label, sizeof label, era, year, m);
        if (d < 1)
            return kd_fail(err, KD_INVALID_VALUE, field, "%s: day %lld does not exist", f,
                           (long long)d);
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: %s has %d days", f, label, max);
    }
    struct date r = {(int32_t)gy, (uint8_t)m, (uint8_t)d};
    if (date_cmp(r, era->first) < 0)
        return fail_began(err, field, era);
    if (!era_open(era) && date_cmp(r, era->last) > 0)
        return fail_ended(err, field, era);
    *out = r;
    return 0;
}

int wareki_from_date(struct date d, const struct wareki_era **era, int *year, struct kd_err *err)
{
    /* Failures return a literal -1 so the compiler sees that *era and *year
     * are set whenever this returns 0. */
    if (!date_valid(d)) {
        kd_fail(err, KD_INVALID_VALUE, NULL, "not a valid date from 1873-01-01 to 9999-12-31");
        return -1;
    }
    /* Newest first, so that an overlap day goes to the new era. */
    for (size_t i = era_count; i-- > 0;) {
        if (date_cmp(eras[i].first, d) <= 0) {
            *era = &eras[i];
            *year = (int)(d.y - eras[i].first.y + 1);
            return 0;
        }
    }
    /* Unreachable with 明治 in the table (1868 < 1873). */
    kd_fail(err, KD_INVALID_VALUE, NULL, "the date is before the first era");
    return -1;
}

static int to_date(int era_code, int64_t year, int64_t m, int64_t d, const char *field,
                   struct date *out, struct kd_err *err)
{
    const struct wareki_era *era = wareki_era_by_code(era_code);
    if (!era)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: era code %d is not in the era table",
                       field_or_default(field), era_code);
    return era_date(era, year, m, d, field, out, err);
}

int wareki_to_date(int era_code, int64_t year, int64_t m, int64_t d, struct date *out,
                   struct kd_err *err)
{
    return to_date(era_code, year, m, d, NULL, out, err);
}

/* ---- formatting ---------------------------------------------------------- */

static int fail_small(struct kd_err *err)
{
    return kd_fail(err, KD_INVALID_VALUE, NULL, "the buffer is too small for the date");
}

int wareki_format_kanji(struct date d, unsigned flags, char *buf, size_t cap, struct kd_err *err)
{
    if (cap == 0)
        return fail_small(err);
    buf[0] = '\0';
    bool fw = flags & WAREKI_FULLWIDTH;
    struct sb b = {buf, cap, 0, false};
    if (flags & WAREKI_GREGORIAN) {
        if (!date_valid(d))
            return kd_fail(err, KD_INVALID_VALUE, NULL,
                           "not a valid date from 1873-01-01 to 9999-12-31");
        sb_num(&b, d.y, fw);
    } else {
        const struct wareki_era *era = NULL;
        int year = 0;
        if (wareki_from_date(d, &era, &year, err) < 0)
            return -1;
        sb_str(&b, era->name);
        if (year == 1)
            sb_str(&b, "元");
        else
            sb_num(&b, year, fw);
    }
    sb_str(&b, "年");
    sb_num(&b, d.m, fw);
    sb_str(&b, "月");
    sb_num(&b, d.d, fw);
    sb_str(&b, "日");
    if (b.overflow) {
        buf[0] = '\0';
        return fail_small(err);
    }
    return 0;
}

static void put2(char *out, int v)
{
    out[0] = (char)('0' + v / 10 % 10);
    out[1] = (char)('0' + v % 10);
}

/* Era and year of d for the numeric forms: year at most 99. */
static int numeric_era(struct date d, const struct wareki_era **era, int *year, struct kd_err *err)
{
    if (wareki_from_date(d, era, year, err) < 0)
        return -1;
    if (*year > 99)
        return kd_fail(err, KD_INVALID_VALUE, NULL, "%s%d年 has more than 2 digits of year",
                       (*era)->name, *year);
    return 0;
}

int wareki_format_letter(struct date d, char buf[WAREKI_LETTER_LEN], struct kd_err *err)
{
    const struct wareki_era *era = NULL;
    int year = 0;
    buf[0] = '\0';
    if (numeric_era(d, &era, &year, err) < 0)
        return -1;
    buf[0] = era->letter;
    put2(buf + 1, year);
    buf[3] = '.';
    put2(buf + 4, d.m);
    buf[6] = '.';
    put2(buf + 7, d.d);
    buf[9] = '\0';
    return 0;
}

int wareki_format_gyymmdd(struct date d, char buf[WAREKI_GYYMMDD_LEN], struct kd_err *err)
{
    const struct wareki_era *era = NULL;
    int year = 0;
    buf[0] = '\0';
    if (numeric_era(d, &era, &year, err) < 0)
        return -1;
    if (era->code > 9)
        return kd_fail(err, KD_INVALID_VALUE, NULL,
                       "era code %d does not fit the 1-digit form GYYMMDD", era->code);
    buf[0] = (char)('0' + era->code);
    put2(buf + 1, year);
    put2(buf + 3, d.m);
    put2(buf + 5, d.d);
    buf[7] = '\0';
    return 0;
}

int wareki_format_layout(struct date d, char buf[WAREKI_LAYOUT_LEN], struct kd_err *err)
{
    const struct wareki_era *era = NULL;
    int year = 0;
    buf[0] = '\0';
    if (numeric_era(d, &era, &year, err) < 0)
        return -1;
    put2(buf, era->code);
    put2(buf + 2, year);
    put2(buf + 4, d.m);
    put2(buf + 6, d.d);
    buf[8] = '\0';
    return 0;
}

/* ---- parsing ------------------------------------------------------------- */

struct cur {
    const char *s;
    size_t len, i;
};

static bool at_end(const struct cur *c)
{
    return c->i == c->len;
}

static bool eat(struct cur *c, const char *lit)
{
    size_t n = strlen(lit);
    if (c->len - c->i < n || memcmp(c->s + c->i, lit, n) != 0)
        return false;
    c->i += n;
    return true;
}

/* The digit at the cursor, half-width or full-width (０-９ = EF BC 90..99),
 * and its width in bytes; -1 when there is none. */
static int digit_at(const struct cur *c, size_t *width)
{
    size_t left = c->len - c->i;
    const unsigned char *p = (const unsigned char *)c->s + c->i;
    if (left >= 1 && p[0] >= '0' && p[0] <= '9') {
        *width = 1;
        return p[0] - '0';
    }
    if (left >= 3 && p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
        *width = 3;
        return p[2] - 0x90;
    }
    return -1;
}

/* The rest of the input is exactly lit. */
static bool rest_is(const struct cur *c, const char *lit)
{
    size_t n = strlen(lit);
    return c->len - c->i == n && memcmp(c->s + c->i, lit, n) == 0;
}

/* 1..maxd digits; returns how many, or 0 (leaving the cursor) on none or
 * more than maxd. */
static int eat_num(struct cur *c, int maxd, int64_t *out)
{
    struct cur t = *c;
    int64_t v = 0;
    int n = 0, dg;
    size_t w;
    while ((dg = digit_at(&t, &w)) >= 0) {
        if (++n > maxd)
            return 0;
        v = v * 10 + dg;
        t.i += w;
    }
    if (n == 0)
        return 0;
    *c = t;
    *out = v;
    return n;
}

/* The longest era name at the cursor. */
static const struct wareki_era *eat_era(struct cur *c)
{
    const struct wareki_era *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < era_count; i++) {
        size_t n = strlen(eras[i].name);
        if (n > best_len && c->len - c->i >= n && memcmp(c->s + c->i, eras[i].name, n) == 0) {
            best = &eras[i];
            best_len = n;
        }
    }
    c->i += best_len;
    return best;
}

/* ERA (元|digits) 年, or 4 digits 年 (西暦, era NULL). */
struct ypart {
    const struct wareki_era *era;
    int64_t year;
};

static bool eat_year(struct cur *c, struct ypart *yp)
{
    struct cur t = *c;
    yp->era = eat_era(&t);
    if (yp->era) {
        if (eat(&t, "元"))
            yp->year = 1;
        else if (!eat_num(&t, 4, &yp->year))
            return false;
    } else if (eat_num(&t, 4, &yp->year) != 4) {
        return false; /* 西暦 needs all four digits */
    }
    if (!eat(&t, "年"))
        return false;
    *c = t;
    return true;
}

int wareki_parse_kanji(const char *s, size_t len, const char *field, struct date *out,
                       struct kd_err *err)
{
    struct cur c = {s, len, 0};
    struct ypart yp;
    int64_t m, d;
    if (!eat_year(&c, &yp) || !yp.era || !eat_num(&c, 2, &m) || !eat(&c, "月") ||
        !eat_num(&c, 2, &d) || !eat(&c, "日") || !at_end(&c))
        return kd_fail(err, KD_INVALID_VALUE, field,
                       "%s: expected an era date such as 令和8年4月1日", field_or_default(field));
    return era_date(yp.era, yp.year, m, d, field, out, err);
}

static bool ascii_digits(const char *s, size_t n, int64_t *out)
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

int wareki_parse_letter(const char *s, size_t len, const char *field, struct date *out,
                        struct kd_err *err)
{
    int64_t y, m, d;
    if (len != 9 || s[0] < 'A' || s[0] > 'Z' || !ascii_digits(s + 1, 2, &y) || s[3] != '.' ||
        !ascii_digits(s + 4, 2, &m) || s[6] != '.' || !ascii_digits(s + 7, 2, &d))
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: expected an era date such as R08.04.01",
                       field_or_default(field));
    const struct wareki_era *era = wareki_era_by_letter(s[0]);
    if (!era)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: no era has the letter %c",
                       field_or_default(field), s[0]);
    return era_date(era, y, m, d, field, out, err);
}

int wareki_parse_gyymmdd(const char *s, size_t len, const char *field, struct date *out,
                         struct kd_err *err)
{
    int64_t g, y, m, d;
    if (len != 7 || !ascii_digits(s, 1, &g) || !ascii_digits(s + 1, 2, &y) ||
        !ascii_digits(s + 3, 2, &m) || !ascii_digits(s + 5, 2, &d))
        return kd_fail(err, KD_INVALID_VALUE, field,
                       "%s: expected 7 digits GYYMMDD such as 5080401", field_or_default(field));
    return to_date((int)g, y, m, d, field, out, err);
}

int wareki_parse_layout(const char *s, size_t len, const char *field, struct date *out,
                        struct kd_err *err)
{
    int64_t g, y, m, d;
    if (len != 8 || !ascii_digits(s, 2, &g) || !ascii_digits(s + 2, 2, &y) ||
        !ascii_digits(s + 4, 2, &m) || !ascii_digits(s + 6, 2, &d))
        return kd_fail(err, KD_INVALID_VALUE, field,
                       "%s: expected 8 digits (era code, YYMMDD) such as 05080401",
                       field_or_default(field));
    return to_date((int)g, y, m, d, field, out, err);
}

/* ---- 不詳日 ---------------------------------------------------------------- */

/* Internal dates of seasons: the first day of the meteorological season
 * (3-5, 6-8, 9-11, 12-2 of the next year). kyodo's choice: docs/dates.md. */
static const struct {
    const char *name;
    int first_month;
} seasons[] = {{"春", 3}, {"夏", 6}, {"秋", 9}, {"冬", 12}};

/* Internal dates of 上旬, 中旬, 下旬: days 1-10, 11-20, 21-end. */
static const struct {
    const char *name;
    int first_day, last_day; /* 0: the month's last day */
} juns[] = {{"上旬", 1, 10}, {"中旬", 11, 20}, {"下旬", 21, 0}};

static int64_t days_of(int64_t y, int64_t m, int64_t d)
{
    return clock_days_from_civil(y, (unsigned)m, (unsigned)d);
}

/* The Gregorian year of a year part, or fails (year 0). */
static int year_of(const struct ypart *yp, const char *field, int64_t *gy, struct kd_err *err)
{
    if (yp->era && yp->year < 1)
        return kd_fail(err, KD_INVALID_VALUE, field,
                       "%s: %s%lld年 does not exist; the first year is 元年 (1)",
                       field_or_default(field), yp->era->name, (long long)yp->year);
    *gy = yp->era ? greg_year(yp->era, yp->year) : yp->year;
    if (*gy > DATE_YEAR_MAX)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: the year is after 9999",
                       field_or_default(field));
    return 0;
}

static int check_month(int64_t m, const char *field, struct kd_err *err)
{
    if (m < 1 || m > 12)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: month %lld is not 1 to 12",
                       field_or_default(field), (long long)m);
    return 0;
}

/* A day of the calendar in (gy, m); year part for the message. */
static int check_day(const struct ypart *yp, int64_t gy, int64_t m, int64_t d, const char *field,
                     struct kd_err *err)
{
    int max = date_days_in_month(gy, (int)m);
    if (d >= 1 && d <= max)
        return 0;
    if (d < 1)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: day %lld does not exist",
                       field_or_default(field), (long long)d);
    char label[WAREKI_TEXT_CAP];
    month_label(label, sizeof label, yp->era, yp->era ? yp->year : gy, m);
    return kd_fail(err, KD_INVALID_VALUE, field, "%s: %s has %d days", field_or_default(field),
                   label, max);
}

/* The internal date of a period [lo, hi] (day numbers) written in yp's era:
 * its first day within the era and the range. */
static int settle(const struct ypart *yp, int64_t lo, int64_t hi, const char *field,
                  struct date *out, struct kd_err *err)
{
    const int64_t first_day = days_of(DATE_YEAR_MIN, 1, 1),
                  last_day = days_of(DATE_YEAR_MAX, 12, 31);
    if (yp->era) {
        int64_t ef = date_to_days(yp->era->first);
        if (hi < ef)
            return fail_began(err, field, yp->era);
        if (!era_open(yp->era) && lo > date_to_days(yp->era->last))
            return fail_ended(err, field, yp->era);
        if (lo < ef)
            lo = ef;
    }
    if (hi < first_day)
        return fail_lunisolar(err, field, yp->era, yp->year);
    if (lo < first_day)
        lo = first_day;
    if (lo > last_day)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: the year is after 9999",
                       field_or_default(field));
    return date_from_days(lo, out, err);
}

static int fail_form(const char *field, struct kd_err *err)
{
    return kd_fail(err, KD_INVALID_VALUE, field,
                   "%s: expected a date (令和8年4月1日, 2026-04-01) or a 不詳日 form such as "
                   "令和8年頃, 令和8年4月上旬 or 年月日不詳",
                   field_or_default(field));
}

static bool eat_space(struct cur *c)
{
    return eat(c, " ") || eat(c, "　");
}

/* What follows "YMD" or "YM推定D" in a range: から [M'月] D'日 [頃] までの間. */
static int range_end(struct cur *c, const struct ypart *yp, int64_t gy, int64_t m, int64_t d,
                     const char *field, int64_t *hi, struct kd_err *err)
{
    int64_t m2 = m, d2, y2 = gy;
    if (!eat_num(c, 2, &d2))
        return fail_form(field, err);
    if (eat(c, "月")) {
        m2 = d2;
        if (check_month(m2, field, err) < 0)
            return -1;
        if (!eat_num(c, 2, &d2))
            return fail_form(field, err);
        if (m2 < m)
            y2 = gy + 1;
    }
    if (!eat(c, "日"))
        return fail_form(field, err);
    eat(c, "頃");
    if (!eat(c, "までの間") || !at_end(c))
        return fail_form(field, err);
    struct ypart yp2 = {y2 == gy ? yp->era : NULL, y2 == gy ? yp->year : y2};
    if (check_day(&yp2, y2, m2, d2, field, err) < 0)
        return -1;
    *hi = days_of(y2, m2, d2);
    if (*hi < days_of(gy, m, d))
        return kd_fail(err, KD_INVALID_VALUE, field, "%s: the period ends before it begins",
                       field_or_default(field));
    return 0;
}

static int fuzzy_text(const char *s, size_t len, const char *field, struct kd_err *err)
{
    if (text_check_line(s, len, 1, WAREKI_FUZZY_TEXT_MAX, field_or_default(field), err) < 0) {
        if (!field && err)
            err->field[0] = '\0';
        return -1;
    }
    return 0;
}

/* An exact form YMD (no qualifier): exact, or non-calendar. */
static int fuzzy_plain(const struct ypart *yp, int64_t gy, int64_t m, int64_t d, const char *s,
                       size_t len, const char *field, struct fuzzy_date *out, struct kd_err *err)
{
    int max = date_days_in_month(gy, (int)m);
    bool noncal = false;
    if (d > max && d <= 31) {
        noncal = true; /* 暦上日以外: kept as written, internally the month's last day */
        d = max;
    }
    struct date r;
    if (yp->era) {
        if (era_date(yp->era, yp->year, m, d, field, &r, err) < 0)
            return -1;
        const struct wareki_era *canon;
        int cy;
        if (wareki_from_date(r, &canon, &cy, err) < 0)
            return -1;
        if (canon != yp->era)
            noncal = true; /* the old era of an overlap day */
    } else if (date_make(gy, m, d, field, &r, err) < 0) {
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->has_date = true;
    out->date = r;
    if (noncal) {
        memcpy(out->text, s, len);
        out->text[len] = '\0';
    } else {
        out->known_exact = true;
    }
    return 0;
}

int wareki_fuzzy_parse(const char *s, size_t len, const char *field, struct fuzzy_date *out,
                       struct kd_err *err)
{
    if (fuzzy_text(s, len, field, err) < 0)
        return -1;
    if (len == 10 && s[4] == '-') {
        struct date d;
        if (date_parse_iso(s, len, field, &d, err) < 0)
            return -1;
        wareki_fuzzy_exact(d, out);
        return 0;
    }
    if (len == strlen("年月日不詳") && memcmp(s, "年月日不詳", len) == 0) {
        memset(out, 0, sizeof *out);
        out->unknown = true;
        memcpy(out->text, s, len);
        out->text[len] = '\0';
        return 0;
    }

    struct cur c = {s, len, 0};
    bool estimated = eat(&c, "推定");
    struct ypart yp;
    int64_t gy = 0, m = 0, d = 0, lo = 0, hi = 0;
    if (!eat_year(&c, &yp))
        return fail_form(field, err);
    if (year_of(&yp, field, &gy, err) < 0)
        return -1;

    /* Year only. */
    if ((at_end(&c) && estimated) || rest_is(&c, "頃")) {
        lo = days_of(gy, 1, 1), hi = days_of(gy, 12, 31);
        goto unknown;
    }
    {
        struct cur t = c;
        eat_space(&t);
        if (rest_is(&t, "月日不詳")) {
            lo = days_of(gy, 1, 1), hi = days_of(gy, 12, 31);
            goto unknown;
        }
    }
    for (size_t k = 0; k < sizeof seasons / sizeof seasons[0]; k++) {
        if (eat(&c, seasons[k].name)) {
            eat(&c, "頃");
            if (!at_end(&c))
                return fail_form(field, err);
            int64_t fm = seasons[k].first_month, next = fm + 3;
            lo = days_of(gy, fm, 1);
            /* The day before the next season: 冬 ends in February of gy + 1. */
            hi = next > 12 ? days_of(gy + 1, next - 12, 1) - 1 : days_of(gy, next, 1) - 1;
            goto unknown;
        }
    }

    /* Month. */
    if (!eat_num(&c, 2, &m) || !eat(&c, "月"))
        return fail_form(field, err);
    if (check_month(m, field, err) < 0)
        return -1;
    lo = days_of(gy, m, 1);
    hi = days_of(gy, m, date_days_in_month(gy, (int)m));
    if ((at_end(&c) && estimated) || rest_is(&c, "頃"))
        goto unknown;
    {
        struct cur t = c;
        eat_space(&t);
        if (rest_is(&t, "日不詳"))
            goto unknown;
    }
    for (size_t k = 0; k < sizeof juns / sizeof juns[0]; k++) {
        if (eat(&c, juns[k].name)) {
            eat(&c, "頃");
            if (!at_end(&c))
                return fail_form(field, err);
            lo = days_of(gy, m, juns[k].first_day);
            if (juns[k].last_day)
                hi = days_of(gy, m, juns[k].last_day);
            goto unknown;
        }
    }

    /* Day. */
    bool est_day = eat(&c, "推定");
    if (!eat_num(&c, 2, &d) || !eat(&c, "日"))
        return fail_form(field, err);
    if (at_end(&c) && !estimated && !est_day) {
        if (d < 1 || d > 31)
            return check_day(&yp, gy, m, d, field, err);
        return fuzzy_plain(&yp, gy, m, d, s, len, field, out, err);
    }
    if (check_day(&yp, gy, m, d, field, err) < 0)
        return -1;
    lo = hi = days_of(gy, m, d);
    if (at_end(&c) && !est_day)
        goto unknown; /* 推定YMD */
    bool about = eat(&c, "頃");
    if (at_end(&c) && about && !est_day)
        goto unknown; /* YMD頃 */
    if (!eat(&c, "から"))
        return fail_form(field, err);
    if (range_end(&c, &yp, gy, m, d, field, &hi, err) < 0)
        return -1;

unknown:;
    struct date internal;
    if (settle(&yp, lo, hi, field, &internal, err) < 0)
        return -1;
    memset(out, 0, sizeof *out);
    out->unknown = true;
    out->has_date = true;
    out->date = internal;
    memcpy(out->text, s, len);
    out->text[len] = '\0';
    return 0;
}

void wareki_fuzzy_exact(struct date d, struct fuzzy_date *out)
{
    memset(out, 0, sizeof *out);
    out->known_exact = true;
    out->has_date = true;
    out->date = d;
}

int wareki_fuzzy_unknown(const char *text, size_t len, const struct date *internal,
                         const char *field, struct fuzzy_date *out, struct kd_err *err)
{
    if (fuzzy_text(text, len, field, err) < 0)
        return -1;
    if (internal && !date_valid(*internal))
        return kd_fail(err, KD_INVALID_VALUE, field,
                       "%s: the internal date is not a valid date from 1873 to 9999",
                       field_or_default(field));
    memset(out, 0, sizeof *out);
    out->unknown = true;
    if (internal) {
        out->has_date = true;
        out->date = *internal;
    }
    memcpy(out->text, text, len);
    out->text[len] = '\0';
    return 0;
}

int wareki_fuzzy_format(const struct fuzzy_date *fd, unsigned flags, char *buf, size_t cap,
                        struct kd_err *err)
{
    if (fd->known_exact)
        return wareki_format_kanji(fd->date, flags, buf, cap, err);
    size_t n = strlen(fd->text);
    if (cap <= n) {
        if (cap > 0)
            buf[0] = '\0';
        return fail_small(err);
    }
    memcpy(buf, fd->text, n + 1);
    return 0;
}
