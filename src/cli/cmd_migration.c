/*
 * cmd_migration.c — `kyodo export` and `kyodo import`: a town's data in a
 * migration layout (中間標準レイアウト; migration/migration.h,
 * docs/layouts.md), with a progress bar on a terminal.
 */
#include "cli/cli.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/tenant.h"
#include "migration/migration.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char export_usage[] =
    "usage: kyodo export --tenant CODE --layout NAME --out DIR [--profile P] [--layouts DIR]\n"
    "       (and --config FILE, --data DIR)\n"
    "\n"
    "Writes every file of the migration layout NAME (juki 住民基本台帳, jutogai 住登外,\n"
    "inkan 印鑑登録) for the town into DIR (made; it must be new or empty), with\n"
    "manifest.json: the layout and its version, the profile, the town, the time, and\n"
    "each file's rows and SHA-256. One consistent reading of the town. The profile\n"
    "(default kyodo: UTF-8, a header row, ISO dates) sets the physical form; the\n"
    "layouts are read from --layouts or [migration] layouts_dir. Audited in the\n"
    "town's log.\n";

static const char import_usage[] =
    "usage: kyodo import --tenant CODE --layout NAME --in DIR [--profile P] [--dry-run]\n"
    "                    [--report DIR] [--layouts DIR]\n"
    "       (and --config FILE, --data DIR)\n"
    "\n"
    "Reads the files of the migration layout NAME from DIR in the profile P (default\n"
    "kyodo; a vendor's files: e.g. cp932-wareki), checks every field and the references\n"
    "between the files (and manifest.json when there is one), and either writes\n"
    "everything in one transaction or nothing. The town must not yet hold data of the\n"
    "layout (住民基本台帳 goes first: 印鑑登録 and 宛名統合 refer to its people).\n"
    "The report (report.csv, report.txt: file, line, item, value, reason) goes to\n"
    "--report (default DIR-report). --dry-run checks everything and commits nothing.\n"
    "Exit status: 0 imported (or, with --dry-run, would be), 1 refused (see the\n"
    "report), 2 an error.\n";

struct bar {
    bool tty;
    int64_t started_us;
    int width_done;
};

/* The progress bar: stderr, only on a terminal. */
static int progress(void *ctx, const char *file, int64_t rows, int64_t done, int64_t total)
{
    struct bar *b = ctx;
    if (!b->tty)
        return 0;
    double s = (double)(clock_mono_us() - b->started_us) / 1e6;
    char bar[41];
    int fill = total > 0 ? (int)(40 * (double)(done > total ? total : done) / (double)total) : 0;
    for (int i = 0; i < 40; i++)
        bar[i] = i < fill ? '#' : total > 0 ? '.' : ' ';
    bar[40] = '\0';
    if (total > 0)
        fprintf(stderr, "\r[%s] %3d%% %-14.14s %10" PRId64 " rows  %6.1f s", bar,
                (int)(100 * (double)done / (double)total), file, rows, s);
    else
        fprintf(stderr, "\r%-14.14s %10" PRId64 " rows  %6.1f s", file, rows, s);
    fflush(stderr);
    b->width_done = 1;
    return 0;
}

static void bar_end(struct bar *b)
{
    if (b->tty && b->width_done)
        fputc('\n', stderr);
}

struct args {
    struct cli_common common;
    const char *tenant, *layout, *dir, *profile, *report, *layouts;
    bool dry_run;
};

static int parse(int argc, char **argv, bool import, struct args *a)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"tenant", required_argument, NULL, 'T'},
        {"layout", required_argument, NULL, 'L'},
        {"out", required_argument, NULL, 'o'},
        {"in", required_argument, NULL, 'i'},
        {"profile", required_argument, NULL, 'p'},
        {"report", required_argument, NULL, 'r'},
        {"layouts", required_argument, NULL, 'l'},
        {"dry-run", no_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    const char *usage = import ? import_usage : export_usage;
    memset(a, 0, sizeof *a);
    optind = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&a->common, opt, optarg))
            continue;
        switch (opt) {
        case 'T': a->tenant = optarg; break;
        case 'L': a->layout = optarg; break;
        case 'o':
            if (import)
                goto bad;
            a->dir = optarg;
            break;
        case 'i':
            if (!import)
                goto bad;
            a->dir = optarg;
            break;
        case 'p': a->profile = optarg; break;
        case 'r':
            if (!import)
                goto bad;
            a->report = optarg;
            break;
        case 'l': a->layouts = optarg; break;
        case 'n':
            if (!import)
                goto bad;
            a->dry_run = true;
            break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: goto bad;
        }
    }
    if (optind != argc || !a->tenant || !a->layout || !a->dir)
        goto bad;
    return -1;
