/*
 * test_audit.c — src/engine/audit.c: the hash chain, its verification and
 * its queries.
 */
#include "testutil.h"

#include "engine/audit.h"
#include "engine/audit_queue.h"
#include "store/catalog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

static const struct store_schema *const no_control[] = {NULL};
static const struct store_schema *const town_list[] = {&audit_schema};

struct fixture {
    char *dir;
    struct catalog *cat;
    struct store *town;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = make_temp_dir();
    struct catalog_schemas sc = {no_control, 0, town_list, 1};
    struct kd_err err;
    f->cat = catalog_open(f->dir, &sc, &err);
    assert_non_null(f->cat);
    assert_int_equal(catalog_town_create(f->cat, "104213", &err), 0);
    f->town = catalog_town(f->cat, "104213", &err);
    assert_non_null(f->town);
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

static void append(struct fixture *f, int64_t at_ms, const char *user, const char *action,
                   const char *subject)
{
    struct audit_entry e = {.at_ms = at_ms,
                            .user_id = 3,
                            .user_login = user,
                            .role = "residents_clerk",
                            .action = action,
                            .outcome = "ok",
                            .subject = subject,
                            .purpose = "住民票の写しの交付",
                            .request_id = "0123456789abcdef",
                            .detail = "certificate issued"};
    struct kd_err err;
    assert_int_equal(audit_append(f->town, "104213", &e, &err), 0);
    assert_true(e.seq > 0);
}

static void fill(struct fixture *f, int n)
{
    for (int i = 0; i < n; i++)
        append(f, 1790000000000 + (int64_t)i * 3600000, i % 2 ? "jumin" : "admin",
               i % 3 ? "resident.read" : "session.login", i % 2 ? "000000000017" : NULL);
}

static void chain_verifies(void **state)
{
    struct fixture *f = *state;
    struct audit_verdict v;
    struct kd_err err;
    assert_int_equal(audit_verify(f->town, "104213", NULL, &v, &err), 0);
    assert_true(v.ok);
    assert_int_equal(v.entries, 0);
    fill(f, 20);
    assert_int_equal(audit_verify(f->town, "104213", NULL, &v, &err), 0);
    assert_true(v.ok);
    assert_int_equal(v.entries, 20);
    /* The same log checked as another town's fails at the first entry: the
     * chain is bound to its town. */
    assert_int_equal(audit_verify(f->town, "104248", NULL, &v, &err), 0);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 1);
}

/* Changes one column of one entry behind the log's back, as an intruder
 * with the database file would. */
static void tamper(struct fixture *f, const char *sql)
{
    struct kd_err err;
    assert_int_equal(store_exec(f->town, sql, &err), 0);
}

static void verify_names(struct fixture *f, int64_t seq, const char *reason_part)
{
    struct audit_verdict v;
    struct kd_err err;
    assert_int_equal(audit_verify(f->town, "104213", NULL, &v, &err), 0);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, seq);
    assert_non_null(strstr(v.reason, reason_part));
    assert_int_equal(v.entries, seq - 1);
}

static void every_field_is_covered(void **state)
{
    struct fixture *f = *state;
    fill(f, 12);
    const char *columns[] = {"at = '2020-01-01T00:00:00.000Z'", "user_id = 99", "user_login = 'x'",
                             "role = 'admin'",  "action = 'session.logout'", "outcome = 'failed'",
                             "subject = '000000000099'", "subject = NULL", "purpose = ''",
                             "request_id = 'ffff'", "detail = 'edited'"};
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
        /* Each change is made on a copy of the row, then undone. */
        char sql[256];
        tamper(f, "CREATE TEMP TABLE saved AS SELECT * FROM audit_log WHERE seq = 8");
        snprintf(sql, sizeof sql, "UPDATE audit_log SET %s WHERE seq = 8", columns[i]);
        tamper(f, sql);
        /* (subject = NULL on an entry whose subject is already NULL is no
         * change: seq 8 has a subject, so every line here is a change.) */
        verify_names(f, 8, "altered");
        tamper(f, "DELETE FROM audit_log WHERE seq = 8");
        tamper(f, "INSERT INTO audit_log SELECT * FROM saved");
        tamper(f, "DROP TABLE saved");
        struct audit_verdict v;
        struct kd_err err;
        assert_int_equal(audit_verify(f->town, "104213", NULL, &v, &err), 0);
        assert_true(v.ok);
    }
}

