/*
 * migration_jobs.c — records, folders and the runner of the operator's
 * export and import jobs (migration_jobs.h).
 */
#include "api/migration_jobs.h"

#include "api/migration_zip.h"
#include "base/clock.h"
#include "base/log.h"
#include "engine/audit.h"
#include "engine/tenant.h"
#include "migration/migration.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- records ---------------------------------------------------------------- */

static const struct store_migration steps[] = {
    {1, "CREATE TABLE migration_jobs ("
        " id INTEGER PRIMARY KEY,"
        " kind TEXT NOT NULL CHECK (kind IN ('export', 'import')),"
        " layout TEXT NOT NULL,"
        " profile TEXT NOT NULL,"
        " state TEXT NOT NULL,"
        " step TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL,"
        " created_by_id INTEGER NOT NULL,"
        " created_by TEXT NOT NULL,"
        " created_by_role TEXT NOT NULL,"
        " created_by_town TEXT NOT NULL,"
        " created_request TEXT NOT NULL,"
        " step_by_id INTEGER NOT NULL,"
        " step_by TEXT NOT NULL,"
        " step_by_role TEXT NOT NULL,"
        " step_by_town TEXT NOT NULL,"
        " step_request TEXT NOT NULL,"
        " confirmed_by_id INTEGER,"
        " confirmed_by TEXT,"
        " confirmed_at INTEGER,"
        " n_files INTEGER NOT NULL DEFAULT 0,"
        " row_count INTEGER NOT NULL DEFAULT 0,"
        " problem_count INTEGER NOT NULL DEFAULT 0,"
        " bytes INTEGER NOT NULL DEFAULT 0,"
        " sha256 TEXT NOT NULL DEFAULT '',"
        " error TEXT NOT NULL DEFAULT '',"
        " summary TEXT NOT NULL DEFAULT ''"
        ") STRICT;"
        "CREATE INDEX migration_jobs_state ON migration_jobs (state, expires_at)"},
};

const struct store_schema mig_jobs_schema = {"migration_jobs", steps,
                                             sizeof steps / sizeof steps[0]};

#define COLS                                                                                       \
    "id, kind, layout, profile, state, step, created_at, updated_at, expires_at,"                  \
    " created_by_id, created_by, created_by_role, created_by_town, created_request,"               \
    " step_by_id, step_by, step_by_role, step_by_town, step_request,"                              \
    " coalesce(confirmed_by_id, 0), coalesce(confirmed_by, ''), coalesce(confirmed_at, 0),"        \
    " n_files, row_count, problem_count, bytes, sha256, error"

static void col_copy(struct store_stmt *st, int col, char *dst, size_t cap)
{
    size_t n;
    const char *t = store_col_text(st, col, &n);
    kd_copy_utf8(dst, cap, t, n);
}

static void read_actor(struct store_stmt *st, int col, struct mj_actor *a)
{
    a->user_id = store_col_i64(st, col);
    col_copy(st, col + 1, a->login, sizeof a->login);
    col_copy(st, col + 2, a->role, sizeof a->role);
    col_copy(st, col + 3, a->town, sizeof a->town);
    col_copy(st, col + 4, a->request_id, sizeof a->request_id);
}

static void read_job(struct store_stmt *st, struct mig_job *j)
{
    memset(j, 0, sizeof *j);
    j->id = store_col_i64(st, 0);
    col_copy(st, 1, j->kind, sizeof j->kind);
    col_copy(st, 2, j->layout, sizeof j->layout);
    col_copy(st, 3, j->profile, sizeof j->profile);
    col_copy(st, 4, j->state, sizeof j->state);
    col_copy(st, 5, j->step, sizeof j->step);
    j->created_ms = store_col_i64(st, 6);
    j->updated_ms = store_col_i64(st, 7);
    j->expires_ms = store_col_i64(st, 8);
    read_actor(st, 9, &j->created_by);
    read_actor(st, 14, &j->step_by);
    j->confirmed_by_id = store_col_i64(st, 19);
    col_copy(st, 20, j->confirmed_by, sizeof j->confirmed_by);
    j->confirmed_ms = store_col_i64(st, 21);
    j->n_files = (int)store_col_i64(st, 22);
    j->rows = store_col_i64(st, 23);
    j->problems = store_col_i64(st, 24);
    j->bytes = store_col_i64(st, 25);
    col_copy(st, 26, j->sha256, sizeof j->sha256);
    col_copy(st, 27, j->error, sizeof j->error);
}

