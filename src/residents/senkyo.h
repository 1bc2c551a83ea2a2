/*
 * senkyo.h — 選挙人名簿 (the electoral roll), derived from the resident
 * register on a reference date (基準日).
 *
 * The law (docs/senkyo.md cites each rule):
 *   公職選挙法第9条    日本国民で年齢満18年以上の者は選挙権を有する.
 *   同第21条第1項      the roll lists those with an address in the town, 18 or
 *                      more, who have been recorded in the town's 住民基本台帳
 *                      for three months without a break from the day their
 *                      住民票 was made (for a 転入 from another municipality:
 *                      the day of the 転入届).
 *   同第21条第2項      and those who moved out (国内転出) less than four months
 *                      before, having had those three months on the day they
 *                      left (旧住所地での登録, since 2016).
 *   同第11条第1項,    persons without 選挙権 (the register does not know
 *   第252条, 政治資金  them: the election office records them, 失権 entries).
 *   規正法第28条
 *   同第22条           定時登録 on the 1st of March, June, September and
 *                      December; 選挙時登録 with a 基準日 (the day before the
 *                      公示・告示) and the age counted on the 選挙期日.
 *
 * Ages follow 年齢計算ニ関スル法律 (date_has_reached_age); periods in months
 * follow 民法第140条 and 第143条 (senkyo_period_end).
 *
 * The roll is computed, not stored: the same criteria and the same `known_at`
 * instant give the same list, so every export can be reproduced from its
 * audit entry. What is stored (scope "senkyo"): the 投票区 table and the
 * 失権 entries, both kept with their history.
 *
 * The pure functions (rules, district matching, ordering) are thread-safe and
 * touch no database; the store functions join the caller's transaction.
 */
#ifndef KYODO_RESIDENTS_SENKYO_H
#define KYODO_RESIDENTS_SENKYO_H

#include "base/arena.h"
#include "base/date.h"
#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern const struct store_schema senkyo_schema;

#define SENKYO_AGE 18         /* 公職選挙法第9条 */
#define SENKYO_MONTHS 3       /* 同第21条第1項: 引き続き3箇月以上 */
#define SENKYO_MOVED_MONTHS 4 /* 同第21条第2項, 第28条: 4箇月を経過しない */

/* ---- periods ---------------------------------------------------------------- */

/*
 * The last day of a period of `months` months that begins on the day after
 * `from` (民法第140条: the first day is not counted, as a 届出 is made during
 * the day). The period ends on the day before the day of the final month that
 * corresponds to its first day, or on the last day of the final month when it
 * has no such day (民法第143条第2項): from 2025-06-01, three months end on
 * 2025-09-01; from 2024-11-30 (first day 12-01) on 2025-02-28; from 2024-11-29
 * (first day 11-30, no 02-30) on 2025-02-28 as well.
 *
 * A period has passed on a day when it ended on or before that day: the
 * three months of a 転入届 made on 2025-06-01 are complete on the 基準日
 * 2025-09-01. Fails only outside the date range.
 */
int senkyo_period_end(struct date from, int months, struct date *out, struct kd_err *err);

/* ---- who is on the roll ------------------------------------------------------- */

/* Why a person is, or is not, on the roll on a 基準日. */
enum senkyo_reason {
    SENKYO_REGISTERED,    /* 登録: a resident with three months, 18 or more */
    SENKYO_MOVED_OUT,     /* 登録 (転出表示): 第21条第2項 */
    SENKYO_FOREIGN,       /* 外国人住民: not 日本国民 */
    SENKYO_BIRTH_UNKNOWN, /* 生年月日 年月日不詳: the age cannot be judged */
    SENKYO_UNDER_AGE,     /* 年齢満18年未満 on the age date */
    SENKYO_SHORT,         /* not three months in the register */
    SENKYO_SHIKKEN,       /* a 失権 entry in effect on the 基準日 */
    SENKYO_REMOVED,       /* not a resident on the 基準日, and not 第21条第2項 */
    SENKYO_REASON_COUNT
};

