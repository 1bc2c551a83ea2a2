/*
 * server.c — libmicrohttpd glue: request lifecycle, limits, access log,
 * graceful shutdown.
 *
 * libmicrohttpd calls the access handler several times per request: first
 * with the headers, then once per chunk of body, then a last time with no
 * data. The response is queued on that last call, never on the first: in
 * 0.9.75 a response queued on the first call makes the connection close
 * (see ../shared/PERFORMANCE.md).
 */
#include "http/server.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum { ARENA_INLINE = 8192, ARENA_CAP = 8 << 20 };

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_server_config cfg;
    http_dispatch_fn dispatch;
    void *ctx;
    atomic_int in_flight;
    atomic_bool draining;
    uint16_t port;
    /* What a reload may change (http_server_reconfigure). */
    atomic_bool access_log, trust_request_id;
};

/* One request; lives from the URI callback to the completion callback. */
struct req {
    struct http_request pub;
    struct http_server *srv;
    int64_t start_us;
    char *body;
    size_t body_len, body_cap;
    size_t dropped; /* bytes of an oversized body read and thrown away */
    /* An upload: the ceiling (0: not an upload), the spool file (-1 until
     * the first byte), and whether it could not be written. */
    size_t upload_max;
    int spool_fd;
    bool spool_failed;
    int status; /* of the queued response, for the access log */
    size_t bytes;
    bool dispatched;
    /* A deferred answer (http_defer): held until http_resume(). */
    bool deferred;
    bool replied;
    atomic_bool resumed;
    void (*start)(void *ctx);
    void *start_ctx;
    struct http_response held;
    _Alignas(max_align_t) char arena_inline[ARENA_INLINE];
};

