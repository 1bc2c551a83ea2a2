/*
 * cmd_tenant.c — `kyodo tenant add|list|enable|disable`.
 */
#include "cli/cli.h"

#include "engine/tenant.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: kyodo tenant add --code CODE --name NAME\n"
    "       kyodo tenant list\n"
    "       kyodo tenant disable --code CODE\n"
    "       kyodo tenant enable --code CODE\n"
    "\n"
    "A tenant is a town: CODE is its 全国地方公共団体コード (six digits, the last a\n"
    "check digit), NAME its name (up to 32 characters). add creates the town's\n"
    "database; disable stops its sign-ins and sessions and keeps its data.\n"
    "Common options: --config FILE, --data DIR.\n";

static int print_tenant(void *ctx, const struct tenant *t)
{
    (void)ctx;
    printf("%s\t%s\t%s\t%s\n", t->code, t->name, t->active ? "active" : "disabled",
           t->created_at);
    return 0;
}

int cmd_tenant(int argc, char **argv)
{
    int done = cli_verb_usage(argc, argv, usage);
    if (done >= 0)
        return done;
    const char *verb = argv[1];
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"code", required_argument, NULL, 'C'},
        {"name", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *code = NULL, *name = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'C': code = optarg; break;
        case 'n': name = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_ERROR;
        }
    }
    bool add = strcmp(verb, "add") == 0, list = strcmp(verb, "list") == 0;
    bool enable = strcmp(verb, "enable") == 0, disable = strcmp(verb, "disable") == 0;
    if (optind != argc || !(add || list || enable || disable) || (!list && !code) ||
        (add && !name)) {
        fputs(usage, stderr);
        return CLI_ERROR;
    }
    struct kd_err err;
    if (code && tenant_check_code(code, strlen(code), &err) < 0)
        return cli_fail(&err);
    struct config cfg;
    struct catalog *cat = cli_start(&common, &cfg);
    if (!cat)
        return CLI_ERROR;
    int rc = CLI_OK;
    struct store *ctl = catalog_control(cat, &err);
    if (!ctl) {
        rc = cli_fail(&err);
    } else if (list) {
        if (tenant_list(ctl, print_tenant, NULL, &err) < 0)
            rc = cli_fail(&err);
    } else if (add) {
        if (tenant_add(cat, code, name, cli_audit_town_created, (void *)"town registered",
                       &err) < 0)
            rc = cli_fail(&err);
        else
            printf("town %s %s added\n", code, name);
    } else {
        if (tenant_update(ctl, code, NULL, enable, &err) < 0 ||
            cli_audit(cat, code, "tenant.update", enable ? "enabled" : "disabled", &err) < 0)
            rc = cli_fail(&err);
        else
            printf("town %s %s\n", code, enable ? "enabled" : "disabled");
    }
    catalog_close(cat);
    return rc;
}