static void bind_actor(struct store_stmt *st, int idx, const struct mj_actor *a)
{
    store_bind_i64(st, idx, a->user_id);
    store_bind_str(st, idx + 1, a->login);
    store_bind_str(st, idx + 2, a->role);
    store_bind_str(st, idx + 3, a->town);
    store_bind_str(st, idx + 4, a->request_id);
}

int mj_insert(struct store *town, struct mig_job *j, const char *summary, struct kd_err *e)
{
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO migration_jobs (kind, layout, profile, state, step, created_at, updated_at,"
        " expires_at, created_by_id, created_by, created_by_role, created_by_town,"
        " created_request, step_by_id, step_by, step_by_role, step_by_town, step_request,"
        " n_files, bytes, sha256, summary)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        e);
    if (!st)
        return -1;
    store_bind_str(st, 1, j->kind);
    store_bind_str(st, 2, j->layout);
    store_bind_str(st, 3, j->profile);
    store_bind_str(st, 4, j->state);
    store_bind_str(st, 5, j->step);
    store_bind_i64(st, 6, j->created_ms);
    store_bind_i64(st, 7, j->updated_ms);
    store_bind_i64(st, 8, j->expires_ms);
    bind_actor(st, 9, &j->created_by);
    bind_actor(st, 14, &j->step_by);
    store_bind_i64(st, 19, j->n_files);
    store_bind_i64(st, 20, j->bytes);
    store_bind_str(st, 21, j->sha256);
    store_bind_str(st, 22, summary ? summary : "");
    enum store_step rc = store_step(st, e);
    store_reset(st);
    if (rc != STORE_DONE)
        return rc == STORE_CONSTRAINT ? kd_fail(e, KD_INTERNAL, NULL, "job refused by the schema")
                                      : -1;
    j->id = store_last_id(town);
    return 0;
}

int mj_get(struct store *town, int64_t id, struct mig_job *out, struct kd_err *e)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT " COLS " FROM migration_jobs WHERE id = ?", e);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, e);
    if (rc == STORE_ROW)
        read_job(st, out);
    store_reset(st);
    if (rc == STORE_DONE)
        return kd_fail(e, KD_NOT_FOUND, "id", "no such migration job");
    return rc == STORE_ROW ? 0 : -1;
}

int mj_summary(struct store *town, int64_t id, char **out, struct kd_err *e)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT summary FROM migration_jobs WHERE id = ?", e);
    if (!st)
        return -1;
    store_bind_i64(st, 1, id);
    enum store_step rc = store_step(st, e);
    *out = NULL;
    if (rc == STORE_ROW) {
        size_t n;
        const char *t = store_col_text(st, 0, &n);
        *out = strndup(t, n);
    }
    store_reset(st);
    if (rc == STORE_DONE)
        return kd_fail(e, KD_NOT_FOUND, "id", "no such migration job");
    if (rc == STORE_ROW && !*out)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    return rc == STORE_ROW ? 0 : -1;
}

int mj_list(struct store *town, int limit, mj_each_fn each, void *ctx, struct kd_err *e)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT " COLS " FROM migration_jobs ORDER BY id DESC LIMIT ?", e);
    if (!st)
        return -1;
    store_bind_i64(st, 1, limit);
    enum store_step rc;
    int n = 0;
    while ((rc = store_step(st, e)) == STORE_ROW) {
        struct mig_job j;
        read_job(st, &j);
        if (each(ctx, &j) < 0) {
            store_reset(st);
            return -1;
        }
        n++;
    }
    store_reset(st);
    return rc == STORE_DONE ? n : -1;
}

