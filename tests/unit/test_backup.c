/*
 * test_backup.c — backups: the manifest (engine/backup_manifest.c), and
 * making, verifying, restoring and pruning sets (engine/backup_set.c over
 * store/backup_sqlite.c) on a real catalog, with a writer running.
 */
#include "testutil.h"

#include "base/text.h"
#include "engine/audit.h"
#include "engine/backup_manifest.h"
#include "engine/backup_set.h"
#include "engine/session.h"
#include "engine/tenant.h"
#include "engine/user.h"
#include "store/backup.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sys/stat.h>

/* ---- the manifest ------------------------------------------------------------ */

static void sample(struct manifest *m)
{
    struct kd_err err;
    manifest_init(m);
    snprintf(m->kyodo_version, sizeof m->kyodo_version, "0.1.0");
    snprintf(m->engine, sizeof m->engine, "sqlite");
    snprintf(m->origin, sizeof m->origin, "command");
    snprintf(m->created_at, sizeof m->created_at, "2026-11-27T03:04:05.678Z");
    struct manifest_db *c = manifest_add(m, &err);
    c->kind = MANIFEST_CONTROL;
    snprintf(c->file, sizeof c->file, "control.db");
    c->bytes = 40960;
    memset(c->sha256, 0xab, sizeof c->sha256);
    snprintf(c->taken_at, sizeof c->taken_at, "2026-11-27T03:04:05.679Z");
    assert_int_equal(manifest_add_scope(c, "tenants", 1, &err), 0);
    assert_int_equal(manifest_add_scope(c, "users", 2, &err), 0);
    const char *codes[] = {"104213", "104248"}, *names[] = {"中之条町", "長野原町"};
    for (int i = 0; i < 2; i++) {
        struct manifest_db *t = manifest_add(m, &err);
        t->kind = MANIFEST_TOWN;
        snprintf(t->code, sizeof t->code, "%s", codes[i]);
        snprintf(t->name, sizeof t->name, "%s", names[i]);
        t->active = i == 0;
        snprintf(t->file, sizeof t->file, "%s.db", codes[i]);
        t->bytes = 1310720u + (uint64_t)i;
        for (int b = 0; b < MANIFEST_HASH_LEN; b++) {
            t->sha256[b] = (unsigned char)(b + i);
            t->audit_head[b] = (unsigned char)(255 - b - i);
        }
        snprintf(t->taken_at, sizeof t->taken_at, "2026-11-27T03:04:06.000Z");
        t->audit_entries = 1234 + i;
        assert_int_equal(manifest_add_scope(t, "audit", 1, &err), 0);
        assert_int_equal(manifest_add_scope(t, "residents", 4, &err), 0);
    }
}

static void manifest_round_trip(void **state)
{
    (void)state;
    struct manifest m, back;
    struct kd_err err;
    sample(&m);
    size_t len;
    char *text = manifest_to_json(&m, &len, &err);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    assert_int_equal(text[len - 1], '\n');
    assert_non_null(strstr(text, "\"format\": \"kyodo-backup/1\""));
    assert_non_null(strstr(text, "\"name\": \"中之条町\""));
    assert_int_equal(manifest_parse(&back, text, len, &err), 0);
    assert_string_equal(back.kyodo_version, "0.1.0");
    assert_string_equal(back.engine, "sqlite");
    assert_string_equal(back.origin, "command");
    assert_string_equal(back.created_at, m.created_at);
    assert_int_equal(back.count, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct manifest_db *a = &m.dbs[i], *b = &back.dbs[i];
        assert_int_equal(a->kind, b->kind);
        assert_string_equal(a->file, b->file);
        assert_int_equal(a->bytes, b->bytes);
        assert_memory_equal(a->sha256, b->sha256, MANIFEST_HASH_LEN);
        assert_string_equal(a->taken_at, b->taken_at);
        assert_int_equal(a->scope_count, b->scope_count);
        for (int s = 0; s < a->scope_count; s++)
            assert_int_equal(manifest_scope_version(b, a->scopes[s].name), a->scopes[s].version);
        if (a->kind == MANIFEST_TOWN) {
            assert_string_equal(a->code, b->code);
            assert_string_equal(a->name, b->name);
            assert_int_equal(a->active, b->active);
            assert_int_equal(a->audit_entries, b->audit_entries);
            assert_memory_equal(a->audit_head, b->audit_head, MANIFEST_HASH_LEN);
        }
    }
    assert_ptr_equal(manifest_town(&back, "104248"), &back.dbs[2]);
    assert_null(manifest_town(&back, "104256"));
    assert_ptr_equal(manifest_control(&back), &back.dbs[0]);
    assert_int_equal(manifest_scope_version(&back.dbs[1], "residents"), 4);
    assert_int_equal(manifest_scope_version(&back.dbs[1], "seals"), 0);
    free(text);
    manifest_free(&back);
    manifest_free(&m);
}

