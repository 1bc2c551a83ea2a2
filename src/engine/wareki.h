/*
 * wareki.h — the Japanese era calendar (和暦) and unknown dates (不詳日).
 *
 * Eras are data: a table of {年号コード, name, letter, first day, last day}
 * with the five modern eras built in (明治 1 … 令和 5). The 住民記録システム
 * 標準仕様書 (1.3.6 和暦・西暦管理) requires that a change of era be handled by
 * setting parameters, so a sixth era is added from configuration at start
 * with wareki_add_era() / wareki_add_era_spec(), with no change to the code.
 *
 * Thread-safety: the table is one process-wide array. It may be changed
 * (wareki_add_era*, wareki_reset) only at start-up, before any other thread
 * uses this module; after that it is read-only and every function may be
 * called from any thread. The pointers the lookups return stay valid until
 * wareki_reset().
 *
 * Conversions are those of date.h: Gregorian days from 1873-01-01 (明治6年1月1日)
 * to 9999-12-31. Days before 1873 are lunisolar (旧暦) and are refused with
 * an error that says so.
 *
 * Overlap days. 大正 and 昭和 began on the day their predecessor ended
 * (即日改元): 1912-07-30 is both 明治45年7月30日 and 大正元年7月30日, 1926-12-25
 * both 大正15年12月25日 and 昭和元年12月25日. kyodo writes such a day in the NEW
 * era (wareki_from_date and every formatter) and accepts both forms when
 * reading (the standard, 1.1.8, allows 明治45年7月30日 and 大正15年12月25日).
 * Dates outside an era are refused, never moved into the next one:
 * 平成31年5月1日, 昭和64年1月8日 and 令和元年4月30日 are errors.
 *
 * Rules, sources and what is unverified: docs/dates.md and
 * ../shared/domain/identifiers-and-dates.md §2, resident-registry.md §4.
 */
#ifndef KYODO_ENGINE_WAREKI_H
#define KYODO_ENGINE_WAREKI_H

#include "base/date.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WAREKI_MAX_ERAS 16
#define WAREKI_NAME_MAX 8                         /* characters of an era name */
#define WAREKI_NAME_CAP (WAREKI_NAME_MAX * 4 + 1) /* bytes, UTF-8 + NUL */
#define WAREKI_TEXT_CAP 64   /* "令和8年4月1日" and the like, any era + NUL */
#define WAREKI_LETTER_LEN 10 /* "R08.04.01" + NUL */
#define WAREKI_GYYMMDD_LEN 8 /* "5080401" + NUL */
#define WAREKI_LAYOUT_LEN 9  /* "05080401" + NUL */

struct wareki_era {
    int code; /* 年号コード: 明治 1, 大正 2, 昭和 3, 平成 4, 令和 5, then 6 … */
    char name[WAREKI_NAME_CAP]; /* "令和", UTF-8 */
    char letter;                /* 'R': the letter of "R08.04.01" */
    struct date first;          /* first day; 明治's is 1868-01-25, before the range */
    struct date last;           /* last day, or {0, 0, 0} for the current era */
};

/* ---- the era table ------------------------------------------------------- */

/* Number of eras, and the i-th, oldest first (NULL past the end). */
size_t wareki_era_count(void);
const struct wareki_era *wareki_era_at(size_t i);

/* Lookups; NULL when there is no such era. by_name compares the whole of
 * s[0..len) with the name. */
const struct wareki_era *wareki_era_by_code(int code);
const struct wareki_era *wareki_era_by_letter(char letter);
const struct wareki_era *wareki_era_by_name(const char *s, size_t len);

/*
 * Adds an era after the current one (start-up only, see above).
 *   code    greater than every code in the table, at most 99 (the 中間標準
 *           レイアウト's 年号コード has 2 digits; GYYMMDD only holds 1..9);
 *   name    1..WAREKI_NAME_MAX characters of UTF-8, none of them ASCII or a
 *           digit, without 年, 月, 日, 頃, 推定, 不詳 or a full-width space
 *           (which the parsers read), and not the name of another era;
 *   letter  'A'..'Z', not the letter of another era;
 *   first   a valid date after the current era's first day;
 *   same_day false: the current era ends the day before `first` (翌日改元, as
 *           平成 and 令和 began); true: it ends on `first` (即日改元, as 大正
 *           and 昭和 began), so that day belongs to both and is written in
 *           the new era.
 * Fails with KD_INVALID_VALUE (KD_CONFLICT for a code, name or letter
 * already used) naming the field and leaves the table unchanged.
 */
int wareki_add_era(int code, const char *name, char letter, struct date first, bool same_day,
                   struct kd_err *err);

