/*
 * catalog.c — database locations and per-thread connections.
 */
#include "store/catalog.h"

#include "store/engine.h" /* store_pg_drop_schema */

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct town_conn {
    char code[7];
    struct store *conn;
};

/* The connections one thread holds. */
struct thread_conns {
    struct store *control;
    struct town_conn *towns;
    size_t count, cap;
};

/* What the process's connections to one database share: the write lock
 * (store_options.write_lock) and the commit counter. Made on first use, kept
 * until the catalog closes. */
struct db_shared {
    char code[7]; /* a town's code; "" for control.db */
    pthread_mutex_t write_lock;
    _Atomic uint64_t commits;
    struct db_shared *next;
};

struct catalog {
    char *dir;
    char *pg; /* a libpq URL when the databases are PostgreSQL schemas, else NULL */
    struct catalog_schemas schemas;
    pthread_key_t key;
    pthread_mutex_t shared_lock; /* guards `shared` */
    struct db_shared *shared;
};

static const struct store_options conn_options = {.create = false, .busy_timeout_ms = 10000};

static struct db_shared *shared_of(struct catalog *cat, const char *code, struct kd_err *err)
{
    pthread_mutex_lock(&cat->shared_lock);
    struct db_shared *d = cat->shared;
    while (d && strcmp(d->code, code) != 0)
        d = d->next;
    if (!d && (d = calloc(1, sizeof *d)) != NULL) {
        snprintf(d->code, sizeof d->code, "%s", code);
        pthread_mutex_init(&d->write_lock, NULL);
        d->next = cat->shared;
        cat->shared = d;
    }
    pthread_mutex_unlock(&cat->shared_lock);
    if (!d)
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    return d;
}

/* PostgreSQL: the schema of the database `code` ("" for the control data). */
static const char *schema_of(const char *code, char buf[16])
{
    if (!code[0])
        return "kyodo_control";
    snprintf(buf, 16, "town_%s", code);
    return buf;
}

/* Connection options for the database `code` ("" for control.db); schema is
 * the caller's buffer for the PostgreSQL schema name. */
static int options_for(struct catalog *cat, const char *code, struct store_options *opt,
                       char schema[16], struct kd_err *err)
{
    struct db_shared *d = shared_of(cat, code, err);
    if (!d)
        return -1;
    *opt = conn_options;
    opt->write_lock = &d->write_lock;
    opt->commit_counter = &d->commits;
    opt->schema = schema_of(code, schema);
    return 0;
}

static void thread_conns_free(void *p)
{
    struct thread_conns *tc = p;
    if (!tc)
        return;
    store_close(tc->control);
    for (size_t i = 0; i < tc->count; i++)
        store_close(tc->towns[i].conn);
    free(tc->towns);
    free(tc);
}

static int make_dir(const char *path, struct kd_err *err)
{
    if (mkdir(path, 0750) == 0 || errno == EEXIST)
        return 0;
    return kd_fail(err, KD_INTERNAL, NULL, "cannot create %s: %s", path, strerror(errno));
}

static void assert_code(const char *code)
{
    assert(strlen(code) == 6);
    for (int i = 0; i < 6; i++)
        assert(code[i] >= '0' && code[i] <= '9');
    (void)code;
}

const char *catalog_town_path(struct catalog *cat, const char *code, char *buf, size_t cap)
{
    assert_code(code);
    if (cat->pg)
        snprintf(buf, cap, "postgresql:town_%s", code);
    else
        snprintf(buf, cap, "%s/towns/%s.db", cat->dir, code);
    return buf;
}

const char *catalog_pg_url(struct catalog *cat)
{
    return cat->pg;
}

const char *catalog_pg_schema(const char *code, char buf[16])
{
    return schema_of(code ? code : "", buf);
}

bool catalog_is_pg(struct catalog *cat)
{
    return cat->pg != NULL;
}

static int apply(struct store *s, const struct store_schema *const *list, size_t n,
                 struct kd_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (store_migrate(s, list[i], err) < 0)
            return -1;
    return 0;
}