/* The sample's JSON with `from` replaced by `to` (first occurrence). */
static char *edited(const char *from, const char *to)
{
    struct manifest m;
    struct kd_err err;
    sample(&m);
    size_t len;
    char *text = manifest_to_json(&m, &len, &err);
    manifest_free(&m);
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t pre = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
    char *out = malloc(len - fl + tl + 1);
    memcpy(out, text, pre);
    memcpy(out + pre, to, tl);
    memcpy(out + pre + tl, at + fl, len - pre - fl + 1);
    free(text);
    return out;
}

static void refused(const char *from, const char *to, enum kd_code code, const char *field)
{
    char *text = edited(from, to);
    struct manifest m;
    struct kd_err err;
    kd_err_clear(&err);
    int rc = manifest_parse(&m, text, strlen(text), &err);
    if (rc == 0 || err.code != code || strcmp(err.field, field) != 0)
        fail_msg("%s -> %s: rc %d, code %s, field '%s': %s", from, to, rc, kd_code_name(err.code),
                 err.field, err.message);
    assert_true(err.message[0] != '\0');
    manifest_free(&m);
    free(text);
}

static void manifest_refusals(void **state)
{
    (void)state;
    refused("\"kyodo-backup/1\"", "\"kyodo-backup/2\"", KD_INVALID_VALUE, "format");
    refused("\"format\"", "\"formats\"", KD_MISSING_FIELD, "format");
    refused("\"engine\": \"sqlite\",", "\"engine\": \"sqlite\", \"extra\": 1,", KD_UNKNOWN_FIELD,
            "extra");
    refused("\"engine\": \"sqlite\"", "\"engine\": 7", KD_WRONG_TYPE, "engine");
    refused("\"origin\": \"command\"", "\"origin\": \"cron\"", KD_INVALID_VALUE, "origin");
    refused("\"created_at\": \"2026-11-27T03:04:05.678Z\"", "\"created_at\": \"yesterday\"",
            KD_INVALID_VALUE, "created_at");
    refused("\"file\": \"control.db\"", "\"file\": \"../control.db\"", KD_INVALID_VALUE,
            "databases[0].file");
    refused("\"file\": \"control.db\"", "\"file\": \"/etc/passwd\"", KD_INVALID_VALUE,
            "databases[0].file");
    refused("\"file\": \"control.db\"", "\"file\": \".hidden\"", KD_INVALID_VALUE,
            "databases[0].file");
    refused("\"file\": \"control.db\"", "\"file\": \"manifest.json\"", KD_INVALID_VALUE,
            "databases[0].file");
    refused("\"file\": \"control.db\"", "\"file\": \"104213.db\"", KD_INVALID_VALUE,
            "databases[1]");
    refused("\"bytes\": 40960", "\"bytes\": -1", KD_INVALID_VALUE, "databases[0].bytes");
    refused("\"bytes\": 40960", "\"bytes\": \"40960\"", KD_WRONG_TYPE, "databases[0].bytes");
    refused("\"sha256\": \"abab", "\"sha256\": \"ABAB", KD_INVALID_VALUE, "databases[0].sha256");
    refused("\"sha256\": \"abab", "\"sha256\": \"ab", KD_INVALID_VALUE, "databases[0].sha256");
    refused("\"kind\": \"control\"", "\"kind\": \"cloud\"", KD_INVALID_VALUE, "databases[0].kind");
    refused("\"kind\": \"control\",", "\"kind\": \"control\", \"code\": \"104213\",",
            KD_UNKNOWN_FIELD, "databases[0].code");
    refused("\"code\": \"104213\"", "\"code\": \"104214\"", KD_INVALID_VALUE, "databases[1].code");
    refused("\"code\": \"104248\"", "\"code\": \"104213\"", KD_INVALID_VALUE, "databases[2]");
    refused("\"name\": \"中之条町\"", "\"name\": \"\"", KD_INVALID_VALUE, "databases[1].name");
    refused("\"active\": true", "\"active\": 1", KD_WRONG_TYPE, "databases[1].active");
    refused("\"residents\": 4", "\"residents\": 0", KD_INVALID_VALUE, "databases[1].schemas");
    refused("\"residents\": 4", "\"Residents\": 4", KD_INVALID_VALUE, "databases[1].schemas");
    refused("\"entries\": 1234", "\"entries\": -5", KD_INVALID_VALUE, "databases[1].audit.entries");
    refused("\"entries\": 1234", "\"entries\": 1234, \"tail\": 1", KD_UNKNOWN_FIELD,
            "databases[1].audit.tail");
    refused("\"kind\": \"control\"", "\"kind\": \"control\", \"kind\": \"control\"",
            KD_MALFORMED_JSON, "");

    struct manifest m;
    struct kd_err err;
    assert_int_equal(manifest_parse(&m, "[]", 2, &err), -1);
    assert_int_equal(err.code, KD_WRONG_TYPE);
    manifest_free(&m);
    assert_int_equal(manifest_parse(&m, "{\"format\"", 10, &err), -1);
    assert_int_equal(err.code, KD_MALFORMED_JSON);
    manifest_free(&m);
    char *empty = edited("\"databases\": [", "\"databases\": [], \"x\": [");
    assert_int_equal(manifest_parse(&m, empty, strlen(empty), &err), -1);
    manifest_free(&m);
    free(empty);
    const char none[] =
        "{\"format\":\"kyodo-backup/1\",\"kyodo_version\":\"1\",\"engine\":\"sqlite\","
        "\"origin\":\"command\",\"created_at\":\"2026-11-27T03:04:05Z\","
        "\"databases\":[]}";
    assert_int_equal(manifest_parse(&m, none, sizeof none - 1, &err), -1);
    assert_int_equal(err.code, KD_MISSING_FIELD);
    assert_string_equal(err.field, "databases");
    manifest_free(&m);
}

