/*
 * codec.h — the 中間標準レイアウト engine's generic half: layout definitions
 * (data under layouts/), physical profiles, and streaming readers and writers
 * of migration files that check every field against its definition.
 *
 * Nothing here knows any 業務. A module (src/migration/juki.c for the
 * resident register, …) maps its tables to a layout's items by the items'
 * binding names; the codec turns rows of canonical values into physical
 * files and back. docs/layouts.md describes the definition and profile
 * formats.
 *
 * Canonical values (what modules see and give): UTF-8 text, NFC not applied
 * (variant characters and IVS kept as given); "" for an empty item; dates
 * ISO "YYYY-MM-DD"; numbers as decimal digits; codes as the code table's
 * code. The physical side (encoding, header row, quoting, line ends, date
 * form, 外字) is the profile's business only.
 *
 * Changes to the first draft (codec owner, all additions; no signature
 * changed): MIG_NOTE; mig_item.unknown_ok; mig_file.refs/keys (several
 * parents per file); mig_reader_open_fp, mig_reader_bytes,
 * mig_reader_dropped; mig_writer_discard; mig_report_new_cap and the entry
 * accessors; mig_profile_title/encoding; mig_code_label.
 *
 * Errors: a malformed definition or profile fails with a kd_err naming the
 * file and line. A bad row of a migration file is not a failure of the
 * reader: each bad field goes to the mig_report (file, line, item, value,
 * reason) and the row is marked bad; the caller decides what a bad row does
 * (an import commits nothing when the report is not empty).
 */
#ifndef KYODO_MIGRATION_CODEC_H
#define KYODO_MIGRATION_CODEC_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- layout definitions ---------------------------------------------------------- */

enum mig_type {
    MIG_TEXT,    /* 文字: any text; length in characters */
    MIG_KANA,    /* カナ: katakana, long-vowel mark, spaces */
    MIG_DIGITS,  /* 数字: ASCII digits only, fixed or up to the length */
    MIG_INTEGER, /* 数値: optionally signed decimal integer */
    MIG_DATE,    /* 日付: a calendar date; physical form from the profile */
    MIG_CODE,    /* コード: a value of the item's code table */
    MIG_NOTE,    /* 文章: text that may hold line breaks (LF canonical) */
};

/* Check digits and other identifier rules an item may carry (domain/identifiers-and-dates.md). */
enum mig_check {
    MIG_CHECK_NONE,
    MIG_CHECK_ATENA,       /* 宛名番号 */
    MIG_CHECK_JUMIN_CODE,  /* 住民票コード */
    MIG_CHECK_KOJIN_BANGO, /* 個人番号 */
    MIG_CHECK_HOUJIN,      /* 法人番号 */
    MIG_CHECK_LG_CODE,     /* 全国地方公共団体コード */
};

struct mig_item {
    int index;           /* position in the file's row, from 0 */
    const char *name;    /* 項目名, Japanese, as in the データ項目一覧表 */
    const char *binding; /* the module's name for it ("shimei"); "" when unbound */
    enum mig_type type;
    int length;             /* 桁数 (characters); 0: unlimited */
    bool fixed;             /* the value, when present, has exactly `length` characters */
    bool required;          /* 必須 */
    const char *code_table; /* コード表 id for MIG_CODE, else "" */
    enum mig_check check;
    bool unknown_ok; /* MIG_DATE: may be 不詳 (検査 不詳可): "0000-00-00", "YYYY-00-00",
                        "YYYY-MM-00" */
};

/* One arrow of the 関連図: this file's items `items` hold the key `parent_items` of `parent`. */
struct mig_ref {
    const char *parent;      /* id of the parent file */
    int n;                   /* number of items (at least 1) */
    const int *items;        /* indexes of this file's referring items */
    const int *parent_items; /* indexes of the parent's items they match, same order */
    int line;                /* line of relations.tsv, for messages */
};

struct mig_file {
    const char *id;        /* e.g. "JUKI01" */
    const char *name;      /* 移行ファイル名, Japanese */
    const char *path;      /* physical file name in an export set ("JUKI01.csv") */
    const char *parent;    /* id of the file its rows refer to, or "" (関連図) */
    const char *ref_items; /* the items that refer to the parent's key, comma-separated, or "" */
    const char *key_items; /* the items that identify a row, comma-separated */
    int n_items;
    const struct mig_item *items;
    int n_keys;
    const int *keys;            /* indexes of the key items */
    int n_refs;                 /* references to parents (relations.tsv), 0 for a root */
    const struct mig_ref *refs; /* refs[0] is parent/ref_items above */
};

struct mig_layout {
    const char *name;    /* "juki" */
    const char *title;   /* "住民基本台帳" */
    const char *version; /* the definition's version ("kyodo-1", or the official "V2.1") */
    int n_files;
    const struct mig_file *files; /* in dependency order: a parent comes before its children */
};

/* Loads layouts/<name>/ under root. */
int mig_layout_load(const char *root, const char *name, struct mig_layout **out, struct kd_err *e);
void mig_layout_free(struct mig_layout *l);
const struct mig_file *mig_layout_file(const struct mig_layout *l, const char *id);
/* The item bound to `binding` in f, or NULL. */
const struct mig_item *mig_file_item(const struct mig_file *f, const char *binding);
/* Whether `code` is in code table `table` of the layout; the table's name for it in *label
 * (label may be NULL). */
