/*
 * cmd_backup.c — `kyodo backup`, `kyodo backup verify` and `kyodo restore`.
 */
#include "cli/cli.h"

#include "app.h"
#include "base/text.h"
#include "engine/backup_set.h"
#include "engine/tenant.h"
#include "store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char backup_usage[] =
    "usage: kyodo backup --tenant CODE [--control] --out DIR\n"
    "       kyodo backup --all --out DIR\n"
    "       kyodo backup verify DIR\n"
    "\n"
    "Copies one town's database (and with --control the control database:\n"
    "the registry, the staff accounts), or every database with --all, into\n"
    "the new folder DIR, while the server runs and writes: each copy is one\n"
    "consistent snapshot. DIR (mode 0700) holds a file (0600) per database\n"
    "and manifest.json: the kyodo version, the time, each file's size and\n"
    "SHA-256, the schema versions, and each town's audit chain length and\n"
    "head. DIR appears complete or not at all. Each town's audit log records\n"
    "the backup.\n"
    "\n"
    "verify checks a backup: every file against its size and SHA-256, its\n"
    "integrity as a database, and each town's audit chain up to the head the\n"
    "manifest recorded. Exit status 0 intact, 1 a problem found, 2 error.\n"
    "Common options: --config FILE, --data DIR.\n";

static const char restore_usage[] =
    "usage: kyodo restore --tenant CODE --from DIR|FILE\n"
    "       kyodo restore --all --from DIR\n"
    "\n"
    "Puts one town back as it was in a backup (DIR, its manifest.json, or\n"
    "the town's file in it), without touching the other towns, whether the\n"
    "town still exists or was dropped, and while the server runs: the town's\n"
    "contents are replaced in one transaction (writers of that town wait),\n"
    "and its replaced contents are kept in <data>/replaced/. A backup of\n"
    "another town, from a newer kyodo, damaged or changed since it was made\n"
    "is refused before anything changes. The restore is recorded in the\n"
    "town's audit log, after the restored entries. A town that was dropped\n"
    "is registered again, disabled.\n"
    "\n"
    "--all makes a whole deployment from a backup made with --all, in an\n"
    "empty data directory with no server running: a standby site taking\n"
    "over. Sessions are not restored.\n"
    "Common options: --config FILE, --data DIR.\n";

/* The actor of CLI jobs, with a fresh request id. */
static struct backup_actor cli_actor(char rid[20])
{
    unsigned char raw[6];
    memcpy(rid, "cli-", 4);
    randombytes_buf(raw, sizeof raw);
    text_hex(raw, sizeof raw, rid + 4);
    return (struct backup_actor){"cli", "cli", "コマンドライン操作", rid};
}

static void print_copied(void *ctx, const struct manifest_db *d, int64_t us)
{
    (void)ctx;
    char head[MANIFEST_HASH_LEN * 2 + 1];
    if (d->kind == MANIFEST_CONTROL) {
        printf("control database: %s, %llu bytes, %.2f s\n", d->file, (unsigned long long)d->bytes,
               (double)us / 1e6);
        return;
    }
    text_hex(d->audit_head, MANIFEST_HASH_LEN, head);
    printf("%s %s: %s, %llu bytes, %.2f s, audit head %lld:%s\n", d->code, d->name, d->file,
           (unsigned long long)d->bytes, (double)us / 1e6, (long long)d->audit_entries, head);
}

static void print_verdict(void *ctx, const struct manifest_db *d, const struct kd_err *problem)
{
    (void)ctx;
    char who[160];
    if (d->kind == MANIFEST_CONTROL)
        snprintf(who, sizeof who, "control database");
    else
        snprintf(who, sizeof who, "%s %s", d->code, d->name);
    if (problem) {
        printf("%s: %s: PROBLEM: %s\n", who, d->file, problem->message);
        return;
    }
    if (d->kind == MANIFEST_CONTROL) {
        printf("%s: %s intact (%llu bytes)\n", who, d->file, (unsigned long long)d->bytes);
        return;
    }
    char head[MANIFEST_HASH_LEN * 2 + 1];
    text_hex(d->audit_head, MANIFEST_HASH_LEN, head);
    printf("%s: %s intact (%llu bytes), audit chain verified: %lld entries, head %lld:%s\n", who,
           d->file, (unsigned long long)d->bytes, (long long)d->audit_entries,
           (long long)d->audit_entries, head);
}

