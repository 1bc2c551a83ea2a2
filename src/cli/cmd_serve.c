/*
 * cmd_serve.c — `kyodo serve`: the HTTP server until SIGTERM or SIGINT.
 *
 * Signals are taken synchronously: the main thread blocks SIGTERM, SIGINT
 * and SIGHUP before any other thread starts and waits for them with
 * sigwait(), so no code runs in a signal handler. SIGHUP reloads the
 * configuration file on this thread (reload()); SIGTERM and SIGINT begin
 * the shutdown.
 *
 * Everything the server writes once it runs, including why it could not
 * start, is a JSON log line (base/log.h); only usage errors are plain text.
 */
#include "cli/cli.h"

#include "api/api.h"
#include "api/migration_jobs.h"
#include "api/observe.h"
#include "app.h"
#include "base/log.h"
#include "base/service.h"
#include "base/text.h"
#include "engine/audit_queue.h"
#include "engine/password.h"
#include "http/server.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: kyodo serve [--config FILE] [--data DIR] [--listen ADDR] [--port N]\n"
    "                   [--web DIR] [--threads N] [--log FILE]\n"
    "\n"
    "Runs the API under /api/v1/ and the clerk UI at / until SIGTERM or SIGINT,\n"
    "then finishes the requests in flight (up to [server] shutdown_grace seconds).\n"
    "Logs are JSON lines on standard error (or --log FILE). --port 0 picks a free\n"
    "port; the \"listening\" log line names it. SIGHUP reloads the --config file\n"
    "(the keys that a reload applies; the log names those that need a restart).\n"
    "With [metrics] listen set, GET /metrics is served on that address and port\n"
    "only. Under systemd (Type=notify) it reports ready, reloading and stopping.\n";

static enum log_level log_level_of(const char *s)
{
    if (strcmp(s, "debug") == 0)
        return LOG_DEBUG;
    if (strcmp(s, "warn") == 0)
        return LOG_WARN;
    if (strcmp(s, "error") == 0)
        return LOG_ERROR;
    return LOG_INFO;
}

/* Logs why the server cannot start (a JSON line, like everything it writes). */
static int start_failed(const char *what, const struct kd_err *err)
{
    struct logline l;
    logline_begin(&l, LOG_ERROR, "start failed");
    logline_str(&l, "step", what);
    if (err) {
        if (err->field[0])
            logline_str(&l, "field", err->field);
        logline_text(&l, "detail", err->message);
    }
    logline_end(&l);
    return CLI_ERROR;
}

/* The server as it runs, and what a reload needs. */
struct serve {
    const char *config_path; /* NULL: no file, nothing to reload */
    struct config file;      /* as last read from the file (before command-line options) */
    struct config live;      /* in force: the file, the options, and what reloads applied */
    struct api_app *app;
    struct http_server *srv;
    struct observe *obs;
    struct maintenance *daily;
};

static void set_policy(struct auth_policy *dst, const struct config *cfg)
{
    struct auth_policy p = app_policy(cfg);
    dst->idle_ms = p.idle_ms;
    dst->lifetime_ms = p.lifetime_ms;
    dst->touch_ms = p.touch_ms;
    dst->lockout_threshold = p.lockout_threshold;
    dst->lockout_ms = p.lockout_ms;
    dst->password_min_chars = p.password_min_chars;
}

/* Comma-separated "section.key" lists of the keys that changed. */
struct changes {
    char applied[512], restart[512];
};

static void add_key(char *list, size_t cap, const char *section, const char *key)
{
    size_t n = strlen(list);
    snprintf(list + n, cap - n, "%s%s.%s", n ? "," : "", section, key);
}

static void note_change(void *ctx, const char *section, const char *key, bool reloadable)
{
    struct changes *c = ctx;
    if (reloadable)
        add_key(c->applied, sizeof c->applied, section, key);
    else
        add_key(c->restart, sizeof c->restart, section, key);
}

static void refuse_reload(struct serve *s, const struct kd_err *err)
{
    struct logline l;
    logline_begin(&l, LOG_ERROR, "configuration not reloaded");
    logline_str(&l, "config", s->config_path);
    if (err->field[0])
        logline_str(&l, "field", err->field);
    logline_text(&l, "detail", err->message);
    logline_str(&l, "kept", "the configuration in force");
    logline_end(&l);
    observe_count_reload(s->obs, false);
}

/* SIGHUP: reads the file again and applies the keys that can change while
 * the server runs; an invalid file changes nothing. */
