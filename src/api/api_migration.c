/*
 * api_migration.c — the operator's data migration over HTTP
 * (api_migration.h, docs/migration-operations.md).
 *
 * Who sees what. A job's record (layout, profile, state, counts, who did
 * each step) is not personal data: the operator reads it under the town's
 * code, the town's administrator under the own session. The files are:
 * the operator may download an export (moving data is the role's work)
 * and upload an import set, but reads only counts of what the check found;
 * the report's values, which are the rows' data, are for the town's
 * administrator, who confirms. A job of another town is "not found".
 */
#include "api/api_migration.h"

#include "api/migration_jobs.h"
#include "api/migration_zip.h"
#include "base/text.h"
#include "engine/audit.h"
#include "engine/tenant.h"
#include "migration/migration.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MAX_LAYOUTS 32
#define MAX_FILES 32
#define MAX_PROFILES 64
#define REPORT_PAGE 200
#define LIST_LIMIT 200

static const char MANIFEST[] = "manifest.json";

/* The town a request acts on, and its connection on this thread. */
struct target {
    const char *code;
    struct store *db;
    bool own;     /* the session's own town (req->town) */
    bool by_code; /* named in the path (the operator's routes) */
};

static struct mig_jobs *runner(struct api_req *req, struct kd_err *err)
{
    if (!req->app->migration)
        kd_fail(err, KD_UNAVAILABLE, NULL, "data migration is not running on this server");
    return req->app->migration;
}

/* An operator's route: the town named in the path, as the tenant registry
 * routes name it. A code that is malformed or not registered is 404. */
static int target_from_path(struct api_req *req, struct target *t, struct kd_err *err)
{
    const char *code = api_param_str(req, "code");
    struct tenant tn;
    if (!code || tenant_check_code(code, strlen(code), NULL) < 0)
        return kd_fail(err, KD_NOT_FOUND, "code", "no such town");
    if (tenant_get(req->ctl, code, &tn, err) < 0)
        return -1;
    t->code = code;
    t->by_code = true;
    t->own = strcmp(code, req->who->tenant) == 0;
    t->db = t->own ? req->town : catalog_town(req->app->cat, code, err);
    if (!t->db)
        return err->code == KD_NOT_FOUND
                   ? kd_fail(err, KD_UNAVAILABLE, NULL, "this town's database is unavailable")
                   : -1;
    return 0;
}

/* The administrator's route: the session's own town, nothing else. */
static void target_own(struct api_req *req, struct target *t)
{
    t->code = req->who->tenant;
    t->db = req->town;
    t->own = true;
    t->by_code = false;
}

static void actor_of(struct api_req *req, struct mj_actor *a)
{
    memset(a, 0, sizeof *a);
    a->user_id = req->who->user_id;
    snprintf(a->login, sizeof a->login, "%s", req->who->login);
    snprintf(a->role, sizeof a->role, "%s", role_name(req->who->role));
    snprintf(a->town, sizeof a->town, "%s", req->who->tenant);
    snprintf(a->request_id, sizeof a->request_id, "%s", req->http->request_id);
}

/* An audit entry in the target town's log. In a write transaction on it the
 * entry joins the change; otherwise a read's entry is committed before the
 * answer leaves. An operator of another town is named with that town. */
static int audit(struct api_req *req, const struct target *t, const char *action,
                 const char *outcome, const char *detail, struct kd_err *err)
{
    if (t->own)
        return api_audit(req, action, outcome, NULL, detail, err);
    const struct principal *p = req->who;
    char full[400];
    snprintf(full, sizeof full, "%s (by the operator %s of %s)", detail, p->login, p->tenant);
    return api_audit_town(req, t->code, p->user_id, p->login, role_name(p->role), action, outcome,
                          full, err);
}

static int job_id(struct api_req *req, int64_t *id, struct kd_err *err)
{
    return api_param_id(req, "id", id, err);
}

/* ---- layouts and profiles ----------------------------------------------------- */

/* The layouts under [migration] layouts_dir; a definition the server cannot
 * read is the deployment's trouble, not the client's (503). */
static int layouts(struct api_req *req, struct mig_layout_info *list, struct kd_err *err)
{
    int n = migration_layouts(req->app->cfg->layouts_dir, list, MAX_LAYOUTS, err);
    if (n < 0 && err->code != KD_INTERNAL)
        kd_fail(err, KD_UNAVAILABLE, NULL, "the layout definitions cannot be read: %s",
                err->message);
    return n;
}

