/*
 * test_migration_jobs.c — src/api/migration_jobs.c: job records and their
 * state moves, and what the runner does when it starts: a job left running
 * is marked failed (interrupted), a queued one runs (an export of the town,
 * zipped, with its SHA-256 and its audit entry), a job whose retention ended
 * loses its files and says expired (audited), and folders that belong to no
 * job are removed once an hour old, not before.
 */
#include "testutil.h"

#include "api/migration_jobs.h"
#include "app.h"
#include "base/clock.h"
#include "engine/audit.h"
#include "engine/tenant.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#define TOWN "104213"

struct fixture {
    char *dir;
    struct catalog *cat;
    struct store *town;
    struct config cfg;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = make_temp_dir();
    struct kd_err err;
    f->cat = catalog_open(f->dir, &app_schemas, &err);
    assert_non_null(f->cat);
    assert_int_equal(tenant_add(f->cat, TOWN, "中之条町", NULL, NULL, &err), 0);
    f->town = catalog_town(f->cat, TOWN, &err);
    assert_non_null(f->town);
    config_defaults(&f->cfg);
    snprintf(f->cfg.data_dir, sizeof f->cfg.data_dir, "%s", f->dir);
    const char *src = getenv("KYODO_SOURCE_DIR");
    snprintf(f->cfg.layouts_dir, sizeof f->cfg.layouts_dir, "%s/layouts", src ? src : ".");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    catalog_close(f->cat);
    rm_tree(f->dir);
    free(f);
    return 0;
}

static const struct mj_actor operator_actor = {7, "operator", "operator", "104248", "req-1"};

static int64_t add_job(struct fixture *f, const char *kind, const char *state, const char *step,
                       int64_t expires_ms)
{
    struct mig_job j;
    memset(&j, 0, sizeof j);
    snprintf(j.kind, sizeof j.kind, "%s", kind);
    snprintf(j.layout, sizeof j.layout, "juki");
    snprintf(j.profile, sizeof j.profile, "kyodo");
    snprintf(j.state, sizeof j.state, "%s", state);
    snprintf(j.step, sizeof j.step, "%s", step);
    j.created_ms = j.updated_ms = clock_now_ms();
    j.expires_ms = expires_ms;
    j.created_by = j.step_by = operator_actor;
    struct kd_err e;
    assert_int_equal(store_begin_write(f->town, &e), 0);
    assert_int_equal(mj_insert(f->town, &j, "{\"entries\":[]}", &e), 0);
    assert_int_equal(store_commit(f->town, &e), 0);
    return j.id;
}

static void put_file(const char *dir, const char *name)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("x", fp);
    fclose(fp);
}