static int verify(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "kyodo: %s is not a folder\n", dir);
        return CLI_ERROR;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "kyodo: libsodium cannot start\n");
        return CLI_ERROR;
    }
    struct manifest m;
    struct kd_err err;
    kd_err_clear(&err);
    int problems = backup_set_verify(dir, &m, print_verdict, NULL, &err);
    int rc;
    if (problems < 0) {
        printf("%s: PROBLEM: %s\n", dir, err.message);
        rc = CLI_FOUND_PROBLEM;
    } else if (problems > 0) {
        printf("backup %s: %d of %zu databases have a problem\n", dir, problems, m.count);
        rc = CLI_FOUND_PROBLEM;
    } else {
        printf("backup %s intact: %zu databases, made %s by kyodo %s (%s)\n", dir, m.count,
               m.created_at, m.kyodo_version, m.engine);
        rc = CLI_OK;
    }
    manifest_free(&m);
    return rc;
}

/* `backup verify DIR`: takes the common options too (they change nothing:
 * a backup is checked on its own). */
static int cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_common common = {0};
    int opt;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        if (opt == 'h') {
            fputs(backup_usage, stdout);
            return CLI_OK;
        }
        fputs(backup_usage, stderr);
        return CLI_ERROR;
    }
    if (optind != argc - 1) {
        fputs(backup_usage, stderr);
        return CLI_ERROR;
    }
    return verify(argv[optind]);
}

int cmd_backup(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc, argv);
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"tenant", required_argument, NULL, 'T'},
        {"all", no_argument, NULL, 'a'},
        {"control", no_argument, NULL, 'C'},
        {"out", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *tenant = NULL, *out = NULL;
    bool all = false, control = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'T': tenant = optarg; break;
        case 'a': all = true; break;
        case 'C': control = true; break;
        case 'o': out = optarg; break;
        case 'h': fputs(backup_usage, stdout); return CLI_OK;
        default: fputs(backup_usage, stderr); return CLI_ERROR;
        }
    }
    if (optind != argc || !out || !tenant == !all || (all && control)) {
        fputs(backup_usage, stderr);
        return CLI_ERROR;
    }
    struct kd_err err;
    kd_err_clear(&err);
    if (tenant && tenant_check_code(tenant, strlen(tenant), &err) < 0)
        return cli_fail(&err);
    struct config cfg;
    struct catalog *cat = cli_start(&common, &cfg);
    if (!cat)
        return CLI_ERROR;
    char rid[20];
    struct backup_actor actor = cli_actor(rid);
    struct backup_request rq = {out, tenant, all, control, "command", &actor};
    struct manifest m;
    int broken = 0;
    int64_t t0 = clock_mono_us();
    int rc = CLI_OK;
    if (backup_set_make(cat, &rq, &m, &broken, print_copied, NULL, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        uint64_t bytes = 0;
        for (size_t i = 0; i < m.count; i++)
            bytes += m.dbs[i].bytes;
        printf("backup complete: %s (%zu databases, %llu bytes, %.2f s)\n", out, m.count,
               (unsigned long long)bytes, (double)(clock_mono_us() - t0) / 1e6);
        if (broken) {
            printf("%d town(s) have a BROKEN audit chain: the manifest records the head of the "
                   "part that verifies (kyodo audit verify names the entry)\n",
                   broken);
            rc = CLI_FOUND_PROBLEM;
        }
    }
    manifest_free(&m);
    catalog_close(cat);
    return rc;
}

static void print_restored(void *ctx, const struct manifest_db *d, int64_t us)
{
    (void)ctx;
    if (d->kind == MANIFEST_CONTROL)
        printf("control database restored (%.2f s; sessions not carried over)\n", (double)us / 1e6);
    else
        printf("%s %s restored (%.2f s)\n", d->code, d->name, (double)us / 1e6);
}

/* A data directory a standby can be made in: no databases yet. */
static int fresh_data_dir(const struct config *cfg)
{
    char path[sizeof cfg->data_dir + 32];
    snprintf(path, sizeof path, "%s/control.db", cfg->data_dir);
    if (access(path, F_OK) == 0) {
        fprintf(stderr,
                "kyodo: %s already holds a deployment: restore --all makes one in an empty data "
                "directory (restore one town with --tenant)\n",
                cfg->data_dir);
        return -1;
    }
    return 0;
}