/* Stable code ("registered", "moved_out", "foreign" …) and label (登録, 転出表示 …). */
const char *senkyo_reason_code(enum senkyo_reason r);
const char *senkyo_reason_label(enum senkyo_reason r);

/* What the judgement reads of one person, as of the 基準日. */
struct senkyo_person {
    bool foreign;          /* 住民種別 外国人住民 */
    bool resident;         /* a resident on the 基準日 (else a 除票 by then) */
    bool moved_out;        /* removed by a 国内転出 (only then is removal_date read) */
    struct date removal_date;
    bool has_birth;        /* false for 年月日不詳 (no internal date) */
    struct date birth;     /* the internal date of a 不詳日 counts (docs/dates.md) */
    struct date start;     /* 起算日: senkyo_start() */
    bool shikken;          /* a 失権 entry in effect on the 基準日 */
};

/*
 * The dates a roll is judged on:
 *   kijun     基準日: residence, removal, three months, 失権;
 *   age_date  the day on which 18 must be reached: the 基準日 for 定時登録,
 *             the 選挙期日 for 選挙時登録 (never before the 基準日).
 */
struct senkyo_dates {
    struct date kijun, age_date;
};

/*
 * The judgement, in this order: removed (a 国内転出 on or before the 基準日
 * whose four months have not passed goes on as 転出表示, other removals are
 * off); 外国人住民; 生年月日 unknown; under 18 on the age date; three months
 * (on the 基準日, or for a 転出表示 on the day of the move); 失権.
 */
enum senkyo_reason senkyo_judge(const struct senkyo_person *p, const struct senkyo_dates *d);

/* How the 起算日 of the three months is chosen (docs/senkyo.md). */
enum senkyo_start_basis {
    SENKYO_START_TODOKE,          /* the 届出日 of the 記載 (転入届, 出生届 …) */
    SENKYO_START_IDOU,            /* no 届出日 recorded: the 異動日 of the 記載 */
    SENKYO_START_BECAME_RESIDENT, /* 帰化等: 住民となった年月日 (continuity setting) */
};

/*
 * The day from which a person has been recorded without a break, from the
 * 記載 that made their record: its kind (idou code), 異動日 and 届出日 (ISO or
 * ""), and the record's 住民となった年月日. With kika_continuity, a
 * 職権記載（帰化等） counts from the 住民となった年月日 when that is earlier
 * (the time recorded as 外国人住民 before naturalisation). Fails when no
 * date can be read (KD_INVALID_VALUE naming "start").
 */
int senkyo_start(const char *kisai_kind, const char *idou_date, const char *todoke,
                 const char *became_resident, bool kika_continuity, struct date *out,
                 enum senkyo_start_basis *basis, struct kd_err *err);

/* "定時登録" when the 基準日 is the 1st of March, June, September or December
 * and there is no 選挙期日, "選挙時登録" with a 選挙期日, else "基準日現在". And
 * the code: "teiji", "senkyo", "zuiji". */
const char *senkyo_registration_label(struct date kijun, bool has_senkyo_date);
const char *senkyo_registration_code(struct date kijun, bool has_senkyo_date);

/* ---- 投票区 -------------------------------------------------------------------- */

#define SENKYO_MAX_DISTRICTS 99
#define SENKYO_MAX_PREFIXES 400 /* in the whole table */
#define SENKYO_CODE_MAX 8       /* characters of a district code: [0-9A-Za-z-] */
#define SENKYO_NAME_MAX 40
#define SENKYO_PLACE_MAX 60
#define SENKYO_PREFIX_MAX 100

struct senkyo_district {
    const char *code;  /* "01" */
    const char *name;  /* 中之条 */
    const char *place; /* 投票所, "" when not set */
    bool is_default;   /* addresses no prefix matches go here */
    int nprefix;
    const char **prefix; /* stored without a leading 大字 or 字 */
};

struct senkyo_districts {
    int count; /* 0: the town has not set its districts */
    struct senkyo_district *d; /* in the town's order */
};

