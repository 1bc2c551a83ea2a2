/*
 * test_store_pg.c — the PostgreSQL engine (src/store/store_pg.c) against a
 * real server: statements, types, errors, transactions and the write lock,
 * migrations, the catalog's schemas, reconnection.
 *
 * Needs KYODO_TEST_STORE, a postgresql:// URL of a server's maintenance
 * database (scripts/pg-cluster start prints one); CTest runs it under the
 * label api-pg with its throwaway cluster. Without the variable it fails: it
 * never passes without having run.
 */
#include "../unit/testutil.h"

#include "store/catalog.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>

static char url[1024];   /* the test's own database */
static char admin[1024]; /* the maintenance database */

/* psql-free administration: a store on the maintenance database. */
static void admin_exec(const char *sql)
{
    struct kd_err err;
    struct store_options opt = {.schema = "public"};
    struct store *s = store_open(admin, &opt, &err);
    if (!s)
        fail_msg("cannot reach %s: %s", admin, err.message);
    if (store_exec(s, sql, &err) < 0)
        fail_msg("%s: %s", sql, err.message);
    store_close(s);
}

static int setup(void **state)
{
    (void)state;
    const char *env = getenv("KYODO_TEST_STORE");
    if (!env || !*env) {
        fprintf(stderr, "test_store_pg: KYODO_TEST_STORE is not set (run it through ctest -L "
                        "api-pg, which starts a cluster)\n");
        return -1;
    }
    snprintf(admin, sizeof admin, "%s", env);
    char db[64];
    snprintf(db, sizeof db, "kyodo_unit_%d", (int)getpid());
    /* The URL of db on the same server: replace the path. */
    const char *scheme_end = strstr(env, "://");
    const char *path = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    const char *query = strchr(env, '?');
    if (!path) {
        fprintf(stderr, "test_store_pg: KYODO_TEST_STORE has no database path\n");
        return -1;
    }
    snprintf(url, sizeof url, "%.*s/%s%s", (int)(path - env), env, db, query ? query : "");
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    admin_exec(sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    admin_exec(sql);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS kyodo_unit_%d WITH (FORCE)", (int)getpid());
    admin_exec(sql);
    return 0;
}

static struct store *open_schema(const char *schema, bool create)
{
    struct kd_err err;
    struct store_options opt = {.create = create, .schema = schema, .busy_timeout_ms = 2000};
    struct store *s = store_open(url, &opt, &err);
    if (!s)
        fail_msg("open %s: %s", schema, err.message);
    return s;
}

static void statements_and_types(void **state)
{
    (void)state;
    struct store *s = open_schema("t_statements", true);
    struct kd_err err;
    assert_string_equal(store_where(s), "postgresql:t_statements");
    assert_int_equal(store_exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL"
                                   " UNIQUE, n INTEGER, b BLOB) STRICT",
                                &err),
                     0);
    static const char ins[] = "INSERT INTO t (name, n, b) VALUES (?, ?, ?)";
    struct store_stmt *st = store_prepare(s, ins, &err);
    assert_non_null(st);
    store_bind_str(st, 1, "中之条町");
    store_bind_i64(st, 2, INT64_C(9007199254740993)); /* 64 bits, as SQLite's INTEGER */
    static const unsigned char bytes[] = {0, 1, 0xFF, '\\', 'x', 0};
    store_bind_blob(st, 3, bytes, sizeof bytes);
    assert_int_equal(store_step(st, &err), STORE_DONE);
    store_reset(st);
    assert_int_equal(store_last_id(s), 1);
    assert_int_equal(store_changes(s), 1);
    /* The same SQL gives the cached statement back. */
    struct store_stmt *again = store_prepare(s, ins, &err);
    assert_ptr_equal(again, st);
    store_bind_str(again, 1, "中之条町");
    assert_int_equal(store_step(again, &err), STORE_CONSTRAINT);
    assert_int_equal(err.code, KD_CONFLICT);
    store_reset(again);
    /* A text that is not a number in an INTEGER column: refused, as STRICT. */
    st = store_prepare(s, ins, &err);
    store_bind_str(st, 1, "長野原町");
    store_bind_str(st, 2, "not a number");
    assert_int_equal(store_step(st, &err), STORE_CONSTRAINT);
    store_reset(st);
    /* Bindings were cleared by the reset: NULLs. */
    st = store_prepare(s, ins, &err);
    store_bind_str(st, 1, "嬬恋村");
    assert_int_equal(store_step(st, &err), STORE_DONE);
    store_reset(st);
    /* (A failed insert may use up an identity value: ids can have gaps.) */
    assert_true(store_last_id(s) >= 3);

    /* Two uses of one SQL at once: the second is transient; rows
     * interleave. */
    static const char sel[] = "SELECT name, n, b, n IS NULL FROM t ORDER BY id";
    struct store_stmt *a = store_prepare(s, sel, &err);
    struct store_stmt *b = store_prepare(s, sel, &err);
    assert_ptr_not_equal(a, b);
    assert_int_equal(store_step(a, &err), STORE_ROW);
    assert_int_equal(store_step(b, &err), STORE_ROW);
    size_t len;
    assert_string_equal(store_col_text(a, 0, &len), "中之条町");
    assert_int_equal(len, strlen("中之条町"));
    assert_true(store_col_i64(b, 1) == INT64_C(9007199254740993));
    const unsigned char *got = store_col_blob(a, 2, &len);
    assert_int_equal(len, sizeof bytes);
    assert_memory_equal(got, bytes, sizeof bytes);
    assert_int_equal(store_col_i64(a, 3), 0); /* a boolean reads as 0 or 1 */
    assert_false(store_col_null(b, 1));
    assert_int_equal(store_step(b, &err), STORE_ROW);
    assert_true(store_col_null(b, 1));
    assert_int_equal(store_col_i64(b, 3), 1);
    assert_null(store_col_blob(b, 2, &len));
    assert_int_equal(len, 0);
    assert_string_equal(store_col_text(b, 1, &len), "");
    assert_int_equal(store_step(b, &err), STORE_DONE);
    store_reset(b);
    store_reset(a);

    /* Numbered parameters, reused and skipped (?2 unused): as SQLite. */
    st = store_prepare(s, "SELECT count(*) FROM t WHERE name = ?1 OR name = ?3 OR ?1 = ?3", &err);
    assert_non_null(st);
    store_bind_str(st, 1, "嬬恋村");
    store_bind_i64(st, 2, 5); /* a number the text does not use */
    store_bind_str(st, 3, "中之条町");
    store_bind_i64(st, 9, 1); /* past the last: ignored */
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_col_i64(st, 0), 2);
    store_reset(st);

    /* INSERT OR IGNORE, group_concat with a separator, UPDATE counts. */
    st = store_prepare(s, "INSERT OR IGNORE INTO t (name) VALUES (?)", &err);
    store_bind_str(st, 1, "嬬恋村");
    assert_int_equal(store_step(st, &err), STORE_DONE);
    store_reset(st);
    assert_int_equal(store_changes(s), 0);
    assert_int_equal(store_exec(s, "UPDATE t SET n = 1 WHERE n IS NULL", &err), 0);
    assert_int_equal(store_changes(s), 1);
    st = store_prepare(s,
                       "SELECT group_concat(name, ' ') FROM (SELECT name FROM t ORDER BY id)"
                       " AS ordered",
                       &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0, NULL), "中之条町 嬬恋村");
    store_reset(st);

    /* TEXT compares bytes, as SQLite's BINARY, whatever the database's
     * locale: the column's collation is "C". */
    st = store_prepare(s,
                       "SELECT collation_name FROM information_schema.columns"
                       " WHERE table_schema = 't_statements' AND column_name = 'name'",
                       &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0, NULL), "C");
    store_reset(st);

    /* Errors are values. */
    assert_null(store_prepare(s, "SELEC nonsense", &err));
    assert_int_equal(err.code, KD_INTERNAL);
    assert_null(store_prepare(s, "INSERT OR REPLACE INTO t (name) VALUES (?)", &err));
    assert_non_null(strstr(err.message, "OR REPLACE"));
    store_close(s);
}

