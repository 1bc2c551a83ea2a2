/*
 * main.c — `kyodo <command> …`.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: kyodo <command> [options]\n"
    "\n"
    "kyodo — the shared core administration system of a consortium of towns.\n"
    "\n"
    "commands:\n"
    "  serve                 run the HTTP server (API and clerk UI)\n"
    "  tenant add|list|enable|disable\n"
    "                        the consortium's towns\n"
    "  user add|list|passwd|disable|enable|unlock\n"
    "                        a town's staff accounts\n"
    "  audit verify          prove a town's audit chain intact\n"
    "  demo                  create the six Agatsuma towns with one user per role\n"
    "  consortium show|import|list|export|delete\n"
    "                        the consortium's sheets: proposal scoring, cost\n"
    "                        comparison, joint procurement, cost allocation\n"
    "  export                a town's data in a migration layout (中間標準レイアウト)\n"
    "  import                a migration layout's files into a town, all or nothing\n"
    "  residents generate|milestones\n"
    "                        invented residents for demonstrations and benchmarks;\n"
    "                        publish age milestones\n"
    "  backup [verify]       online backups of towns or of everything; check one\n"
    "  restore               put one town (or, on a standby, everything) back\n"
    "                        from a backup\n"
    "  version               print the version\n"
    "\n"
    "Every command takes --config FILE, --data DIR and --help.\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_ERROR : CLI_OK;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } commands[] = {
        {"serve", cmd_serve}, {"tenant", cmd_tenant}, {"user", cmd_user},
        {"audit", cmd_audit}, {"demo", cmd_demo}, {"consortium", cmd_consortium},
        {"residents", cmd_residents}, {"export", cmd_export}, {"import", cmd_import},
        {"backup", cmd_backup}, {"restore", cmd_restore},
    };
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("kyodo %s\n", KYODO_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "kyodo: unknown command '%s'\n\n%s", argv[1], usage);
    return CLI_ERROR;
}
