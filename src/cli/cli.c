/*
 * cli.c — what the commands share.
 */
#include "cli/cli.h"

#include "app.h"
#include "base/text.h"
#include "engine/audit.h"
#include "engine/password.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int cli_verb_usage(int argc, char **argv, const char *usage)
{
    if (argc >= 2 && strcmp(argv[1], "--help") != 0) {
        optind = 2;
        return -1;
    }
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? CLI_ERROR : CLI_OK;
}

bool cli_common_opt(struct cli_common *c, int opt, const char *arg)
{
    switch (opt) {
    case 'c': c->config_path = arg; return true;
    case 'd': c->data_dir = arg; return true;
    case CLI_OPT_STORE: c->store = arg; return true;
    default: return false;
    }
}

int cli_fail(const struct kd_err *err)
{
    if (err->field[0])
        fprintf(stderr, "kyodo: %s: %s\n", err->field, err->message);
    else
        fprintf(stderr, "kyodo: %s\n", err->message);
    return CLI_ERROR;
}

int cli_config(const struct cli_common *c, struct config *cfg)
{
    struct kd_err err;
    config_defaults(cfg);
    if (c->config_path && config_load(cfg, c->config_path, &err) < 0) {
        cli_fail(&err);
        return -1;
    }
    if (c->data_dir) {
        if (strlen(c->data_dir) >= sizeof cfg->data_dir) {
            fprintf(stderr, "kyodo: --data: path too long\n");
            return -1;
        }
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", c->data_dir);
    }
    if (c->store) {
        if (strlen(c->store) >= sizeof cfg->store) {
            fprintf(stderr, "kyodo: --store: URL too long\n");
            return -1;
        }
        snprintf(cfg->store, sizeof cfg->store, "%s", c->store);
    }
    if (config_check(cfg, &err) < 0) {
        cli_fail(&err);
        return -1;
    }
    return 0;
}

struct catalog *cli_open(const struct config *cfg)
{
    struct kd_err err;
    if (password_init(cfg->hash_concurrency, &err) < 0) {
        cli_fail(&err);
        return NULL;
    }
    struct catalog *cat = app_open(cfg, &err);
    if (!cat)
        cli_fail(&err);
    return cat;
}

/* The entry's fields for a CLI action. */
static void cli_entry(struct audit_entry *e, char rid[20], const char *action, const char *detail)
{
    unsigned char raw[6];
    memcpy(rid, "cli-", 4);
    randombytes_buf(raw, sizeof raw);
    text_hex(raw, sizeof raw, rid + 4);
    *e = (struct audit_entry){
        .user_login = "cli",
        .role = "cli",
        .action = action,
        .outcome = "ok",
        .purpose = "コマンドライン操作",
        .request_id = rid,
        .detail = detail,
    };
}

struct catalog *cli_start(const struct cli_common *c, struct config *cfg)
{
    return cli_config(c, cfg) < 0 ? NULL : cli_open(cfg);
}

int cli_audit(struct catalog *cat, const char *town, const char *action, const char *detail,
              struct kd_err *err)
{
    struct store *s = catalog_town(cat, town, err);
    if (!s)
        return -1;
    char rid[20];
    struct audit_entry e;
    cli_entry(&e, rid, action, detail);
    return audit_append(s, town, &e, err);
}

int cli_audit_town_created(void *ctx, const char *code, struct store *ctl, struct store *town,
                           struct kd_err *err)
{
    (void)ctl;
    char rid[20];
    struct audit_entry e;
    cli_entry(&e, rid, "tenant.create", ctx);
    return audit_append(town, code, &e, err);
}

int cli_read_password(const char *prompt, char *buf, size_t cap, struct kd_err *err)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *line = fgets(buf, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fprintf(stderr, "\n");
    }
    if (!line)
        return kd_fail(err, KD_MISSING_FIELD, "password", "no password given on standard input");
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] != '\n' && !feof(stdin))
        return kd_fail(err, KD_TOO_LONG, "password", "password line is too long");
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return 0;
}

void cli_random_password(char *buf, size_t n)
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (size_t i = 0; i < n; i++)
        buf[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    buf[n] = '\0';
}