const char *http_header(struct http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(struct http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *http_query(struct http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_iter {
    int (*fn)(void *, const char *, const char *);
    void *ctx;
    int rc;
};

static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    struct query_iter *it = cls;
    if (it->fn(it->ctx, key, value) < 0) {
        it->rc = -1;
        return MHD_NO;
    }
    return MHD_YES;
}

int http_query_each(struct http_request *r, int (*fn)(void *ctx, const char *k, const char *v),
                    void *ctx)
{
    struct query_iter it = {fn, ctx, 0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_cb, &it);
    return it.rc;
}

int http_response_header(struct http_response *resp, const char *name, const char *value)
{
    if (resp->header_count >= HTTP_MAX_HEADERS)
        return -1;
    resp->headers[resp->header_count].name = name;
    resp->headers[resp->header_count].value = value;
    resp->header_count++;
    return 0;
}

/* Request ids: a random prefix per process and a counter, so making one
 * costs no system call. */
static char id_prefix[7];
static atomic_uint_fast64_t id_counter;

/* With trust_request_id (kyodo behind a proxy that sets it), a well-formed
 * incoming X-Request-Id is kept; otherwise one is made: a client must not
 * choose the id its requests are audited under. */
static void request_id(struct req *r)
{
    const char *given =
        atomic_load(&r->srv->trust_request_id) ? http_header(&r->pub, "X-Request-Id") : NULL;
    if (given) {
        size_t n = strlen(given);
        bool ok = n >= 8 && n <= HTTP_REQUEST_ID_LEN;
        for (size_t i = 0; ok && i < n; i++) {
            char c = given[i];
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 c == '-';
        }
        if (ok) {
            memcpy(r->pub.request_id, given, n + 1);
            return;
        }
    }
    static const char hex[] = "0123456789abcdef";
    uint64_t n = atomic_fetch_add(&id_counter, 1);
    memcpy(r->pub.request_id, id_prefix, 6);
    for (int i = HTTP_REQUEST_ID_LEN - 1; i >= 6; i--, n >>= 4)
        r->pub.request_id[i] = hex[n & 15];
    r->pub.request_id[HTTP_REQUEST_ID_LEN] = '\0';
}

/* Each worker thread keeps one finished request struct for the next, so a
 * request costs no large allocation (the struct holds the inline arena). It
 * is kept under a thread key, whose destructor frees it when the worker
 * thread exits (a plain _Thread_local pointer would leak it). */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spare_key_init(void)
{
    if (pthread_key_create(&spare_key, free) != 0)
        abort();
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_server *srv = cls;
    pthread_once(&spare_once, spare_key_init);
    struct req *r = pthread_getspecific(spare_key);
    pthread_setspecific(spare_key, NULL);
    if (!r && !(r = malloc(sizeof *r)))
        return NULL;
    memset(r, 0, offsetof(struct req, arena_inline));
    r->srv = srv;
    r->start_us = clock_mono_us();
    r->pub.conn = conn;
    r->pub.body = "";
    r->pub.body_fd = -1;
    r->spool_fd = -1;
    arena_init(&r->pub.arena, r->arena_inline, sizeof r->arena_inline, ARENA_CAP);
    r->pub.raw_uri = arena_strndup(&r->pub.arena, uri, strlen(uri));
    atomic_fetch_add(&srv->in_flight, 1);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct http_server *srv = cls;
    struct req *r = *req_cls;
    if (!r)
        return;
    if (srv->cfg.observe)
        srv->cfg.observe(srv->cfg.observe_ctx, &r->pub, r->status,
                         clock_mono_us() - r->start_us);
    if (atomic_load(&srv->access_log) && r->pub.method) {
        struct logline l;
        logline_begin(&l, LOG_INFO, "request");
        logline_str(&l, "rid", r->pub.request_id);
        logline_str(&l, "method", r->pub.method);
        logline_str(&l, "route", r->pub.log_route);
        logline_int(&l, "status", r->status);
        logline_int(&l, "bytes", (int64_t)r->bytes);
        logline_int(&l, "dur_us", clock_mono_us() - r->start_us);
        if (r->pub.log_tenant[0])
            logline_str(&l, "tenant", r->pub.log_tenant);
        if (r->pub.log_user_id)
            logline_int(&l, "user_id", r->pub.log_user_id);
        if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
            logline_str(&l, "aborted", toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED
                                           ? "timeout"
                                           : "connection");
        logline_end(&l);
    }
    free(r->body);
    if (r->spool_fd >= 0)
        close(r->spool_fd);
    arena_release(&r->pub.arena);
    pthread_once(&spare_once, spare_key_init);
    if (pthread_getspecific(spare_key) || pthread_setspecific(spare_key, r) != 0)
        free(r);
    *req_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

static const char ERR_INTERNAL[] =
    "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\",\"field\":null}}";
static const char ERR_TOO_LARGE[] =
    "{\"error\":{\"code\":\"payload_too_large\",\"message\":\"request body is larger than the"
    " limit\",\"field\":null}}";

static const char ERR_SPOOL[] =
    "{\"error\":{\"code\":\"unavailable\",\"message\":\"the upload could not be stored on"
    " the server (disk full?)\",\"field\":null}}";

static const char ERR_TWO_LENGTHS[] =
    "{\"error\":{\"code\":\"bad_request\",\"message\":\"more than one Content-Length"
    " header\",\"field\":\"Content-Length\"}}";

static enum MHD_Result count_lengths(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        (*(int *)cls)++;
    return MHD_YES;
}

static const char ERR_NUL_IN_URI[] =
    "{\"error\":{\"code\":\"bad_request\",\"message\":\"the URL must not contain %00\","
    "\"field\":\"path\"}}";

/* libmicrohttpd hands over the path and query decoded into C strings, so a
 * %00 would silently cut them short (/api/v1/users/1%00x would be user 1). */
static bool uri_has_nul(const char *raw_uri)
{
    return raw_uri && strstr(raw_uri, "%00") != NULL;
}

static enum MHD_Result reply(struct req *r, struct MHD_Connection *conn,
                            struct http_response *resp)
{
    struct MHD_Response *m;
    if (resp->fd >= 0) {
        m = MHD_create_response_from_fd((uint64_t)resp->file_size, resp->fd);
        r->bytes = (size_t)resp->file_size;
    } else if (resp->body_malloc) {
        m = MHD_create_response_from_buffer(resp->body_len, resp->body_malloc,
                                            MHD_RESPMEM_MUST_FREE);
        r->bytes = resp->body_len;
    } else {
        m = MHD_create_response_from_buffer(resp->body_len, (void *)resp->body_arena,
                                            MHD_RESPMEM_MUST_COPY);
        r->bytes = resp->body_len;
    }
    if (!m) {
        if (resp->fd >= 0)
            close(resp->fd);
        free(resp->body_malloc);
        return MHD_NO;
    }
    if (resp->content_type)
        MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    MHD_add_response_header(m, "X-Request-Id", r->pub.request_id);
    MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
    for (int i = 0; i < resp->header_count; i++)
        MHD_add_response_header(m, resp->headers[i].name, resp->headers[i].value);
    if (atomic_load(&r->srv->draining))
        MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION, "close");
    r->status = resp->status;
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)resp->status, m);
    MHD_destroy_response(m);
    return rc;
}

static enum MHD_Result send_static(struct req *r, struct MHD_Connection *conn, int status,
                                   const char *json)
{
    struct http_response resp = {.status = status,
                                 .content_type = "application/json; charset=utf-8",
                                 .body_arena = json,
                                 .body_len = strlen(json),
                                 .fd = -1};
    return reply(r, conn, &resp);
}