int mj_move(struct store *town, int64_t id, const char *const *from, const char *to,
            const char *step, const struct mj_actor *by, int64_t now_ms, int64_t retention_ms,
            struct kd_err *e)
{
    struct mig_job j;
    if (mj_get(town, id, &j, e) < 0)
        return -1;
    bool ok = false;
    for (const char *const *f = from; *f && !ok; f++)
        ok = strcmp(*f, j.state) == 0;
    if (!ok)
        return kd_fail(e, KD_CONFLICT, "state", "the job is %s; this needs it to be %s%s%s",
                       j.state, from[0], from[1] ? " or " : "", from[1] ? from[1] : "");
    struct store_stmt *st = store_prepare(
        town,
        "UPDATE migration_jobs SET state = ?, step = ?, updated_at = ?, expires_at = ?,"
        " step_by_id = ?, step_by = ?, step_by_role = ?, step_by_town = ?, step_request = ?,"
        " error = '' WHERE id = ? AND state = ?",
        e);
    if (!st)
        return -1;
    store_bind_str(st, 1, to);
    store_bind_str(st, 2, step ? step : j.step);
    store_bind_i64(st, 3, now_ms);
    store_bind_i64(st, 4, now_ms + retention_ms);
    bind_actor(st, 5, by);
    store_bind_i64(st, 10, id);
    store_bind_str(st, 11, j.state);
    enum store_step rc = store_step(st, e);
    store_reset(st);
    if (rc != STORE_DONE)
        return -1;
    if (store_changes(town) != 1)
        return kd_fail(e, KD_CONFLICT, "state", "the job changed meanwhile; look again");
    return 0;
}

int mj_confirm(struct store *town, int64_t id, const struct mj_actor *by, int64_t now_ms,
               struct kd_err *e)
{
    struct store_stmt *st = store_prepare(
        town,
        "UPDATE migration_jobs SET confirmed_by_id = ?, confirmed_by = ?, confirmed_at = ?"
        " WHERE id = ?",
        e);
    if (!st)
        return -1;
    store_bind_i64(st, 1, by->user_id);
    store_bind_str(st, 2, by->login);
    store_bind_i64(st, 3, now_ms);
    store_bind_i64(st, 4, id);
    enum store_step rc = store_step(st, e);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

int mj_finish(struct store *town, int64_t id, const char *state, int n_files, int64_t rows,
              int64_t problems, int64_t bytes, const char *sha256, const char *error,
              const char *summary, int64_t now_ms, int64_t retention_ms, struct kd_err *e)
{
    struct store_stmt *st = store_prepare(
        town,
        "UPDATE migration_jobs SET state = ?, n_files = ?, row_count = ?, problem_count = ?,"
        " bytes = ?, sha256 = ?, error = ?, summary = coalesce(?, summary), updated_at = ?,"
        " expires_at = ? WHERE id = ?",
        e);
    if (!st)
        return -1;
    store_bind_str(st, 1, state);
    store_bind_i64(st, 2, n_files);
    store_bind_i64(st, 3, rows);
    store_bind_i64(st, 4, problems);
    store_bind_i64(st, 5, bytes);
    store_bind_str(st, 6, sha256 ? sha256 : "");
    store_bind_str(st, 7, error ? error : "");
    store_bind_str(st, 8, summary);
    store_bind_i64(st, 9, now_ms);
    store_bind_i64(st, 10, now_ms + retention_ms);
    store_bind_i64(st, 11, id);
    enum store_step rc = store_step(st, e);
    store_reset(st);
    return rc == STORE_DONE ? 0 : -1;
}

/* ---- folders ---------------------------------------------------------------- */

const char *mj_path(const char *data_dir, const char *town, int64_t id, const char *leaf, char *buf,
                    size_t cap)
{
    if (id <= 0)
        snprintf(buf, cap, "%s/migration%s%s", data_dir, town ? "/" : "", town ? town : "");
    else
        snprintf(buf, cap, "%s/migration/%s/%lld%s%s", data_dir, town, (long long)id,
                 leaf ? "/" : "", leaf ? leaf : "");
    return buf;
}

static int make_one(const char *path, struct kd_err *e)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return chmod(path, 0700) == 0 ? 0
                                          : kd_fail(e, KD_INTERNAL, NULL, "cannot secure %s: %s",
                                                    path, strerror(errno));
    }
    return kd_fail(e, KD_UNAVAILABLE, NULL, "cannot create the job folder %s: %s", path,
                   strerror(errno));
}

int mj_make_dir(const char *data_dir, const char *town, int64_t id, struct kd_err *e)
{
    char p[700];
    if (make_one(mj_path(data_dir, NULL, 0, NULL, p, sizeof p), e) < 0 ||
        make_one(mj_path(data_dir, town, 0, NULL, p, sizeof p), e) < 0 ||
        (id > 0 && make_one(mj_path(data_dir, town, id, NULL, p, sizeof p), e) < 0))
        return -1;
    return 0;
}