static int restore_all(const struct cli_common *common, const char *from)
{
    struct config cfg;
    if (cli_config(common, &cfg) < 0)
        return CLI_ERROR;
    struct kd_err err;
    kd_err_clear(&err);
    int lock = cli_data_lock(&cfg, true, &err);
    if (lock < 0)
        return cli_fail(&err);
    if (fresh_data_dir(&cfg) < 0) {
        cli_data_unlock(lock);
        return CLI_ERROR;
    }
    struct catalog *cat = cli_open(&cfg);
    if (!cat) {
        cli_data_unlock(lock);
        return CLI_ERROR;
    }
    char rid[20];
    struct backup_actor actor = cli_actor(rid);
    struct backup_program prog = {&app_schemas, app_migrate_control, app_migrate_town};
    int64_t t0 = clock_mono_us();
    int rc = CLI_OK;
    if (backup_restore_all(cat, &prog, from, &actor, print_restored, NULL, &err) < 0)
        rc = cli_fail(&err);
    else
        printf("deployment restored from %s into %s (%.2f s)\n", from, cfg.data_dir,
               (double)(clock_mono_us() - t0) / 1e6);
    catalog_close(cat);
    cli_data_unlock(lock);
    return rc;
}

static int restore_town(const struct cli_common *common, const char *code, const char *from)
{
    struct kd_err err;
    kd_err_clear(&err);
    if (tenant_check_code(code, strlen(code), &err) < 0)
        return cli_fail(&err);
    struct config cfg;
    struct catalog *cat = cli_start(common, &cfg);
    if (!cat)
        return CLI_ERROR;
    char rid[20];
    struct backup_actor actor = cli_actor(rid);
    struct backup_program prog = {&app_schemas, app_migrate_control, app_migrate_town};
    struct backup_restore_result res;
    int64_t t0 = clock_mono_us();
    int rc = CLI_OK;
    if (backup_restore_town(cat, &prog, from, code, &actor, &res, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("town %s %s restored from %s (taken %s, audit entries 1..%lld) in %.2f s\n", code,
           res.db.name, res.set_dir, res.db.taken_at, (long long)res.db.audit_entries,
           (double)(clock_mono_us() - t0) / 1e6);
    printf("the restore is audit entry %lld\n", (long long)res.entries);
    if (res.aside[0])
        printf("the replaced database is kept as %s\n", res.aside);
    if (res.registered)
        printf("the town was not registered: it is registered again, disabled. Its staff "
               "accounts went with it: add its administrator (kyodo user add), then enable it "
               "(kyodo tenant enable)\n");
    else if (!res.active)
        printf("the town is disabled (kyodo tenant enable opens it)\n");
out:
    catalog_close(cat);
    return rc;
}

int cmd_restore(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"tenant", required_argument, NULL, 'T'},
        {"all", no_argument, NULL, 'a'},
        {"from", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *tenant = NULL, *from = NULL;
    bool all = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'T': tenant = optarg; break;
        case 'a': all = true; break;
        case 'f': from = optarg; break;
        case 'h': fputs(restore_usage, stdout); return CLI_OK;
        default: fputs(restore_usage, stderr); return CLI_ERROR;
        }
    }
    if (optind != argc || !from || !tenant == !all) {
        fputs(restore_usage, stderr);
        return CLI_ERROR;
    }
    return all ? restore_all(&common, from) : restore_town(&common, tenant, from);
}

/* ---- the data directory's lock ------------------------------------------------ */

int cli_data_lock(const struct config *cfg, bool exclusive, struct kd_err *err)
{
    if (cfg->data_dir[0] && mkdir(cfg->data_dir, 0750) != 0 && errno != EEXIST)
        return kd_fail(err, KD_INTERNAL, "data_dir", "cannot create %s: %s", cfg->data_dir,
                       strerror(errno));
    char path[sizeof cfg->data_dir + 16];
    snprintf(path, sizeof path, "%s/kyodo.lock", cfg->data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return kd_fail(err, KD_INTERNAL, "data_dir", "cannot open %s: %s", path,
                       strerror(errno));
    if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
        return fd;
    int e = errno;
    close(fd);
    if (e != EWOULDBLOCK)
        return kd_fail(err, KD_INTERNAL, "data_dir", "cannot lock %s: %s", path, strerror(e));
    if (exclusive)
        return kd_fail(err, KD_CONFLICT, "data_dir",
                       "a kyodo server is running on %s: stop it first (this command changes "
                       "files the server keeps open)",
                       cfg->data_dir);
    return kd_fail(err, KD_CONFLICT, "data_dir",
                   "%s is held by a command that must run alone (tenant drop, restore --all): "
                   "start the server when it has finished",
                   cfg->data_dir);
}

void cli_data_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}
