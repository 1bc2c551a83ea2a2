/*
 * config.h — the server's configuration file (INI, read with inih).
 *
 * Only what a deployment needs to start lives here; per-town settings live in
 * the databases. Every key has a default, so an empty file (or none) is a
 * valid configuration. etc/kyodo.conf.example documents each key.
 */
#ifndef KYODO_ENGINE_CONFIG_H
#define KYODO_ENGINE_CONFIG_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config {
    /* [server] */
    char listen[64];          /* IPv4 address to bind, default 127.0.0.1 */
    int port;                 /* default 8080; 0 picks a free port */
    int threads;              /* worker threads, default 4 */
    char web_dir[512];        /* static clerk UI, default ./web */
    int64_t max_body_bytes;   /* request body ceiling, default 1 MiB */
    int64_t max_header_bytes; /* per-connection header memory, default 16 KiB */
    int max_connections;      /* default 512 */
    int max_connections_per_ip; /* default 0 = no per-address limit */
    int connection_timeout;   /* idle seconds before a connection is closed, default 30 */
    int shutdown_grace;       /* seconds to finish requests on SIGTERM, default 10 */
    bool secure_cookies;      /* add Secure to cookies (behind TLS), default false */
    bool access_log;          /* one JSON line per request, default true */
    bool trust_request_id;    /* keep an incoming X-Request-Id (behind nginx), default false */
    char log_level[8];        /* debug, info, warn, error */
    /* [store] */
    char data_dir[512];       /* default ./data */
    char store[512];          /* a postgresql:// URL: the databases are schemas there;
                                 "" (default): SQLite files under data_dir */
    /* [session] */
    int idle_timeout;         /* seconds, default 1800 */
    int max_lifetime;         /* seconds, default 43200 */
    int lockout_threshold;    /* consecutive failures before lock-out, default 5 */
    int lockout_seconds;      /* default 900 */
    int password_min_length;  /* characters, default 10 */
    int hash_concurrency;     /* password hashes at once (64 MiB each), default 2 */
    /* [backup] (the server's own online backups, docs/operations.md) */
    char backup_dir[512];     /* dir: where the sets go; "" (default): none */
    int backup_interval;      /* interval: seconds between backups, 0 (default): off */
    int backup_keep;          /* keep: complete sets kept, default 24 */
    /* [metrics] (docs/operations.md, "Metrics") */
    char metrics_listen[64];  /* listen: address of the metrics listener; "" (default): none */
    int metrics_port;         /* port: default 9464; 0 picks a free port */
    char metrics_token[128];  /* token: if set, scrapes must send it as a Bearer token */
    int town_stats_interval;  /* seconds between refreshes of the per-town figures, default 60 */
    /* [migration] (the operator's export and import jobs, docs/migration-operations.md) */
    char layouts_dir[512];        /* layout definitions and profiles, default ./layouts */
    int64_t max_upload_bytes;     /* an uploaded import set (zip), default 1 GiB */
    int64_t max_unpacked_bytes;   /* its files once unpacked, all together, default 8 GiB */
    int retention_hours;          /* export zips and import sets are removed after, default 168 */
};

/* Fills every field with its default. */
void config_defaults(struct config *c);

/* Reads an INI file over the current values. Unknown sections or keys and
 * bad values fail with the line number and key in err->message and the key
 * in err->field. */
int config_load(struct config *c, const char *path, struct kd_err *err);

/* Parses INI text (for tests and fuzzing) the same way. */
int config_parse(struct config *c, const char *text, size_t len, struct kd_err *err);

/* Checks cross-field consistency (ranges are checked while parsing). */
int config_check(const struct config *c, struct kd_err *err);

/*
 * Reload (SIGHUP). Each key either is applied by a reload or needs a restart
 * (docs/operations.md lists which).
 */
typedef void (*config_diff_fn)(void *ctx, const char *section, const char *key,
                               bool reloadable);
/* Calls fn for every key whose value differs between a and b, in file order. */
void config_diff(const struct config *a, const struct config *b, config_diff_fn fn, void *ctx);
/* Copies the values of the keys a reload applies from src into dst. */
void config_take_reloadable(struct config *dst, const struct config *src);
/* True if the key is applied by a reload (false also for unknown keys). */
bool config_key_reloadable(const char *section, const char *name);
/* Every key, in file order (documentation checks). */
size_t config_key_count(void);
void config_key_at(size_t i, const char **section, const char **name, bool *reloadable);

#endif