static void remove_at(int dfd, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) {
            DIR *d = fdopendir(sub);
            if (d) {
                struct dirent *de;
                while ((de = readdir(d)))
                    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        remove_at(dirfd(d), de->d_name);
                closedir(d);
            } else {
                close(sub);
            }
        }
        unlinkat(dfd, name, AT_REMOVEDIR);
    } else {
        unlinkat(dfd, name, 0);
    }
}

void mj_remove_tree(const char *path)
{
    remove_at(AT_FDCWD, path);
}

/* ---- the runner ------------------------------------------------------------- */

struct qitem {
    char town[7];
    int64_t id;
    struct qitem *next;
};

struct mig_jobs {
    char spool[700];
    struct catalog *cat;
    const struct config *cfg;
    int64_t retention_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct qitem *head, *tail; /* guarded by lock */
    bool stopping;             /* guarded by lock */
    /* The job being run, and its progress (guarded by lock). */
    char cur_town[7];
    int64_t cur_id;
    struct mj_progress cur;
};

const char *mig_jobs_spool_dir(const struct mig_jobs *mj)
{
    return mj->spool;
}

const struct config *mig_jobs_config(const struct mig_jobs *mj)
{
    return mj->cfg;
}

int mig_jobs_wake(struct mig_jobs *mj, const char *town, int64_t id, struct kd_err *e)
{
    struct qitem *q = calloc(1, sizeof *q);
    if (!q)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    snprintf(q->town, sizeof q->town, "%s", town);
    q->id = id;
    pthread_mutex_lock(&mj->lock);
    if (mj->tail)
        mj->tail->next = q;
    else
        mj->head = q;
    mj->tail = q;
    pthread_cond_signal(&mj->wake);
    pthread_mutex_unlock(&mj->lock);
    return 0;
}

bool mig_jobs_progress(struct mig_jobs *mj, const char *town, int64_t id, struct mj_progress *out)
{
    pthread_mutex_lock(&mj->lock);
    bool on = mj->cur_id == id && strcmp(mj->cur_town, town) == 0;
    if (on)
        *out = mj->cur;
    pthread_mutex_unlock(&mj->lock);
    return on;
}

static void log_failure(const char *what, const char *town, int64_t id, const struct kd_err *e)
{
    struct logline l;
    logline_begin(&l, LOG_ERROR, what);
    logline_str(&l, "tenant", town);
    logline_int(&l, "job", id);
    logline_text(&l, "detail", e->message);
    logline_end(&l);
}

/* Also how a running job learns that the server is stopping: it then stops
 * (an import rolls back, an export removes its files) and is queued again
 * for the next start. */
static int on_progress(void *ctx, const char *file_path, int64_t rows, int64_t bytes_done,
                       int64_t bytes_total)
{
    struct mig_jobs *mj = ctx;
    pthread_mutex_lock(&mj->lock);
    int stop = mj->stopping;
    const char *base = file_path ? strrchr(file_path, '/') : NULL;
    snprintf(mj->cur.file, sizeof mj->cur.file, "%s",
             base ? base + 1 : (file_path ? file_path : ""));
    mj->cur.rows = rows;
    mj->cur.bytes_done = bytes_done;
    mj->cur.bytes_total = bytes_total;
    pthread_mutex_unlock(&mj->lock);
    return stop;
}

static bool stopping(struct mig_jobs *mj)
{
    pthread_mutex_lock(&mj->lock);
    bool s = mj->stopping;
    pthread_mutex_unlock(&mj->lock);
    return s;
}

/* A job the server's stop interrupted goes back to the queue (no outcome:
 * it did not end). */
static void requeue(struct mig_jobs *mj, struct store *town, const char *code, int64_t id)
{
    struct kd_err e;
    struct store_stmt *st = store_prepare(
        town, "UPDATE migration_jobs SET state = 'queued' WHERE id = ? AND state = 'running'", &e);
    if (st) {
        store_bind_i64(st, 1, id);
        if (store_step(st, &e) == STORE_DONE) {
            store_reset(st);
            struct logline l;
            logline_begin(&l, LOG_INFO, "migration job interrupted by the stop; queued again");
            logline_str(&l, "tenant", code);
            logline_int(&l, "job", id);
            logline_end(&l);
            (void)mj;
            return;
        }
        store_reset(st);
    }
    log_failure("migration job not queued again", code, id, &e);
}

