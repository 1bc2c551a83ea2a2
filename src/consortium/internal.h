/*
 * internal.h — what the consortium's computations share: the records of a
 * sheet, error messages that name the line and the item, result tables, and
 * figures compared with the printed ones. Not for use outside
 * src/consortium/.
 */
#ifndef KYODO_CONSORTIUM_INTERNAL_H
#define KYODO_CONSORTIUM_INTERNAL_H

#include "consortium/consortium.h"

#include <stdarg.h>

struct cons_rec {
    int line;
    int nf;
    const char **f; /* trimmed fields; f[0] is the record type */
};

struct cons_printed {
    const char *row, *what, *value;
    int line;
    bool used;
};

struct cons_sheet {
    struct arena *a;
    const char *name;
    struct cons_rec *recs;
    int n;
    enum cons_kind kind;
    const char *title, *source;
    int64_t unit; /* yen per unit of the amounts written (1, or 1000 for 千円) */
    const char *unit_label;
    struct cons_printed *printed;
    int nprinted;
    const struct cons_towns *towns;
    struct cons_result *r;
};

/* Fails with code, field = item, message "<sheet> line <n>: <text>". */
int cons_fail(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec,
              enum kd_code code, const char *item, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Checks rec has between min and max fields (counting the type). */
int cons_need(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec,
              int min, int max, const char *usage);

/* A name field: 1..CONS_NAME_CHARS characters. */
int cons_name(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec,
              int i, const char *what);

/* An amount of money in the sheet's unit, >= 0 (or >= 1 when positive);
 * returns yen. */
int cons_money(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec,
               int i, const char *item, const char *what, bool positive, int64_t *yen);

/* A whole count in [min, max]. */
int cons_count(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec,
               int i, const char *item, const char *what, int64_t min, int64_t max,
               int64_t *out);

/* A town by code and name: the code's check digit, membership of the
 * consortium, and the name the registry has for it. */
int cons_town(struct kd_err *err, const struct cons_sheet *s, const struct cons_rec *rec,
              int icode, int iname);

/* An arena printf that fails into err. */
const char *cons_printf(struct cons_sheet *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Result building. */
struct cons_table *cons_table_new(struct cons_sheet *s, const char *caption, int ncols,
                                  const char *const *head, const double *widths_mm,
                                  const enum report_align *align);
/* Appends a row of empty cells; returns them (NULL when the arena is full). */
struct cons_cell *cons_table_row(struct cons_sheet *s, struct cons_table *t, unsigned style);
void cons_note(struct cons_sheet *s, const char *text);

/* The cell for a computed figure num/den shown with `dec` decimals (and a
 * % sign when percent), compared with the sheet's printed figure (row,
 * what) if there is one, at the printed precision. */
struct cons_cell cons_figure(struct cons_sheet *s, const char *row, const char *what,
                             __int128 num, __int128 den, int dec, bool percent);

/* After computing: a printed figure that nothing computed is an error. */
int cons_printed_all_used(struct cons_sheet *s, struct kd_err *err);

/* The computations (one file each). */
int cons_proposal(struct cons_sheet *s, struct kd_err *err);
int cons_costs(struct cons_sheet *s, struct kd_err *err);
int cons_procurement(struct cons_sheet *s, struct kd_err *err);
int cons_allocation(struct cons_sheet *s, struct kd_err *err);

#endif