static void transactions_and_commits(void **state)
{
    (void)state;
    _Atomic uint64_t commits = 0;
    struct kd_err err;
    struct store_options opt = {.create = true, .schema = "t_tx", .busy_timeout_ms = 2000,
                                .commit_counter = &commits};
    struct store *s = store_open(url, &opt, &err);
    assert_non_null(s);
    assert_int_equal(store_exec(s, "CREATE TABLE t (v INTEGER) STRICT", &err), 0);
    uint64_t c0 = store_commits(s);
    assert_int_equal(store_begin_write(s, &err), 0);
    assert_true(store_in_transaction(s));
    assert_int_equal(store_begin_write(s, &err), -1); /* no nesting */
    assert_int_equal(store_exec(s, "INSERT INTO t VALUES (1)", &err), 0);
    store_rollback(s);
    assert_false(store_in_transaction(s));
    store_rollback(s);
    assert_true(store_commits(s) == c0);
    assert_int_equal(store_begin_write(s, &err), 0);
    assert_int_equal(store_exec(s, "INSERT INTO t VALUES (2)", &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    assert_true(store_commits(s) == c0 + 1);
    assert_int_equal(store_commit(s, &err), -1);
    /* A read transaction: one snapshot, read only, not a commit. */
    assert_int_equal(store_begin_read(s, &err), 0);
    assert_int_equal(store_exec(s, "INSERT INTO t VALUES (3)", &err), -1);
    store_rollback(s);
    assert_true(store_commits(s) == c0 + 1);
    /* A write outside a transaction counts. */
    assert_int_equal(store_exec(s, "INSERT INTO t VALUES (4)", &err), 0);
    assert_true(store_commits(s) == c0 + 2);
    /* A transaction whose statement failed cannot commit. */
    assert_int_equal(store_begin_write(s, &err), 0);
    assert_null(store_prepare(s, "SELECT nothing FROM nowhere", &err));
    assert_int_equal(store_commit(s, &err), -1);
    assert_false(store_in_transaction(s));
    struct store_stmt *st = store_prepare(
        s, "SELECT group_concat(CAST(v AS TEXT), ',') FROM (SELECT v FROM t ORDER BY v) AS o",
        &err);
    assert_non_null(st);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0, NULL), "2,4");
    store_reset(st);
    store_close(s);
}