/* The audit entry of a step's outcome, in the job's town, under the name of
 * who asked for the step. */
static int audit_outcome(struct store *town, const char *code, const struct mig_job *j,
                         const char *action, const char *outcome, const char *detail,
                         struct kd_err *e)
{
    struct audit_entry a = {
        .user_id = j->step_by.user_id,
        .user_login = j->step_by.login,
        .role = j->step_by.role,
        .action = action,
        .outcome = outcome,
        .purpose = "データ移行",
        .request_id = j->step_by.request_id,
        .detail = detail,
    };
    return audit_append(town, code, &a, e);
}

/* Writes the outcome and its audit entry in one transaction. */
static void finish_job(struct mig_jobs *mj, struct store *town, const char *code,
                       const struct mig_job *j, const char *state, int n_files, int64_t rows,
                       int64_t problems, int64_t bytes, const char *sha, const char *error,
                       const char *summary)
{
    struct kd_err e;
    char detail[320];
    const char *action = strcmp(j->step, "export") == 0  ? "migration.export_done"
                         : strcmp(j->step, "check") == 0 ? "migration.check_done"
                                                         : "migration.commit_done";
    if (error && *error)
        snprintf(detail, sizeof detail, "job %lld %s %s: %s", (long long)j->id, j->layout, state,
                 error);
    else
        snprintf(detail, sizeof detail, "job %lld %s %s: %d files, %lld rows, %lld problems",
                 (long long)j->id, j->layout, state, n_files, (long long)rows, (long long)problems);
    int64_t now = clock_now_ms();
    if (store_begin_write(town, &e) < 0 ||
        mj_finish(town, j->id, state, n_files, rows, problems, bytes, sha, error, summary, now,
                  mj->retention_ms, &e) < 0 ||
        audit_outcome(town, code, j, action, strcmp(state, "failed") == 0 ? "failed" : "ok", detail,
                      &e) < 0 ||
        store_commit(town, &e) < 0) {
        store_rollback(town);
        log_failure("migration job outcome not recorded", code, j->id, &e);
    }
}

static int sha256_file(const char *path, char hex[65], int64_t *size, struct kd_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kd_fail(e, KD_INTERNAL, NULL, "cannot read %s: %s", path, strerror(errno));
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    static _Thread_local unsigned char buf[1 << 16];
    int64_t total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
        total += n;
    }
    close(fd);
    if (n < 0)
        return kd_fail(e, KD_INTERNAL, NULL, "cannot read %s", path);
    unsigned char d[32];
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(hex, 65, d, sizeof d);
    *size = total;
    return 0;
}

static void options(struct mig_jobs *mj, const struct mig_job *j, bool dry_run,
                    struct mig_options *o)
{
    memset(o, 0, sizeof *o);
    o->layouts_root = mj->cfg->layouts_dir;
    o->layout = j->layout;
    o->profile = j->profile;
    o->actor = j->step_by.login;
    o->request_id = j->step_by.request_id;
    o->dry_run = dry_run;
    o->progress = on_progress;
    o->progress_ctx = mj;
}

static void run_export(struct mig_jobs *mj, struct store *town, const char *code,
                       const struct mig_job *j)
{
    char set[700], zip[700];
    const char *data = mj->cfg->data_dir;
    mj_path(data, code, j->id, "set", set, sizeof set);
    mj_path(data, code, j->id, "export.zip", zip, sizeof zip);
    mj_remove_tree(set);
    unlink(zip);
    struct mig_options o;
    options(mj, j, false, &o);
    struct mig_summary sum = {0};
    struct kd_err e;
    char sha[65] = "";
    int64_t size = 0;
    if (mj_make_dir(data, code, j->id, &e) < 0 ||
        migration_export(town, code, &o, set, &sum, &e) < 0 ||
        mz_pack(set, zip, clock_now_ms() / 1000, &e) < 0 || sha256_file(zip, sha, &size, &e) < 0) {
        mj_remove_tree(set);
        unlink(zip);
        if (e.code == KD_UNAVAILABLE && stopping(mj))
            requeue(mj, town, code, j->id);
        else
            finish_job(mj, town, code, j, "failed", 0, 0, 0, 0, "", e.message, NULL);
        return;
    }
    mj_remove_tree(set);
    finish_job(mj, town, code, j, "ready", sum.n_files, sum.rows, 0, size, sha, "", NULL);
}

