/*
 * cmd_consortium.c — `kyodo consortium show|import|list|export|delete`: the
 * consortium secretariat's sheets from the command line.
 */
#include "cli/cli.h"

#include "base/clock.h"
#include "consortium/sheets.h"
#include "http/jw.h"
#include "report/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: kyodo consortium show FILE [--format text|csv|json|pdf] [--output OUT]\n"
    "       kyodo consortium import FILE... [--title TITLE] [--skip-existing]\n"
    "       kyodo consortium list\n"
    "       kyodo consortium export --id N [--format text|csv|json|pdf|sheet] [--output OUT]\n"
    "       kyodo consortium delete --id N\n"
    "\n"
    "The consortium's own tools: proposal scoring (プロポーザル集計), the five-year cost\n"
    "comparison (コスト削減効果検証), joint procurement (共同調達) and cost allocation\n"
    "(費用按分). Each is computed from a sheet: a UTF-8 file of tab-separated records\n"
    "(docs/consortium.md; the seed's are in data/consortium/agatsuma/). Towns named\n"
    "in a sheet must be registered (kyodo tenant add, or kyodo demo).\n"
    "\n"
    "show     computes FILE and prints its tables (text), or writes CSV, JSON or the\n"
    "         PDF report (--output required for pdf).\n"
    "import   checks each FILE and stores it as a sheet of the consortium (control\n"
    "         database), where the secretariat's screens show it. --skip-existing\n"
    "         skips a file whose title is already stored.\n"
    "list     the stored sheets: id, kind, title, last change.\n"
    "export   a stored sheet, computed (as show) or as its text (sheet).\n"
    "delete   removes a stored sheet.\n"
    "\n"
    "Figures printed in the sheet (printed records) are compared with the computed\n"
    "ones. Exit status: 0 done, 1 a printed figure does not follow from its inputs\n"
    "(it is flagged in the output), 2 bad usage or a bad sheet (the message names\n"
    "the line and the item).\n"
    "Common options: --config FILE, --data DIR.\n";

enum format { F_TEXT, F_CSV, F_JSON, F_PDF, F_SHEET };

