/*
 * consortium.h — the consortium's own tools: proposal scoring, the five-year
 * cost comparison, joint procurement and cost allocation.
 *
 * The consortium (吾妻郡町村情報システム共同化推進協議会 in the seed) decides
 * together what the towns buy and how they share its cost. Its figures are
 * not personal data and belong to no town: they live in the control
 * database (sheets.c) and, for the seed's own tables, in data files under
 * data/consortium/agatsuma/.
 *
 * Every input is a *sheet*: UTF-8 text of tab-separated records, one per
 * line, the first field naming the record (format in docs/consortium.md).
 * It is what a spreadsheet gives when its cells are copied, so the
 * secretariat can paste from the tools it used before. cons_compute()
 * parses a sheet, checks it, and computes its tables; a problem is an error
 * naming the line and the item (err->field: "中之条町/B", "A社/1次/住民/委員3/
 * 課題2-1" …), never a crash.
 *
 * Arithmetic is exact: money is integer yen (int64), rates and averages are
 * rationals, and a figure is rounded only where it is printed, half to even
 * at the printed precision (JIS Z 8401 規則A). docs/consortium.md shows which
 * seed figures rule out half-up and truncation.
 *
 * Where a sheet also gives the figures as once printed (`printed` records),
 * each is compared with the computed one at its own precision; a figure that
 * does not follow from its inputs is flagged (cons_figure.matches = false,
 * the table cell shows the computed value and the printed one beside it).
 *
 * Thread-safety: functions work only on their arguments; a result lives in
 * the caller's arena.
 */
#ifndef KYODO_CONSORTIUM_CONSORTIUM_H
#define KYODO_CONSORTIUM_CONSORTIUM_H

#include "base/arena.h"
#include "base/err.h"
#include "report/report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cons_kind { CONS_PROPOSAL, CONS_COSTS, CONS_PROCUREMENT, CONS_ALLOCATION, CONS_KIND_COUNT };

/* "proposal", "costs", "procurement", "allocation". */
const char *cons_kind_name(enum cons_kind k);
/* プロポーザル集計, コスト削減効果検証, 共同調達, 費用按分. */
const char *cons_kind_label(enum cons_kind k);
bool cons_kind_parse(const char *s, enum cons_kind *out);

/* Bounds on a sheet. */
#define CONS_TEXT_MAX (256 * 1024) /* bytes */
#define CONS_RECORDS_MAX 4000
#define CONS_FIELDS_MAX 64
#define CONS_NAME_CHARS 64 /* vendors, towns, items, evaluators … */

/* The towns a sheet may name: the consortium's members (the tenant
 * registry). A town in a sheet must be one of them, by code and name. */
struct cons_town {
    const char *code;
    const char *name;
};

struct cons_towns {
    const struct cons_town *items;
    size_t n;
};

/* One cell of a result table. */
struct cons_cell {
    const char *text;    /* as shown (computed) */
    const char *printed; /* flagged cells: the figure as once printed */
    bool flag;
};

struct cons_table {
    const char *caption;
    int ncols;
    const char **head;
    const double *widths_mm; /* for the PDF */
    const enum report_align *align;
    struct cons_cell *cells; /* nrows x ncols */
    unsigned *row_style;     /* REPORT_ROW_TOTAL … */
    int nrows, cap;
};

/* A figure of the sheet's `printed` records, compared with the computed one. */
struct cons_figure {
    const char *row;      /* "A社", "中之条町", "合計", "No.3" */
    const char *what;     /* "1次評価点", "D", "減額率" … */
    const char *computed; /* at the printed precision */
    const char *printed;
    bool matches;
};

#define CONS_TABLES_MAX 8
#define CONS_NOTES_MAX 64

struct cons_result {
    enum cons_kind kind;
    const char *title;
    const char *source; /* where the figures come from, if the sheet says */
    bool landscape;     /* the PDF's orientation */
    struct cons_table *tables[CONS_TABLES_MAX];
    int ntables;
    const char *notes[CONS_NOTES_MAX]; /* rules, assumptions, flags, in Japanese */
    int nnotes;
    struct cons_figure *figures;
    int nfigures, figcap;
    int mismatches; /* figures that do not follow from the inputs */
};

/* Parses, checks and computes a sheet. `name` names the text in messages
 * (a file name, or "text"). towns: the consortium's members. Returns the
 * result, or NULL with err set (KD_INVALID_VALUE, KD_MISSING_FIELD,
 * KD_TOO_LONG, KD_INVALID_UTF8 with field = the item; KD_INTERNAL when the
 * arena is full). */
struct cons_result *cons_compute(struct arena *a, const char *name, const char *text,
                                 size_t len, const struct cons_towns *towns,
                                 struct kd_err *err);

/* The kind a sheet declares (its `kind` record), without computing it. */
int cons_sheet_kind(const char *text, size_t len, enum cons_kind *kind, char *title,
                    size_t title_cap, struct kd_err *err);

/* ---- output ------------------------------------------------------------------ */

/* CSV (RFC 4180, CRLF, UTF-8 with a byte-order mark so that Excel opens it
 * as UTF-8): each table with its caption, then the figures compared, then
 * the notes. malloc'd; NULL when out of memory. */
char *cons_csv(const struct cons_result *r, size_t *len);

/* Plain text for the terminal: tables with columns aligned by display
 * width, flagged cells marked with ※. malloc'd. */
char *cons_text(const struct cons_result *r, size_t *len);

/* The result as JSON (see api/openapi.json, ConsortiumResult). */
struct jw;
void cons_json(struct jw *w, const struct cons_result *r);

/* The printed report (report.h). printed_on is the date shown in the header. */
int cons_pdf(const struct cons_result *r, const char *printed_on, char **pdf, size_t *len,
             struct kd_err *err);

/* ---- pieces shared by the computations (cons_internal) ----------------------- */

/* Rounds num/den (den > 0) to an integer, half to even. */
int64_t cons_round_half_even(__int128 num, __int128 den);

/* Parses "1,234", "-58,500", "12" (commas only as thousands separators) into
 * an integer in [min, max]. */
bool cons_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* Parses a decimal "65.62", "40", "40%", "19.58%", "-4,182,950" into
 * units / 10^dec (at most 6 decimals); *percent is set when it ends in %. */
bool cons_parse_dec(const char *s, int64_t *units, int *dec, bool *percent);

/* Formats units / 10^dec with thousands separators ("1,279,834", "26.85"). */
const char *cons_fmt(struct arena *a, int64_t units, int dec);

#endif