static int find_layout(struct api_req *req, const char *name, struct mig_layout_info *out,
                       struct kd_err *err)
{
    struct mig_layout_info list[MAX_LAYOUTS];
    int n = layouts(req, list, err);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0) {
            *out = list[i];
            return 0;
        }
    return kd_fail(err, KD_INVALID_VALUE, "layout",
                   "no such layout; GET /migration-layouts lists them");
}

static int check_profile(struct api_req *req, const char *name, struct kd_err *err)
{
    char names[MAX_PROFILES][32];
    int n = migration_profiles(req->app->cfg->layouts_dir, names, MAX_PROFILES, err);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 0;
    return kd_fail(err, KD_INVALID_VALUE, "profile",
                   "no such profile; GET /migration-layouts lists them");
}

int api_mig_layouts(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct mig_layout_info list[MAX_LAYOUTS];
    int n = layouts(req, list, err);
    if (n < 0)
        return -1;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_key(w, "layouts");
    jw_arr(w);
    for (int i = 0; i < n; i++) {
        jw_obj(w);
        jw_kstr(w, "name", list[i].name);
        jw_kstr(w, "title", list[i].title);
        jw_kstr(w, "version", list[i].version);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    char names[MAX_PROFILES][32];
    int np = migration_profiles(req->app->cfg->layouts_dir, names, MAX_PROFILES, err);
    if (np < 0)
        return -1;
    jw_key(w, "profiles");
    jw_arr(w);
    for (int i = 0; i < np; i++)
        jw_str(w, names[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}

/* ---- a job as JSON ------------------------------------------------------------- */

static void write_actor(struct jw *w, const char *key, const struct mj_actor *a)
{
    jw_key(w, key);
    if (!a->login[0]) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_kstr(w, "login", a->login);
    jw_kstr(w, "role", a->role);
    jw_kstr(w, "town", a->town);
    jw_obj_end(w);
}

static void write_job(struct api_req *req, struct jw *w, const char *code, const struct mig_job *j,
                      const char *summary)
{
    jw_obj(w);
    jw_kint(w, "id", j->id);
    jw_kstr(w, "town", code);
    jw_kstr(w, "kind", j->kind);
    jw_kstr(w, "layout", j->layout);
    jw_kstr(w, "profile", j->profile);
    jw_kstr(w, "state", j->state);
    jw_kstr(w, "step", j->step);
    jw_key(w, "created_at");
    api_instant(w, j->created_ms);
    jw_key(w, "updated_at");
    api_instant(w, j->updated_ms);
    jw_key(w, "expires_at");
    api_instant(w, j->expires_ms);
    write_actor(w, "created_by", &j->created_by);
    write_actor(w, "step_by", &j->step_by);
    jw_key(w, "confirmed_by");
    if (j->confirmed_by_id) {
        jw_obj(w);
        jw_kstr(w, "login", j->confirmed_by);
        jw_key(w, "at");
        api_instant(w, j->confirmed_ms);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_kint(w, "files", j->n_files);
    jw_kint(w, "rows", j->rows);
    jw_kint(w, "problems", j->problems);
    jw_kint(w, "bytes", j->bytes);
    jw_kstr(w, "sha256", j->sha256[0] ? j->sha256 : NULL);
    jw_kstr(w, "error", j->error[0] ? j->error : NULL);
    struct mj_progress p;
    jw_key(w, "progress");
    if (req->app->migration && strcmp(j->state, "running") == 0 &&
        mig_jobs_progress(req->app->migration, code, j->id, &p)) {
        jw_obj(w);
        jw_kstr(w, "file", p.file);
        jw_kint(w, "rows", p.rows);
        jw_kint(w, "bytes_done", p.bytes_done);
        jw_kint(w, "bytes_total", p.bytes_total);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    if (summary) {
        jw_key(w, "summary");
        if (summary[0])
            jw_raw(w, summary, strlen(summary));
        else
            jw_null(w);
    }
    jw_obj_end(w);
}

static int reply_job(struct api_req *req, const struct target *t, int64_t id, int status,
                     struct api_out *out, struct kd_err *err)
{
    struct mig_job j;
    char *summary = NULL;
    if (mj_get(t->db, id, &j, err) < 0 || mj_summary(t->db, id, &summary, err) < 0)
        return -1;
    write_job(req, api_reply(out, status), t->code, &j, summary);
    free(summary);
    if (status == 201 || status == 202)
        out->location = t->by_code
                            ? arena_printf(req->arena, "/api/v1/tenants/%s/migrations/%lld",
                                           t->code, (long long)id)
                            : arena_printf(req->arena, "/api/v1/migrations/%lld", (long long)id);
    return 0;
}

struct list_ctx {
    struct api_req *req;
    struct jw *w;
    const char *code;
};

static int list_one(void *p, const struct mig_job *j)
{
    struct list_ctx *c = p;
    write_job(c->req, c->w, c->code, j, NULL);
    return 0;
}

static int reply_list(struct api_req *req, const struct target *t, struct api_out *out,
                      struct kd_err *err)
{
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    struct list_ctx c = {req, w, t->code};
    if (mj_list(t->db, LIST_LIMIT, list_one, &c, err) < 0)
        return -1;
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}

/* ---- the operator ---------------------------------------------------------------- */

int api_mig_town_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    if (target_from_path(req, &t, err) < 0)
        return -1;
    return reply_list(req, &t, out, err);
}

int api_mig_town_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    int64_t id;
    if (target_from_path(req, &t, err) < 0 || job_id(req, &id, err) < 0)
        return -1;
    return reply_job(req, &t, id, 200, out, err);
}

static const struct jfield export_spec[] = {
    {"layout", JT_STRING, true, 31, false, 0, 0},
    {"profile", JT_STRING, false, 31, false, 0, 0},
};

/* A new job in the town's table, audited, and (when queued) handed to the
 * runner after the commit. */
static int create_job(struct api_req *req, const struct target *t, struct mig_job *j,
                      const char *summary, const char *action, const char *detail,
                      struct kd_err *err)
{
    if (store_begin_write(t->db, err) < 0)
        return -1;
    if (mj_insert(t->db, j, summary, err) < 0) {
        store_rollback(t->db);
        return -1;
    }
    char full[300];
    snprintf(full, sizeof full, "job %lld: %s", (long long)j->id, detail);
    if (audit(req, t, action, "ok", full, err) < 0 || store_commit(t->db, err) < 0) {
        store_rollback(t->db);
        return -1;
    }
    return 0;
}

static void new_job(struct api_req *req, struct mig_job *j, const char *kind, const char *layout,
                    const char *profile, const char *state, const char *step)
{
    memset(j, 0, sizeof *j);
    snprintf(j->kind, sizeof j->kind, "%s", kind);
    snprintf(j->layout, sizeof j->layout, "%s", layout);
    snprintf(j->profile, sizeof j->profile, "%s", profile);
    snprintf(j->state, sizeof j->state, "%s", state);
    snprintf(j->step, sizeof j->step, "%s", step);
    j->created_ms = j->updated_ms = req->now_ms;
    j->expires_ms = req->now_ms + (int64_t)req->app->cfg->retention_hours * 3600 * 1000;
    actor_of(req, &j->created_by);
    j->step_by = j->created_by;
}

int api_mig_export(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    struct jvalue v[2];
    struct mig_layout_info li;
    struct mig_jobs *mj = runner(req, err);
    if (!mj || target_from_path(req, &t, err) < 0 || api_body(req, export_spec, 2, v, err) < 0 ||
        find_layout(req, v[0].s, &li, err) < 0 ||
        (v[1].present && check_profile(req, v[1].s, err) < 0))
        return -1;
    const char *profile = v[1].present ? v[1].s : "kyodo";
    struct mig_job j;
    new_job(req, &j, "export", li.name, profile, "queued", "export");
    char detail[160];
    snprintf(detail, sizeof detail, "export of %s (%s) requested", li.name, profile);
    if (create_job(req, &t, &j, NULL, "migration.export", detail, err) < 0)
        return -1;
    if (mig_jobs_wake(mj, t.code, j.id, err) < 0)
        return -1;
    return reply_job(req, &t, j.id, 202, out, err);
}

int api_mig_download(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    int64_t id;
    struct mig_job j;
    if (target_from_path(req, &t, err) < 0 || job_id(req, &id, err) < 0 ||
        mj_get(t.db, id, &j, err) < 0)
        return -1;
    if (strcmp(j.kind, "export") != 0)
        return kd_fail(err, KD_NOT_FOUND, "id", "this job is an import: it has no export file");
    if (strcmp(j.state, "ready") != 0)
        return kd_fail(err, KD_CONFLICT, "state", "the export is %s, not ready", j.state);
    char path[700];
    mj_path(req->app->cfg->data_dir, t.code, id, "export.zip", path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return kd_fail(err, KD_CONFLICT, "state", "the export's file is gone (expired?)");
    }
    /* The personal data leaves here: the entry is durable before it does. */
    char detail[200];
    snprintf(detail, sizeof detail, "job %lld: export of %s downloaded (%lld rows, %lld bytes)",
             (long long)id, j.layout, (long long)j.rows, (long long)st.st_size);
    if (audit(req, &t, "migration.download", "ok", detail, err) < 0) {
        close(fd);
        return -1;
    }
    char name[96];
    snprintf(name, sizeof name, "%s-%s-%lld.zip", t.code, j.layout, (long long)id);
    return api_reply_fd(req, out, fd, (int64_t)st.st_size, "application/zip", name);
}

static bool zip_type(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strcspn(ct, "; ");
    return (n == 15 && strncasecmp(ct, "application/zip", n) == 0) ||
           (n == 28 && strncasecmp(ct, "application/x-zip-compressed", n) == 0);
}

/* The SHA-256 of the upload, to name the set in the record and the log. */
static int hash_body(struct api_req *req, char hex[65], struct kd_err *err)
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    struct http_request *http = req->http;
    if (http->body_fd < 0) {
        crypto_hash_sha256_update(&h, (const unsigned char *)http->body, http->body_len);
    } else {
        unsigned char buf[1 << 15];
        ssize_t n;
        off_t at = 0;
        while ((n = pread(http->body_fd, buf, sizeof buf, at)) > 0) {
            crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
            at += n;
        }
        if (n < 0)
            return kd_fail(err, KD_UNAVAILABLE, NULL, "cannot read the upload: %s",
                           strerror(errno));
    }
    unsigned char d[32];
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(hex, 65, d, sizeof d);
    return 0;
}

/* What the data directory's file system has free, less a margin that the
 * import's own work (its report, the town database's growth) will need. */
static int64_t room(const char *dir)
{
    struct statvfs fs;
    if (statvfs(dir, &fs) < 0)
        return 0; /* unknown: unchecked */
    int64_t free_bytes = (int64_t)fs.f_bavail * (int64_t)fs.f_frsize - (64LL << 20);
    return free_bytes > 1 ? free_bytes : 1;
}

static const struct jfield upload_query[] = {
    {"layout", JT_STRING, true, 31, false, 0, 0},
    {"profile", JT_STRING, false, 31, false, 0, 0},
};

/* The summary of an upload: its entries and their sizes (no values). */
static char *entries_summary(const struct mz_entry *ents, int n)
{
    json_t *files = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(files, json_pack("{s:s, s:I, s:I}", "path", ents[i].name, "files",
                                               (json_int_t)ents[i].files, "bytes",
                                               (json_int_t)ents[i].size));
    json_t *root = json_pack("{s:o}", "entries", files);
    char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return s;
}

int api_mig_upload(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    struct jvalue q[2];
    struct mig_layout_info li;
    if (!runner(req, err) || target_from_path(req, &t, err) < 0 ||
        api_query(req, upload_query, 2, q, err) < 0 || find_layout(req, q[0].s, &li, err) < 0 ||
        (q[1].present && check_profile(req, q[1].s, err) < 0))
        return -1;
    if (!zip_type(http_header(req->http, "Content-Type")))
        return kd_fail(err, KD_UNSUPPORTED_MEDIA, "Content-Type",
                       "send the import set as one zip file (Content-Type: application/zip)");
    if (req->http->body_len == 0)
        return kd_fail(err, KD_MISSING_FIELD, "file",
                       "the body is empty: send the import set as one zip file");
    bool has = false;
    if (migration_town_has_data(t.db, li.name, &has, err) < 0)
        return -1;
    if (has)
        return kd_fail(err, KD_CONFLICT, "layout",
                       "the town already holds data of this layout; an import needs it empty");

    char names[MAX_FILES][64];
    int n_files =
        migration_layout_files(req->app->cfg->layouts_dir, li.name, names, MAX_FILES, err);
    if (n_files < 0)
        return -1;
    const char *files[MAX_FILES];
    for (int i = 0; i < n_files; i++)
        files[i] = names[i];
    struct mz_rules rules = {files, n_files, MANIFEST, req->app->cfg->max_unpacked_bytes, 0};

    char sha[65];
    if (hash_body(req, sha, err) < 0)
        return -1;
    const char *profile = q[1].present ? q[1].s : "kyodo";
    struct mig_job j;
    new_job(req, &j, "import", li.name, profile, "uploaded", "check");
    j.bytes = (int64_t)req->http->body_len;
    snprintf(j.sha256, sizeof j.sha256, "%s", sha);

    /* The files first, into a folder of their own, without holding the
     * town's write lock (a large set takes seconds); then, in one short
     * transaction, the record, its audit entry, and the folder renamed to
     * the job's number. A crash in between leaves a folder the runner removes
     * (an unknown name, an hour old). */
    const char *data = req->app->cfg->data_dir;
    char tmp[700], set[760], dir[700];
    unsigned char rnd[8];
    char rnd_hex[17];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(rnd_hex, sizeof rnd_hex, rnd, sizeof rnd);
    mj_path(data, t.code, 0, NULL, tmp, sizeof tmp);
    size_t tl = strlen(tmp);
    snprintf(tmp + tl, sizeof tmp - tl, "/upload-%s", rnd_hex);
    snprintf(set, sizeof set, "%s/set", tmp);
    if (mj_make_dir(data, t.code, 0, err) < 0)
        goto fail;
    if (mkdir(tmp, 0700) < 0 || mkdir(set, 0700) < 0) {
        kd_fail(err, KD_UNAVAILABLE, NULL, "cannot create the import set's folder: %s",
                strerror(errno));
        goto fail_files;
    }
    rules.room = room(tmp);
    struct mz_entry ents[MAX_FILES + 1];
    int n = 0;
    int rc = req->http->body_fd >= 0 ? mz_unpack_fd(req->http->body_fd, &rules, set, ents, &n, err)
                                     : mz_unpack_buffer(req->http->body, req->http->body_len,
                                                        &rules, set, ents, &n, err);
    if (rc < 0)
        goto fail_files;
    char *summary = entries_summary(ents, n);
    if (!summary) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        goto fail_files;
    }
    if (store_begin_write(t.db, err) < 0 || mj_insert(t.db, &j, summary, err) < 0) {
        free(summary);
        goto fail_txn;
    }
    free(summary);
    mj_path(data, t.code, j.id, NULL, dir, sizeof dir);
    mj_remove_tree(dir); /* a folder left by a crash under a number now reused */
    if (rename(tmp, dir) < 0) {
        kd_fail(err, KD_UNAVAILABLE, NULL, "cannot put the import set in place: %s",
                strerror(errno));
        goto fail_txn;
    }
    snprintf(tmp, sizeof tmp, "%s", dir); /* what to remove if the commit fails */
    char detail[300];
    snprintf(detail, sizeof detail,
             "job %lld: import set of %s (%s) uploaded: %d files, %lld bytes, SHA-256 %.16s…",
             (long long)j.id, li.name, profile, n, (long long)j.bytes, sha);
    if (audit(req, &t, "migration.upload", "ok", detail, err) < 0 || store_commit(t.db, err) < 0)
        goto fail_txn;
    return reply_job(req, &t, j.id, 201, out, err);
fail_txn:
    store_rollback(t.db);
fail_files:
    mj_remove_tree(tmp);
fail:
    /* A refused upload is recorded too (without the files). */
    if (err->code != KD_INTERNAL && err->code != KD_UNAVAILABLE) {
        struct kd_err ignored;
        char why[300];
        snprintf(why, sizeof why, "import set of %s refused: %s", li.name, err->message);
        audit(req, &t, "migration.upload", "failed", why, &ignored);
    }
    return -1;
}

static int queue_step(struct api_req *req, const struct target *t, int64_t id,
                      const char *const *from, const char *step, const char *action, bool confirm,
                      struct api_out *out, struct kd_err *err)
{
    struct mig_jobs *mj = runner(req, err);
    if (!mj)
        return -1;
    struct mig_job j;
    struct mj_actor by;
    actor_of(req, &by);
    int64_t retention = (int64_t)req->app->cfg->retention_hours * 3600 * 1000;
    if (store_begin_write(t->db, err) < 0)
        return -1;
    if (mj_get(t->db, id, &j, err) < 0)
        goto fail;
    if (strcmp(j.kind, "import") != 0) {
        kd_fail(err, KD_CONFLICT, "id", "this job is an export");
        goto fail;
    }
    bool fits = false;
    for (const char *const *f = from; *f && !fits; f++)
        fits = strcmp(*f, j.state) == 0;
    if (!fits) {
        kd_fail(err, KD_CONFLICT, "state", "the job is %s; this needs it to be %s%s", j.state,
                from[0], from[1] ? " (or after a check)" : "");
        goto fail;
    }
    if (confirm && (j.step_by.user_id == by.user_id || j.created_by.user_id == by.user_id)) {
        /* The second person: whoever uploaded or checked the set does not
         * confirm it. */
        kd_fail(err, KD_SELF_APPROVAL, NULL,
                "the user who uploaded or checked the import set cannot confirm it");
        goto fail;
    }
    if (mj_move(t->db, id, from, "queued", step, &by, req->now_ms, retention, err) < 0 ||
        (confirm && mj_confirm(t->db, id, &by, req->now_ms, err) < 0))
        goto fail;
    char detail[200];
    snprintf(detail, sizeof detail, "job %lld: %s of the %s import set requested (%lld bytes)",
             (long long)id, step, j.layout, (long long)j.bytes);
    if (audit(req, t, action, "ok", detail, err) < 0 || store_commit(t->db, err) < 0)
        goto fail;
    if (mig_jobs_wake(mj, t->code, id, err) < 0)
        return -1;
    return reply_job(req, t, id, 202, out, err);
fail:
    store_rollback(t->db);
    return -1;
}

int api_mig_check(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    static const char *const from[] = {"uploaded", "checked", "refused", "failed", NULL};
    struct target t;
    int64_t id;
    struct jvalue none[1];
    if (target_from_path(req, &t, err) < 0 || job_id(req, &id, err) < 0 ||
        api_body(req, NULL, 0, none, err) < 0)
        return -1;
    return queue_step(req, &t, id, from, "check", "migration.check", false, out, err);
}

static int discard(struct api_req *req, const struct target *t, int64_t id, struct api_out *out,
                   struct kd_err *err)
{
    static const char *const from[] = {"ready", "uploaded", "checked", "refused", "failed", NULL};
    struct mig_job j;
    struct mj_actor by;
    actor_of(req, &by);
    if (store_begin_write(t->db, err) < 0)
        return -1;
    if (mj_get(t->db, id, &j, err) < 0 ||
        mj_move(t->db, id, from, "discarded", NULL, &by, req->now_ms, 0, err) < 0)
        goto fail;
    char detail[200];
    snprintf(detail, sizeof detail, "job %lld: %s of %s discarded (was %s); its files removed",
             (long long)id, j.kind, j.layout, j.state);
    if (audit(req, t, "migration.discard", "ok", detail, err) < 0 || store_commit(t->db, err) < 0)
        goto fail;
    char dir[700];
    mj_remove_tree(mj_path(req->app->cfg->data_dir, t->code, id, NULL, dir, sizeof dir));
    return api_no_content(out);
fail:
    store_rollback(t->db);
    return -1;
}

int api_mig_town_discard(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    int64_t id;
    if (target_from_path(req, &t, err) < 0 || job_id(req, &id, err) < 0)
        return -1;
    return discard(req, &t, id, out, err);
}

/* ---- the town administrator ---------------------------------------------------- */

int api_mig_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    target_own(req, &t);
    return reply_list(req, &t, out, err);
}

