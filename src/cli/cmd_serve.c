/*
 * cmd_serve.c — `kyodo serve`: the HTTP server until SIGTERM or SIGINT.
 */
#include "cli/cli.h"

#include "api/api.h"
#include "app.h"
#include "base/log.h"
#include "base/text.h"
#include "engine/audit_queue.h"
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
    "port; the \"listening\" log line names it.\n";

static enum log_level level_of(const char *s)
{
    if (strcmp(s, "debug") == 0)
        return LOG_DEBUG;
    if (strcmp(s, "warn") == 0)
        return LOG_WARN;
    if (strcmp(s, "error") == 0)
        return LOG_ERROR;
    return LOG_INFO;
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
    struct config cfg;
    if (cli_config(&common, &cfg) < 0)
        return CLI_ERROR;
    int64_t v;
    if (listen)
        snprintf(cfg.listen, sizeof cfg.listen, "%s", listen);
    if (web)
        snprintf(cfg.web_dir, sizeof cfg.web_dir, "%s", web);
    if (port) {
        if (!text_parse_i64(port, strlen(port), 0, 65535, &v)) {
            fprintf(stderr, "kyodo: --port must be 0 to 65535\n");
            return CLI_ERROR;
        }
        cfg.port = (int)v;
    }
    if (threads) {
        if (!text_parse_i64(threads, strlen(threads), 1, 256, &v)) {
            fprintf(stderr, "kyodo: --threads must be 1 to 256\n");
            return CLI_ERROR;
        }
        cfg.threads = (int)v;
    }
    if (logfile) {
        int fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0) {
            perror(logfile);
            return CLI_ERROR;
        }
        log_set_fd(fd);
    }
    log_set_level(level_of(cfg.log_level));

    /* Signals are taken by this thread with sigwait; every thread started
     * from here on inherits the block. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct catalog *cat = cli_open(&cfg);
    if (!cat)
        return CLI_ERROR;
    if (log_async_start() < 0) {
        catalog_close(cat);
        fprintf(stderr, "kyodo: cannot start the log writer\n");
        return CLI_ERROR;
    }
    struct kd_err err;
    struct audit_queue *audit = audit_queue_start(cat, &err);
    if (!audit) {
        catalog_close(cat);
        log_async_stop();
        return cli_fail(&err);
    }
    struct api_app app = {
        .cat = cat,
        .cfg = &cfg,
        .policy = app_policy(&cfg),
        .web_dir = cfg.web_dir,
        .audit_queue = audit,
    };
    struct http_server_config hc = {
        .listen = cfg.listen,
        .port = cfg.port,
        .threads = cfg.threads,
        .max_body = (size_t)cfg.max_body_bytes,
        .max_header = (size_t)cfg.max_header_bytes,
        .max_connections = cfg.max_connections,
        .max_connections_per_ip = cfg.max_connections_per_ip,
        .connection_timeout = cfg.connection_timeout,
        .access_log = cfg.access_log,
        .trust_request_id = cfg.trust_request_id,
    };
    struct http_server *srv = http_server_start(&hc, api_dispatch, &app, &err);
    if (!srv) {
        audit_queue_free(audit);
        catalog_close(cat);
        log_async_stop();
        return cli_fail(&err);
    }
    struct logline l;
    logline_begin(&l, LOG_INFO, "listening");
    logline_str(&l, "listen", cfg.listen);
    logline_int(&l, "port", http_server_port(srv));
    logline_str(&l, "data", cfg.data_dir);
    logline_str(&l, "version", KYODO_VERSION);
    logline_end(&l);
    struct maintenance *daily = maintenance_start(cat);
    if (!daily)
        log_msg(LOG_ERROR, "the daily work (age milestones) could not start", NULL);

    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            log_msg(LOG_INFO, "SIGHUP: nothing to reload yet", NULL);
            continue;
        }
        logline_begin(&l, LOG_INFO, "shutting down");
        logline_str(&l, "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        logline_end(&l);
        break;
    }
    maintenance_stop(daily);
    http_server_drain(srv, cfg.shutdown_grace);
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
    http_server_stop(srv);
    audit_queue_free(audit);
    catalog_close(cat);
    log_msg(LOG_INFO, "stopped", NULL);
    log_async_stop();
    return CLI_OK;
}