/* The same from one line of configuration:
 *   "CODE,NAME,LETTER,YYYY-MM-DD" or "CODE,NAME,LETTER,YYYY-MM-DD,same-day"
 * e.g. "6,新元,N,2040-05-01". Reads spec[0..len) only. */
int wareki_add_era_spec(const char *spec, size_t len, struct kd_err *err);

/* Restores the five built-in eras (start-up and tests only). */
void wareki_reset(void);

/* ---- conversion ---------------------------------------------------------- */

/* The era and year (1 = 元年) of a valid date, the newer era on an overlap
 * day: 1912-07-30 -> 大正 1, 1926-12-25 -> 昭和 1, 1989-01-07 -> 昭和 64.
 * Fails (KD_INVALID_VALUE) for an invalid date. */
int wareki_from_date(struct date d, const struct wareki_era **era, int *year, struct kd_err *err);

/* The date of era_code year m d, e.g. (5, 8, 4, 1) -> 2026-04-01. Fails
 * (KD_INVALID_VALUE) with the reason when the era code is unknown, the year
 * is below 1, the day is not in the calendar, the year is before 1873
 * (lunisolar), or the date is outside the era ("平成 ended on 2019-04-30
 * (平成31年4月30日)", "令和 began on 2019-05-01 (令和元年5月1日)"). The old-era
 * form of an overlap day (明治45年7月30日, 大正15年12月25日) is accepted. */
int wareki_to_date(int era_code, int64_t year, int64_t m, int64_t d, struct date *out,
                   struct kd_err *err);

/* ---- text forms ---------------------------------------------------------- */

/* Flags of wareki_format_kanji(). */
#define WAREKI_FULLWIDTH 1u /* digits as ０-９ (U+FF10..FF19): "令和８年４月１日" */
#define WAREKI_GREGORIAN 2u /* 西暦 in the same shape: "2026年4月1日" (外国人住民) */

/* "令和8年4月1日"; the first year is 元年: "令和元年5月1日". No leading zeros.
 * Fails (KD_INVALID_VALUE) for an invalid date or a buffer under
 * WAREKI_TEXT_CAP bytes. */
int wareki_format_kanji(struct date d, unsigned flags, char *buf, size_t cap, struct kd_err *err);

/* "R08.04.01" (letter, 2-digit year, month, day). Fails when the era year
 * has more than 2 digits (令和100年 = 2118). */
int wareki_format_letter(struct date d, char buf[WAREKI_LETTER_LEN], struct kd_err *err);

/* "5080401": 1-digit era code + YYMMDD (the COBOL-style GYYMMDD and the
 * 既存住基システム改造仕様書's 1-digit 年号コード). Fails for an era code above 9
 * or a year above 99. */
int wareki_format_gyymmdd(struct date d, char buf[WAREKI_GYYMMDD_LEN], struct kd_err *err);

/* "05080401": 2-digit 年号コード + YYMMDD, the 中間標準レイアウト's era code
 * width (the layout's date item encoding itself is not known: docs/dates.md). */
int wareki_format_layout(struct date d, char buf[WAREKI_LAYOUT_LEN], struct kd_err *err);

/*
 * Parsers. Each reads s[0..len) only (no NUL needed), accepts exactly its
 * form and fails with KD_INVALID_VALUE naming `field` (NULL reads as "date")
 * and the reason, without repeating the input. All go through
 * wareki_to_date(), so its rules (era bounds, overlap days, 1873) apply.
 *
 *   kanji    ERA YEAR 年 M 月 D 日 with YEAR = 元 or 1-4 digits, M and D 1-2
 *            digits; digits half-width or full-width (０-９), leading zeros
 *            allowed: "令和8年4月1日", "令和元年5月1日", "令和８年４月１日",
 *            "令和08年04月01日". No spaces.
 *   letter   "R08.04.01": letter, 2 digits, '.', 2 digits, '.', 2 digits.
 *   gyymmdd  "5080401": 7 ASCII digits.
 *   layout   "05080401": 8 ASCII digits.
 */
int wareki_parse_kanji(const char *s, size_t len, const char *field, struct date *out,
                       struct kd_err *err);
int wareki_parse_letter(const char *s, size_t len, const char *field, struct date *out,
                        struct kd_err *err);
int wareki_parse_gyymmdd(const char *s, size_t len, const char *field, struct date *out,
                         struct kd_err *err);
int wareki_parse_layout(const char *s, size_t len, const char *field, struct date *out,
                        struct kd_err *err);

/* ---- 不詳日 and non-calendar dates (住民記録システム標準仕様書 1.1.8) ---------- */