struct catalog *catalog_open(const char *data_dir, const struct catalog_schemas *schemas,
                             struct kd_err *err)
{
    char path[PATH_MAX];
    struct catalog *cat = calloc(1, sizeof *cat);
    if (!cat || !(cat->dir = strdup(data_dir))) {
        free(cat);
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    cat->schemas = *schemas;
    if (store_is_pg(data_dir))
        cat->pg = cat->dir;
    pthread_mutex_init(&cat->shared_lock, NULL);
    if (pthread_key_create(&cat->key, thread_conns_free) != 0) {
        free(cat->dir);
        free(cat);
        kd_fail(err, KD_INTERNAL, NULL, "pthread_key_create failed");
        return NULL;
    }
    if (!cat->pg) {
        snprintf(path, sizeof path, "%s/towns", data_dir);
        if (make_dir(data_dir, err) < 0 || make_dir(path, err) < 0)
            goto out_free;
        snprintf(path, sizeof path, "%s/control.db", data_dir);
    }
    struct store_options create = conn_options;
    create.create = true;
    create.schema = schema_of("", NULL);
    struct store *ctl = store_open(cat->pg ? cat->pg : path, &create, err);
    if (!ctl)
        goto out_free;
    int rc = apply(ctl, schemas->control, schemas->control_count, err);
    store_close(ctl);
    if (rc < 0)
        goto out_free;
    return cat;
out_free:
    pthread_key_delete(cat->key);
    pthread_mutex_destroy(&cat->shared_lock);
    free(cat->dir);
    free(cat);
    return NULL;
}

void catalog_close(struct catalog *cat)
{
    if (!cat)
        return;
    catalog_thread_done(cat);
    pthread_key_delete(cat->key);
    for (struct db_shared *d = cat->shared, *next; d; d = next) {
        next = d->next;
        pthread_mutex_destroy(&d->write_lock);
        free(d);
    }
    pthread_mutex_destroy(&cat->shared_lock);
    free(cat->dir);
    free(cat);
}

void catalog_thread_done(struct catalog *cat)
{
    thread_conns_free(pthread_getspecific(cat->key));
    pthread_setspecific(cat->key, NULL);
}

static struct thread_conns *mine(struct catalog *cat, struct kd_err *err)
{
    struct thread_conns *tc = pthread_getspecific(cat->key);
    if (tc)
        return tc;
    tc = calloc(1, sizeof *tc);
    if (!tc || pthread_setspecific(cat->key, tc) != 0) {
        free(tc);
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    return tc;
}

struct store *catalog_control(struct catalog *cat, struct kd_err *err)
{
    struct thread_conns *tc = mine(cat, err);
    if (!tc)
        return NULL;
    if (!tc->control) {
        char path[PATH_MAX], schema[16];
        snprintf(path, sizeof path, "%s/control.db", cat->dir);
        struct store_options opt;
        if (options_for(cat, "", &opt, schema, err) < 0)
            return NULL;
        tc->control = store_open(cat->pg ? cat->pg : path, &opt, err);
    }
    return tc->control;
}

/* PostgreSQL: does the town's schema exist? (Asked on this thread's control
 * connection, in or out of its transaction.) */
static bool pg_town_exists(struct catalog *cat, const char *code)
{
    struct kd_err err;
    struct store *ctl = catalog_control(cat, &err);
    struct store_stmt *st =
        ctl ? store_prepare(ctl, "SELECT 1 FROM pg_namespace WHERE nspname = ?", &err) : NULL;
    if (!st)
        return false;
    char schema[16];
    store_bind_str(st, 1, schema_of(code, schema));
    bool found = store_step(st, &err) == STORE_ROW;
    store_reset(st);
    return found;
}

bool catalog_town_exists(struct catalog *cat, const char *code)
{
    if (cat->pg)
        return pg_town_exists(cat, code);
    char path[PATH_MAX];
    catalog_town_path(cat, code, path, sizeof path);
    return access(path, F_OK) == 0;
}

struct store *catalog_town(struct catalog *cat, const char *code, struct kd_err *err)
{
    assert_code(code);
    struct thread_conns *tc = mine(cat, err);
    if (!tc)
        return NULL;
    for (size_t i = 0; i < tc->count; i++)
        if (memcmp(tc->towns[i].code, code, 7) == 0)
            return tc->towns[i].conn;
    /* (PostgreSQL: opening a missing schema fails with KD_NOT_FOUND.) */
    if (!cat->pg && !catalog_town_exists(cat, code)) {
        kd_fail(err, KD_NOT_FOUND, NULL, "town %s has no database", code);
        return NULL;
    }
    if (tc->count == tc->cap) {
        size_t cap = tc->cap ? tc->cap * 2 : 8;
        struct town_conn *t = realloc(tc->towns, cap * sizeof *t);
        if (!t) {
            kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            return NULL;
        }
        tc->towns = t;
        tc->cap = cap;
    }
    char path[PATH_MAX], schema[16];
    struct store_options opt;
    if (options_for(cat, code, &opt, schema, err) < 0)
        return NULL;
    struct store *s = store_open(cat->pg ? cat->pg : catalog_town_path(cat, code, path, sizeof path),
                                 &opt, err);
    if (!s) {
        if (cat->pg && err->code == KD_NOT_FOUND)
            kd_fail(err, KD_NOT_FOUND, NULL, "town %s has no database", code);
        return NULL;
    }
    memcpy(tc->towns[tc->count].code, code, 7);
    tc->towns[tc->count].conn = s;
    tc->count++;
    return s;
}

static void unlink_db(const char *path)
{
    char side[PATH_MAX + 8];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* Closes the calling thread's connection to a town, if it has one. */
static void close_mine(struct catalog *cat, const char *code)
{
    struct thread_conns *tc = pthread_getspecific(cat->key);
    for (size_t i = 0; tc && i < tc->count; i++) {
        if (memcmp(tc->towns[i].code, code, 7) == 0) {
            store_close(tc->towns[i].conn);
            tc->towns[i] = tc->towns[--tc->count];
            break;
        }
    }
}

int catalog_town_set_aside(struct catalog *cat, const char *code, const char *folder, char *kept,
                           size_t cap, struct kd_err *err)
{
    assert_code(code);
    if (!cat->pg)
        return kd_fail(err, KD_INTERNAL, NULL, "catalog_town_set_aside is for PostgreSQL");
    size_t n = strlen(folder);
    if (n == 0 || n > 16 || strspn(folder, "abcdefghijklmnopqrstuvwxyz") != n)
        return kd_fail(err, KD_INTERNAL, NULL, "bad folder name for a schema set aside");
    close_mine(cat, code);
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    char when[24], from[16], to[64];
    strftime(when, sizeof when, "%Y%m%dt%H%M%S", &tm);
    snprintf(to, sizeof to, "%s_%s_%s", schema_of(code, from), folder, when);
    if (store_pg_rename_schema(cat->pg, from, to, err) < 0)
        return -1;
    snprintf(kept, cap, "postgresql:%s", to);
    return 0;
}

void catalog_town_drop(struct catalog *cat, const char *code)
{
    close_mine(cat, code);
    if (cat->pg) {
        char schema[16];
        struct kd_err ignored;
        store_pg_drop_schema(cat->pg, schema_of(code, schema), &ignored);
        return;
    }
    char path[PATH_MAX];
    unlink_db(catalog_town_path(cat, code, path, sizeof path));
}

int catalog_town_create(struct catalog *cat, const char *code, struct kd_err *err)
{
    char path[PATH_MAX], schema[16];
    catalog_town_path(cat, code, path, sizeof path);
    if (catalog_town_exists(cat, code))
        return kd_fail(err, KD_CONFLICT, "code", "town %s already has a database", code);
    struct store_options create = conn_options;
    create.create = true;
    create.schema = schema_of(code, schema);
    struct store *s = store_open(cat->pg ? cat->pg : path, &create, err);
    if (!s)
        return -1;
    int rc = apply(s, cat->schemas.town, cat->schemas.town_count, err);
    store_close(s);
    if (rc < 0)
        catalog_town_drop(cat, code);
    return rc;
}

int catalog_town_migrate(struct catalog *cat, const char *code, struct kd_err *err)
{
    struct store *s = catalog_town(cat, code, err);
    if (!s)
        return -1;
    return apply(s, cat->schemas.town, cat->schemas.town_count, err);
}
