/*
 * cmd_user.c — `kyodo user add|list|passwd|disable|enable|unlock`.
 */
#include "cli/cli.h"

#include "engine/password.h"
#include "engine/tenant.h"
#include "engine/user.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: kyodo user add --tenant CODE --login LOGIN --name NAME --role ROLE\n"
    "                      [--password-stdin]\n"
    "       kyodo user list --tenant CODE\n"
    "       kyodo user passwd --tenant CODE --login LOGIN [--password-stdin]\n"
    "       kyodo user disable|enable|unlock --tenant CODE --login LOGIN\n"
    "\n"
    "ROLE is one of admin, residents_clerk, residents_supervisor, tax_clerk,\n"
    "welfare_clerk, auditor, operator, consortium_admin. Without --password-stdin\n"
    "a random password is made and printed once. passwd and disable end the\n"
    "user's sessions. Every change is recorded in the town's audit log. Common\n"
    "options: --config FILE, --data DIR.\n";

static int print_user(void *ctx, const struct user *u)
{
    (void)ctx;
    printf("%lld\t%s\t%s\t%s\t%s\n", (long long)u->id, u->login, u->name, role_name(u->role),
           u->disabled ? "disabled" : "active");
    return 0;
}

/* The new password: from stdin, or made up and printed. */
static int new_password(bool from_stdin, char *buf, size_t cap, bool *made, struct kd_err *err)
{
    *made = !from_stdin;
    if (from_stdin)
        return cli_read_password("password: ", buf, cap, err);
    cli_random_password(buf, 16);
    return 0;
}

int cmd_user(int argc, char **argv)
{
    int done = cli_verb_usage(argc, argv, usage);
    if (done >= 0)
        return done;
    const char *verb = argv[1];
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"tenant", required_argument, NULL, 'T'},
        {"login", required_argument, NULL, 'u'},
        {"name", required_argument, NULL, 'n'},
        {"role", required_argument, NULL, 'r'},
        {"password-stdin", no_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *tenant = NULL, *login = NULL, *name = NULL, *role_s = NULL;
    bool pw_stdin = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'T': tenant = optarg; break;
        case 'u': login = optarg; break;
        case 'n': name = optarg; break;
        case 'r': role_s = optarg; break;
        case 'P': pw_stdin = true; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_ERROR;
        }
    }
    static const char *const verbs[] = {"add", "list", "passwd", "disable", "enable", "unlock"};
    int which = -1;
    for (int i = 0; i < 6; i++)
        if (strcmp(verb, verbs[i]) == 0)
            which = i;
    bool needs_login = which != 1;
    if (optind != argc || which < 0 || !tenant || (needs_login && !login) ||
        (which == 0 && (!name || !role_s))) {
        fputs(usage, stderr);
        return CLI_ERROR;
    }
    struct kd_err err;
    enum role role = ROLE_ADMIN;
    if (tenant_check_code(tenant, strlen(tenant), &err) < 0)
        return cli_fail(&err);
    if (role_s && !role_parse(role_s, strlen(role_s), &role)) {
        fprintf(stderr, "kyodo: --role: unknown role '%s'\n", role_s);
        return CLI_ERROR;
    }
    struct config cfg;
    struct catalog *cat = cli_start(&common, &cfg);
    if (!cat)
        return CLI_ERROR;

    int rc = CLI_OK;
    char password[PASSWORD_MAX_BYTES + 2];
    char detail[128];
    bool made = false;
    struct tenant t;
    struct user u;
    struct store *ctl = catalog_control(cat, &err);
    if (!ctl || tenant_get(ctl, tenant, &t, &err) < 0)
        goto out_fail;
    if (which == 1) {
        if (user_list(ctl, tenant, print_user, NULL, &err) < 0)
            goto out_fail;
        goto out;
    }
    if (which == 0) {
        int64_t id;
        if (new_password(pw_stdin, password, sizeof password, &made, &err) < 0 ||
            user_add(ctl, tenant, login, name, role, password, cfg.password_min_length, &id,
                     &err) < 0)
            goto out_fail;
        snprintf(detail, sizeof detail, "user %lld (%s) created as %s", (long long)id, login,
                 role_name(role));
        if (cli_audit(cat, tenant, "user.create", detail, &err) < 0)
            goto out_fail;
        printf("user %s added to %s %s as %s\n", login, t.code, t.name, role_name(role));
        if (made)
            printf("password: %s\n", password);
        goto out;
    }
    if (user_find(ctl, tenant, login, &u, &err) < 0)
        goto out_fail;
    if (which == 2) {
        if (new_password(pw_stdin, password, sizeof password, &made, &err) < 0 ||
            user_set_password(ctl, tenant, u.id, password, cfg.password_min_length, &err) < 0)
            goto out_fail;
        snprintf(detail, sizeof detail, "password of user %lld reset", (long long)u.id);
        if (cli_audit(cat, tenant, "user.password", detail, &err) < 0)
            goto out_fail;
        printf("password of %s changed\n", login);
        if (made)
            printf("password: %s\n", password);
        goto out;
    }
    struct user_change c = {.role = -1, .disabled = -1};
    if (which == 3)
        c.disabled = 1;
    else if (which == 4)
        c.disabled = 0;
    else
        c.unlock = true;
    if (user_update(ctl, tenant, u.id, &c, &err) < 0)
        goto out_fail;
    snprintf(detail, sizeof detail, "user %lld %sd", (long long)u.id, verb);
    if (cli_audit(cat, tenant, "user.update", detail, &err) < 0)
        goto out_fail;
    printf("user %s %sd\n", login, verb);
    goto out;
out_fail:
    rc = cli_fail(&err);
out:
    sodium_memzero(password, sizeof password);
    catalog_close(cat);
    return rc;
}