static void deleted_and_rehashed_entries(void **state)
{
    struct fixture *f = *state;
    fill(f, 10);
    /* An entry removed from the middle. */
    tamper(f, "CREATE TEMP TABLE saved AS SELECT * FROM audit_log WHERE seq = 4");
    tamper(f, "DELETE FROM audit_log WHERE seq = 4");
    verify_names(f, 4, "missing");
    tamper(f, "INSERT INTO audit_log SELECT * FROM saved");
    /* A forged hash on an entry: the next entry no longer follows it. */
    tamper(f, "UPDATE audit_log SET detail = 'forged', hash = zeroblob(32) WHERE seq = 5");
    verify_names(f, 5, "altered");
    /* Renumbered entries. */
    tamper(f, "DELETE FROM audit_log WHERE seq = 5");
    tamper(f, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 5");
    verify_names(f, 5, "prev_hash");
}

static void anchors_catch_truncation(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct audit_verdict v;
    fill(f, 10);
    assert_int_equal(audit_verify(f->town, "104213", NULL, &v, &err), 0);
    struct audit_anchor head = {.seq = v.entries};
    memcpy(head.hash, v.head, AUDIT_HASH_LEN);
    /* More entries later: the anchored one is still there, unchanged. */
    fill(f, 3);
    assert_int_equal(audit_verify(f->town, "104213", &head, &v, &err), 0);
    assert_true(v.ok);
    assert_int_equal(v.entries, 13);
    /* Cut the last five entries: the chain alone still verifies... */
    tamper(f, "DELETE FROM audit_log WHERE seq > 8");
    assert_int_equal(audit_verify(f->town, "104213", NULL, &v, &err), 0);
    assert_true(v.ok);
    /* ...the anchor does not. */
    assert_int_equal(audit_verify(f->town, "104213", &head, &v, &err), 0);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 9);
    assert_non_null(strstr(v.reason, "before the anchored entry"));
    /* A wrong anchor hash at an existing entry. */
    struct audit_anchor wrong = {.seq = 5};
    assert_int_equal(audit_verify(f->town, "104213", &wrong, &v, &err), 0);
    assert_false(v.ok);
    assert_int_equal(v.first_bad, 5);
}

static void appends_join_the_callers_transaction(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    fill(f, 2);
    assert_int_equal(store_begin_write(f->town, &err), 0);
    append(f, 0, "admin", "user.create", NULL);
    store_rollback(f->town);
    /* Rolled back with the change it recorded. */
    struct audit_verdict v;
    assert_int_equal(audit_verify(f->town, "104213", NULL, &v, &err), 0);
    assert_true(v.ok);
    assert_int_equal(v.entries, 2);
    append(f, 0, "admin", "user.create", NULL);
    assert_int_equal(audit_verify(f->town, "104213", NULL, &v, &err), 0);
    assert_int_equal(v.entries, 3);
}

struct collected {
    int n;
    int64_t seqs[64];
    char users[64][16];
};

static int collect(void *ctx, const struct audit_entry *e, const unsigned char hash[32])
{
    (void)hash;
    struct collected *c = ctx;
    c->seqs[c->n] = e->seq;
    snprintf(c->users[c->n], sizeof c->users[0], "%s", e->user_login);
    c->n++;
    return 0;
}

