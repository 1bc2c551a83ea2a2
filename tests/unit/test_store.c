/*
 * test_store.c — src/store: statements, transactions, migrations, catalog.
 */
#include "testutil.h"

#include "store/catalog.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>

static struct store *open_temp(char **dir)
{
    *dir = make_temp_dir();
    char path[256];
    snprintf(path, sizeof path, "%s/t.db", *dir);
    struct kd_err err;
    struct store_options opt = {.create = true};
    struct store *s = store_open(path, &opt, &err);
    assert_non_null(s);
    return s;
}

static void statements_and_constraints(void **state)
{
    (void)state;
    char *dir;
    struct store *s = open_temp(&dir);
    struct kd_err err;
    assert_int_equal(store_exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL"
                                   " UNIQUE, n INTEGER) STRICT",
                                &err),
                     0);
    static const char ins[] = "INSERT INTO t (name, n) VALUES (?, ?)";
    struct store_stmt *st = store_prepare(s, ins, &err);
    assert_non_null(st);
    store_bind_str(st, 1, "中之条町");
    store_bind_i64(st, 2, 104213);
    assert_int_equal(store_step(st, &err), STORE_DONE);
    store_reset(st);
    assert_int_equal(store_last_id(s), 1);
    /* The same SQL gives the cached statement back. */
    struct store_stmt *again = store_prepare(s, ins, &err);
    assert_ptr_equal(again, st);
    store_bind_str(again, 1, "中之条町");
    store_bind_null(again, 2);
    assert_int_equal(store_step(again, &err), STORE_CONSTRAINT);
    assert_int_equal(err.code, KD_CONFLICT);
    store_reset(again);
    /* STRICT: a text in an INTEGER column is refused. */
    st = store_prepare(s, ins, &err);
    store_bind_str(st, 1, "長野原町");
    store_bind_str(st, 2, "not a number");
    assert_int_equal(store_step(st, &err), STORE_CONSTRAINT);
    store_reset(st);

    /* A statement prepared twice without a reset: the second is transient. */
    static const char sel[] = "SELECT name, n FROM t ORDER BY id";
    struct store_stmt *a = store_prepare(s, sel, &err);
    struct store_stmt *b = store_prepare(s, sel, &err);
    assert_ptr_not_equal(a, b);
    assert_int_equal(store_step(a, &err), STORE_ROW);
    assert_int_equal(store_step(b, &err), STORE_ROW);
    size_t len;
    assert_string_equal(store_col_text(a, 0, &len), "中之条町");
    assert_int_equal(len, strlen("中之条町"));
    assert_int_equal(store_col_i64(b, 1), 104213);
    assert_false(store_col_null(b, 1));
    store_reset(b);
    store_reset(a);

    /* A syntax error is an error value, not a crash. */
    assert_null(store_prepare(s, "SELEC nonsense", &err));
    assert_int_equal(err.code, KD_INTERNAL);
    store_close(s);
    rm_tree(dir);
}