#define WAREKI_FUZZY_TEXT_MAX 72 /* characters of 不詳表記 (linkage field length 72) */
#define WAREKI_FUZZY_TEXT_CAP (WAREKI_FUZZY_TEXT_MAX * 4 + 1) /* bytes, UTF-8 + NUL */

/*
 * A date as the resident register keeps 生年月日, 住民となった年月日,
 * 住所を定めた年月日, 外国人住民となった年月日 and the 異動日 of 出生, 死亡 and
 * 失踪: one of three kinds.
 *
 *   exact         known_exact, !unknown: `date` is the day; text is "".
 *   non-calendar  !known_exact, !unknown: a day the calendar does not have or
 *                 does not write that way, kept as written for agreement
 *                 with the 戸籍 (2月29日 in a year without one, 明治45年7月30日,
 *                 大正15年12月25日); text is the input; `date` the internal day.
 *   不詳 (unknown) !known_exact, unknown (the linkage's 不詳フラグ): text is
 *                 the 不詳表記 as given; `date` is the internal date derived
 *                 by the rules below, or none (has_date false) for 年月日不詳.
 *
 * The standard says a 不詳日 travels to other systems *as* 不詳 (flag + text)
 * while an internal date is still kept; the internal date orders and selects
 * records and is what age calculations see.
 */
struct fuzzy_date {
    bool known_exact;
    bool unknown;
    bool has_date; /* false only for 年月日不詳 (and wareki_fuzzy_unknown(…, NULL …)) */
    struct date date;
    char text[WAREKI_FUZZY_TEXT_CAP]; /* ≤ 72 characters, as given; "" when exact */
};

/*
 * Parses what a clerk or a migration file gives for such a date: 1 to 72
 * characters of UTF-8 without control characters, one of
 *
 *   exact         "2026-04-01" (ISO), "令和8年4月1日" (any form wareki_parse_kanji
 *                 takes), "2026年4月1日" (西暦 in the same shape);
 *   non-calendar  the same kanji forms with a day past the end of its month
 *                 (day ≤ 31: "平成3年2月29日" -> internal 1991-02-28, the
 *                 month's last day), or the old era of an overlap day
 *                 ("明治45年7月30日" -> 1912-07-30);
 *   不詳           with Y = ERA YEAR 年 or 4-digit 西暦 年, M = 1-2 digits 月,
 *                 D = 1-2 digits 日, an optional "推定" before everything:
 *       "Y頃"                         internal: first day of the year
 *       "Y 月日不詳" (space optional,  first day of the year
 *         half- or full-width)
 *       "推定Y"                        first day of the year
 *       "Y春" "Y夏" "Y秋" "Y冬" (+頃)  03-01, 06-01, 09-01, 12-01 of Y
 *       "YM頃" "YM 日不詳" "推定YM"    first day of the month
 *       "YM上旬" "YM中旬" "YM下旬" (+頃) day 1, 11, 21
 *       "YMD頃" "推定YMD"               that day
 *       "YMDからM'D'(頃)までの間"        the start: YMD (M' < M: next year)
 *       "YMDから D'(頃)までの間", "YM推定DからD'までの間",
 *       "YMD頃からD'頃までの間"          the start
 *       "年月日不詳"                    no date (has_date false)
 *
 * The internal date of a period is its first day, moved to the era's first
 * day when the period begins before it (令和元年頃 -> 2019-05-01); a period
 * wholly outside its era or before 1873 is refused. Days in 不詳 forms must
 * be days of the calendar. These rules are kyodo's (the standard leaves the
 * values to the 住基ネット code definition, not seen): docs/dates.md.
 *
 * Fails with KD_INVALID_UTF8, KD_TOO_LONG or KD_INVALID_VALUE naming `field`.
 * *out is written only on success.
 */
int wareki_fuzzy_parse(const char *s, size_t len, const char *field, struct fuzzy_date *out,
                       struct kd_err *err);

/* An exact date (d must be valid). */
void wareki_fuzzy_exact(struct date d, struct fuzzy_date *out);

/* A 不詳日 whose text kyodo does not parse (a migrated form outside the list
 * above), with the internal date the caller decides, or none (internal
 * NULL). The text is checked as in wareki_fuzzy_parse (1..72 characters,
 * UTF-8, no control characters), the date for validity. */
int wareki_fuzzy_unknown(const char *text, size_t len, const struct date *internal,
                         const char *field, struct fuzzy_date *out, struct kd_err *err);

/* For display: an exact date as wareki_format_kanji(flags); otherwise the
 * text as given. Fails when cap is too small (WAREKI_FUZZY_TEXT_CAP is
 * always enough). */
int wareki_fuzzy_format(const struct fuzzy_date *fd, unsigned flags, char *buf, size_t cap,
                        struct kd_err *err);

#endif