static void age(const char *path, int64_t seconds)
{
    struct timespec t[2];
    clock_gettime(CLOCK_REALTIME, &t[0]);
    t[0].tv_sec -= (time_t)seconds;
    t[1] = t[0];
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void states_move_only_from_where_they_may(void **state)
{
    struct fixture *f = *state;
    int64_t id = add_job(f, "import", "uploaded", "check", clock_now_ms() + 3600000);
    struct kd_err e;
    static const char *const checkable[] = {"uploaded", "checked", "refused", "failed", NULL};
    static const char *const confirmable[] = {"checked", NULL};
    assert_int_equal(store_begin_write(f->town, &e), 0);
    /* Not checked yet: no commit. */
    assert_int_equal(
        mj_move(f->town, id, confirmable, "queued", "commit", &operator_actor, 1, 1, &e), -1);
    assert_int_equal(e.code, KD_CONFLICT);
    assert_string_equal(e.field, "state");
    assert_int_equal(mj_move(f->town, id, checkable, "queued", "check", &operator_actor, 1, 1, &e),
                     0);
    assert_int_equal(mj_move(f->town, 999, checkable, "queued", "check", &operator_actor, 1, 1, &e),
                     -1);
    assert_int_equal(e.code, KD_NOT_FOUND);
    assert_int_equal(store_commit(f->town, &e), 0);
    struct mig_job j;
    assert_int_equal(mj_get(f->town, id, &j, &e), 0);
    assert_string_equal(j.state, "queued");
    assert_string_equal(j.step, "check");
    assert_string_equal(j.step_by.town, "104248");
    char *summary = NULL;
    assert_int_equal(mj_summary(f->town, id, &summary, &e), 0);
    assert_string_equal(summary, "{\"entries\":[]}");
    free(summary);
}

static void the_runner_recovers_expires_and_sweeps_at_start(void **state)
{
    struct fixture *f = *state;
    struct kd_err e;
    int64_t now = clock_now_ms();
    int64_t running = add_job(f, "import", "running", "check", now + 3600000);
    int64_t queued = add_job(f, "export", "queued", "export", now + 3600000);
    int64_t old = add_job(f, "export", "ready", "export", now - 1000);
    int64_t kept = add_job(f, "import", "checked", "check", now + 3600000);
    char p[700], q[700];
    /* Folders: the expired job's and the kept job's, each with a file; one
     * of a job that does not exist (old) and an upload in the making
     * (recent); an old upload folder left by a crash. */
    assert_int_equal(mj_make_dir(f->dir, TOWN, old, &e), 0);
    put_file(mj_path(f->dir, TOWN, old, NULL, p, sizeof p), "export.zip");
    assert_int_equal(mj_make_dir(f->dir, TOWN, kept, &e), 0);
    put_file(mj_path(f->dir, TOWN, kept, NULL, p, sizeof p), "keep.csv");
    assert_int_equal(mj_make_dir(f->dir, TOWN, 4242, &e), 0);
    age(mj_path(f->dir, TOWN, 4242, NULL, p, sizeof p), 7200);
    snprintf(q, sizeof q, "%s/upload-new", mj_path(f->dir, TOWN, 0, NULL, p, sizeof p));
    assert_int_equal(mkdir(q, 0700), 0);
    snprintf(q, sizeof q, "%s/upload-old", mj_path(f->dir, TOWN, 0, NULL, p, sizeof p));
    assert_int_equal(mkdir(q, 0700), 0);
    age(q, 7200);

    f->cfg.retention_hours = 1;
    struct mig_jobs *mj = mig_jobs_start(f->cat, &f->cfg, &e);
    assert_non_null(mj);
    struct stat st;
    assert_int_equal(stat(mig_jobs_spool_dir(mj), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    struct mig_job j;
    for (int i = 0; i < 200; i++) {
        assert_int_equal(mj_get(f->town, queued, &j, &e), 0);
        if (strcmp(j.state, "queued") != 0 && strcmp(j.state, "running") != 0)
            break;
        usleep(50000);
    }
    mig_jobs_stop(mj);

    /* The queued export ran: a zip with its SHA-256, audited. */
    assert_int_equal(mj_get(f->town, queued, &j, &e), 0);
    if (strcmp(j.state, "ready") != 0)
        fail_msg("the queued export is %s: %s", j.state, j.error);
    assert_true(j.bytes > 0);
    assert_int_equal((int)strlen(j.sha256), 64);
    assert_true(exists(mj_path(f->dir, TOWN, queued, "export.zip", p, sizeof p)));
    assert_false(exists(mj_path(f->dir, TOWN, queued, "set", p, sizeof p)));
    /* The running one was interrupted. */
    assert_int_equal(mj_get(f->town, running, &j, &e), 0);
    assert_string_equal(j.state, "failed");
    assert_non_null(strstr(j.error, "interrupted"));
    /* Retention: files gone, the record says so. */
    assert_int_equal(mj_get(f->town, old, &j, &e), 0);
    assert_string_equal(j.state, "expired");
    assert_false(exists(mj_path(f->dir, TOWN, old, NULL, p, sizeof p)));
    /* The kept job keeps its files; unknown folders go when old. */
    assert_true(exists(mj_path(f->dir, TOWN, kept, "keep.csv", p, sizeof p)));
    assert_false(exists(mj_path(f->dir, TOWN, 4242, NULL, p, sizeof p)));
    snprintf(q, sizeof q, "%s/upload-new", mj_path(f->dir, TOWN, 0, NULL, p, sizeof p));
    assert_true(exists(q));
    snprintf(q, sizeof q, "%s/upload-old", mj_path(f->dir, TOWN, 0, NULL, p, sizeof p));
    assert_false(exists(q));
    /* The town's log: the export's end under the operator who asked, and the
     * expiry under nobody. */
    struct audit_verdict v;
    assert_int_equal(audit_verify(f->town, TOWN, NULL, &v, &e), 0);
    assert_true(v.ok);
    struct store_stmt *s = store_prepare(f->town,
                                         "SELECT action, user_login, request_id FROM audit_log "
                                         "WHERE action LIKE 'migration.%' ORDER BY seq",
                                         &e);
    assert_non_null(s);
    const char *want[][3] = {{"migration.expire", "", "system"},
                             {"migration.export_done", "operator", "req-1"}};
    int n = 0;
    bool seen[2] = {false, false};
    while (store_step(s, &e) == STORE_ROW) {
        size_t len;
        const char *action = store_col_text(s, 0, &len);
        for (int k = 0; k < 2; k++)
            if (strcmp(action, want[k][0]) == 0) {
                assert_string_equal(store_col_text(s, 1, &len), want[k][1]);
                assert_string_equal(store_col_text(s, 2, &len), want[k][2]);
                seen[k] = true;
            }
        n++;
    }
    store_reset(s);
    assert_true(seen[0] && seen[1]);
    assert_true(n >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(states_move_only_from_where_they_may, setup, teardown),
        cmocka_unit_test_setup_teardown(the_runner_recovers_expires_and_sweeps_at_start, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