/* A dispatcher that filled in no body at all failed: answer 500. */
static enum MHD_Result reply_or_500(struct req *r, struct MHD_Connection *conn,
                                    struct http_response *resp)
{
    if (resp->fd < 0 && !resp->body_malloc && !resp->body_arena)
        return send_static(r, conn, 500, ERR_INTERNAL);
    return reply(r, conn, resp);
}

static bool body_append(struct req *r, const char *data, size_t n, size_t max)
{
    if (n > max - r->body_len)
        return false;
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        if (cap > max + 1)
            cap = max + 1;
        char *b = realloc(r->body, cap);
        if (!b)
            return false;
        r->body = b;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return true;
}

/* Appends to the upload's spool file: an unlinked file in spool_dir, made
 * on the first byte, so nothing is left behind whatever happens. */
static bool spool_append(struct req *r, const char *data, size_t n)
{
    if (n > r->upload_max - r->body_len)
        return false; /* too large: the caller drops the rest */
    if (r->spool_failed) {
        r->body_len += n; /* counted, so that the ceiling still holds */
        return true;
    }
    if (r->spool_fd < 0) {
        char path[600];
        snprintf(path, sizeof path, "%s/upload-XXXXXX", r->srv->cfg.spool_dir);
        r->spool_fd = mkostemp(path, O_CLOEXEC); /* mode 0600 */
        if (r->spool_fd < 0) {
            r->spool_failed = true;
            return true;
        }
        unlink(path);
    }
    while (n > 0) {
        ssize_t w = write(r->spool_fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            r->spool_failed = true;
            r->body_len += n;
            return true;
        }
        data += w;
        n -= (size_t)w;
        r->body_len += (size_t)w;
    }
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct req *r = *req_cls;
    if (!r)
        return MHD_NO; /* out of memory in on_uri */
    if (!r->pub.method) {
        /* First call: headers only. */
        r->pub.method = method;
        r->pub.path = url;
        request_id(r);
        /* libmicrohttpd 0.9.75 takes the first of several Content-Length
         * headers; a proxy in front may take another, and the rest of the
         * body would be read as a second request (RFC 9112 6.3: reject). */
        int lengths = 0;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, count_lengths, &lengths);
        if (lengths > 1) {
            r->dispatched = true;
            return send_static(r, conn, 400, ERR_TWO_LENGTHS);
        }
        if (srv->cfg.upload_limit && srv->cfg.spool_dir)
            r->upload_max = srv->cfg.upload_limit(srv->ctx, &r->pub);
        size_t ceiling = r->upload_max ? r->upload_max : srv->cfg.max_body;
        const char *cl = http_header(&r->pub, MHD_HTTP_HEADER_CONTENT_LENGTH);
        int64_t declared;
        if (cl && text_parse_i64(cl, strlen(cl), 0, INT64_MAX, &declared) &&
            (uint64_t)declared > ceiling) {
            r->pub.body_too_large = true;
            r->dispatched = true;
            return send_static(r, conn, 413, ERR_TOO_LARGE);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Past the ceiling the rest of the body is read and dropped, and the
         * 413 goes out when it ends: libmicrohttpd 0.9.75 cannot queue a
         * response in the middle of an upload (it would close the connection
         * without an answer). */
        bool fits = r->upload_max
                        ? spool_append(r, upload_data, *upload_data_size)
                        : body_append(r, upload_data, *upload_data_size, srv->cfg.max_body);
        if (!r->pub.body_too_large && !fits) {
            r->pub.body_too_large = true;
            free(r->body);
            r->body = NULL;
            r->body_len = r->body_cap = 0;
            if (r->spool_fd >= 0)
                close(r->spool_fd);
            r->spool_fd = -1;
        }
        if (r->pub.body_too_large) {
            /* A client that keeps streaming long past the ceiling is not
             * waited for: the connection closes without an answer. */
            r->dropped += *upload_data_size;
            if (r->dropped > 8 * srv->cfg.max_body)
                return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->dispatched) {
        if (r->deferred && !r->replied && atomic_load(&r->resumed)) {
            r->replied = true;
            return reply_or_500(r, conn, &r->held);
        }
        return MHD_YES;
    }
    r->dispatched = true;
    if (r->pub.body_too_large)
        return send_static(r, conn, 413, ERR_TOO_LARGE);
    if (uri_has_nul(r->pub.raw_uri))
        return send_static(r, conn, 400, ERR_NUL_IN_URI);
    if (r->spool_failed)
        return send_static(r, conn, 503, ERR_SPOOL);
    if (r->spool_fd >= 0) {
        if (lseek(r->spool_fd, 0, SEEK_SET) != 0)
            return send_static(r, conn, 503, ERR_SPOOL);
        r->pub.body_fd = r->spool_fd;
        r->pub.body_len = r->body_len;
    }
    if (r->body) {
        r->pub.body = r->body;
        r->pub.body_len = r->body_len;
    }
    struct http_response resp = {.status = 500, .fd = -1};
    srv->dispatch(srv->ctx, &r->pub, &resp);
    if (r->deferred) {
        /* Suspended first, started second: the resumption may come at once,
         * from another thread. */
        r->held = resp;
        MHD_suspend_connection(conn);
        r->start(r->start_ctx);
        return MHD_YES;
    }
    return reply_or_500(r, conn, &resp);
}

void http_defer(struct http_request *pub, void (*start)(void *ctx), void *ctx)
{
    struct req *r = (struct req *)((char *)pub - offsetof(struct req, pub));
    r->deferred = true;
    r->start = start;
    r->start_ctx = ctx;
}

void http_resume(struct http_request *pub, const struct http_response *instead)
{
    struct req *r = (struct req *)((char *)pub - offsetof(struct req, pub));
    if (instead) {
        if (r->held.fd >= 0)
            close(r->held.fd);
        free(r->held.body_malloc);
        r->held = *instead;
    }
    atomic_store(&r->resumed, true);
    MHD_resume_connection(pub->conn);
}

/* Copies a libmicrohttpd message without what could be personal data: some
 * carry the requested URL (whose query may be a name or a number being
 * looked up) or the client's address. Quoted parts (`…' and "…"), the rest
 * of a word after '?' and runs of digits with dots or colons (addresses)
 * become "…". */
static void scrub(const char *in, char *out, size_t cap)
{
    static const char gap[] = "\xe2\x80\xa6"; /* … */
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 4 < cap;) {
        char c = in[i];
        char close = c == '`' ? '\'' : c == '"' ? '"' : 0;
        if (close || c == '?') {
            out[o++] = c;
            i++;
            while (in[i] && (close ? in[i] != close : in[i] != ' '))
                i++;
            memcpy(out + o, gap, 3);
            o += 3;
            continue;
        }
        if (c >= '0' && c <= '9') {
            size_t j = i, seps = 0;
            for (; (in[j] >= '0' && in[j] <= '9') || in[j] == '.' || in[j] == ':'; j++)
                seps += in[j] == '.' || in[j] == ':';
            if (seps >= 2) {
                memcpy(out + o, gap, 3);
                o += 3;
                i = j;
                continue;
            }
        }
        out[o++] = c;
        i++;
    }
    out[o] = '\0';
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char raw[512], msg[256];
    vsnprintf(raw, sizeof raw, fmt, ap);
    scrub(raw, msg, sizeof msg);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_msg(LOG_WARN, "http", msg);
}