/* The job's summary with the check's counts (report-summary.json: files,
 * reasons, problems — never a value) in place of the last check's, the
 * upload's entries kept. NULL when there is none to take (the old summary
 * stays). */
static char *merged_summary(struct store *town, int64_t id, const char *report)
{
    char path[760];
    snprintf(path, sizeof path, "%s/report-summary.json", report);
    json_error_t je;
    json_t *check = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(check)) {
        json_decref(check);
        return NULL;
    }
    char *old = NULL;
    struct kd_err e;
    json_t *all = NULL;
    if (mj_summary(town, id, &old, &e) == 0 && old[0])
        all = json_loads(old, 0, &je);
    free(old);
    if (!json_is_object(all)) {
        json_decref(all);
        all = json_object();
    }
    const char *key;
    json_t *v;
    json_object_foreach(check, key, v)
    {
        if (strcmp(key, "entries") != 0)
            json_object_set(all, key, v);
    }
    char *text = json_dumps(all, JSON_COMPACT);
    json_decref(all);
    json_decref(check);
    return text;
}

static void run_import(struct mig_jobs *mj, struct store *town, const char *code,
                       const struct mig_job *j, bool commit)
{
    char set[700], report[700];
    const char *data = mj->cfg->data_dir;
    mj_path(data, code, j->id, "set", set, sizeof set);
    mj_path(data, code, j->id, "report", report, sizeof report);
    mj_remove_tree(report);
    struct kd_err e;
    if (mkdir(report, 0700) < 0) {
        kd_fail(&e, KD_INTERNAL, NULL, "cannot create the report folder: %s", strerror(errno));
        finish_job(mj, town, code, j, "failed", 0, 0, 0, j->bytes, j->sha256, e.message, NULL);
        return;
    }
    struct mig_options o;
    options(mj, j, !commit, &o);
    struct mig_summary sum = {0};
    int rc = migration_import(town, code, &o, set, report, &sum, &e);
    store_rollback(town);
    if (rc < 0 && e.code == KD_UNAVAILABLE && stopping(mj)) {
        requeue(mj, town, code, j->id);
        return;
    }
    char *summary = rc < 0 ? NULL : merged_summary(town, j->id, report);
    const char *state = rc < 0 ? "failed" : rc == 1 ? "refused" : commit ? "committed" : "checked";
    if (rc == 0 && commit) {
        /* The data is in the town's database now: the files go. */
        mj_remove_tree(set);
        mj_remove_tree(report);
    }
    finish_job(mj, town, code, j, state, sum.n_files, sum.rows, rc == 1 ? sum.problems : 0,
               j->bytes, j->sha256, rc < 0 ? e.message : "", summary);
    free(summary);
}

/* Takes a queued job, marks it running, runs it. */
static void run_one(struct mig_jobs *mj, const char *code, int64_t id)
{
    struct kd_err e;
    struct store *town = catalog_town(mj->cat, code, &e);
    struct mig_job j;
    if (!town || store_begin_write(town, &e) < 0) {
        log_failure("migration job not started", code, id, &e);
        return;
    }
    if (mj_get(town, id, &j, &e) < 0 || strcmp(j.state, "queued") != 0) {
        store_rollback(town); /* discarded meanwhile: nothing to do */
        return;
    }
    static const char *const queued[] = {"queued", NULL};
    if (mj_move(town, id, queued, "running", NULL, &j.step_by, clock_now_ms(), mj->retention_ms,
                &e) < 0 ||
        store_commit(town, &e) < 0) {
        store_rollback(town);
        log_failure("migration job not started", code, id, &e);
        return;
    }
    pthread_mutex_lock(&mj->lock);
    snprintf(mj->cur_town, sizeof mj->cur_town, "%s", code);
    mj->cur_id = id;
    memset(&mj->cur, 0, sizeof mj->cur);
    pthread_mutex_unlock(&mj->lock);

    if (strcmp(j.step, "export") == 0)
        run_export(mj, town, code, &j);
    else
        run_import(mj, town, code, &j, strcmp(j.step, "commit") == 0);
    store_rollback(town); /* whatever the engine left open */

    pthread_mutex_lock(&mj->lock);
    mj->cur_id = 0;
    mj->cur_town[0] = '\0';
    pthread_mutex_unlock(&mj->lock);
}