int api_mig_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    int64_t id;
    target_own(req, &t);
    if (job_id(req, &id, err) < 0)
        return -1;
    return reply_job(req, &t, id, 200, out, err);
}

/* An import job of the own town whose check wrote a report (a checked set
 * has an empty one). */
static int report_job(const struct target *t, int64_t id, struct mig_job *j, struct kd_err *err)
{
    if (mj_get(t->db, id, j, err) < 0)
        return -1;
    if (strcmp(j->kind, "import") != 0)
        return kd_fail(err, KD_NOT_FOUND, "id", "this job is an export: it has no report");
    if (strcmp(j->state, "refused") != 0 && strcmp(j->state, "checked") != 0)
        return kd_fail(err, KD_CONFLICT, "state",
                       "the import is %s: a report exists once the check has run", j->state);
    return 0;
}

static const struct jfield report_query[] = {
    {"offset", JT_STRING, false, 12, false, 0, 0},
    {"limit", JT_STRING, false, 4, false, 0, 0},
};

static int query_int(const struct jvalue *v, const char *name, int64_t lo, int64_t hi,
                     int64_t fallback, int64_t *out, struct kd_err *err)
{
    if (!v->present) {
        *out = fallback;
        return 0;
    }
    if (!text_parse_i64(v->s, v->len, lo, hi, out))
        return kd_fail(err, KD_INVALID_VALUE, name, "%s must be a whole number from %lld to %lld",
                       name, (long long)lo, (long long)hi);
    return 0;
}

