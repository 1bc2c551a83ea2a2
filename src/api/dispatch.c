/*
 * dispatch.c — from an HTTP request to a handler, and from its result to an
 * HTTP response.
 *
 * The order of checks is fixed and is the same for every route:
 *   1. not under /api/: a static file of the clerk UI (GET and HEAD only);
 *   2. the route: 404 for an unknown path, 405 with Allow for a known path;
 *      a query string only where the route takes one (400 unknown_field);
 *      the purpose header, if any, is checked (400);
 *   3. the session (401), unless the route is public;
 *   4. the CSRF token for POST, PUT, PATCH and DELETE (403 csrf_failed);
 *   5. the permission of the route for the session's role (403 forbidden,
 *      recorded in the town's audit log with the request's purpose);
 *   6. the body: JSON required for POST, PUT and PATCH (415), none allowed
 *      for GET and DELETE (400);
 *   7. the handler, with the session's own town database.
 */
#include "api/api.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/text.h"
#include "api/observe.h"
#include "engine/audit_queue.h"
#include "http/static_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SESSION_COOKIE "kyodo_session"

static bool state_changing(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0 ||
           strcmp(m, "DELETE") == 0;
}

static bool takes_body(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

/* application/json, optionally with "; charset=utf-8". */
static bool json_content_type(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return false;
    const char *rest = ct + n;
    while (*rest == ' ')
        rest++;
    if (*rest == '\0')
        return true;
    if (*rest != ';')
        return false;
    rest++;
    while (*rest == ' ')
        rest++;
    return strcasecmp(rest, "charset=utf-8") == 0;
}

/* Hands a finished JSON body (malloc'd, or NULL for none) to the response. */
static void set_json(struct http_response *resp, int status, char *body, size_t len)
{
    resp->status = status;
    resp->content_type = "application/json; charset=utf-8";
    http_response_header(resp, "Cache-Control", "no-store");
    if (!body) {
        resp->body_arena = "";
        resp->body_len = 0;
        return;
    }
    resp->body_malloc = body;
    resp->body_len = len;
}

static void set_error(struct http_request *http, struct http_response *resp,
                      const struct kd_err *err)
{
    const char *message = err->message;
    char internal[128];
    if (err->code == KD_INTERNAL || kd_code_status(err->code) == 500) {
        /* The cause goes to the log; the client gets the request id. */
        struct logline l;
        logline_begin(&l, LOG_ERROR, "internal error");
        logline_str(&l, "rid", http->request_id);
        logline_str(&l, "route", http->log_route);
        logline_text(&l, "detail", err->message);
        logline_end(&l);
        snprintf(internal, sizeof internal, "internal error (request %s)", http->request_id);
        message = internal;
    }
    struct jw w;
    jw_init(&w);
    jw_obj(&w);
    jw_key(&w, "error");
    jw_obj(&w);
    jw_kstr(&w, "code", kd_code_name(err->code));
    jw_kstr(&w, "message", message);
    jw_kstr(&w, "field", err->field[0] ? err->field : NULL);
    jw_obj_end(&w);
    jw_obj_end(&w);
    size_t len = 0;
    char *body = jw_finish(&w, &len);
    set_json(resp, kd_code_status(err->code), body, len);
}

static void serve_static(struct api_app *app, struct http_request *http,
                         struct http_response *resp)
{
    struct kd_err err;
    if (strcmp(http->method, "GET") != 0 && strcmp(http->method, "HEAD") != 0) {
        kd_fail(&err, KD_METHOD_NOT_ALLOWED, NULL, "only GET and HEAD are allowed here");
        set_error(http, resp, &err);
        http_response_header(resp, "Allow", "GET, HEAD");
        return;
    }
    http->log_route = "static";
    http->metric_id = observe_static_id();
    if (static_serve(app->web_dir, http->path, resp, &err) < 0)
        set_error(http, resp, &err);
}

static int no_query(void *ctx, const char *key, const char *value)
{
    (void)value;
    return kd_fail(ctx, KD_UNKNOWN_FIELD, key, "this route takes no query parameters");
}

static int check_purpose(struct api_req *req, const struct api_route *route,
                         struct kd_err *err)
{
    static const struct jfield f = {"X-Kyodo-Purpose", JT_STRING, false, 64, false, 0, 0};
    const char *p = http_header(req->http, "X-Kyodo-Purpose");
    req->purpose = route->purpose ? route->purpose : "";
    if (!p)
        return 0;
    size_t len = strlen(p);
    if (jreq_check_string(&f, p, len, err) < 0)
        return -1;
    if (len > 0)
        req->purpose = p;
    return 0;
}

/* Steps 3 to 5. */
static int authorise(struct api_req *req, const struct api_route *route, struct principal *who,
                     struct kd_err *err)
{
    struct api_app *app = req->app;
    const char *token = http_cookie(req->http, SESSION_COOKIE);
    if (!token)
        return kd_fail(err, KD_UNAUTHENTICATED, NULL, "not signed in");
    if (session_lookup(req->ctl, &app->policy, token, strlen(token), req->now_ms, who, err) < 0)
        return -1;
    req->who = who;
    memcpy(req->http->log_tenant, who->tenant, sizeof req->http->log_tenant);
    req->http->log_user_id = who->user_id;
    req->town = catalog_town(app->cat, who->tenant, err);
    if (!req->town) {
        if (err->code == KD_NOT_FOUND) /* registered, but its database is gone */
            return kd_fail(err, KD_UNAVAILABLE, NULL, "this town's database is unavailable");
        return -1;
    }
    if (state_changing(req->http->method)) {
        const char *csrf = http_header(req->http, "X-CSRF-Token");
        if (!csrf)
            return kd_fail(err, KD_CSRF_FAILED, "X-CSRF-Token",
                           "the X-CSRF-Token header is missing");
        if (!session_csrf_ok(who, csrf, strlen(csrf)))
            return kd_fail(err, KD_CSRF_FAILED, "X-CSRF-Token", "the X-CSRF-Token is wrong");
    }
    if (!perm_allows(who->role, route->module, route->action)) {
        char detail[96];
        snprintf(detail, sizeof detail, "%s %s", route->module, route->action);
        struct kd_err ignored;
        api_audit(req, "access.denied", "denied", NULL, detail, &ignored);
        return kd_fail(err, KD_FORBIDDEN, NULL, "your role may not do this");
    }
    return 0;
}

/* Steps 1 to 7: fills in resp. */
static void respond(struct api_req *rq, struct http_response *resp)
{
    struct api_app *app = rq->app;
    struct http_request *http = rq->http;
    struct kd_err err;
    kd_err_clear(&err);
    if (strncmp(http->path, "/api/", 5) != 0) {
        serve_static(app, http, resp);
        return;
    }

    size_t idx;
    char allow[64];
    enum router_result rr = router_match(api_routes, api_route_count, sizeof api_routes[0],
                                         http->method, http->path, &idx, &rq->params, allow,
                                         sizeof allow);
    if (rr == ROUTER_NO_PATH) {
        kd_fail(&err, KD_NOT_FOUND, NULL, "no such resource");
        set_error(http, resp, &err);
        return;
    }
    if (rr == ROUTER_NO_METHOD) {
        kd_fail(&err, KD_METHOD_NOT_ALLOWED, NULL, "method not allowed here; allowed: %s", allow);
        set_error(http, resp, &err);
        http_response_header(resp, "Allow", arena_strndup(&http->arena, allow, strlen(allow)));
        return;
    }
    const struct api_route *route = &api_routes[idx];
    http->log_route = route->key.pattern;
    http->metric_id = observe_route_id(idx);
    rq->now_ms = clock_now_ms();

    struct principal who;
    struct api_out out = {0};
    int rc = -1;
    if (!(route->flags & API_QUERY) && http_query_each(http, no_query, &err) < 0)
        goto out_error;
    if (check_purpose(rq, route, &err) < 0)
        goto out_error;
    rq->ctl = catalog_control(app->cat, &err);
    if (!rq->ctl)
        goto out_error;
    if (!(route->flags & API_PUBLIC) && authorise(rq, route, &who, &err) < 0)
        goto out_error;
    if (takes_body(http->method) && (route->flags & API_UPLOAD)) {
        /* A file: its handler checks the Content-Type and the bytes. */
    } else if (takes_body(http->method)) {
        if (!json_content_type(http_header(http, "Content-Type"))) {
            kd_fail(&err, KD_UNSUPPORTED_MEDIA, "Content-Type",
                    "the body must be JSON (Content-Type: application/json)");
            goto out_error;
        }
    } else if (http->body_len > 0) {
        kd_fail(&err, KD_BAD_REQUEST, NULL, "%s %s takes no request body", http->method,
                route->key.pattern);
        goto out_error;
    }
    rc = route->fn(rq, &out, &err);
out_error:
    json_decref(rq->tree);
    /* A handler that failed half-way must not leave a transaction open. */
    if (rq->ctl)
        store_rollback(rq->ctl);
    if (rq->town)
        store_rollback(rq->town);
    if (rc < 0) {
        jw_release(&out.body);
        free(out.file);
        if (out.has_fd)
            close(out.fd);
        set_error(http, resp, &err);
        return;
    }
    if (out.location) /* a created resource (201) */
        http_response_header(resp, "Location", out.location);
    if (out.has_fd) { /* a large file read from disk (api_reply_fd) */
        jw_release(&out.body);
        resp->status = out.status ? out.status : 200;
        resp->content_type = out.file_type;
        resp->fd = out.fd;
        resp->file_size = (off_t)out.fd_size;
        http_response_header(resp, "Cache-Control", "no-store");
        if (out.file_disposition)
            http_response_header(resp, "Content-Disposition", out.file_disposition);
        return;
    }
    if (out.file) { /* a PDF or CSV file (api_reply_file): 200, or 201 when it was issued */
        jw_release(&out.body);
        resp->status = out.status ? out.status : 200;
        resp->content_type = out.file_type;
        resp->body_malloc = out.file;
        resp->body_len = out.file_len;
        http_response_header(resp, "Cache-Control", "no-store");
        if (out.file_disposition)
            http_response_header(resp, "Content-Disposition", out.file_disposition);
        return;
    }
    char *body = NULL;
    size_t len = 0;
    if (out.has_body && !(body = jw_finish(&out.body, &len))) {
        kd_fail(&err, KD_INTERNAL, NULL, "the response body could not be written");
        set_error(http, resp, &err);
        return;
    }
    set_json(resp, out.status, body, len);
    if (out.set_cookie)
        http_response_header(resp, "Set-Cookie", out.set_cookie);
}

size_t api_upload_limit(void *ctx, struct http_request *http)
{
    struct api_app *app = ctx;
    size_t idx;
    struct router_params params;
    if (strncmp(http->path, "/api/", 5) != 0 ||
        router_match(api_routes, api_route_count, sizeof api_routes[0], http->method, http->path,
                     &idx, &params, NULL, 0) != ROUTER_FOUND ||
        !(api_routes[idx].flags & API_UPLOAD))
        return 0;
    const char *token = http_cookie(http, SESSION_COOKIE);
    struct kd_err err;
    struct store *ctl = token ? catalog_control(app->cat, &err) : NULL;
    struct principal who;
    if (!ctl || session_lookup(ctl, &app->policy, token, strlen(token), clock_now_ms(), &who,
                               &err) < 0 ||
        !perm_allows(who.role, api_routes[idx].module, api_routes[idx].action))
        return 0;
    return (size_t)app->cfg->max_upload_bytes;
}

/* The audit entries of a read are committed: send the answer held back, or
 * an error instead if they could not be (no data leaves unaudited). */
static void audit_done(struct audit_job *job, int rc, const struct kd_err *err)
{
    struct http_request *http = job->ctx;
    if (rc == 0) {
        http_resume(http, NULL);
        return;
    }
    struct http_response resp = {.status = 500, .fd = -1};
    set_error(http, &resp, err);
    http_resume(http, &resp);
}

static void audit_start(void *ctx)
{
    struct api_req *rq = ctx;
    audit_queue_submit(rq->app->audit_queue, rq->audit);
}

void api_dispatch(void *ctx, struct http_request *http, struct http_response *resp)
{
    struct api_req *rq = arena_zalloc(&http->arena, sizeof *rq);
    if (!rq)
        return; /* no body: the server answers 500 */
    rq->app = ctx;
    rq->http = http;
    rq->arena = &http->arena;
    uint64_t db0 = store_thread_ns();
    respond(rq, resp);
    http->db_ns = store_thread_ns() - db0;
    if (rq->audit) {
        rq->audit->done = audit_done;
        rq->audit->ctx = http;
        http_defer(http, audit_start, rq);
    }
}