static void reload(struct serve *s)
{
    if (!s->config_path) {
        log_msg(LOG_WARN, "configuration not reloaded", "the server was started without --config");
        return;
    }
    service_reloading();
    struct kd_err err;
    kd_err_clear(&err);
    struct config fresh, next = s->live;
    config_defaults(&fresh);
    if (config_load(&fresh, s->config_path, &err) < 0) {
        refuse_reload(s, &err);
        service_ready("serving (the last reload was refused)");
        return;
    }
    config_take_reloadable(&next, &fresh);
    if (config_check(&next, &err) < 0) {
        refuse_reload(s, &err);
        service_ready("serving (the last reload was refused)");
        return;
    }
    struct changes c = {"", ""};
    config_diff(&s->file, &fresh, note_change, &c);

    http_server_reconfigure(s->srv, (size_t)next.max_body_bytes, next.access_log,
                            next.trust_request_id);
    set_policy(&s->app->policy, &next);
    observe_set_token(s->obs, next.metrics_token);
    maintenance_set_stats_interval(s->daily, next.town_stats_interval);
    s->live = next;
    s->file = fresh;
    observe_count_reload(s->obs, true);

    struct logline l;
    logline_begin(&l, LOG_INFO, "configuration reloaded");
    logline_str(&l, "config", s->config_path);
    logline_str(&l, "applied", c.applied);
    logline_end(&l);
    if (c.restart[0]) {
        logline_begin(&l, LOG_WARN, "configuration: restart needed");
        logline_str(&l, "keys", c.restart);
        logline_str(&l, "detail", "these keys changed in the file but apply only at the next start");
        logline_end(&l);
    }
    /* Last, so that the lines above are written under the level they were
     * reloaded from. */
    log_set_level(log_level_of(next.log_level));
    service_ready("serving");
}

