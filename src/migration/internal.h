/*
 * internal.h — what migration.c and the layout modules (juki.c, jutogai.c,
 * inkan.c) share. Not for other modules: they call migration.h.
 */
#ifndef KYODO_MIGRATION_INTERNAL_H
#define KYODO_MIGRATION_INTERNAL_H

#include "base/arena.h"
#include "migration/codec.h"
#include "migration/migration.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- kyodo's value of each code (layouts/<name>/kyodo_codes.tsv) ------------------ */

struct mig_codes; /* per table: code <-> kyodo value, one to one */

/* Loads kyodo_codes.tsv of the layout (absent: no bindings). Each code must
 * be in the layout's code table; a code or a value twice in a table is an
 * error naming the file and line. */
int mig_codes_load(const char *root, const struct mig_layout *l, struct mig_codes **out,
                   struct kd_err *e);
/* The same on the file's text (name: for messages, "juki/kyodo_codes.tsv"). */
int mig_codes_parse(const char *text, size_t len, const char *name, const struct mig_layout *l,
                    struct mig_codes **out, struct kd_err *e);
void mig_codes_free(struct mig_codes *c);
/* kyodo's value of a code of `table`, or NULL when the code has none. */
const char *mig_codes_value(const struct mig_codes *c, const char *table, const char *code);
/* The code of a kyodo value in `table`, or NULL. */
const char *mig_codes_code(const struct mig_codes *c, const char *table, const char *value);

/* ---- one export or import --------------------------------------------------------- */

enum { MIG_MAX_FILES = 16 };

struct mig_file_out {
    char id[32];
    char path[96];
    int64_t rows;
    char sha256[65];
};

struct mig_ctx {
    struct store *town;
    const char *town_code;
    const char *root; /* layouts_root */
    const struct mig_layout *layout;
    const struct mig_profile *profile;
    const struct mig_codes *codes;
    const struct mig_options *o;
    const char *dir; /* export: out; import: in */
    const char *now_iso;
    const char *today; /* in Japan, ISO */
    /* The town's number rules (residents.number_digits, residents.m11_remainder1). */
    int number_digits;
    bool m11_zero;
    /* export: each file written, for the manifest; import: each file read */
    struct mig_file_out files[MIG_MAX_FILES];
    int n_files;
    /* import */
    struct mig_report *report;
    bool writing;     /* no problem yet and not a dry run would commit: keep writing */
    int64_t rows;     /* rows read or written so far */
    int64_t dropped;  /* unbound values not taken */
    /* progress */
    int64_t last_progress_us;
    int64_t bytes_done, bytes_total;
};

/* Records a file written (export) or read (import) for the manifest. */
int mig_ctx_file(struct mig_ctx *c, const char *id, const char *path, int64_t rows,
                 const char *sha256, struct kd_err *e);

/* Calls the progress callback now and then (at most ~5 times a second),
 * or always when force. -1 (KD_UNAVAILABLE in e) when the callback asks to
 * stop. */
int mig_progress(struct mig_ctx *c, const char *file, int64_t rows, bool force,
                 struct kd_err *e);

/* A problem with a row: goes to the report; writing stops (nothing will be
 * committed). */
void mig_problem(struct mig_ctx *c, const char *file, int64_t line, const char *item,
                 const char *value, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Opens a file of the layout for reading (a missing file is a problem in
 * the report, and *out is NULL). */
int mig_open_reader(struct mig_ctx *c, const struct mig_file *f, struct mig_reader **out,
                    struct kd_err *e);
/* After the last row of a file: its count, dropped values, and the
 * reader closed. */
int mig_close_reader(struct mig_ctx *c, const struct mig_file *f, struct mig_reader *r,
                     int64_t rows, struct kd_err *e);

/* Whether a 宛名番号 or 世帯番号 has the town's width and check digit. */
bool mig_number_ok(const struct mig_ctx *c, const char *number);

/* An instant (UTC, as the register writes it) as a date and a time in Japan
 * ("HH:MM:SS.mmm"), and back. */
void mig_instant_split(const char *iso, char date[11], char time[13]);
/* false when the date or the time is not valid. */
bool mig_instant_join(const char *date, const char *time, char iso[25]);

/* The file of the layout with this id, or a failure naming it. */
const struct mig_file *mig_need_file(const struct mig_ctx *c, const char *id, struct kd_err *e);

/* Per-item accessors made once per file: the item's index of each of a
 * module's names, -1 when the layout does not have it. A kyodo名 the module
 * does not know is an error naming the file and item. */
int mig_bind(const struct mig_file *f, const char *const *names, int n, int *index,
             struct kd_err *e);

/* ---- the layouts -------------------------------------------------------------------- */

struct mig_module {
    const char *layout;
    const char *folder; /* a folder of the set besides the layout's files ("images/"), or NULL */
    int (*has_data)(struct store *town, bool *has, struct kd_err *e);
    int (*export_)(struct mig_ctx *c, struct kd_err *e);
    int (*import_)(struct mig_ctx *c, struct kd_err *e);
};

extern const struct mig_module mig_juki, mig_jutogai, mig_inkan;

#endif