bool mig_code_ok(const struct mig_layout *l, const char *table, const char *code,
                 const char **label);
/* The Japanese name of code table `table` (コード表名), or NULL. */
const char *mig_code_table_name(const struct mig_layout *l, const char *table);

/* ---- profiles ---------------------------------------------------------------------- */

enum mig_encoding { MIG_UTF8, MIG_CP932 };
enum mig_quote { MIG_QUOTE_MINIMAL, MIG_QUOTE_ALL, MIG_QUOTE_NONE };
enum mig_date_form { MIG_DATE_ISO, MIG_DATE_YYYYMMDD, MIG_DATE_ERA };

struct mig_profile; /* opaque: encoding, header, quoting, line ends, date form, 不詳日, 外字 map */

/* Loads profiles/<name>.conf under root (the layouts directory); "kyodo" is the default. */
int mig_profile_load(const char *root, const char *name, struct mig_profile **out,
                     struct kd_err *e);
void mig_profile_free(struct mig_profile *p);
const char *mig_profile_name(const struct mig_profile *p);
const char *mig_profile_title(const struct mig_profile *p);
enum mig_encoding mig_profile_encoding(const struct mig_profile *p);

/* ---- the report of an import ---------------------------------------------------------- */

struct mig_report; /* bounded: keeps the first N entries and counts the rest */

#define MIG_REPORT_KEEP 10000 /* entries kept by mig_report_new() */

struct mig_report *mig_report_new(void);
/* Keeps the first `keep` entries (at least 1). NULL when out of memory. */
struct mig_report *mig_report_new_cap(int keep);
void mig_report_free(struct mig_report *r);
/* value may be NULL; it is kept as given (the report is personal data: it is
 * written only to the import's own folder, never to a log). */
void mig_report_add(struct mig_report *r, const char *file, int64_t line, const char *item,
                    const char *value, const char *reason);
int64_t mig_report_count(const struct mig_report *r);
/* The entries kept (at most the cap), and the i-th of them (0 <= i < kept). */
int mig_report_kept(const struct mig_report *r);
void mig_report_entry(const struct mig_report *r, int i, const char **file, int64_t *line,
                      const char **item, const char **value, const char **reason);
/* report.csv (UTF-8 with BOM: ファイル,行,項目,値,理由) and report.txt (readable Japanese). */
int mig_report_write(const struct mig_report *r, const char *dir, struct kd_err *e);

/* ---- reading ------------------------------------------------------------------------- */

struct mig_reader;

/* Opens f's physical file in dir. Streams: memory does not grow with the file. */
int mig_reader_open(struct mig_reader **out, const struct mig_layout *l, const struct mig_file *f,
                    const struct mig_profile *p, const char *dir, struct mig_report *report,
                    struct kd_err *e);
/* The same on an open stream (an upload in memory: fmemopen). `display_name`
 * is the file name the report uses (normally f->path). The reader does not
 * close fp. */
int mig_reader_open_fp(struct mig_reader **out, const struct mig_layout *l,
                       const struct mig_file *f, const struct mig_profile *p, FILE *fp,
                       const char *display_name, struct mig_report *report, struct kd_err *e);
/* Next row: 1 and values[n_items] (canonical, valid until the next call), 0 at
 * the end, -1 on an I/O failure (e). *bad is true when a field of the row went
 * to the report; *line is the row's physical line number (where it starts).
 * In a bad row, a field that went to the report holds the text as read when
 * it is valid UTF-8, else ""; a row with the wrong number of columns holds
 * the fields it has, in order, and "" for missing ones. Rely on no value of
 * a bad row. The header row (profile header = yes) is read and checked by
 * mig_reader_open; its mismatches go to the report. */
int mig_reader_next(struct mig_reader *r, const char *const **values, bool *bad, int64_t *line,
                    struct kd_err *e);
void mig_reader_close(struct mig_reader *r);
/* Bytes of the file consumed so far (for progress). */
int64_t mig_reader_bytes(const struct mig_reader *r);
/* Rows so far whose unbound item `item_index` was not empty (data the import does not take). */
int64_t mig_reader_dropped(const struct mig_reader *r, int item_index);

/* ---- writing ------------------------------------------------------------------------- */

struct mig_writer;

int mig_writer_open(struct mig_writer **out, const struct mig_layout *l, const struct mig_file *f,
                    const struct mig_profile *p, const char *dir, struct kd_err *e);
/* values[n_items], canonical. A value the definition refuses is an error (a
 * kyodo bug or an item the layout cannot carry), named in e. */
int mig_writer_row(struct mig_writer *w, const char *const *values, struct kd_err *e);
/* Flushes and closes; the file's row count and SHA-256 (hex) for the manifest.
 * The file is written as "<path>.part" and renamed to its name here, so a
 * failed export leaves no half file. On failure the part file is removed and
 * w is freed all the same. */
int mig_writer_close(struct mig_writer *w, int64_t *rows, char sha256_hex[65], struct kd_err *e);
/* Abandons a writer (after an error): removes the part file, frees w. */
void mig_writer_discard(struct mig_writer *w);

#endif