static void file_names_and_hashes(void **state)
{
    (void)state;
    assert_true(manifest_file_name_ok("104213.db", 9));
    assert_true(manifest_file_name_ok("control.db", 10));
    assert_true(manifest_file_name_ok("a_b-C.1", 7));
    assert_false(manifest_file_name_ok("", 0));
    assert_false(manifest_file_name_ok(".db", 3));
    assert_false(manifest_file_name_ok("..", 2));
    assert_false(manifest_file_name_ok("a/b", 3));
    assert_false(manifest_file_name_ok("町.db", strlen("町.db")));
    assert_false(manifest_file_name_ok("a b", 3));
    char longname[80];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(manifest_file_name_ok(longname, strlen(longname)));

    char *dir = make_temp_dir();
    char path[256];
    snprintf(path, sizeof path, "%s/abc", dir);
    FILE *f = fopen(path, "w");
    fputs("abc", f);
    fclose(f);
    unsigned char h[MANIFEST_HASH_LEN];
    uint64_t bytes;
    struct kd_err err;
    assert_int_equal(manifest_hash_file(path, h, &bytes, &err), 0);
    char hex[65];
    text_hex(h, sizeof h, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(bytes, 3);
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(manifest_hash_file(path, h, &bytes, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    struct manifest m;
    assert_int_equal(manifest_load(&m, dir, &err), -1);
    assert_int_equal(err.code, KD_NOT_FOUND);
    assert_non_null(strstr(err.message, "manifest.json"));
    manifest_free(&m);
    rm_tree(dir);
}

/* ---- sets on a real catalog ----------------------------------------------------- */

/* A second town scope, so that a backup can be "newer" than the program. */
static const struct store_migration extra_steps[] = {
    {1, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT"},
    {2, "ALTER TABLE notes ADD COLUMN tag TEXT NOT NULL DEFAULT ''"},
};
static const struct store_schema extra_schema = {"extra", extra_steps, 2};
static const struct store_schema extra_v1 = {"extra", extra_steps, 1};

static const struct store_schema *const control_list[] = {&tenant_schema, &user_schema,
                                                          &session_schema};
static const struct store_schema *const town_list[] = {&audit_schema, &extra_schema};
static const struct catalog_schemas schemas = {control_list, 3, town_list, 2};

static int migrate_control(struct store *db, struct kd_err *err)
{
    for (size_t i = 0; i < schemas.control_count; i++)
        if (store_migrate(db, schemas.control[i], err) < 0)
            return -1;
    return 0;
}

static int migrate_town(struct store *db, struct kd_err *err)
{
    for (size_t i = 0; i < schemas.town_count; i++)
        if (store_migrate(db, schemas.town[i], err) < 0)
            return -1;
    return 0;
}

static const struct backup_program prog = {&schemas, migrate_control, migrate_town};
static const struct backup_actor actor = {"cli", "cli", "テスト", "cli-test"};

struct fixture {
    char *dir;
    char data[256];
    struct catalog *cat;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = make_temp_dir();
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    struct kd_err err;
    f->cat = catalog_open(f->data, &schemas, &err);
    assert_non_null(f->cat);
    assert_int_equal(tenant_add(f->cat, "104213", "中之条町", NULL, NULL, &err), 0);
    assert_int_equal(tenant_add(f->cat, "104248", "長野原町", NULL, NULL, &err), 0);
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

static void note(struct catalog *cat, const char *code, int i)
{
    struct kd_err err;
    struct store *s = catalog_town(cat, code, &err);
    assert_non_null(s);
    assert_int_equal(store_begin_write(s, &err), 0);
    struct store_stmt *st = store_prepare(s, "INSERT INTO notes (body) VALUES (?)", &err);
    char body[32];
    snprintf(body, sizeof body, "note %d", i);
    store_bind_str(st, 1, body);
    assert_int_equal(store_step(st, &err), STORE_DONE);
    store_reset(st);
    struct audit_entry e = {.user_login = "w",
                            .role = "r",
                            .action = "note.add",
                            .outcome = "ok",
                            .purpose = "p",
                            .request_id = "r",
                            .detail = body};
    assert_int_equal(audit_append(s, code, &e, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
}

static int64_t count_notes(struct store *s)
{
    struct kd_err err;
    struct store_stmt *st = store_prepare(s, "SELECT count(*) FROM notes", &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t n = store_col_i64(st, 0);
    store_reset(st);
    return n;
}

struct writer {
    struct catalog *cat;
    atomic_bool stop;
    int written;
};

static void *write_loop(void *p)
{
    struct writer *w = p;
    while (!atomic_load(&w->stop))
        note(w->cat, "104213", w->written++);
    catalog_thread_done(w->cat);
    return NULL;
}

static int64_t entries_of(struct catalog *cat, const char *code)
{
    struct kd_err err;
    struct audit_verdict v;
    assert_int_equal(audit_verify(catalog_town(cat, code, &err), code, NULL, &v, &err), 0);
    assert_true(v.ok);
    return v.entries;
}

static void make_verify_restore_while_writing(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    for (int i = 0; i < 50; i++)
        note(f->cat, "104213", i);
    struct writer w = {f->cat, false, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, write_loop, &w), 0);
    while (w.written < 20)
        usleep(1000);
    char out[300];
    snprintf(out, sizeof out, "%s/set1", f->dir);
    struct backup_request rq = {out, NULL, true, false, "command", &actor};
    struct manifest m;
    int broken = -1;
    assert_int_equal(backup_set_make(f->cat, &rq, &m, &broken, NULL, NULL, &err), 0);
    int during = w.written;
    while (w.written < during + 20)
        usleep(1000);
    atomic_store(&w.stop, true);
    pthread_join(th, NULL);
    assert_int_equal(broken, 0);
    assert_int_equal(m.count, 3);
    const struct manifest_db *t = manifest_town(&m, "104213");
    assert_non_null(t);
    assert_int_equal(manifest_scope_version(t, "extra"), 2);

    /* The copy is one instant: its notes and its audit entries agree (each
     * note was written with its entry), and the set verifies. */
    char path[400];
    snprintf(path, sizeof path, "%s/104213.db", out);
    struct store *copy = backup_open(path, &err);
    assert_non_null(copy);
    int64_t copied = count_notes(copy);
    store_close(copy);
    assert_int_equal(t->audit_entries, copied);
    struct manifest checked;
    assert_int_equal(backup_set_verify(out, &checked, NULL, NULL, &err), 0);
    manifest_free(&checked);
    struct stat sb;
    assert_int_equal(stat(out, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    /* Each town's live log records the backup after the copied entries. */
    int64_t live = entries_of(f->cat, "104213");
    assert_true(live > t->audit_entries + 1);

    /* Restore: the town is the copy again, plus the restore's entry. */
    struct backup_restore_result res;
    assert_int_equal(backup_restore_town(f->cat, &prog, out, "104213", &actor, &res, &err), 0);
    assert_int_equal(res.entries, t->audit_entries + 1);
    assert_false(res.registered);
    assert_true(res.active);
    assert_int_equal(count_notes(catalog_town(f->cat, "104213", &err)), copied);
    assert_int_equal(entries_of(f->cat, "104213"), t->audit_entries + 1);
    /* What was replaced is kept, whole. */
    assert_true(res.aside[0] != '\0');
    struct store *aside = backup_open(res.aside, &err);
    assert_non_null(aside);
    assert_int_equal(count_notes(aside), 50 + w.written);
    struct audit_verdict v;
    assert_int_equal(audit_verify(aside, "104213", NULL, &v, &err), 0);
    assert_true(v.ok);
    assert_int_equal(v.entries, live);
    store_close(aside);
    /* The other town is untouched. */
    assert_int_equal(entries_of(f->cat, "104248"), manifest_town(&m, "104248")->audit_entries + 1);
    manifest_free(&m);
}

static void restore_refusals(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    note(f->cat, "104213", 1);
    char out[300], path[400];
    snprintf(out, sizeof out, "%s/one", f->dir);
    struct backup_request rq = {out, "104213", false, false, "command", &actor};
    struct manifest m;
    int broken;
    assert_int_equal(backup_set_make(f->cat, &rq, &m, &broken, NULL, NULL, &err), 0);
    assert_int_equal(m.count, 1);
    manifest_free(&m);
    int64_t before = entries_of(f->cat, "104248");
    struct backup_restore_result res;

    /* Another town's backup. */
    assert_int_equal(backup_restore_town(f->cat, &prog, out, "104248", &actor, &res, &err), -1);
    assert_int_equal(err.code, KD_INVALID_VALUE);
    assert_string_equal(err.field, "tenant");
    assert_non_null(strstr(err.message, "104213"));
    snprintf(path, sizeof path, "%s/104213.db", out);
    assert_int_equal(backup_restore_town(f->cat, &prog, path, "104248", &actor, &res, &err), -1);
    assert_string_equal(err.field, "tenant");

    /* A newer program's backup (the copy's "extra" is at 2, this one knows 1). */
    static const struct store_schema *const older_town[] = {&audit_schema, &extra_v1};
    struct catalog_schemas older = schemas;
    older.town = older_town;
    struct backup_program old_prog = {&older, migrate_control, migrate_town};
    assert_int_equal(backup_restore_town(f->cat, &old_prog, out, "104213", &actor, &res, &err), -1);
    assert_string_equal(err.field, "schema");
    assert_non_null(strstr(err.message, "newer"));
    static const struct store_schema *const no_extra[] = {&audit_schema};
    older.town = no_extra;
    older.town_count = 1;
    assert_int_equal(backup_restore_town(f->cat, &old_prog, out, "104213", &actor, &res, &err), -1);
    assert_string_equal(err.field, "schema");

    /* One changed byte. */
    FILE *fp = fopen(path, "r+b");
    fseek(fp, 3000, SEEK_SET);
    int c = fgetc(fp);
    fseek(fp, 3000, SEEK_SET);
    fputc(c ^ 1, fp);
    fclose(fp);
    assert_int_equal(backup_restore_town(f->cat, &prog, out, "104213", &actor, &res, &err), -1);
    assert_string_equal(err.field, "file");
    assert_non_null(strstr(err.message, "checksum"));
    assert_int_equal(backup_set_verify(out, &m, NULL, NULL, &err), 1);
    manifest_free(&m);

    /* Nothing changed anywhere. */
    assert_int_equal(entries_of(f->cat, "104248"), before);
    assert_int_equal(count_notes(catalog_town(f->cat, "104213", &err)), 1);
}

static void restore_a_dropped_town(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    for (int i = 0; i < 5; i++)
        note(f->cat, "104248", i);
    char out[300], kept[4096];
    snprintf(out, sizeof out, "%s/b", f->dir);
    struct backup_request rq = {out, "104248", false, false, "command", &actor};
    struct manifest m;
    int broken;
    assert_int_equal(backup_set_make(f->cat, &rq, &m, &broken, NULL, NULL, &err), 0);
    int64_t copied = m.dbs[0].audit_entries;
    manifest_free(&m);
    catalog_thread_done(f->cat);
    assert_int_equal(backup_detach(f->cat, "104248", "dropped", kept, sizeof kept, &err), 0);
    assert_non_null(strstr(kept, "/dropped/104248-"));
    assert_false(catalog_town_exists(f->cat, "104248"));
    assert_int_equal(tenant_remove(catalog_control(f->cat, &err), "104248", &err), 0);

    struct backup_restore_result res;
    assert_int_equal(backup_restore_town(f->cat, &prog, out, "104248", &actor, &res, &err), 0);
    assert_true(res.registered);
    assert_false(res.active);
    assert_string_equal(res.aside, "");
    struct tenant t;
    assert_int_equal(tenant_get(catalog_control(f->cat, &err), "104248", &t, &err), 0);
    assert_false(t.active);
    assert_string_equal(t.name, "長野原町");
    assert_int_equal(count_notes(catalog_town(f->cat, "104248", &err)), 5);
    assert_int_equal(entries_of(f->cat, "104248"), copied + 1);
}

static void prune_keeps_the_newest(void **state)
{
    struct fixture *f = *state;
    struct kd_err err;
    const char *names[] = {"20261127T010000Z", "20261127T020000Z", "20261127T030000Z",
                           "20261127T030000Z-2", "20261127T040000Z"};
    char path[512];
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, names[i]);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof path, "%s/%s/manifest.json", f->dir, names[i]);
        FILE *fp = fopen(path, "w");
        fputs("{}", fp);
        fclose(fp);
    }
    /* Unfinished (no manifest), a killed job's leftover, and a stranger. */
    snprintf(path, sizeof path, "%s/20261127T050000Z", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/.20261127T060000Z.tmp-abcdef", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/mine", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(backup_set_prune(f->dir, 2, &err), 4);
    const char *kept[] = {"20261127T040000Z", "20261127T030000Z-2", "20261127T050000Z", "mine"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, kept[i]);
        assert_int_equal(access(path, F_OK), 0);
    }
    const char *gone[] = {"20261127T010000Z", "20261127T020000Z", "20261127T030000Z",
                          ".20261127T060000Z.tmp-abcdef"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, gone[i]);
        assert_int_equal(access(path, F_OK), -1);
    }
    char name[20];
    backup_set_name(1795748645678, name);
    assert_string_equal(name, "20261127T030405Z");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(manifest_round_trip),
        cmocka_unit_test(manifest_refusals),
        cmocka_unit_test(file_names_and_hashes),
        cmocka_unit_test_setup_teardown(make_verify_restore_while_writing, setup, teardown),
        cmocka_unit_test_setup_teardown(restore_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(restore_a_dropped_town, setup, teardown),
        cmocka_unit_test_setup_teardown(prune_keeps_the_newest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