/* Rows stream from the server: a scan goes on while other statements run on
 * the same connection (the rest of its rows is read ahead then), and a scan
 * reset early leaves the connection ready. */
static void streaming(void **state)
{
    (void)state;
    struct store *s = open_schema("t_stream", true);
    struct kd_err err;
    assert_int_equal(store_exec(s, "CREATE TABLE big (n INTEGER PRIMARY KEY, v TEXT) STRICT", &err),
                     0);
    assert_int_equal(store_exec(s, "INSERT INTO big (n, v) SELECT g, 'v' || g"
                                   " FROM generate_series(1, 20000) AS g",
                                &err),
                     0);
    assert_int_equal(store_changes(s), 20000);
    struct store_stmt *a = store_prepare(s, "SELECT n, v FROM big ORDER BY n", &err);
    assert_int_equal(store_step(a, &err), STORE_ROW);
    assert_int_equal(store_col_i64(a, 0), 1);
    struct store_stmt *b = store_prepare(s, "SELECT count(*) FROM big WHERE n <= ?", &err);
    store_bind_i64(b, 1, 10);
    assert_int_equal(store_step(b, &err), STORE_ROW);
    assert_int_equal(store_col_i64(b, 0), 10);
    store_reset(b);
    int64_t expect = 2, rows = 1;
    enum store_step rc;
    while ((rc = store_step(a, &err)) == STORE_ROW) {
        assert_true(store_col_i64(a, 0) == expect);
        if (expect == 20000)
            assert_string_equal(store_col_text(a, 1, NULL), "v20000");
        expect++;
        rows++;
    }
    assert_int_equal(rc, STORE_DONE);
    assert_int_equal(rows, 20000);
    store_reset(a);
    /* Reset after one row of 20,000; then a write and its count. */
    a = store_prepare(s, "SELECT n, v FROM big ORDER BY n", &err);
    assert_int_equal(store_step(a, &err), STORE_ROW);
    store_reset(a);
    assert_int_equal(store_exec(s, "UPDATE big SET v = 'x' WHERE n <= 5", &err), 0);
    assert_int_equal(store_changes(s), 5);
    /* An error after some rows ends the scan with the error. */
    a = store_prepare(s, "SELECT 10 / (10000 - n) FROM big ORDER BY n", &err);
    while ((rc = store_step(a, &err)) == STORE_ROW)
        ;
    assert_int_equal(rc, STORE_ERROR);
    assert_int_equal(err.code, KD_INTERNAL);
    store_reset(a);
    assert_int_equal(store_exec(s, "UPDATE big SET v = 'y' WHERE n = 1", &err), 0);
    assert_int_equal(store_changes(s), 1);
    store_close(s);
}

