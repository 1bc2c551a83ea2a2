/*
 * cmd_audit.c — `kyodo audit verify`.
 */
#include "cli/cli.h"

#include "base/text.h"
#include "engine/audit.h"
#include "engine/tenant.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: kyodo audit verify --tenant CODE [--anchor SEQ:HASH]\n"
    "       kyodo audit verify --all\n"
    "\n"
    "Walks a town's audit log from the first entry to the last and checks that\n"
    "every entry is numbered in sequence, follows the one before it, and still\n"
    "matches its hash. Prints the number of entries and the head (SEQ:HASH), or\n"
    "the first entry that fails and why. Exit status 0 intact, 1 broken, 2 error.\n"
    "\n"
    "A chain cannot show by itself that entries were cut from its end. Keep the\n"
    "head printed by each run somewhere else, and give it back with --anchor:\n"
    "the check then also fails unless that entry is still there, unchanged.\n"
    "Common options: --config FILE, --data DIR.\n";

struct verify_ctx {
    struct catalog *cat;
    const struct audit_anchor *anchor;
    int broken;
    int errors;
};

/* SEQ:HASH, the hash as 64 hex digits. */
static bool parse_anchor(const char *s, struct audit_anchor *a)
{
    const char *colon = strchr(s, ':');
    if (!colon || !text_parse_i64(s, (size_t)(colon - s), 1, INT64_MAX, &a->seq))
        return false;
    const char *hex = colon + 1;
    size_t n = 0;
    if (strlen(hex) != AUDIT_HASH_LEN * 2 ||
        sodium_hex2bin(a->hash, AUDIT_HASH_LEN, hex, strlen(hex), NULL, &n, NULL) != 0)
        return false;
    return n == AUDIT_HASH_LEN;
}

static int verify_one(void *p, const struct tenant *t)
{
    struct verify_ctx *v = p;
    struct kd_err err;
    struct audit_verdict verdict;
    struct store *s = catalog_town(v->cat, t->code, &err);
    if (!s || audit_verify(s, t->code, v->anchor, &verdict, &err) < 0) {
        fprintf(stderr, "%s: cannot verify: %s\n", t->code, err.message);
        v->errors++;
        return 0;
    }
    char head[AUDIT_HASH_LEN * 2 + 1];
    text_hex(verdict.head, AUDIT_HASH_LEN, head);
    if (verdict.ok) {
        printf("%s %s: audit chain intact: %lld entries, head %lld:%s\n", t->code, t->name,
               (long long)verdict.entries, (long long)verdict.entries, head);
    } else {
        printf("%s %s: audit chain BROKEN at entry %lld: %s (%lld entries before it verified)\n",
               t->code, t->name, (long long)verdict.first_bad, verdict.reason,
               (long long)verdict.entries);
        v->broken++;
    }
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    int done = cli_verb_usage(argc, argv, usage);
    if (done >= 0)
        return done;
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"tenant", required_argument, NULL, 'T'},
        {"all", no_argument, NULL, 'a'},
        {"anchor", required_argument, NULL, 'A'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *tenant = NULL, *anchor_s = NULL;
    bool all = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'T': tenant = optarg; break;
        case 'a': all = true; break;
        case 'A': anchor_s = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_ERROR;
        }
    }
    if (optind != argc || strcmp(argv[1], "verify") != 0 || (!tenant == !all) ||
        (anchor_s && all)) {
        fputs(usage, stderr);
        return CLI_ERROR;
    }
    struct kd_err err;
    kd_err_clear(&err);
    struct audit_anchor anchor;
    if (anchor_s && !parse_anchor(anchor_s, &anchor)) {
        fprintf(stderr, "kyodo: --anchor must be SEQ:HASH (the head printed by verify)\n");
        return CLI_ERROR;
    }
    if (tenant && tenant_check_code(tenant, strlen(tenant), &err) < 0)
        return cli_fail(&err);
    struct config cfg;
    struct catalog *cat = cli_start(&common, &cfg);
    if (!cat)
        return CLI_ERROR;
    struct verify_ctx v = {cat, anchor_s ? &anchor : NULL, 0, 0};
    struct store *ctl = catalog_control(cat, &err);
    struct tenant t;
    if (!ctl)
        v.errors++;
    else if (all) {
        if (tenant_list(ctl, verify_one, &v, &err) < 0)
            v.errors++;
    } else if (tenant_get(ctl, tenant, &t, &err) < 0) {
        v.errors++;
    } else {
        verify_one(&v, &t);
    }
    if (v.errors && err.message[0])
        cli_fail(&err);
    catalog_close(cat);
    return v.errors ? CLI_ERROR : v.broken ? CLI_FOUND_PROBLEM : CLI_OK;
}