/* The metrics listener: GET /metrics on [metrics] listen and port. */
static struct http_server *start_metrics(const struct config *cfg, struct observe *obs,
                                         struct kd_err *err)
{
    struct http_server_config mc = {
        .listen = cfg->metrics_listen,
        .port = cfg->metrics_port,
        .threads = 1,
        .max_body = 1024,
        .max_header = 16 << 10,
        .max_connections = 32,
        .max_connections_per_ip = 0,
        .connection_timeout = 30,
        .access_log = false,
        .trust_request_id = false,
    };
    struct http_server *m = http_server_start(&mc, observe_dispatch, obs, err);
    if (!m)
        return NULL;
    struct logline l;
    logline_begin(&l, LOG_INFO, "metrics listening");
    logline_str(&l, "listen", cfg->metrics_listen);
    logline_int(&l, "port", http_server_port(m));
    logline_bool(&l, "token", cfg->metrics_token[0] != '\0');
    logline_end(&l);
    return m;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"listen", required_argument, NULL, 'l'},
        {"port", required_argument, NULL, 'p'},
        {"web", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 't'},
        {"log", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    struct cli_common common = {0};
    const char *listen = NULL, *port = NULL, *web = NULL, *threads = NULL, *logfile = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_common_opt(&common, opt, optarg))
            continue;
        switch (opt) {
        case 'l': listen = optarg; break;
        case 'p': port = optarg; break;
        case 'w': web = optarg; break;
        case 't': threads = optarg; break;
        case 'L': logfile = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_ERROR;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return CLI_ERROR;
    }
    int64_t v = 0;
    if (port && !text_parse_i64(port, strlen(port), 0, 65535, &v)) {
        fprintf(stderr, "kyodo: --port must be 0 to 65535\n");
        return CLI_ERROR;
    }
    int64_t nthreads = 0;
    if (threads && !text_parse_i64(threads, strlen(threads), 1, 256, &nthreads)) {
        fprintf(stderr, "kyodo: --threads must be 1 to 256\n");
        return CLI_ERROR;
    }
    if (logfile) {
        int fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0) {
            perror(logfile);
            return CLI_ERROR;
        }
        log_set_fd(fd);
    }

    static struct serve s; /* static: big, and one per process */
    s.config_path = common.config_path;
    struct kd_err err;
    kd_err_clear(&err);
    config_defaults(&s.file);
    if (s.config_path && config_load(&s.file, s.config_path, &err) < 0)
        return start_failed("configuration", &err);
    /* The file and the options that override it (--data, --store). */
    struct config *cfg = &s.live;
    if (cli_config(&common, cfg) < 0)
        return CLI_ERROR;
    /* Held (shared) until the process exits: tenant drop and restore --all
     * refuse to run beside a server. */
    if (cli_data_lock(cfg, false, &err) < 0)
        return start_failed("data directory", &err);
    if (listen)
        snprintf(cfg->listen, sizeof cfg->listen, "%s", listen);
    if (web)
        snprintf(cfg->web_dir, sizeof cfg->web_dir, "%s", web);
    if (port)
        cfg->port = (int)v;
    if (threads)
        cfg->threads = (int)nthreads;
    log_set_level(log_level_of(cfg->log_level));

    /* Signals are taken by this thread with sigwait; every thread started
     * from here on inherits the block. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (password_init(cfg->hash_concurrency, &err) < 0)
        return start_failed("password hashing", &err);
    struct catalog *cat = app_open(cfg, &err);
    if (!cat)
        return start_failed("databases", &err);
    if (log_async_start() < 0) {
        catalog_close(cat);
        return start_failed("log writer", NULL);
    }
    struct audit_queue *audit = audit_queue_start(cat, &err);
    if (!audit) {
        catalog_close(cat);
        start_failed("audit queue", &err);
        log_async_stop();
        return CLI_ERROR;
    }
    /* The config the workers read never changes once they run: a reload
     * reaches them through the atomic fields of the policy, the server and
     * the log level (reload()). */
    static struct config worker_cfg;
    worker_cfg = *cfg;
    /* The operator's export and import jobs run on their own thread. */
    struct mig_jobs *migration = mig_jobs_start(cat, &worker_cfg, &err);
    if (!migration) {
        audit_queue_free(audit);
        catalog_close(cat);
        start_failed("migration jobs", &err);
        log_async_stop();
        return CLI_ERROR;
    }
    struct api_app app = {
        .cat = cat,
        .cfg = &worker_cfg,
        .web_dir = worker_cfg.web_dir,
        .audit_queue = audit,
        .migration = migration,
    };
    set_policy(&app.policy, cfg);
    struct observe_sources os = {cat, &app_schemas, audit, &app.policy};
    struct observe *obs = observe_new(&os, &err);
    if (!obs) {
        mig_jobs_stop(migration);
        audit_queue_free(audit);
        catalog_close(cat);
        start_failed("metrics", &err);
        log_async_stop();
        return CLI_ERROR;
    }
    observe_set_token(obs, cfg->metrics_token);
    app.observe = obs;
    struct http_server_config hc = {
        .observe = observe_request,
        .observe_ctx = obs,
        .listen = cfg->listen,
        .port = cfg->port,
        .threads = cfg->threads,
        .max_body = (size_t)cfg->max_body_bytes,
        .max_header = (size_t)cfg->max_header_bytes,
        .max_connections = cfg->max_connections,
        .max_connections_per_ip = cfg->max_connections_per_ip,
        .connection_timeout = cfg->connection_timeout,
        .access_log = cfg->access_log,
        .trust_request_id = cfg->trust_request_id,
        .upload_limit = api_upload_limit,
        .spool_dir = mig_jobs_spool_dir(migration),
    };
    struct http_server *srv = http_server_start(&hc, api_dispatch, &app, &err);
    struct http_server *msrv = NULL;
    if (srv && cfg->metrics_listen[0] && !(msrv = start_metrics(cfg, obs, &err))) {
        http_server_drain(srv, 0);
        http_server_stop(srv);
        srv = NULL;
    }
    if (!srv) {
        mig_jobs_stop(migration);
        observe_free(obs);
        audit_queue_free(audit);
        catalog_close(cat);
        start_failed("listen", &err);
        log_async_stop();
        return CLI_ERROR;
    }
    struct logline l;
    logline_begin(&l, LOG_INFO, "listening");
    logline_str(&l, "listen", cfg->listen);
    logline_int(&l, "port", http_server_port(srv));
    logline_str(&l, "data", cfg->data_dir);
    logline_str(&l, "version", KYODO_VERSION);
    logline_end(&l);
    s.app = &app;
    s.srv = srv;
    s.obs = obs;
    s.daily = maintenance_start(cat, obs, cfg->town_stats_interval);
    if (!s.daily)
        log_msg(LOG_ERROR, "the daily work (age milestones) could not start", NULL);
    service_ready("serving");
    struct backup_schedule *backups = backup_schedule_start(cat, cfg);

    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload(&s);
            continue;
        }
        logline_begin(&l, LOG_INFO, "shutting down");
        logline_str(&l, "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        logline_end(&l);
        break;
    }
    observe_set_stopping(obs);
    service_stopping();
    maintenance_stop(s.daily);
    backup_schedule_stop(backups);
    http_server_drain(srv, s.live.shutdown_grace);
    /* Answers held for their audit entries go out before the server stops
     * (libmicrohttpd must not stop with a connection suspended). */
    audit_queue_stop(audit);
    struct audit_queue_stats qs;
    audit_queue_stats(audit, &qs);
    logline_begin(&l, LOG_INFO, "audit queue");
    logline_int(&l, "reads", (int64_t)qs.jobs);
    logline_int(&l, "entries", (int64_t)qs.entries);
    logline_int(&l, "transactions", (int64_t)qs.transactions);
    logline_end(&l);
    /* A job in progress stops within a second and is queued again for the
     * next start (docs/migration-operations.md). */
    mig_jobs_stop(migration);
    http_server_stop(srv);
    if (msrv) {
        http_server_drain(msrv, 1);
        http_server_stop(msrv);
    }
    observe_free(obs);
    audit_queue_free(audit);
    catalog_close(cat);
    log_msg(LOG_INFO, "stopped", NULL);
    log_async_stop();
    return CLI_OK;
}
