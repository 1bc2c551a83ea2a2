/*
 * migration.h — export and import of a town's data in a migration layout
 * (中間標準レイアウト; docs/layouts.md), the half that knows the town
 * database: it drives the codec (codec.h) and the modules that own each
 * layout's tables.
 *
 * Used by the CLI (`kyodo export`, `kyodo import`) and by the operator's API
 * (upload an import set, dry run, report, confirm; download an export). Both
 * callers go through these functions only.
 *
 * An export set is a folder: one physical file per file of the layout, and
 * manifest.json (layout name and version, profile, town, time, and per file:
 * path, rows, SHA-256). An import either commits every row of every file in
 * one transaction, or commits nothing and writes report.csv and report.txt
 * (file, line, item, value, reason) into the report folder.
 */
#ifndef KYODO_MIGRATION_MIGRATION_H
#define KYODO_MIGRATION_MIGRATION_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* Progress, called now and then (at most a few times a second); during an
 * import from the thread the import starts to read the files (so the
 * callback must be thread-safe and must not use the town's connection).
 * bytes_total is 0 when unknown (export). Returns 0 to go on; anything else
 * stops the run: an import rolls back, an export removes what it wrote, and
 * the call fails with KD_UNAVAILABLE. */
typedef int (*mig_progress_fn)(void *ctx, const char *file_path, int64_t rows,
                               int64_t bytes_done, int64_t bytes_total);

struct mig_options {
    const char *layouts_root; /* the folder holding layouts/<name>/ and profiles/ */
    const char *layout;       /* "juki", "jutogai", "inkan", … */
    const char *profile;      /* physical profile; NULL: "kyodo" */
    const char *actor;        /* who, for the audit log (user login or "cli:<os user>") */
    const char *request_id;   /* for the audit log */
    bool dry_run;             /* import: check everything, commit nothing */
    mig_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    const char *role;         /* the actor's role, for the audit log; NULL: "" */
};

struct mig_summary {
    int n_files;
    int64_t rows;     /* rows written (export) or read (import) over all files */
    int64_t problems; /* import: entries in the report (0: committed, or would be on a dry run) */
    int64_t dropped;  /* import: values of items kyodo does not hold (unbound), not taken */
};

/* Writes every file of the layout and manifest.json into out_dir (created;
 * must not exist or be empty). One consistent snapshot of the town (one read
 * transaction). Audited in the town's log. */
int migration_export(struct store *town, const char *town_code, const struct mig_options *o,
                     const char *out_dir, struct mig_summary *sum, struct kd_err *e);

/* Reads the layout's files from in_dir (manifest.json is checked when
 * present: counts and SHA-256). Returns 0 when everything was valid (and
 * committed unless dry_run), 1 when rows were refused (nothing committed),
 * -1 on a failure that is not the data's (e). When report_dir is not NULL
 * (made if missing) it receives, whatever the outcome but -1:
 *   report.csv, report.txt   every problem kept (file, line, item, value,
 *                            reason), for people (codec.h)
 *   report.jsonl             the same, one JSON object a line, for
 *                            migration_report_read
 *   report-summary.json      counts only, never a value (for roles that may
 *                            not see the data): {"problems", "complete",
 *                            "files":[{"path","rows","problems"}],
 *                            "reasons":[{"file","item","reason","count"}]}
 *                            (complete: false when more problems were found
 *                            than the report keeps; counts are then of the
 *                            kept ones, "problems" of all)
 * The town must not yet hold data of the layout (KD_CONFLICT, nothing read).
 * Unknown layout: KD_INVALID_VALUE "layout"; unknown profile:
 * KD_INVALID_VALUE "profile". Audited in the town's log. */
int migration_import(struct store *town, const char *town_code, const struct mig_options *o,
                     const char *in_dir, const char *report_dir, struct mig_summary *sum,
                     struct kd_err *e);

/* Whether the town already holds data of the layout (an import is then
 * refused): *has set. */
int migration_town_has_data(struct store *town, const char *layout, bool *has, struct kd_err *e);

/* The physical files of a layout, as they are named in an export set
 * (manifest.json aside): "JUKI01.csv" …; a name ending in "/" is a folder
 * whose files belong to the set (inkan: "images/", the seal pictures).
 * Returns the count. KD_INVALID_VALUE "layout" for an unknown layout. */
int migration_layout_files(const char *layouts_root, const char *layout, char (*paths)[64],
                           int max, struct kd_err *e);

/* The profiles under root (profiles/<name>.conf), names only. */
int migration_profiles(const char *layouts_root, char (*names)[32], int max, struct kd_err *e);

/* The entries of report.jsonl in report_dir from `offset` (0-based), at most
 * limit; *total the number of entries kept. */
typedef int (*mig_report_each_fn)(void *ctx, const char *file, int64_t line, const char *item,
                                  const char *value, const char *reason);
int migration_report_read(const char *report_dir, int64_t offset, int limit,
                          mig_report_each_fn each, void *ctx, int64_t *total, struct kd_err *e);

/* The layouts under root, for lists and screens: names and titles. */
struct mig_layout_info {
    char name[32];
    char title[64];
    char version[32];
};
int migration_layouts(const char *layouts_root, struct mig_layout_info *out, int max,
                      struct kd_err *e);

#endif