struct http_server *http_server_start(const struct http_server_config *cfg, http_dispatch_fn fn,
                                      void *ctx, struct kd_err *err)
{
    struct http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    unsigned char raw[3];
    randombytes_buf(raw, sizeof raw);
    text_hex(raw, sizeof raw, id_prefix);
    srv->cfg = *cfg;
    atomic_store(&srv->access_log, cfg->access_log);
    atomic_store(&srv->trust_request_id, cfg->trust_request_id);
    srv->dispatch = fn;
    srv->ctx = ctx;

    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
    if (inet_pton(AF_INET, cfg->listen, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->listen, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        free(srv);
        kd_fail(err, KD_INVALID_VALUE, "listen", "listen must be an IP address");
        return NULL;
    }

    /* A pool of one thread is no pool: the option is left out (libmicrohttpd
     * warns about a pool of 0 or 1). */
    struct MHD_OptionItem pool[] = {
        {cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, cfg->threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_ARRAY, pool,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_connections_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->max_header,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        /* Strict HTTP/1.1 from clients: e.g. a request without Host is refused. */
        MHD_OPTION_STRICT_FOR_CLIENT, 1,
        MHD_OPTION_END);
    if (!srv->daemon) {
        free(srv);
        kd_fail(err, KD_INTERNAL, NULL, "cannot listen on %s port %d (in use, or not allowed)",
                cfg->listen, cfg->port);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : (uint16_t)cfg->port;
    return srv;
}

uint16_t http_server_port(struct http_server *s)
{
    return s->port;
}

void http_server_reconfigure(struct http_server *s, size_t max_body, bool access_log,
                             bool trust_request_id)
{
    s->cfg.max_body = max_body;
    atomic_store(&s->access_log, access_log);
    atomic_store(&s->trust_request_id, trust_request_id);
}

bool http_server_draining(struct http_server *s)
{
    return atomic_load(&s->draining);
}

void http_server_drain(struct http_server *s, int grace_seconds)
{
    atomic_store(&s->draining, true);
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    int64_t deadline = clock_mono_us() + (int64_t)grace_seconds * 1000000;
    while (atomic_load(&s->in_flight) > 0 && clock_mono_us() < deadline)
        usleep(10000);
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