/* ---- start-up and retention ------------------------------------------------- */

static bool keeps_files(const char *state)
{
    static const char *const with[] = {"queued",  "running", "ready",  "uploaded",
                                       "checked", "refused", "failed", NULL};
    for (const char *const *s = with; *s; s++)
        if (strcmp(*s, state) == 0)
            return true;
    return false;
}

struct town_scan {
    struct mig_jobs *mj;
    bool at_start;
};

/* Removes a town's folders that belong to no job that keeps files. A folder
 * without a record is removed only when an hour old (its job may be in the
 * making: the record commits after its files are written). */
static void sweep_folders(struct mig_jobs *mj, struct store *town, const char *code)
{
    char p[700];
    DIR *d = opendir(mj_path(mj->cfg->data_dir, code, 0, NULL, p, sizeof p));
    if (!d)
        return;
    int64_t hour_ago = clock_now_ms() / 1000 - 3600;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *end;
        long long id = strtoll(de->d_name, &end, 10);
        struct mig_job j;
        struct kd_err e;
        struct stat st;
        bool old = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                   (int64_t)st.st_mtime < hour_ago;
        bool drop;
        if (*end != '\0' || id <= 0)
            drop = old; /* not a job's folder */
        else if (mj_get(town, id, &j, &e) == 0)
            drop = !keeps_files(j.state);
        else
            drop = e.code == KD_NOT_FOUND && old;
        if (drop)
            remove_at(dirfd(d), de->d_name);
    }
    closedir(d);
}

/* Jobs whose retention ended: their files go, the record says expired. */
static void expire(struct mig_jobs *mj, struct store *town, const char *code)
{
    struct kd_err e;
    struct store_stmt *st = store_prepare(
        town,
        "SELECT id FROM migration_jobs WHERE expires_at < ? AND state IN ('ready', 'uploaded',"
        " 'checked', 'refused', 'failed') ORDER BY id LIMIT 100",
        &e);
    if (!st)
        return;
    int64_t ids[100];
    int n = 0;
    store_bind_i64(st, 1, clock_now_ms());
    while (n < 100 && store_step(st, &e) == STORE_ROW)
        ids[n++] = store_col_i64(st, 0);
    store_reset(st);
    for (int i = 0; i < n; i++) {
        char dir[700], detail[120];
        struct mig_job j;
        if (store_begin_write(town, &e) < 0)
            return;
        struct store_stmt *up = store_prepare(
            town,
            "UPDATE migration_jobs SET state = 'expired', updated_at = ? WHERE id = ? AND state"
            " IN ('ready', 'uploaded', 'checked', 'refused', 'failed')",
            &e);
        bool changed = false;
        if (up) {
            store_bind_i64(up, 1, clock_now_ms());
            store_bind_i64(up, 2, ids[i]);
            changed = store_step(up, &e) == STORE_DONE && store_changes(town) == 1;
            store_reset(up);
        }
        if (!changed || mj_get(town, ids[i], &j, &e) < 0) {
            store_rollback(town);
            continue;
        }
        snprintf(detail, sizeof detail, "job %lld %s %s: files removed after %d hours",
                 (long long)j.id, j.kind, j.layout, mj->cfg->retention_hours);
        struct audit_entry a = {.user_login = "",
                                .role = "",
                                .action = "migration.expire",
                                .outcome = "ok",
                                .purpose = "データ移行",
                                .request_id = "system",
                                .detail = detail};
        if (audit_append(town, code, &a, &e) < 0 || store_commit(town, &e) < 0) {
            store_rollback(town);
            continue;
        }
        mj_remove_tree(mj_path(mj->cfg->data_dir, code, j.id, NULL, dir, sizeof dir));
    }
}

