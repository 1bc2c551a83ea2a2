/*
 * test_audit.c — src/engine/audit.c: the hash chain, its verification and
 * its queries.
 */
#include "testutil.h"

#include "engine/audit.h"
#include "store/catalog.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(every_field_is_covered, setup, teardown),
        cmocka_unit_test_setup_teardown(deleted_and_rehashed_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(anchors_catch_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(appends_join_the_callers_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(listing_filters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