static int read_file(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kyodo: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(CONS_TEXT_MAX + 2);
    if (!buf) {
        fclose(f);
        fprintf(stderr, "kyodo: out of memory\n");
        return -1;
    }
    size_t n = fread(buf, 1, CONS_TEXT_MAX + 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad || n > CONS_TEXT_MAX) {
        fprintf(stderr, "kyodo: %s: %s\n", path,
                bad ? "cannot be read" : "a sheet is at most 256 KiB");
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

static int write_out(const char *out, const char *data, size_t len)
{
    FILE *f = out ? fopen(out, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "kyodo: %s: %s\n", out, strerror(errno));
        return -1;
    }
    size_t n = fwrite(data, 1, len, f);
    int rc = (n == len && fflush(f) == 0) ? 0 : -1;
    if (out && fclose(f) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "kyodo: %s: cannot write\n", out ? out : "standard output");
    return rc;
}

/* Writes a computed result in the format; returns the exit status. */
static int emit(const struct cons_result *r, enum format fmt, const char *out)
{
    char *data = NULL;
    size_t len = 0;
    struct kd_err err;
    switch (fmt) {
    case F_TEXT: data = cons_text(r, &len); break;
    case F_CSV: data = cons_csv(r, &len); break;
    case F_JSON: {
        struct jw w;
        jw_init(&w);
        cons_json(&w, r);
        jw_raw(&w, "", 0);
        data = jw_finish(&w, &len);
        break;
    }
    case F_PDF: {
        char day[CLOCK_ISO_LEN], printed_on[32];
        clock_format_iso(clock_now_ms() + 9 * 3600 * 1000, day);
        snprintf(printed_on, sizeof printed_on, "作成 %.4s年%.2s月%.2s日", day, day + 5,
                 day + 8);
        if (cons_pdf(r, printed_on, &data, &len, &err) < 0)
            return cli_fail(&err);
        break;
    }
    case F_SHEET: break;
    }
    if (!data) {
        fprintf(stderr, "kyodo: out of memory\n");
        return CLI_ERROR;
    }
    int rc = write_out(out, data, len);
    if (rc == 0 && fmt == F_JSON && !out)
        fputc('\n', stdout);
    free(data);
    if (rc < 0)
        return CLI_ERROR;
    if (r->mismatches)
        fprintf(stderr,
                "kyodo: %d printed figure(s) do not follow from the inputs (flagged in the "
                "output)\n",
                r->mismatches);
    return r->mismatches ? CLI_FOUND_PROBLEM : CLI_OK;
}

static int print_row(void *ctx, const struct cons_sheet_row *row)
{
    (void)ctx;
    printf("%lld\t%s\t%s\t%s\t%s\n", (long long)row->id, cons_kind_name(row->kind), row->title,
           row->updated_at, row->updated_by);
    return 0;
}

struct find_title {
    const char *title;
    bool found;
};

static int match_title(void *ctx, const struct cons_sheet_row *row)
{
    struct find_title *f = ctx;
    f->found |= strcmp(row->title, f->title) == 0;
    return 0;
}

int cmd_consortium(int argc, char **argv)
{
    int done = cli_verb_usage(argc, argv, usage);
    if (done >= 0)
        return done;
    const char *verb = argv[1];
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"title", required_argument, NULL, 't'},
        {"id", required_argument, NULL, 'i'},
        {"skip-existing", no_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *out = NULL, *title = NULL, *format = NULL, *id_arg = NULL;
    bool skip = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 't': title = optarg; break;
        case 'i': id_arg = optarg; break;
        case 's': skip = true; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_ERROR;
        }
    }
    bool show = strcmp(verb, "show") == 0, import = strcmp(verb, "import") == 0;
    bool list = strcmp(verb, "list") == 0, export = strcmp(verb, "export") == 0;
    bool del = strcmp(verb, "delete") == 0;
    int nfiles = argc - optind;
    if (!(show || import || list || export || del) || (show && nfiles != 1) ||
        (import && nfiles < 1) || ((list || export || del) && nfiles != 0) ||
        ((export || del) && !id_arg) || (title && !import) || (skip && !import) ||
        (format && !(show || export)) || (out && !(show || export))) {
        fputs(usage, stderr);
        return CLI_ERROR;
    }
    enum format fmt = F_TEXT;
    if (format) {
        static const char *const names[] = {"text", "csv", "json", "pdf", "sheet"};
        int k = 0;
        while (k < 5 && strcmp(names[k], format) != 0)
            k++;
        if (k == 5 || (k == F_SHEET && !export)) {
            fprintf(stderr, "kyodo: --format: one of text, csv, json, pdf%s\n",
                    export ? ", sheet" : "");
            return CLI_ERROR;
        }
        fmt = (enum format)k;
    }
    if (fmt == F_PDF && !out) {
        fprintf(stderr, "kyodo: --format pdf needs --output FILE\n");
        return CLI_ERROR;
    }
    int64_t id = 0;
    if (id_arg && !cons_parse_int(id_arg, 1, INT64_MAX, &id)) {
        fprintf(stderr, "kyodo: --id: a sheet id is a positive whole number\n");
        return CLI_ERROR;
    }
    struct config cfg;
    struct catalog *cat = cli_start(&common, &cfg);
    if (!cat)
        return CLI_ERROR;
    struct kd_err err;
    struct arena a;
    arena_init(&a, NULL, 0, (size_t)64 << 20);
    int rc = CLI_OK;
    struct store *ctl = catalog_control(cat, &err);
    if (!ctl) {
        rc = cli_fail(&err);
    } else if (show) {
        char *text;
        size_t len;
        struct cons_towns towns;
        struct cons_result *r;
        if (read_file(argv[optind], &text, &len) < 0) {
            rc = CLI_ERROR;
        } else {
            if (cons_members(ctl, &a, &towns, &err) < 0 ||
                !(r = cons_compute(&a, argv[optind], text, len, &towns, &err)))
                rc = cli_fail(&err);
            else
                rc = emit(r, fmt, out);
            free(text);
        }
    } else if (import) {
        for (int i = optind; i < argc && rc == CLI_OK; i++) {
            char *text;
            size_t len;
            if (read_file(argv[i], &text, &len) < 0) {
                rc = CLI_ERROR;
                break;
            }
            enum cons_kind kind;
            char text_title[CONS_TITLE_CHARS * 4 + 1];
            struct find_title f = {title, false};
            if (skip && !title &&
                cons_sheet_kind(text, len, &kind, text_title, sizeof text_title, &err) == 0)
                f.title = text_title;
            if (skip && f.title && cons_sheet_list(ctl, match_title, &f, &err) < 0) {
                rc = cli_fail(&err);
            } else if (f.found) {
                printf("%s: %s is already stored\n", argv[i], f.title);
            } else {
                int64_t new_id;
                struct cons_towns towns;
                /* Checked here first so that the message names the file. */
                if (cons_members(ctl, &a, &towns, &err) < 0 ||
                    !cons_compute(&a, argv[i], text, len, &towns, &err) ||
                    cons_sheet_add(ctl, title, text, len, "cli", clock_now_ms(), &new_id,
                                   &err) < 0) {
                    rc = cli_fail(&err);
                } else {
                    printf("%s: stored as sheet %lld\n", argv[i], (long long)new_id);
                }
            }
            free(text);
        }
    } else if (list) {
        if (cons_sheet_list(ctl, print_row, NULL, &err) < 0)
            rc = cli_fail(&err);
    } else if (export) {
        struct cons_sheet_row row;
        struct cons_result *r;
        if (cons_sheet_get(ctl, &a, id, &row, &err) < 0)
            rc = cli_fail(&err);
        else if (fmt == F_SHEET)
            rc = write_out(out, row.text, row.text_len) < 0 ? CLI_ERROR : CLI_OK;
        else if (!(r = cons_sheet_compute(ctl, &a, &row, &err)))
            rc = cli_fail(&err);
        else
            rc = emit(r, fmt, out);
    } else {
        if (cons_sheet_delete(ctl, id, &err) < 0)
            rc = cli_fail(&err);
        else
            printf("sheet %lld deleted\n", (long long)id);
    }
    arena_release(&a);
    catalog_close(cat);
    report_shutdown();
    return rc;
}