/*
 * Checks a table before it is stored: 1..SENKYO_MAX_DISTRICTS districts,
 * codes unique and of [0-9A-Za-z-], names and places one line, exactly one
 * default, prefixes unique across the table (after a leading 大字 or 字 is
 * cut, which it does in place) and not empty. Errors name the field:
 * "districts[2].prefixes[0]".
 */
int senkyo_districts_check(struct senkyo_districts *t, struct kd_err *err);

/* The part of an address that districts match: after the town's name (its
 * first occurrence) and a following 大字 or 字; the whole address when the
 * town's name is not in it. Points into `address`. */
const char *senkyo_local_address(const char *address, const char *town_name);

/* The district of an address: the one with the longest prefix of its local
 * part, else the default (*by_default set). -1 when the table is empty. */
int senkyo_district_of(const struct senkyo_districts *t, const char *address,
                       const char *town_name, bool *by_default);

/* "第01投票区 中之条" */
const char *senkyo_district_label(struct arena *a, const struct senkyo_district *d);

/* ---- order ------------------------------------------------------------------------ */

/* Compares texts as a clerk sorts addresses: runs of digits (ASCII or
 * full-width) by their value, so 99番地 comes before 1000番地, and before any
 * other character; everything else by code point; texts equal so (０１ and 1)
 * by their bytes. A total order. */
int senkyo_text_cmp(const char *a, const char *b);

/* ---- the roll ---------------------------------------------------------------------- */

struct senkyo_elector {
    const char *atena, *setai, *zokugara;
    const char *shimei, *shimei_kana;
    const char *birth, *birth_text; /* ISO internal date; 不詳表記 or "" */
    int64_t sex;                    /* JIS X 0303 */
    const char *postcode, *address, *katagaki;
    const char *jumin_code;
    enum senkyo_reason reason;      /* SENKYO_REGISTERED or SENKYO_MOVED_OUT */
    const char *moved_out;          /* the 転出日 (ISO) of a 転出表示, else "" */
    const char *start;              /* the 起算日 (ISO) */
    enum senkyo_start_basis basis;
    int district;                   /* index in the table, -1 when there is none */
    bool by_default;                /* no prefix matched: the default district */
    int number;                     /* 1, 2, 3 … within the district, in order */
};

struct senkyo_query {
    struct senkyo_dates dates;
    int64_t known_ms;      /* the register as recorded by this instant */
    const char *town_name; /* to find the local part of addresses */
    bool kika_continuity;  /* setting senkyo.kika_continuity */
};

/* Per district (and in total): the electors by sex, those shown 転出表示,
 * and those withheld from the rows (senkyo_roll_withhold; still counted in
 * the others). */
struct senkyo_count {
    int male, female, other, total, moved_out;
    int withheld;
};

struct senkyo_roll {
    struct senkyo_districts districts;
    int64_t districts_version; /* the table used (0: none set) */
    int count;
    struct senkyo_elector *e; /* in order: district, address, 方書, household, member */
    struct senkyo_count *by_district; /* districts.count + 1: the last is "no district" */
    struct senkyo_count all;
    /* Residents on the 基準日 (and 転出 within four months) left off, by
     * reason; SENKYO_REMOVED is not counted (every old 除票 would be). */
    int excluded[SENKYO_REASON_COUNT];
    int by_default;  /* electors put in the default district */
    int no_todoke;   /* electors whose 起算日 is an 異動日 (no 届出日 recorded) */
    int residents;   /* residents on the 基準日, every kind */
};

/*
 * Derives the roll: every person's record as of the 基準日 as recorded by
 * known_ms, the 記載 that made it, the 失権 entries in effect, and the town's
 * districts. The caller opens a read transaction around it for one snapshot.
 * Everything is allocated in a (use a work arena: a town's roll is a few MB).
 */
int senkyo_roll_build(struct store *town, const struct senkyo_query *q, struct senkyo_roll *out,
                      struct arena *a, struct kd_err *err);