static int64_t connections(struct store *s)
{
    struct kd_err err;
    struct store_stmt *st = store_prepare(
        s,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'kyodo'",
        &err);
    assert_non_null(st);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t n = store_col_i64(st, 0);
    store_reset(st);
    return n;
}

/* Handles (what the catalog keeps per thread) share their schema's pool: a
 * handle holds a connection only from its first statement to the end of that
 * unit of work, so eight handles used in turn need one connection, and three
 * transactions at once three. */
static void pooled_connections(void **state)
{
    (void)state;
    struct store *h[8];
    struct kd_err err;
    for (int i = 0; i < 8; i++)
        h[i] = open_schema("t_pool", i == 0);
    int64_t c0 = connections(h[0]);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 8; i++)
            assert_int_equal(connections(h[i]), c0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_begin_read(h[i], &err), 0);
    assert_int_equal(connections(h[0]), c0 + 2);
    for (int i = 0; i < 3; i++)
        store_rollback(h[i]);
    /* A statement's id is asked for on the connection that inserted. */
    assert_int_equal(store_exec(h[1], "CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT)", &err), 0);
    for (int i = 0; i < 8; i++) {
        struct store_stmt *st = store_prepare(h[i], "INSERT INTO p (v) VALUES (?)", &err);
        store_bind_str(st, 1, "x");
        assert_int_equal(store_step(st, &err), STORE_DONE);
        store_reset(st);
        /* another handle's insert in between, outside any transaction */
        struct store_stmt *o = store_prepare(h[(i + 1) % 8], "INSERT INTO p (v) VALUES ('y')", &err);
        assert_int_equal(store_step(o, &err), STORE_DONE);
        store_reset(o);
        assert_int_equal(store_last_id(h[(i + 1) % 8]), 2 * i + 2);
        assert_int_equal(store_last_id(h[i]), 2 * i + 1);
    }
    for (int i = 0; i < 8; i++)
        store_close(h[i]);
}

struct writer {
    const char *schema;
    int result;
    enum kd_code code;
};

static void *second_writer(void *p)
{
    struct writer *w = p;
    struct kd_err err;
    struct store_options opt = {.schema = w->schema, .busy_timeout_ms = 300};
    struct store *s = store_open(url, &opt, &err);
    assert_non_null(s);
    w->result = store_begin_write(s, &err);
    w->code = err.code;
    store_rollback(s);
    store_close(s);
    return NULL;
}

/* Writers of one schema are serialised across connections (and so across
 * processes: no shared mutex here); a wait past the busy timeout is
 * "unavailable". Another schema is not held up. */