static int write_entry(void *ctx, const char *file, int64_t line, const char *item,
                       const char *value, const char *reason)
{
    struct jw *w = ctx;
    jw_obj(w);
    jw_kstr(w, "file", file);
    jw_kint(w, "line", line);
    jw_kstr(w, "item", item);
    jw_kstr(w, "value", value);
    jw_kstr(w, "reason", reason);
    jw_obj_end(w);
    return 0;
}

int api_mig_report(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    int64_t id, offset, limit;
    struct mig_job j;
    struct jvalue q[2];
    target_own(req, &t);
    if (job_id(req, &id, err) < 0 || api_query(req, report_query, 2, q, err) < 0 ||
        query_int(&q[0], "offset", 0, INT64_MAX / 2, 0, &offset, err) < 0 ||
        query_int(&q[1], "limit", 1, REPORT_PAGE, 100, &limit, err) < 0 ||
        report_job(&t, id, &j, err) < 0)
        return -1;
    char dir[700];
    mj_path(req->app->cfg->data_dir, t.code, id, "report", dir, sizeof dir);
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_kint(w, "offset", offset);
    jw_kint(w, "problems", j.problems);
    jw_key(w, "items");
    jw_arr(w);
    int64_t total = 0;
    if (migration_report_read(dir, offset, (int)limit, write_entry, w, &total, err) < 0)
        return -1;
    jw_arr_end(w);
    jw_kint(w, "total", total);
    jw_obj_end(w);
    char detail[200];
    snprintf(detail, sizeof detail,
             "job %lld: report of the %s import set read (entries from %lld, of %lld)",
             (long long)id, j.layout, (long long)offset + 1, (long long)total);
    return audit(req, &t, "migration.report", "ok", detail, err);
}