/* The instant a roll asked for "now" reads the register as recorded by: now,
 * or the recorded time of the town's latest 異動 when that is later (only
 * generated demonstration data is recorded ahead of the clock). -1 on a
 * database error. */
int64_t senkyo_known_now(struct store *town, int64_t now_ms, struct kd_err *err);

/*
 * Withholds from the rows the electors for whom hide() is true (persons
 * under a support measure, for a role that may not see them: docs/senkyo.md):
 * they leave r->e, the others are numbered again within their districts, and
 * the counts keep them (withheld says how many per district).
 */
typedef bool (*senkyo_hide_fn)(void *ctx, const struct senkyo_elector *e);
void senkyo_roll_withhold(struct senkyo_roll *r, senkyo_hide_fn hide, void *ctx);

/* The index of the first elector of district `d` (or of everyone with d = -2),
 * and how many: for paging and exports of one district. */
void senkyo_roll_range(const struct senkyo_roll *r, int d, int *first, int *count);

/* ---- output (senkyo_output.c) ---------------------------------------------------------- */

/* What a printed or exported roll says about itself. */
struct senkyo_doc {
    const char *town_name;
    const char *kijun;       /* ISO */
    const char *senkyo_date; /* ISO, or NULL (not a 選挙時登録) */
    const char *made_on;     /* ISO: the day it is made (Japan) */
    int64_t known_ms;        /* the register as recorded by then */
};

enum senkyo_encoding { SENKYO_UTF8, SENKYO_CP932 };
enum senkyo_unmappable { SENKYO_UNMAPPABLE_FAIL, SENKYO_UNMAPPABLE_GETA };

/* A file made for export: malloc'd bytes, and how many characters had no
 * CP932 code (written as 〓 with SENKYO_UNMAPPABLE_GETA). */
struct senkyo_file {
    char *data;
    size_t len;
    int unmapped;
};

/*
 * The electors [first, first + count) of the roll as CSV (RFC 4180: every
 * field quoted, CRLF). UTF-8 with a byte-order mark (what spreadsheet
 * programs need to read it as UTF-8), or CP932 without one for older
 * systems. A character CP932 does not have (𠮷, a name with a variation
 * selector) fails the export with KD_CONFLICT (field "encoding", naming the
 * first row, column and 宛名番号), or is written as 〓 (GETA). Columns:
 * docs/senkyo.md.
 */
int senkyo_roll_csv(const struct senkyo_roll *r, int first, int count, enum senkyo_encoding enc,
                    enum senkyo_unmappable um, struct senkyo_file *out, struct kd_err *err);

/* The count per district and sex (選挙人名簿登録者数) as CSV, same encodings. */
int senkyo_summary_csv(const struct senkyo_roll *r, enum senkyo_encoding enc,
                       enum senkyo_unmappable um, struct senkyo_file *out, struct kd_err *err);

/* The most rows a printed roll holds (the report's bound, less headings). */
#define SENKYO_PDF_MAX_ROWS 4000

/*
 * The printed roll (A4 portrait): of one district (d >= 0) or of all (d ==
 * -2), each district from a new page with its heading and counts, a table of
 * 番号・住所（方書）・氏名・フリガナ・生年月日（和暦）・性別・備考 whose header
 * repeats on every page, page numbers in the footer. KD_INVALID_VALUE (field
 * "district") past SENKYO_PDF_MAX_ROWS. Allocates in a.
 */
struct report;
struct report *senkyo_roll_report(struct arena *a, const struct senkyo_roll *r, int d,
                                  const struct senkyo_doc *doc, struct kd_err *err);

/* The printed count (選挙人名簿登録者数): districts by sex, and the total. */
struct report *senkyo_summary_report(struct arena *a, const struct senkyo_roll *r,
                                     const struct senkyo_doc *doc, struct kd_err *err);

/* 和暦 of an ISO date ("令和7年9月1日"), the 不詳表記 when there is one, ""
 * for "". In a. */
const char *senkyo_wareki(struct arena *a, const char *iso, const char *fuzzy_text);