/* At start: queued jobs are queued again, running ones failed. */
static void recover(struct mig_jobs *mj, struct store *town, const char *code)
{
    struct kd_err e;
    if (store_begin_write(town, &e) < 0)
        return;
    struct store_stmt *st = store_prepare(
        town,
        "UPDATE migration_jobs SET state = 'failed', error = 'interrupted: the server stopped"
        " while the job ran; run it again' WHERE state = 'running'",
        &e);
    if (!st || store_step(st, &e) != STORE_DONE) {
        if (st)
            store_reset(st);
        store_rollback(town);
        return;
    }
    store_reset(st);
    if (store_commit(town, &e) < 0) {
        store_rollback(town);
        return;
    }
    st =
        store_prepare(town, "SELECT id FROM migration_jobs WHERE state = 'queued' ORDER BY id", &e);
    if (!st)
        return;
    while (store_step(st, &e) == STORE_ROW)
        mig_jobs_wake(mj, code, store_col_i64(st, 0), &e);
    store_reset(st);
}

static int scan_town(void *ctx, const struct tenant *t)
{
    struct town_scan *s = ctx;
    struct kd_err e;
    struct store *town = catalog_town(s->mj->cat, t->code, &e);
    if (!town)
        return 0;
    if (s->at_start)
        recover(s->mj, town, t->code);
    expire(s->mj, town, t->code);
    sweep_folders(s->mj, town, t->code);
    return 0;
}

static void scan_towns(struct mig_jobs *mj, bool at_start)
{
    struct kd_err e;
    struct store *ctl = catalog_control(mj->cat, &e);
    struct town_scan s = {mj, at_start};
    if (!ctl || tenant_list(ctl, scan_town, &s, &e) < 0)
        log_failure("migration jobs: towns not scanned", "", 0, &e);
}

enum { SWEEP_MS = 10 * 60 * 1000 };

static void *runner(void *p)
{
    struct mig_jobs *mj = p;
    scan_towns(mj, true);
    int64_t next_sweep = clock_now_ms() + SWEEP_MS;
    pthread_mutex_lock(&mj->lock);
    for (;;) {
        while (!mj->head && !mj->stopping && clock_now_ms() < next_sweep) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&mj->wake, &mj->lock, &until);
        }
        if (mj->stopping)
            break;
        struct qitem *q = mj->head;
        if (q) {
            mj->head = q->next;
            if (!mj->head)
                mj->tail = NULL;
        }
        pthread_mutex_unlock(&mj->lock);
        if (q) {
            run_one(mj, q->town, q->id);
            free(q);
        } else {
            scan_towns(mj, false);
            next_sweep = clock_now_ms() + SWEEP_MS;
        }
        pthread_mutex_lock(&mj->lock);
    }
    pthread_mutex_unlock(&mj->lock);
    catalog_thread_done(mj->cat);
    return NULL;
}

struct mig_jobs *mig_jobs_start(struct catalog *cat, const struct config *cfg, struct kd_err *e)
{
    struct mig_jobs *mj = calloc(1, sizeof *mj);
    if (!mj) {
        kd_fail(e, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    mj->cat = cat;
    mj->cfg = cfg;
    mj->retention_ms = (int64_t)cfg->retention_hours * 3600 * 1000;
    char root[700];
    snprintf(mj->spool, sizeof mj->spool, "%s/migration/spool", cfg->data_dir);
    /* Spooled uploads are unlinked at once; anything left is from a crash. */
    mj_remove_tree(mj->spool);
    if (make_one(mj_path(cfg->data_dir, NULL, 0, NULL, root, sizeof root), e) < 0 ||
        make_one(mj->spool, e) < 0) {
        free(mj);
        return NULL;
    }
    pthread_mutex_init(&mj->lock, NULL);
    pthread_cond_init(&mj->wake, NULL);
    if (pthread_create(&mj->thread, NULL, runner, mj) != 0) {
        pthread_cond_destroy(&mj->wake);
        pthread_mutex_destroy(&mj->lock);
        free(mj);
        kd_fail(e, KD_INTERNAL, NULL, "cannot start the migration job runner");
        return NULL;
    }
    return mj;
}

void mig_jobs_stop(struct mig_jobs *mj)
{
    if (!mj)
        return;
    pthread_mutex_lock(&mj->lock);
    mj->stopping = true;
    pthread_cond_signal(&mj->wake);
    pthread_mutex_unlock(&mj->lock);
    pthread_join(mj->thread, NULL);
    while (mj->head) {
        struct qitem *q = mj->head;
        mj->head = q->next;
        free(q);
    }
    pthread_cond_destroy(&mj->wake);
    pthread_mutex_destroy(&mj->lock);
    free(mj);
}
