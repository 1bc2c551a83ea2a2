/*
 * observe.h — what the server tells its operators about itself: request
 * metrics by route, readiness, the per-town figures, and the /metrics page
 * (Prometheus text format) served on a listener of its own.
 *
 * Request metrics are counted on the worker threads by observe_request()
 * (base/metrics.h: per-thread shards, no lock). The per-town figures
 * (sessions, residents, audit entries, whether the town's database is open
 * and migrated) are not read per scrape: the maintenance thread refreshes
 * them every [metrics] town_stats_interval seconds and a scrape reads that
 * copy. Nothing here is personal data: counts and town codes only.
 *
 * Who may scrape: /metrics is never served on the API's port. It has its own
 * listener ([metrics] listen, port: meant for loopback or an operations
 * network that nginx does not proxy), and with [metrics] token set a scrape
 * must also send "Authorization: Bearer <token>".
 *
 * Thread-safety: every function may be called from any thread once
 * observe_new() has returned; observe_free() when no other thread uses it.
 */
#ifndef KYODO_API_OBSERVE_H
#define KYODO_API_OBSERVE_H

#include "base/err.h"
#include "http/server.h"
#include "store/catalog.h"

#include <stdbool.h>
#include <stdint.h>

struct observe;
struct audit_queue;
struct auth_policy;

struct observe_sources {
    struct catalog *cat;
    const struct catalog_schemas *schemas; /* what "migrated" means */
    struct audit_queue *audit;             /* may be NULL */
    const struct auth_policy *policy;      /* when a session counts as live */
};

struct observe *observe_new(const struct observe_sources *src, struct kd_err *err);
void observe_free(struct observe *o);

/* The series of a request (http_request.metric_id), set by the dispatcher:
 * route i of api_routes is i + 1; unmatched requests stay 0. */
int observe_route_id(size_t route_index);
int observe_static_id(void);

/* http_observe_fn: counts a finished request (ctx: the struct observe). */
void observe_request(void *ctx, const struct http_request *req, int status, int64_t dur_us);

/* From SIGTERM on, readiness fails ("shutting down"). */
void observe_set_stopping(struct observe *o);
bool observe_stopping(struct observe *o);

/* The scrape token (reloadable); "" for none. */
void observe_set_token(struct observe *o, const char *token);

/* Counts a reload of the configuration, applied or refused. */
void observe_count_reload(struct observe *o, bool applied);

/*
 * Readiness: the control database answers and is migrated, every active
 * town's database is open and migrated, and the server is not shutting
 * down. Uses the calling thread's connections. Returns true when ready;
 * otherwise writes the reason (no town codes: it is answered on the public
 * port) into why.
 */
bool observe_ready(struct observe *o, char *why, size_t cap);

/* Re-reads the per-town figures (the maintenance thread). */
int observe_refresh_towns(struct observe *o, struct kd_err *err);

/* The whole metrics page (malloc'd, *len bytes), or NULL when out of memory. */
char *observe_render(struct observe *o, size_t *len);

/* http_dispatch_fn of the metrics listener (ctx: the struct observe):
 * GET /metrics, with the token when one is set. */
void observe_dispatch(void *ctx, struct http_request *req, struct http_response *resp);

#endif