static void write_lock_per_schema(void **state)
{
    (void)state;
    struct store *a = open_schema("t_lock_a", true);
    struct store *b = open_schema("t_lock_b", true);
    struct kd_err err;
    assert_int_equal(store_begin_write(a, &err), 0);
    struct writer w = {"t_lock_a", 0, KD_OK};
    pthread_t t;
    pthread_create(&t, NULL, second_writer, &w);
    pthread_join(t, NULL);
    assert_int_equal(w.result, -1);
    assert_int_equal(w.code, KD_UNAVAILABLE);
    struct writer other = {"t_lock_b", -1, KD_OK};
    pthread_create(&t, NULL, second_writer, &other);
    pthread_join(t, NULL);
    assert_int_equal(other.result, 0);
    assert_int_equal(store_commit(a, &err), 0);
    w.result = -1;
    pthread_create(&t, NULL, second_writer, &w);
    pthread_join(t, NULL);
    assert_int_equal(w.result, 0);
    store_close(a);
    store_close(b);
}

static const struct store_migration steps_v2[] = {
    {1, "CREATE TABLE a (x INTEGER PRIMARY KEY, t TEXT) STRICT;"
        "CREATE TABLE k (a INTEGER NOT NULL REFERENCES a (x), v TEXT, PRIMARY KEY (a, v))"
        " STRICT, WITHOUT ROWID"},
    {2, "ALTER TABLE a ADD COLUMN y BLOB"},
};
static const struct store_migration steps_bad[] = {
    {1, "CREATE TABLE a (x INTEGER PRIMARY KEY, t TEXT) STRICT"},
    {2, "ALTER TABLE a ADD COLUMN y BLOB"},
    {3, "CREATE TABLE broken ("},
};

static void migrations(void **state)
{
    (void)state;
    struct store *s = open_schema("t_migrations", true);
    struct kd_err err;
    struct store_schema v1 = {"mod", steps_v2, 1};
    struct store_schema v2 = {"mod", steps_v2, 2};
    assert_int_equal(store_migrate(s, &v1, &err), 0);
    assert_int_equal(store_schema_version(s, "mod", &err), 1);
    assert_int_equal(store_migrate(s, &v2, &err), 0);
    assert_int_equal(store_migrate(s, &v2, &err), 0);
    assert_int_equal(store_schema_version(s, "mod", &err), 2);
    assert_int_equal(store_schema_version(s, "other", &err), 0);
    struct store_schema bad = {"mod", steps_bad, 3};
    assert_int_equal(store_migrate(s, &bad, &err), -1);
    assert_non_null(strstr(err.message, "schema mod version 3"));
    assert_int_equal(store_schema_version(s, "mod", &err), 2);
    assert_int_equal(store_migrate(s, &v1, &err), -1);
    assert_non_null(strstr(err.message, "newer than this program"));
    /* The tables are the translated ones, in this schema only. */
    struct store_stmt *st = store_prepare(
        s,
        "SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ' '"
        " ORDER BY table_name, ordinal_position) FROM information_schema.columns"
        " WHERE table_schema = 't_migrations' AND table_name IN ('a', 'k')",
        &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0, NULL),
                        "a.x:bigint a.t:text a.y:bytea k.a:bigint k.v:text");
    store_reset(st);
    store_close(s);
}

static const struct store_migration ctl_steps[] = {{1, "CREATE TABLE c (v INTEGER) STRICT"}};
static const struct store_migration town_steps[] = {{1, "CREATE TABLE w (v INTEGER) STRICT"}};
static const struct store_schema ctl_schema = {"c", ctl_steps, 1};
static const struct store_schema town_schema = {"w", town_steps, 1};
static const struct store_schema *const ctl_list[] = {&ctl_schema};
static const struct store_schema *const town_list[] = {&town_schema};
static const struct catalog_schemas schemas = {ctl_list, 1, town_list, 1};

static void *other_thread(void *p)
{
    struct catalog *cat = p;
    struct kd_err err;
    struct store *s = catalog_town(cat, "104213", &err);
    assert_non_null(s);
    assert_int_equal(store_exec(s, "INSERT INTO w VALUES (7)", &err), 0);
    catalog_thread_done(cat);
    return NULL;
}