int api_mig_report_csv(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    int64_t id;
    struct mig_job j;
    target_own(req, &t);
    if (job_id(req, &id, err) < 0 || report_job(&t, id, &j, err) < 0)
        return -1;
    char path[700];
    mj_path(req->app->cfg->data_dir, t.code, id, "report/report.csv", path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return kd_fail(err, KD_CONFLICT, "state", "the report's file is gone (expired?)");
    }
    char detail[160];
    snprintf(detail, sizeof detail, "job %lld: report of the %s import set read (%lld entries)",
             (long long)id, j.layout, (long long)j.problems);
    if (audit(req, &t, "migration.report", "ok", detail, err) < 0) {
        close(fd);
        return -1;
    }
    char name[96];
    snprintf(name, sizeof name, "%s-%s-%lld-report.csv", t.code, j.layout, (long long)id);
    return api_reply_fd(req, out, fd, (int64_t)st.st_size, "text/csv; charset=utf-8", name);
}

int api_mig_confirm(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    static const char *const from[] = {"checked", NULL};
    struct target t;
    int64_t id;
    struct jvalue none[1];
    target_own(req, &t);
    if (job_id(req, &id, err) < 0 || api_body(req, NULL, 0, none, err) < 0)
        return -1;
    return queue_step(req, &t, id, from, "commit", "migration.confirm", true, out, err);
}

int api_mig_discard(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct target t;
    int64_t id;
    target_own(req, &t);
    if (job_id(req, &id, err) < 0)
        return -1;
    return discard(req, &t, id, out, err);
}