/* ---- the stored tables (senkyo_store.c) --------------------------------------------- */

/* The town's districts in force at known_ms (0: now), in their order;
 * out->count is 0 when none were set by then. *version (may be NULL) is the
 * table's version (0: none), *set_at and *set_by (may be NULL) when and by
 * whom it was set. */
struct senkyo_table_info {
    int64_t version;
    const char *set_at, *set_by;
};
int senkyo_districts_load(struct store *town, int64_t known_ms, struct senkyo_districts *out,
                          struct senkyo_table_info *info, struct arena *a, struct kd_err *err);

/* Replaces the table (checked with senkyo_districts_check first) in the
 * caller's write transaction; the tables it replaces are kept, so a roll
 * computed as recorded at an earlier instant uses the table then in force.
 * Returns the new table's version, or -1. */
int64_t senkyo_districts_replace(struct store *town, const struct senkyo_districts *t,
                                 const char *user_login, int64_t now_ms, struct kd_err *err);

/* Demonstration districts for the six Agatsuma towns (from the 大字 that
 * src/residents/synth.c uses), stored when the town has none yet. *stored
 * says whether it did. Other towns: nothing. */
int senkyo_demo_districts(struct store *town, const char *town_code, int64_t now_ms,
                          bool *stored, struct kd_err *err);

/* ---- 失権 entries ---------------------------------------------------------------------- */

/* The grounds a person has no 選挙権 on (公職選挙法第11条第1項第2号〜第5号,
 * 第252条, 政治資金規正法第28条). */
struct senkyo_basis {
    const char *code, *label;
};
extern const struct senkyo_basis senkyo_bases[];
extern const int senkyo_basis_count;
const struct senkyo_basis *senkyo_basis_find(const char *code);

#define SENKYO_REASON_MAX 200 /* characters of a 失権 entry's reason */

/*
 * A 失権 entry: the person has no 選挙権 from from_date to until_date
 * (inclusive; "" open-ended). Entries are never changed: a change is a new
 * entry that replaces the old (replaced_by), and a mistaken one is withdrawn;
 * both keep the time and the clerk, so the roll as recorded at any instant
 * can be computed again.
 */
struct senkyo_shikken {
    int64_t id;
    const char *atena;
    const char *basis;
    const char *reason;
    const char *from_date, *until_date;
    const char *created_at, *created_by;
    const char *withdrawn_at, *withdrawn_by; /* "" while in force */
    int64_t replaced_by;                     /* 0, or the entry that replaced it */
};

/* Adds an entry (checked by the caller); sets e->id. KD_NOT_FOUND (field
 * "atena") when the register has no such person. */
int senkyo_shikken_add(struct store *town, struct senkyo_shikken *e, struct kd_err *err);

/* One entry; KD_NOT_FOUND (field "id"). */
int senkyo_shikken_get(struct store *town, int64_t id, struct senkyo_shikken *out,
                       struct arena *a, struct kd_err *err);

/* Withdraws entry id (now, by user), pointing to replaced_by (0: none).
 * KD_CONFLICT when it was already withdrawn. */
int senkyo_shikken_withdraw(struct store *town, int64_t id, const char *user_login,
                            int64_t now_ms, int64_t replaced_by, struct kd_err *err);

/* Entries, newest first: of one person (atena not NULL) or everyone; with
 * withdrawn ones when `all`; ids below `before` (0: from the newest); at most
 * limit. Returns the count. */
typedef int (*senkyo_shikken_fn)(void *ctx, const struct senkyo_shikken *e);
int senkyo_shikken_list(struct store *town, const char *atena, bool all, int64_t before,
                        int limit, senkyo_shikken_fn each, void *ctx, struct arena *a,
                        struct kd_err *err);

/* The 宛名番号 with an entry in effect on `date` as recorded by known_ms,
 * sorted (strcmp) and without duplicates. */
int senkyo_shikken_in_effect(struct store *town, const char *date, int64_t known_ms,
                             const char ***atena, int *count, struct arena *a,
                             struct kd_err *err);

#endif
