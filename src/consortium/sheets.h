/*
 * sheets.h — the consortium's sheets as the secretariat keeps them, in the
 * control database.
 *
 * The consortium's figures are not personal data and belong to no town, so
 * they are kept in the control database (schema scope "consortium"), beside
 * the tenant registry of the towns they concern, and not in any town's
 * database. A sheet is stored as the text the secretariat entered (the
 * format of consortium.h) with its kind and title; it is checked with
 * cons_compute() before it is stored, and computed again when read, so a
 * stored sheet always shows what its text says under the current rules.
 *
 * Every function takes the control-database connection of the calling
 * thread and fails with a kd_err (KD_NOT_FOUND for an unknown id).
 */
#ifndef KYODO_CONSORTIUM_SHEETS_H
#define KYODO_CONSORTIUM_SHEETS_H

#include "consortium/consortium.h"
#include "store/store.h"

extern const struct store_schema consortium_schema;

#define CONS_TITLE_CHARS 100

struct cons_sheet_row {
    int64_t id;
    enum cons_kind kind;
    const char *title;
    const char *text; /* the sheet; NULL in lists */
    size_t text_len;
    const char *updated_at, *updated_by, *created_at;
};

/* The consortium's members: every registered town (active or not). */
int cons_members(struct store *ctl, struct arena *a, struct cons_towns *out, struct kd_err *err);

/* Checks the text (cons_compute against the members) and stores it as a new
 * sheet; the kind and, unless title is given, the title come from the text.
 * *id is the new sheet's id. */
int cons_sheet_add(struct store *ctl, const char *title, const char *text, size_t len,
                   const char *who, int64_t now_ms, int64_t *id, struct kd_err *err);

/* Replaces the text and/or title (NULL: keep) of a sheet, checked again. */
int cons_sheet_update(struct store *ctl, int64_t id, const char *title, const char *text,
                      size_t len, const char *who, int64_t now_ms, struct kd_err *err);

int cons_sheet_delete(struct store *ctl, int64_t id, struct kd_err *err);

/* One sheet with its text, copied into a. */
int cons_sheet_get(struct store *ctl, struct arena *a, int64_t id, struct cons_sheet_row *out,
                   struct kd_err *err);

/* Every sheet, newest first, without texts. */
typedef int (*cons_sheet_each_fn)(void *ctx, const struct cons_sheet_row *row);
int cons_sheet_list(struct store *ctl, cons_sheet_each_fn each, void *ctx, struct kd_err *err);

/* Computes a stored sheet (cons_compute with the members). */
struct cons_result *cons_sheet_compute(struct store *ctl, struct arena *a,
                                       const struct cons_sheet_row *row, struct kd_err *err);

#endif