static void listing_filters(void **state)
{
    struct fixture *f = *state;
    fill(f, 30);
    struct kd_err err;
    struct collected c = {0};
    struct audit_filter flt = {.user_login = "jumin", .limit = 500};
    assert_int_equal(audit_list(f->town, &flt, collect, &c, &err), 15);
    for (int i = 0; i < c.n; i++)
        assert_string_equal(c.users[i], "jumin");
    assert_true(c.seqs[0] > c.seqs[1]); /* newest first */

    memset(&c, 0, sizeof c);
    struct audit_filter subj = {.subject = "000000000017", .action = "resident.read", .limit = 500};
    int n = audit_list(f->town, &subj, collect, &c, &err);
    assert_true(n > 0 && n < 15);

    /* A period: entries are an hour apart from 1790000000000. */
    memset(&c, 0, sizeof c);
    struct audit_filter period = {.has_from = true,
                                  .from_ms = 1790000000000 + 5 * 3600000,
                                  .has_to = true,
                                  .to_ms = 1790000000000 + 10 * 3600000,
                                  .limit = 500};
    assert_int_equal(audit_list(f->town, &period, collect, &c, &err), 5);
    assert_int_equal(c.seqs[0], 10);
    assert_int_equal(c.seqs[4], 6);

    /* Pages. */
    memset(&c, 0, sizeof c);
    struct audit_filter page = {.limit = 7};
    assert_int_equal(audit_list(f->town, &page, collect, &c, &err), 7);
    assert_int_equal(c.seqs[6], 24);
    memset(&c, 0, sizeof c);
    page.before_seq = 24;
    assert_int_equal(audit_list(f->town, &page, collect, &c, &err), 7);
    assert_int_equal(c.seqs[0], 23);
}

/* ---- the group-commit queue ------------------------------------------------ */

enum { SUBMITTERS = 4, JOBS_EACH = 150 };

struct qjob {
    struct audit_job job;
    struct audit_entry e[3];
    char detail[3][32];
    atomic_int *done_ok, *done_failed, *calls;
};

static void on_done(struct audit_job *job, int rc, const struct kd_err *err)
{
    struct qjob *q = job->ctx;
    atomic_fetch_add(q->calls, 1);
    if (rc == 0)
        atomic_fetch_add(q->done_ok, 1);
    else {
        assert_true(err->message[0] != '\0');
        atomic_fetch_add(q->done_failed, 1);
    }
}

struct submitter {
    struct audit_queue *queue;
    struct qjob *jobs;
    int id;
    const char *towns[2];
};

static void fill_job(struct qjob *q, const char *town, int thread, int n, int count)
{
    memset(&q->job, 0, sizeof q->job);
    snprintf(q->job.town, sizeof q->job.town, "%s", town);
    q->job.entries = q->e;
    q->job.count = count;
    q->job.done = on_done;
    q->job.ctx = q;
    for (int i = 0; i < count; i++) {
        snprintf(q->detail[i], sizeof q->detail[i], "t%d job %04d part %d", thread, n, i);
        q->e[i] = (struct audit_entry){.user_id = 1,
                                       .user_login = "jumin",
                                       .role = "residents_clerk",
                                       .action = "resident.read",
                                       .outcome = "ok",
                                       .subject = "0000000019",
                                       .purpose = "test",
                                       .request_id = "0123456789abcdef",
                                       .detail = q->detail[i]};
    }
}

static void *submit_all(void *arg)
{
    struct submitter *s = arg;
    for (int n = 0; n < JOBS_EACH; n++) {
        struct qjob *q = &s->jobs[n];
        fill_job(q, s->towns[n % 2], s->id, n, 1 + n % 3);
        audit_queue_submit(s->queue, &q->job);
    }
    return NULL;
}

static int64_t count_entries(struct catalog *cat, const char *town)
{
    struct kd_err err;
    struct store *s = catalog_town(cat, town, &err);
    assert_non_null(s);
    struct audit_verdict v;
    assert_int_equal(audit_verify(s, town, NULL, &v, &err), 0);
    assert_true(v.ok);
    return v.entries;
}

/* Jobs of two towns from several threads: each committed once, chains intact,
 * each thread's entries in the order it submitted them, fewer transactions
 * than jobs when they pile up. */