static void transactions(void **state)
{
    (void)state;
    char *dir;
    struct store *s = open_temp(&dir);
    struct kd_err err;
    assert_int_equal(store_exec(s, "CREATE TABLE t (v INTEGER) STRICT", &err), 0);
    assert_int_equal(store_begin_write(s, &err), 0);
    assert_true(store_in_transaction(s));
    assert_int_equal(store_begin_write(s, &err), -1); /* no nesting */
    assert_int_equal(store_exec(s, "INSERT INTO t VALUES (1)", &err), 0);
    store_rollback(s);
    assert_false(store_in_transaction(s));
    store_rollback(s); /* harmless when none is open */
    assert_int_equal(store_begin_write(s, &err), 0);
    assert_int_equal(store_exec(s, "INSERT INTO t VALUES (2)", &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    assert_int_equal(store_commit(s, &err), -1);
    struct store_stmt *st = store_prepare(s, "SELECT group_concat(v) FROM t", &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0, NULL), "2");
    store_reset(st);
    store_close(s);
    rm_tree(dir);
}

static const struct store_migration steps_v2[] = {
    {1, "CREATE TABLE a (x INTEGER) STRICT"},
    {2, "ALTER TABLE a ADD COLUMN y TEXT"},
};
static const struct store_migration steps_bad[] = {
    {1, "CREATE TABLE a (x INTEGER) STRICT"},
    {2, "ALTER TABLE a ADD COLUMN y TEXT"},
    {3, "CREATE TABLE broken ("},
};

static void migrations(void **state)
{
    (void)state;
    char *dir;
    struct store *s = open_temp(&dir);
    struct kd_err err;
    struct store_schema v1 = {"mod", steps_v2, 1};
    struct store_schema v2 = {"mod", steps_v2, 2};
    assert_int_equal(store_migrate(s, &v1, &err), 0);
    assert_int_equal(store_schema_version(s, "mod", &err), 1);
    assert_int_equal(store_migrate(s, &v2, &err), 0);
    assert_int_equal(store_migrate(s, &v2, &err), 0); /* applied once only */
    assert_int_equal(store_schema_version(s, "mod", &err), 2);
    assert_int_equal(store_schema_version(s, "other", &err), 0);
    /* A failing step rolls back alone and names the schema and version. */
    struct store_schema bad = {"mod", steps_bad, 3};
    assert_int_equal(store_migrate(s, &bad, &err), -1);
    assert_non_null(strstr(err.message, "schema mod version 3"));
    assert_int_equal(store_schema_version(s, "mod", &err), 2);
    /* A database newer than the program is refused. */
    assert_int_equal(store_migrate(s, &v1, &err), -1);
    assert_non_null(strstr(err.message, "newer than this program"));
    store_close(s);
    rm_tree(dir);
}

static const struct store_migration ctl_steps[] = {{1, "CREATE TABLE c (v INTEGER) STRICT"}};
static const struct store_migration town_steps[] = {{1, "CREATE TABLE w (v INTEGER) STRICT"}};
static const struct store_schema ctl_schema = {"c", ctl_steps, 1};
static const struct store_schema town_schema = {"w", town_steps, 1};
static const struct store_schema *const ctl_list[] = {&ctl_schema};
static const struct store_schema *const town_list[] = {&town_schema};
static const struct catalog_schemas schemas = {ctl_list, 1, town_list, 1};

struct thread_arg {
    struct catalog *cat;
    struct store *seen;
};

static void *other_thread(void *p)
{
    struct thread_arg *a = p;
    struct kd_err err;
    a->seen = catalog_town(a->cat, "104213", &err);
    assert_non_null(a->seen);
    assert_int_equal(store_exec(a->seen, "INSERT INTO w VALUES (7)", &err), 0);
    catalog_thread_done(a->cat);
    return NULL;
}

static void catalog_towns_and_threads(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    struct kd_err err;
    struct catalog *cat = catalog_open(dir, &schemas, &err);
    assert_non_null(cat);
    assert_false(catalog_town_exists(cat, "104213"));
    assert_null(catalog_town(cat, "104213", &err));
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_int_equal(catalog_town_create(cat, "104213", &err), 0);
    assert_int_equal(catalog_town_create(cat, "104213", &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    struct store *mine = catalog_town(cat, "104213", &err);
    assert_non_null(mine);
    assert_ptr_equal(catalog_town(cat, "104213", &err), mine); /* kept per thread */

    /* Another thread gets its own connection to the same database. */
    struct thread_arg a = {cat, NULL};
    pthread_t t;
    pthread_create(&t, NULL, other_thread, &a);
    pthread_join(t, NULL);
    assert_ptr_not_equal(a.seen, mine);
    struct store_stmt *st = store_prepare(mine, "SELECT sum(v) FROM w", &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_col_i64(st, 0), 7);
    store_reset(st);

    /* The control database counts this process's commits. */
    struct store *ctl = catalog_control(cat, &err);
    uint64_t before = store_commits(ctl);
    assert_int_equal(store_exec(ctl, "INSERT INTO c VALUES (1)", &err), 0);
    assert_true(store_commits(ctl) == before + 1);
    assert_int_equal(store_begin_read(ctl, &err), 0);
    store_rollback(ctl);
    assert_true(store_commits(ctl) == before + 1); /* reads do not count */
    char path[512];
    catalog_town_path(cat, "104213", path, sizeof path);
    assert_non_null(strstr(path, "/towns/104213.db"));
    catalog_close(cat);
    rm_tree(dir);
}

static void catalog_rejects_bad_schema(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    static const struct store_migration broken[] = {{1, "CREATE TABLE ("}};
    static const struct store_schema bs = {"w", broken, 1};
    static const struct store_schema *const bl[] = {&bs};
    struct catalog_schemas sc = {ctl_list, 1, bl, 1};
    struct kd_err err;
    struct catalog *cat = catalog_open(dir, &sc, &err);
    assert_non_null(cat);
    /* A town whose schema cannot be applied leaves no database behind. */
    assert_int_equal(catalog_town_create(cat, "104248", &err), -1);
    assert_false(catalog_town_exists(cat, "104248"));
    catalog_close(cat);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(statements_and_constraints),
        cmocka_unit_test(transactions),
        cmocka_unit_test(migrations),
        cmocka_unit_test(catalog_towns_and_threads),
        cmocka_unit_test(catalog_rejects_bad_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
