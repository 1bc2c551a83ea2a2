/*
 * cmd_demo.c — `kyodo demo`: the six Agatsuma towns, one user per role each.
 *
 * Idempotent: towns and users that exist are kept. Passwords are random on
 * first creation and kept in <data>/demo-logins.tsv (mode 0600, never in the
 * repository) so that a second run prints the same logins.
 */
#include "cli/cli.h"

#include "base/clock.h"
#include "engine/password.h"
#include "engine/tenant.h"
#include "engine/user.h"
#include "residents/synth.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "usage: kyodo demo [--config FILE] [--data DIR] [--url URL] [--scale F]\n"
    "\n"
    "Creates the six towns of the Agatsuma district (中之条町 104213, 長野原町 104248,\n"
    "嬬恋村 104256, 草津町 104264, 高山村 104281, 東吾妻町 104299) with one user per\n"
    "role, fills each empty register with invented residents — the towns' real\n"
    "populations times F (default 1; 0 for none) — with ten years of history, and\n"
    "prints the logins. Run again, it reuses what exists.\n";

/* Populations as in the seed document (56,413 in all). */
static const struct {
    const char *code, *name;
    int population;
} towns[] = {
    {"104213", "中之条町", 16842}, {"104248", "長野原町", 5477}, {"104256", "嬬恋村", 9787},
    {"104264", "草津町", 6512},    {"104281", "高山村", 3679},   {"104299", "東吾妻町", 14116},
};

static const struct {
    const char *login;
    enum role role;
} people[] = {
    {"admin", ROLE_ADMIN},  {"jumin", ROLE_RESIDENTS}, {"zeimu", ROLE_TAX},
    {"fukushi", ROLE_WELFARE}, {"kansa", ROLE_AUDITOR}, {"unyo", ROLE_OPERATOR},
    {"jimukyoku", ROLE_CONSORTIUM}, {"sekinin", ROLE_RESIDENTS_SUPERVISOR},
};

enum { NTOWNS = 6, NPEOPLE = 8, PW_LEN = 12 };

/* Passwords known from an earlier run, indexed [town][person]. */
static char known[NTOWNS][NPEOPLE][PW_LEN + 1];

/* Prints s left-aligned in `cols` terminal columns: characters of three or
 * four UTF-8 bytes (kanji, kana, full-width forms) take two columns. */
static void print_cell(const char *s, int cols)
{
    int width = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        width += n >= 3 ? 2 : 1;
        while (n-- && *p)
            p++;
    }
    printf("%s%*s", s, cols > width ? cols - width : 0, "");
}

static int index_of_town(const char *code)
{
    for (int i = 0; i < NTOWNS; i++)
        if (strcmp(towns[i].code, code) == 0)
            return i;
    return -1;
}

static int index_of_person(const char *login)
{
    for (int i = 0; i < NPEOPLE; i++)
        if (strcmp(people[i].login, login) == 0)
            return i;
    return -1;
}

static void load_known(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char code[8], login[40], pw[40];
        if (sscanf(line, "%7s %39s %39s", code, login, pw) != 3)
            continue;
        int t = index_of_town(code), p = index_of_person(login);
        if (t >= 0 && p >= 0 && strlen(pw) == PW_LEN)
            memcpy(known[t][p], pw, PW_LEN + 1);
    }
    fclose(f);
}

static int save_known(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    chmod(path, 0600);
    fprintf(f, "# kyodo demo logins: town code, login, password (demo data only)\n");
    for (int t = 0; t < NTOWNS; t++)
        for (int p = 0; p < NPEOPLE; p++)
            fprintf(f, "%s\t%s\t%s\n", towns[t].code, people[p].login, known[t][p]);
    return fclose(f);
}

int cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"url", required_argument, NULL, 'U'},
        {"scale", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *url = "http://127.0.0.1:8080/";
    double scale = 1;
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'U': url = optarg; break;
        case 'S':
            scale = strtod(optarg, &end);
            if (end == optarg || *end || !(scale >= 0 && scale <= 20)) {
                fprintf(stderr, "kyodo: --scale must be a number from 0 to 20\n");
                return CLI_ERROR;
            }
            break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_ERROR;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return CLI_ERROR;
    }
    struct config cfg;
    struct catalog *cat = cli_start(&common, &cfg);
    if (!cat)
        return CLI_ERROR;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/demo-logins.tsv", cfg.data_dir);
    load_known(path);

    struct kd_err err;
    int rc = CLI_OK;
    struct store *ctl = catalog_control(cat, &err);
    if (!ctl)
        goto out_fail;
    for (int t = 0; t < NTOWNS; t++) {
        struct tenant tn;
        if (tenant_get(ctl, towns[t].code, &tn, &err) < 0) {
            if (err.code != KD_NOT_FOUND ||
                tenant_add(cat, towns[t].code, towns[t].name, cli_audit_town_created,
                           (void *)"demo town", &err) < 0)
                goto out_fail;
        }
        for (int p = 0; p < NPEOPLE; p++) {
            struct user u;
            char *pw = known[t][p];
            char display[96];
            snprintf(display, sizeof display, "%s（デモ）", role_label(people[p].role));
            if (user_find(ctl, towns[t].code, people[p].login, &u, &err) == 0) {
                if (pw[0])
                    continue;
                /* The user exists but its password was lost: set a new one. */
                cli_random_password(pw, PW_LEN);
                if (user_set_password(ctl, towns[t].code, u.id, pw, cfg.password_min_length,
                                      &err) < 0)
                    goto out_fail;
                continue;
            }
            if (err.code != KD_NOT_FOUND)
                goto out_fail;
            if (!pw[0])
                cli_random_password(pw, PW_LEN);
            if (user_add(ctl, towns[t].code, people[p].login, display, people[p].role, pw,
                         cfg.password_min_length, NULL, &err) < 0 ||
                cli_audit(cat, towns[t].code, "user.create", "demo user", &err) < 0)
                goto out_fail;
        }
    }
    for (int t = 0; t < NTOWNS && scale > 0; t++) {
        struct tenant tn;
        struct store *town;
        bool empty;
        if (tenant_get(ctl, towns[t].code, &tn, &err) < 0 ||
            !(town = catalog_town(cat, towns[t].code, &err)) ||
            residents_register_empty(town, &empty, &err) < 0)
            goto out_fail;
        int count = (int)(towns[t].population * scale + 0.5);
        if (!empty || count < 1)
            continue;
        struct synth_stats st;
        int64_t t0 = clock_mono_us();
        if (cli_synthesize(cat, &tn, count, (uint64_t)t + 1, 10, &st, &err) < 0)
            goto out_fail;
        fprintf(stderr, "%s %s: %d residents in %d households, %d 異動 over ten years (%.1f s)\n",
               tn.code, tn.name, st.residents, st.households, st.events,
               (double)(clock_mono_us() - t0) / 1e6);
    }
    if (save_known(path) != 0) {
        fprintf(stderr, "kyodo: cannot write %s: %s\n", path, strerror(errno));
        rc = CLI_ERROR;
        goto out;
    }
    printf("\nkyodo demo — %s\n\n", url);
    static const char *const heads[] = {"町村コード", "団体名", "ユーザー", "役割"};
    static const int cols[] = {12, 10, 10, 16}; /* 住民記録責任者 is 14 columns */
    for (int c = 0; c < 4; c++)
        print_cell(heads[c], cols[c]);
    printf("パスワード\n");
    for (int t = 0; t < NTOWNS; t++) {
        for (int p = 0; p < NPEOPLE; p++) {
            const char *cells[] = {towns[t].code, towns[t].name, people[p].login,
                                   role_label(people[p].role)};
            for (int c = 0; c < 4; c++)
                print_cell(cells[c], cols[c]);
            printf("%s\n", known[t][p]);
        }
    }
    printf("\n(the logins are also in %s)\n\n", path);
    goto out;
out_fail:
    rc = cli_fail(&err);
out:
    catalog_close(cat);
    return rc;
}
