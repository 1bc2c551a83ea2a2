/*
 * migration_jobs.h — the operator's export and import jobs
 * (docs/migration-operations.md): their records, their folders, and the
 * thread that runs them.
 *
 * A job's record lives in its town's database (table migration_jobs): the
 * layout, profile, state, who asked for each step, counts and a summary
 * without values. Nothing in it is personal data; its changes are written in
 * the same transaction as their audit entries. The files — an export's zip,
 * an import set's files and its report, which are personal data — live under
 * <data>/migration/<town>/<job>/ (folders 0700, files 0600), and are removed
 * when the job is discarded, committed, or older than [migration]
 * retention_hours.
 *
 * States (the step in progress or last run is `step`: export, check, commit):
 *
 *   export:  queued → running → ready → (discarded | expired)
 *                              ↘ failed
 *   import:  uploaded → queued(check) → running → checked | refused | failed
 *            checked  → queued(commit) → running → committed | refused | failed
 *            uploaded, checked, refused, failed → queued(check) again, or discarded
 *
 * One runner thread takes queued jobs in order, one at a time (a job is
 * long: about 30 s per million rows, and two at once would only share the
 * two cores). Jobs queued when the server stopped, or stopped by it, are
 * queued again at start; a job found running (the server was killed) is
 * marked failed ("interrupted"), to be run again by whoever asked.
 */
#ifndef KYODO_API_MIGRATION_JOBS_H
#define KYODO_API_MIGRATION_JOBS_H

#include "base/err.h"
#include "engine/config.h"
#include "store/catalog.h"

#include <stdbool.h>
#include <stdint.h>

extern const struct store_schema mig_jobs_schema;

#define MJ_NAME 32
#define MJ_LOGIN 64

/* Who asked for a step (copied from the session). */
struct mj_actor {
    int64_t user_id;
    char login[MJ_LOGIN];
    char role[24];
    char town[7]; /* the actor's own town (an operator's may differ) */
    char request_id[17];
};

struct mig_job {
    int64_t id;
    char kind[8]; /* "export" or "import" */
    char layout[MJ_NAME];
    char profile[MJ_NAME];
    char state[12];
    char step[8]; /* "export", "check", "commit" */
    int64_t created_ms, updated_ms, expires_ms;
    struct mj_actor created_by; /* request_id: the creating request */
    struct mj_actor step_by;    /* who asked for the current or last step */
    int64_t confirmed_by_id;    /* 0: not confirmed */
    char confirmed_by[MJ_LOGIN];
    int64_t confirmed_ms;
    int n_files;
    int64_t rows, problems;
    int64_t bytes;   /* the zip's size: uploaded, or exported */
    char sha256[65]; /* the zip's SHA-256, hex, or "" */
    char error[240]; /* why it failed (no personal data), or "" */
};

/* ---- records (on a town's connection; the caller owns the transaction) --- */

/* Inserts a new job (id set), with its summary (JSON text, no values) or
 * NULL. */
int mj_insert(struct store *town, struct mig_job *j, const char *summary, struct kd_err *e);
/* KD_NOT_FOUND when the town has no such job. */
int mj_get(struct store *town, int64_t id, struct mig_job *out, struct kd_err *e);
/* The summary (JSON text, no values; "" when there is none), malloc'd. */
int mj_summary(struct store *town, int64_t id, char **out, struct kd_err *e);
/* Every job of the town, newest first; at most limit. */
typedef int (*mj_each_fn)(void *ctx, const struct mig_job *j);
int mj_list(struct store *town, int limit, mj_each_fn each, void *ctx, struct kd_err *e);
/* Moves a job from one of `from` (a NULL-terminated list) to `to` with the
 * given step and actor; KD_CONFLICT naming the current state otherwise. */
int mj_move(struct store *town, int64_t id, const char *const *from, const char *to,
            const char *step, const struct mj_actor *by, int64_t now_ms, int64_t retention_ms,
            struct kd_err *e);
/* Records the confirmation (the second person) of a checked import. */
int mj_confirm(struct store *town, int64_t id, const struct mj_actor *by, int64_t now_ms,
               struct kd_err *e);
/* Sets the outcome of a step. summary may be NULL (kept). */
int mj_finish(struct store *town, int64_t id, const char *state, int n_files, int64_t rows,
              int64_t problems, int64_t bytes, const char *sha256, const char *error,
              const char *summary, int64_t now_ms, int64_t retention_ms, struct kd_err *e);

/* ---- folders ---------------------------------------------------------------- */

/* <data>/migration/<town>/<id>[/<leaf>] into buf. */
const char *mj_path(const char *data_dir, const char *town, int64_t id, const char *leaf, char *buf,
                    size_t cap);
/* Creates the job's folder (and its parents), mode 0700; with id 0, the
 * town's folder only. */
int mj_make_dir(const char *data_dir, const char *town, int64_t id, struct kd_err *e);
/* Removes a folder and everything in it (never following links). */
void mj_remove_tree(const char *path);

/* ---- the runner ------------------------------------------------------------- */

struct mig_jobs;

/* Progress of the job being run, for status answers. */
struct mj_progress {
    char file[64];
    int64_t rows, bytes_done, bytes_total;
};

/* Starts the runner: re-queues the jobs left queued, marks those left
 * running as failed, removes folders of expired or unknown jobs. */
struct mig_jobs *mig_jobs_start(struct catalog *cat, const struct config *cfg, struct kd_err *e);
/* Stops the thread and frees: a job in progress learns it through the
 * engine's progress callback, stops within a second (an import rolls back,
 * an export removes its files) and is left queued for the next start. */
void mig_jobs_stop(struct mig_jobs *mj);
/* A job was queued (its record says state "queued"): run it in turn. */
int mig_jobs_wake(struct mig_jobs *mj, const char *town, int64_t id, struct kd_err *e);
/* True, with its progress, when the job is being run now. */
bool mig_jobs_progress(struct mig_jobs *mj, const char *town, int64_t id, struct mj_progress *out);
/* Where uploads are spooled (<data>/migration/spool, mode 0700; emptied at
 * start). */
const char *mig_jobs_spool_dir(const struct mig_jobs *mj);
/* The configuration the runner was started with. */
const struct config *mig_jobs_config(const struct mig_jobs *mj);

#endif