bad:
    fputs(usage, stderr);
    return CLI_ERROR;
}

static void request_id(char rid[20])
{
    unsigned char raw[6];
    memcpy(rid, "cli-", 4);
    randombytes_buf(raw, sizeof raw);
    text_hex(raw, sizeof raw, rid + 4);
}

static int run(int argc, char **argv, bool import)
{
    struct args a;
    int done = parse(argc, argv, import, &a);
    if (done >= 0)
        return done;
    struct kd_err err;
    kd_err_clear(&err);
    if (tenant_check_code(a.tenant, strlen(a.tenant), &err) < 0)
        return cli_fail(&err);
    struct config cfg;
    struct catalog *cat = cli_start(&a.common, &cfg);
    if (!cat)
        return CLI_ERROR;
    struct store *ctl = catalog_control(cat, &err);
    struct tenant t;
    struct store *town = NULL;
    if (!ctl || tenant_get(ctl, a.tenant, &t, &err) < 0 ||
        !(town = catalog_town(cat, a.tenant, &err))) {
        catalog_close(cat);
        return cli_fail(&err);
    }
    char rid[20];
    request_id(rid);
    struct bar bar = {isatty(STDERR_FILENO) != 0, clock_mono_us(), 0};
    struct mig_options o = {
        .layouts_root = a.layouts ? a.layouts : cfg.layouts_dir,
        .layout = a.layout,
        .profile = a.profile,
        .actor = "cli",
        .role = "cli",
        .request_id = rid,
        .dry_run = a.dry_run,
        .progress = progress,
        .progress_ctx = &bar,
    };
    struct mig_summary sum;
    int rc;
    if (!import) {
        rc = migration_export(town, t.code, &o, a.dir, &sum, &err);
        bar_end(&bar);
        if (rc == 0)
            printf("%s %s: %s exported to %s: %d files, %" PRId64 " rows (%.1f s)\n", t.code,
                   t.name, a.layout, a.dir, sum.n_files, sum.rows,
                   (double)(clock_mono_us() - bar.started_us) / 1e6);
    } else {
        char report[4200];
        if (a.report)
            snprintf(report, sizeof report, "%s", a.report);
        else
            snprintf(report, sizeof report, "%.*s-report",
                     (int)(strlen(a.dir) - (strlen(a.dir) > 1 && a.dir[strlen(a.dir) - 1] == '/')),
                     a.dir);
        rc = migration_import(town, t.code, &o, a.dir, report, &sum, &err);
        bar_end(&bar);
        double s = (double)(clock_mono_us() - bar.started_us) / 1e6;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        if (rc == 0) {
            printf("%s %s: %s %s: %d files, %" PRId64 " rows (%.1f s, peak memory %ld MiB)\n",
                   t.code, t.name, a.layout,
                   a.dry_run ? "checked (dry run, nothing written)" : "imported", sum.n_files,
                   sum.rows, s, ru.ru_maxrss / 1024);
            if (sum.dropped)
                printf("%" PRId64 " values of items kyodo does not hold were not taken\n",
                       sum.dropped);
        }
        else if (rc == 1)
            fprintf(stderr,
                    "kyodo: %s %s: %s refused: %" PRId64 " problems in %" PRId64
                    " rows; nothing was written. Report: %s/report.txt (and report.csv)\n",
                    t.code, t.name, a.layout, sum.problems, sum.rows, report);
    }
    catalog_close(cat);
    if (rc < 0)
        return cli_fail(&err);
    return rc == 1 ? CLI_FOUND_PROBLEM : CLI_OK;
}

int cmd_export(int argc, char **argv)
{
    return run(argc, argv, false);
}

int cmd_import(int argc, char **argv)
{
    return run(argc, argv, true);
}