/* The catalog on PostgreSQL: control data and towns are schemas. */
static void catalog_schemas(void **state)
{
    (void)state;
    struct kd_err err;
    struct catalog *cat = catalog_open(url, &schemas, &err);
    assert_non_null(cat);
    assert_true(catalog_is_pg(cat));
    assert_false(catalog_town_exists(cat, "104213"));
    assert_null(catalog_town(cat, "104213", &err));
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_int_equal(catalog_town_create(cat, "104213", &err), 0);
    assert_true(catalog_town_exists(cat, "104213"));
    assert_int_equal(catalog_town_create(cat, "104213", &err), -1);
    assert_int_equal(err.code, KD_CONFLICT);
    char where[64];
    assert_string_equal(catalog_town_path(cat, "104213", where, sizeof where),
                        "postgresql:town_104213");
    struct store *mine = catalog_town(cat, "104213", &err);
    assert_non_null(mine);
    assert_ptr_equal(catalog_town(cat, "104213", &err), mine);
    pthread_t t;
    pthread_create(&t, NULL, other_thread, cat);
    pthread_join(t, NULL);
    struct store_stmt *st = store_prepare(mine, "SELECT sum(v) FROM w", &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_col_i64(st, 0), 7);
    store_reset(st);
    /* A town's connection sees its own schema only. */
    assert_null(store_prepare(mine, "SELECT v FROM c", &err));
    struct store *ctl = catalog_control(cat, &err);
    uint64_t before = store_commits(ctl);
    assert_int_equal(store_exec(ctl, "INSERT INTO c VALUES (1)", &err), 0);
    assert_true(store_commits(ctl) == before + 1);
    /* Drop: the schema and its tables go. */
    catalog_town_drop(cat, "104213");
    assert_false(catalog_town_exists(cat, "104213"));
    /* Set aside (tenant drop, an orphan of a killed registration): renamed,
     * kept with its rows; the code is free for a new town. */
    assert_int_equal(catalog_town_create(cat, "104213", &err), 0);
    mine = catalog_town(cat, "104213", &err);
    assert_int_equal(store_exec(mine, "INSERT INTO w VALUES (42)", &err), 0);
    char kept[128];
    assert_int_equal(catalog_town_set_aside(cat, "104213", "dropped", kept, sizeof kept, &err), 0);
    assert_non_null(strstr(kept, "postgresql:town_104213_dropped_"));
    assert_false(catalog_town_exists(cat, "104213"));
    struct store_options opt = {.schema = kept + strlen("postgresql:")};
    struct store *aside = store_open(url, &opt, &err);
    assert_non_null(aside);
    st = store_prepare(aside, "SELECT sum(v) FROM w", &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_col_i64(st, 0), 42);
    store_reset(st);
    store_close(aside);
    assert_int_equal(catalog_town_set_aside(cat, "104213", "dropped", kept, sizeof kept, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_int_equal(catalog_town_create(cat, "104213", &err), 0);
    catalog_close(cat);
}

/* A connection the server closed is made again at the next use. */
static void reconnects(void **state)
{
    (void)state;
    struct store *s = open_schema("t_reconnect", true);
    struct kd_err err;
    assert_int_equal(store_exec(s, "CREATE TABLE r (v INTEGER)", &err), 0);
    struct store_stmt *st = store_prepare(s, "SELECT count(*) FROM r", &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    store_reset(st);
    admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
               " WHERE application_name = 'kyodo' AND pid <> pg_backend_pid()"
               " AND datname LIKE 'kyodo_unit_%'");
    /* The first use finds it broken (unavailable); the next reconnects
     * and prepares again. */
    st = store_prepare(s, "SELECT count(*) FROM r", &err);
    enum store_step rc = st ? store_step(st, &err) : STORE_ERROR;
    if (st)
        store_reset(st);
    if (rc != STORE_ROW)
        assert_int_equal(err.code, KD_UNAVAILABLE);
    st = store_prepare(s, "SELECT count(*) FROM r", &err);
    assert_non_null(st);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    store_reset(st);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(statements_and_types),
        cmocka_unit_test(transactions_and_commits),
        cmocka_unit_test(streaming),
        cmocka_unit_test(pooled_connections),
        cmocka_unit_test(write_lock_per_schema),
        cmocka_unit_test(migrations),
        cmocka_unit_test(catalog_schemas),
        cmocka_unit_test(reconnects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