static void queue_commits_every_job_once(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    assert_int_equal(catalog_town_create(f->cat, "104248", &err), 0);
    struct audit_queue *queue = audit_queue_start(f->cat, &err);
    assert_non_null(queue);
    atomic_int ok = 0, failed = 0, calls = 0;
    struct qjob *jobs = calloc(SUBMITTERS * JOBS_EACH, sizeof *jobs);
    for (int i = 0; i < SUBMITTERS * JOBS_EACH; i++) {
        jobs[i].done_ok = &ok;
        jobs[i].done_failed = &failed;
        jobs[i].calls = &calls;
    }
    struct submitter subs[SUBMITTERS];
    pthread_t threads[SUBMITTERS];
    int64_t expected[2] = {0, 0};
    for (int t = 0; t < SUBMITTERS; t++) {
        subs[t] = (struct submitter){queue, &jobs[t * JOBS_EACH], t, {"104213", "104248"}};
        for (int n = 0; n < JOBS_EACH; n++)
            expected[n % 2] += 1 + n % 3;
        assert_int_equal(pthread_create(&threads[t], NULL, submit_all, &subs[t]), 0);
    }
    for (int t = 0; t < SUBMITTERS; t++)
        pthread_join(threads[t], NULL);
    audit_queue_stop(queue); /* commits what is left */
    assert_int_equal(atomic_load(&calls), SUBMITTERS * JOBS_EACH);
    assert_int_equal(atomic_load(&ok), SUBMITTERS * JOBS_EACH);
    assert_int_equal(atomic_load(&failed), 0);
    assert_int_equal(count_entries(f->cat, "104213"), expected[0]);
    assert_int_equal(count_entries(f->cat, "104248"), expected[1]);
    struct audit_queue_stats st;
    audit_queue_stats(queue, &st);
    assert_int_equal(st.jobs, SUBMITTERS * JOBS_EACH);
    assert_int_equal(st.entries, expected[0] + expected[1]);
    assert_true(st.transactions >= 2 && st.transactions <= st.jobs);

    /* Per thread and town, the details come back in submission order. */
    struct store *town = catalog_town(f->cat, "104213", &err);
    struct store_stmt *q = store_prepare(town, "SELECT detail FROM audit_log ORDER BY seq", &err);
    char last[SUBMITTERS][32] = {{0}};
    int rows = 0;
    while (store_step(q, &err) == STORE_ROW) {
        const char *d = store_col_text(q, 0, NULL);
        int t = d[1] - '0';
        assert_true(t >= 0 && t < SUBMITTERS);
        assert_true(strcmp(last[t], d) < 0);
        snprintf(last[t], sizeof last[t], "%s", d);
        rows++;
    }
    store_reset(q);
    assert_int_equal(rows, expected[0]);
    audit_queue_free(queue);
    free(jobs);
}

/* A job for a town without a database fails alone; the others commit. After
 * stop, a submission is appended by the caller before submit returns. */
static void queue_failures_and_after_stop(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    struct audit_queue *queue = audit_queue_start(f->cat, &err);
    assert_non_null(queue);
    atomic_int ok = 0, failed = 0, calls = 0;
    struct qjob jobs[3];
    for (int i = 0; i < 3; i++) {
        jobs[i].done_ok = &ok;
        jobs[i].done_failed = &failed;
        jobs[i].calls = &calls;
    }
    fill_job(&jobs[0], "104213", 0, 0, 2);
    fill_job(&jobs[1], "104256", 0, 1, 1); /* no such database */
    fill_job(&jobs[2], "104213", 0, 2, 1);
    for (int i = 0; i < 3; i++)
        audit_queue_submit(queue, &jobs[i].job);
    for (int spin = 0; atomic_load(&calls) < 3 && spin < 5000; spin++)
        usleep(1000);
    assert_int_equal(atomic_load(&ok), 2);
    assert_int_equal(atomic_load(&failed), 1);
    assert_int_equal(count_entries(f->cat, "104213"), 3);

    audit_queue_stop(queue);
    struct qjob late = {.done_ok = &ok, .done_failed = &failed, .calls = &calls};
    fill_job(&late, "104213", 1, 0, 3);
    audit_queue_submit(queue, &late.job);
    assert_int_equal(atomic_load(&calls), 4);
    assert_int_equal(atomic_load(&ok), 3);
    assert_int_equal(count_entries(f->cat, "104213"), 6);
    audit_queue_free(queue);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(every_field_is_covered, setup, teardown),
        cmocka_unit_test_setup_teardown(deleted_and_rehashed_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(anchors_catch_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(appends_join_the_callers_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(listing_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(queue_commits_every_job_once, setup, teardown),
        cmocka_unit_test_setup_teardown(queue_failures_and_after_stop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
