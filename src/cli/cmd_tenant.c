/*
 * cmd_tenant.c — `kyodo tenant add|list|enable|disable`.
 */
#include "cli/cli.h"

#include "engine/tenant.h"
#include "store/backup.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: kyodo tenant add --code CODE --name NAME\n"
    "       kyodo tenant list\n"
    "       kyodo tenant disable --code CODE\n"
    "       kyodo tenant enable --code CODE\n"
    "       kyodo tenant drop --code CODE --confirm CODE\n"
    "\n"
    "A tenant is a town: CODE is its 全国地方公共団体コード (six digits, the last a\n"
    "check digit), NAME its name (up to 32 characters). add creates the town's\n"
    "database; disable stops its sign-ins and sessions and keeps its data.\n"
    "drop takes a disabled town out of the deployment, with no server running:\n"
    "its registry entry and staff accounts are deleted, its database is kept\n"
    "as <data>/dropped/CODE-TIME.db (kyodo restore brings a town back).\n"
    "Common options: --config FILE, --data DIR.\n";

static int print_tenant(void *ctx, const struct tenant *t)
{
    (void)ctx;
    printf("%s\t%s\t%s\t%s\n", t->code, t->name, t->active ? "active" : "disabled",
           t->created_at);
    return 0;
}

/* `tenant drop`: the town's own log records its drop, then its database
 * leaves the deployment, then its registry entry and accounts go. A drop
 * killed half-way is finished by running it again. */
static int drop_town(const struct cli_common *common, const char *code, const char *confirm)
{
    struct kd_err err;
    kd_err_clear(&err);
    if (tenant_check_code(code, strlen(code), &err) < 0)
        return cli_fail(&err);
    if (strcmp(code, confirm) != 0) {
        fprintf(stderr, "kyodo: --confirm must repeat the town's code\n");
        return CLI_ERROR;
    }
    struct config cfg;
    if (cli_config(common, &cfg) < 0)
        return CLI_ERROR;
    int lock = cli_data_lock(&cfg, true, &err);
    if (lock < 0)
        return cli_fail(&err);
    struct catalog *cat = cli_open(&cfg);
    if (!cat) {
        cli_data_unlock(lock);
        return CLI_ERROR;
    }
    int rc = CLI_OK;
    struct tenant t;
    char kept[4096] = "";
    struct store *ctl = catalog_control(cat, &err);
    if (!ctl || tenant_get(ctl, code, &t, &err) < 0) {
        rc = cli_fail(&err);
    } else if (t.active) {
        fprintf(stderr, "kyodo: town %s %s is active: disable it first (kyodo tenant disable)\n",
                code, t.name);
        rc = CLI_ERROR;
    } else if (catalog_town_exists(cat, code) &&
               (cli_audit(cat, code, "tenant.drop", "town dropped from the deployment", &err) < 0 ||
                (catalog_thread_done(cat),
                 backup_detach(cat, code, "dropped", kept, sizeof kept, &err) < 0))) {
        rc = cli_fail(&err);
    } else if (!(ctl = catalog_control(cat, &err)) || tenant_remove(ctl, code, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        printf("town %s %s dropped: registry entry and staff accounts deleted", code, t.name);
        if (kept[0])
            printf("; its database is kept as %s", kept);
        printf("\n");
    }
    catalog_close(cat);
    cli_data_unlock(lock);
    return rc;
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
        {"confirm", required_argument, NULL, 'y'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *code = NULL, *name = NULL, *confirm = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'C': code = optarg; break;
        case 'n': name = optarg; break;
        case 'y': confirm = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_ERROR;
        }
    }
    bool add = strcmp(verb, "add") == 0, list = strcmp(verb, "list") == 0;
    bool enable = strcmp(verb, "enable") == 0, disable = strcmp(verb, "disable") == 0;
    bool drop = strcmp(verb, "drop") == 0;
    if (optind != argc || !(add || list || enable || disable || drop) || (!list && !code) ||
        (add && !name) || (drop != (confirm != NULL))) {
        fputs(usage, stderr);
        return CLI_ERROR;
    }
    if (drop)
        return drop_town(&common, code, confirm);
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
