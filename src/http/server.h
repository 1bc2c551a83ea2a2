/*
 * server.h — the HTTP server: libmicrohttpd with a thread pool over epoll.
 *
 * The server owns connections, limits and the access log; it knows nothing
 * of routes or sessions. For each request it collects the body (up to a
 * ceiling), then calls the dispatch function once, on the worker thread that
 * owns the connection, and sends the response it fills in.
 *
 * Limits: body size (413 before the body is read when Content-Length says so,
 * else as soon as the ceiling is passed), header memory per connection
 * (libmicrohttpd answers 431/414), connections in all and per address, and an
 * idle timeout per connection.
 *
 * Shutdown: http_server_drain() stops accepting, lets requests in flight
 * finish (up to a grace period, answering with Connection: close), and
 * http_server_stop() then closes everything.
 */
#ifndef KYODO_HTTP_SERVER_H
#define KYODO_HTTP_SERVER_H

#include "base/arena.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct MHD_Connection;

#define HTTP_REQUEST_ID_LEN 16

struct http_request {
    const char *method;
    const char *path;    /* percent-decoded path, without the query */
    const char *raw_uri; /* as received */
    const char *body;    /* NUL-terminated copy; "" when none */
    size_t body_len;
    /* An upload (http_server_config.upload_limit): the body is in this
     * unlinked file, rewound, body_len bytes long, and body is "". -1 when
     * the body is in memory. Closed by the server when the request ends. */
    int body_fd;
    bool body_too_large;
    struct arena arena; /* freed when the response has been sent */
    char request_id[HTTP_REQUEST_ID_LEN + 1];
    struct MHD_Connection *conn;
    /* Set by the dispatcher for the access log (never personal data). */
    const char *log_route;  /* route pattern or static path; NULL: unmatched */
    char log_tenant[7];
    int64_t log_user_id;
    /* Set by the dispatcher for the metrics (http_server_config.observe):
     * which series the request counts in (0: none matched), and the time
     * it spent in database calls. */
    int metric_id;
    uint64_t db_ns;
};

#define HTTP_MAX_HEADERS 8

struct http_response {
    int status;
    const char *content_type;
    /* Exactly one of: a malloc'd body (freed by the server), an arena body,
     * or an open file (closed by the server). */
    char *body_malloc;
    const char *body_arena;
    size_t body_len;
    int fd; /* -1 when not a file */
    off_t file_size;
    int header_count;
    struct {
        const char *name, *value;
    } headers[HTTP_MAX_HEADERS];
};

/* Header, cookie and query lookups; NULL when absent. */
const char *http_header(struct http_request *r, const char *name);
const char *http_cookie(struct http_request *r, const char *name);
const char *http_query(struct http_request *r, const char *name);

/* Calls fn for each query argument (value may be NULL for "?flag"); stops
 * and returns -1 as soon as fn does. */
int http_query_each(struct http_request *r, int (*fn)(void *ctx, const char *k, const char *v),
                    void *ctx);

/* Adds a response header; the strings must outlive the request (arena or
 * static). Returns -1 when HTTP_MAX_HEADERS are already set. */
int http_response_header(struct http_response *resp, const char *name, const char *value);

typedef void (*http_dispatch_fn)(void *ctx, struct http_request *req,
                                 struct http_response *resp);

/*
 * Answering later. The dispatch function, before it returns, may call
 * http_defer() with the response already filled in: the server then holds
 * that response, suspends the connection (its worker thread goes on with
 * other connections) and calls start(ctx), which must lead, on any thread,
 * to exactly one http_resume(). Only then is the response sent — the held
 * one, or `instead` (which replaces it; the held body is released).
 */
void http_defer(struct http_request *req, void (*start)(void *ctx), void *ctx);
void http_resume(struct http_request *req, const struct http_response *instead);

/* Called once per finished request on its worker thread (metrics): its
 * status (0 when no answer was sent) and its duration from the first byte
 * of its headers. Must be cheap and must not block. */
typedef void (*http_observe_fn)(void *ctx, const struct http_request *req, int status,
                                int64_t dur_us);

struct http_server_config {
    http_observe_fn observe; /* may be NULL */
    void *observe_ctx;
    const char *listen; /* IPv4 or IPv6 literal */
    int port;           /* 0: any free port */
    int threads;
    _Atomic size_t max_body; /* atomic: a reload may change it (http_server_reconfigure) */
    size_t max_header;
    int max_connections;
    int max_connections_per_ip; /* 0: none */
    int connection_timeout;     /* seconds */
    bool access_log;
    bool trust_request_id; /* keep a proxy's X-Request-Id */
    /* Uploads. Called once the headers are in (may be NULL): a result above
     * 0 makes the request an upload whose body goes to an unlinked file in
     * spool_dir (mode 0600) instead of memory, up to that many bytes (413
     * past it, as with max_body). Memory then stays flat however large the
     * body. The function must not keep req. */
    size_t (*upload_limit)(void *ctx, struct http_request *req);
    const char *spool_dir;
};

struct http_server;

struct http_server *http_server_start(const struct http_server_config *cfg, http_dispatch_fn fn,
                                      void *ctx, struct kd_err *err);
/* The port actually bound. */
uint16_t http_server_port(struct http_server *s);
/* Applies what a reload of the configuration may change while the server
 * runs: the body ceiling, the access log, trust in X-Request-Id. Any
 * thread; requests already reading a body keep the ceiling they began with
 * or see the new one. */
void http_server_reconfigure(struct http_server *s, size_t max_body, bool access_log,
                             bool trust_request_id);
/* True while draining (responses then carry Connection: close). */
bool http_server_draining(struct http_server *s);
void http_server_drain(struct http_server *s, int grace_seconds);
void http_server_stop(struct http_server *s);

#endif
