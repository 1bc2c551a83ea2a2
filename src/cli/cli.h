/*
 * cli.h — the kyodo command line: one binary, one verb per job.
 *
 * Every command takes --config FILE (INI, see etc/kyodo.conf.example) and
 * --data DIR (overrides [store] data_dir), --store URL (a postgresql:// URL,
 * overrides [store] store), and --help. Exit status: 0 done,
 * 1 the job found a problem (e.g. a broken audit chain), 2 bad usage or an
 * error.
 */
#ifndef KYODO_CLI_CLI_H
#define KYODO_CLI_CLI_H

#include "engine/config.h"
#include "store/catalog.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

enum { CLI_OK = 0, CLI_FOUND_PROBLEM = 1, CLI_ERROR = 2 };

/* Options every command accepts, as getopt_long entries and their values
 * (--store has a value no short option can take). */
enum { CLI_OPT_STORE = 1000 };
#define CLI_COMMON_LONGOPTS                                                                    \
    {"config", required_argument, NULL, 'c'}, {"data", required_argument, NULL, 'd'},          \
        {"store", required_argument, NULL, CLI_OPT_STORE}, {"help", no_argument, NULL, 'h'}

struct cli_common {
    const char *config_path;
    const char *data_dir;
    const char *store; /* --store URL: overrides [store] store */
};

/* For `kyodo CMD VERB [options]`: with no verb, prints usage to stderr and
 * returns CLI_ERROR; for --help, prints it to stdout and returns CLI_OK;
 * otherwise returns -1 and the caller goes on (getopt from argv[2]). */
int cli_verb_usage(int argc, char **argv, const char *usage);

/* Handles a common option; returns true if opt was one. */
bool cli_common_opt(struct cli_common *c, int opt, const char *arg);

/* Loads the configuration (defaults, then the file, then --data). Prints the
 * error and returns -1 on failure. */
int cli_config(const struct cli_common *c, struct config *cfg);

/* Opens every database (app_open) or prints why not. */
struct catalog *cli_open(const struct config *cfg);

/* cli_config, then cli_open: what most commands do first. */
struct catalog *cli_start(const struct cli_common *c, struct config *cfg);

/* Prints "kyodo: <message>" (and the field) to stderr; returns CLI_ERROR. */
int cli_fail(const struct kd_err *err);

/* Records a CLI action in a town's audit log. */
int cli_audit(struct catalog *cat, const char *town, const char *action, const char *detail,
              struct kd_err *err);

/* A tenant_init_fn recording "tenant.create" in the new town's log, with
 * ctx (a string) as the detail. */
int cli_audit_town_created(void *ctx, const char *code, struct store *ctl, struct store *town,
                           struct kd_err *err);

/* Reads a password: a line from stdin (without echo on a terminal). */
int cli_read_password(const char *prompt, char *buf, size_t cap, struct kd_err *err);

/* Makes a random password of n characters from an unambiguous alphabet. */
void cli_random_password(char *buf, size_t n);

struct tenant;
struct synth_stats;
/* Fills the empty register of town t with `count` synthetic residents and
 * `years` of history (residents/synth.h), and records it in the town's audit
 * log. */
int cli_synthesize(struct catalog *cat, const struct tenant *t, int count, uint64_t seed,
                   int years, struct synth_stats *st, struct kd_err *err);

/* The server's daily work (maintenance.c): a thread that publishes each
 * town's age milestones at start and whenever the date changes, and
 * refreshes the per-town figures of the metrics page (obs, may be NULL)
 * every stats_interval seconds (set again by a reload, which also refreshes
 * them at once). */
struct maintenance;
struct observe;
struct maintenance *maintenance_start(struct catalog *cat, struct observe *obs,
                                      int stats_interval);
void maintenance_set_stats_interval(struct maintenance *m, int seconds);
void maintenance_stop(struct maintenance *m);

/* `kyodo residents milestones`: publishes through `through` (ISO; NULL:
 * today in Japan; never after it), from `from` (NULL: where each town left
 * off), for one town, or every active town when tenant is NULL. */
int cli_milestones(struct catalog *cat, const char *tenant, const char *from,
                   const char *through);

int cmd_serve(int argc, char **argv);
int cmd_tenant(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_consortium(int argc, char **argv);
int cmd_residents(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);

/* The data directory's lock (<data>/kyodo.lock, cmd_backup.c): the server
 * holds it shared while it runs; commands that change files a server keeps
 * open (tenant drop, restore --all) hold it exclusively. Never waits: -1 and
 * err (KD_CONFLICT, naming who holds it). Returns the descriptor to pass to
 * cli_data_unlock (or to keep until the process exits). */
int cli_data_lock(const struct config *cfg, bool exclusive, struct kd_err *err);
void cli_data_unlock(int fd);

/* The server's own online backups (backup_schedule.c): a thread that makes
 * a set of every database every [backup] interval seconds in [backup] dir
 * and keeps the newest [backup] keep. NULL when none are configured (or the
 * thread cannot start: logged). Stopping waits for a backup under way. */
struct backup_schedule;
struct backup_schedule *backup_schedule_start(struct catalog *cat, const struct config *cfg);
void backup_schedule_stop(struct backup_schedule *s);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);

#endif
