/*
 * api.h — the JSON API: route table, request context, response helpers.
 *
 * Every route is one row of the table in routes.c: method, pattern, handler,
 * the permission it needs (module, action; engine/perm.h decides), and flags.
 * The dispatcher (dispatch.c) does everything a handler must not have to
 * remember: it resolves the session, checks the CSRF token of state-changing
 * requests, asks perm_allows(), and hands the handler the session's own
 * town database. A handler cannot name a town: it has req->town and nothing
 * else.
 *
 * A handler returns 0 after filling *out (api_reply() gives it a JSON writer
 * for the body, api_no_content() answers 204), or -1 with err set; the
 * dispatcher then drops whatever was written and turns err into
 * {"error":{code,message,field}} with the code's status.
 */
#ifndef KYODO_API_API_H
#define KYODO_API_API_H

#include "base/err.h"
#include "engine/config.h"
#include "engine/session.h"
#include "http/jreq.h"
#include "http/jw.h"
#include "http/router.h"
#include "http/server.h"
#include "store/catalog.h"

#include <jansson.h>

struct audit_queue;
struct audit_job;
struct observe;
struct mig_jobs;

struct api_app {
    struct catalog *cat;
    const struct config *cfg;
    /* Its fields are atomic: a reload (SIGHUP) changes them. */
    struct auth_policy policy;
    /* Metrics and readiness (api/observe.h); NULL: none kept, and the
     * readiness route answers as if ready but for shutdown, which it cannot
     * see. */
    struct observe *observe;
    const char *web_dir;
    /* Group commit of the audit entries of reads (engine/audit_queue.h);
     * NULL: each is appended at once. */
    struct audit_queue *audit_queue;
    /* The operator's export and import jobs (api/migration_jobs.h); NULL:
     * the migration routes answer 503. */
    struct mig_jobs *migration;
};

struct api_req {
    struct api_app *app;
    struct http_request *http;
    struct arena *arena;
    const struct principal *who; /* NULL on public routes */
    struct store *ctl;           /* this thread's control-database connection */
    struct store *town;          /* the session's town database; NULL on public routes */
    const char *purpose;         /* X-Kyodo-Purpose, or the route's default */
    struct router_params params;
    int64_t now_ms;
    json_t *tree; /* the parsed body of api_body_tree(); freed by the dispatcher */
    /* Audit entries waiting for the answer to be ready (api_audit). */
    struct audit_job *audit;
    int audit_cap;
};

struct api_out {
    int status;
    bool has_body;
    struct jw body;         /* the JSON body, when has_body */
    const char *set_cookie; /* arena string */
    /* A body that is not JSON (a PDF, a CSV file), set by api_reply_file():
     * malloc'd and handed to the server. */
    char *file;
    size_t file_len;
    const char *file_type;        /* Content-Type */
    const char *file_disposition; /* Content-Disposition (arena string), or NULL */
    /* The Location of a resource the request created (arena string), or
     * NULL; with a file, set out->status to 201 after api_reply_file(). */
    const char *location;
    /* A body read from an open file (api_reply_fd): handed to the server,
     * which closes it. */
    bool has_fd;
    int fd;
    int64_t fd_size;
};

typedef int (*api_handler)(struct api_req *req, struct api_out *out, struct kd_err *err);

enum api_flags {
    API_PUBLIC = 1 << 0, /* no session needed (and no CSRF token) */
    API_QUERY = 1 << 1,  /* takes query parameters (decoded by api_query); others refuse any */
    /* The body is a file, not JSON: spooled to disk up to [migration]
     * max_upload_bytes when the session may use the route (api_upload_limit),
     * found in req->http->body_fd; the handler checks its Content-Type. */
    API_UPLOAD = 1 << 2,
};

struct api_route {
    struct route_key key;
    api_handler fn;
    const char *module, *action; /* the permission; ignored when API_PUBLIC */
    unsigned flags;
    const char *purpose; /* default audit purpose */
};

extern const struct api_route api_routes[];
extern const size_t api_route_count;

/* The OpenAPI document, embedded at build time (api/openapi.json). */
extern const char *const api_openapi_json;
extern const size_t api_openapi_json_len;

/* http_dispatch_fn for the server; ctx is a struct api_app. */
void api_dispatch(void *ctx, struct http_request *http, struct http_response *resp);

/* http_server_config.upload_limit: for a route marked API_UPLOAD requested
 * by a session whose role may use it, [migration] max_upload_bytes; else 0
 * (the body then has the ordinary ceiling, and the dispatcher answers 401 or
 * 403 as for any route), so that nobody else can make the server spool a
 * large body to disk. ctx is a struct api_app. */
size_t api_upload_limit(void *ctx, struct http_request *http);

/* ---- helpers for handlers ---------------------------------------------- */

/* Decodes the JSON body (jreq_decode) into out. */
int api_body(struct api_req *req, const struct jfield *spec, size_t n, struct jvalue *out,
             struct kd_err *err);

/* Parses the body as a tree kept for the handler's lifetime (for bodies with
 * nested objects and arrays) and checks its top level against spec. */
int api_body_tree(struct api_req *req, const struct jfield *spec, size_t n, struct jvalue *out,
                  struct kd_err *err);

/* Decodes the query string: only the listed parameters (all strings, checked
 * like JSON strings) are allowed. */
int api_query(struct api_req *req, const struct jfield *spec, size_t n, struct jvalue *out,
              struct kd_err *err);

/* A path parameter as a positive int64 id; KD_NOT_FOUND when it is not one
 * (an id that cannot exist names no object). */
int api_param_id(struct api_req *req, const char *name, int64_t *id, struct kd_err *err);

/* Whether s is a number of the register (宛名番号, 世帯番号): 1 to 15 ASCII digits. */
bool api_is_number(const char *s, size_t len);

/* A list's page, from its query's ?atena=&before=&limit= (each may be
 * absent; atena may be NULL for a list without it): atena a number of the
 * register, before an id of what is listed (named by `what` in the error,
 * "a certificate id"), limit from 1 to 200, default 50. */
struct api_page {
    const char *atena; /* NULL: everyone's */
    int64_t before;    /* 0: from the newest */
    int64_t limit;
};
int api_page_query(const struct jvalue *atena, const struct jvalue *before,
                   const struct jvalue *limit, const char *what, struct api_page *out,
                   struct kd_err *err);
/* The same for a list whose query is exactly ?atena=&before=&limit=. */
int api_page_read(struct api_req *req, const char *what, struct api_page *out,
                  struct kd_err *err);
/* "next_before" of a list's answer: the last id listed when the page was
 * full (more may be behind it), else null. */
void api_next_before(struct jw *w, int64_t limit, int count, int64_t last);

/* A path parameter copied into the arena. */
const char *api_param_str(struct api_req *req, const char *name);

/* Appends an audit entry to the session's town log for this request. Inside
 * a write transaction on the town the entry joins it; otherwise (a read) it
 * is committed with others' by the audit queue, and the dispatcher holds
 * the answer back until it is (audit_queue.h). */
int api_audit(struct api_req *req, const char *action, const char *outcome, const char *subject,
              const char *detail, struct kd_err *err);

/* Appends an audit entry to a named town's log (sign-in, tenant creation:
 * the only places where a town is named by the request, and only to record
 * what happened to that town). */
int api_audit_town(struct api_req *req, const char *town, int64_t user_id, const char *login,
                   const char *role, const char *action, const char *outcome, const char *detail,
                   struct kd_err *err);

/* Sets the status and returns the writer of the JSON body. */
struct jw *api_reply(struct api_out *out, int status);

/* Answers 204 No Content. Returns 0. */
int api_no_content(struct api_out *out);

/* Answers 200 with a body that is not JSON: data (malloc'd; taken over) of
 * the given Content-Type, offered for download as `filename` (ASCII, no
 * quotes) when that is not NULL. Returns 0. */
int api_reply_file(struct api_req *req, struct api_out *out, char *data, size_t len,
                   const char *type, const char *filename);

/* Answers 200 with the contents of an open file (taken over: closed by the
 * server, or by the dispatcher if the request fails after all), size bytes
 * from its current offset, of the given Content-Type, offered for download
 * as `filename` (ASCII, no quotes) when that is not NULL. Memory stays flat
 * whatever the size. Returns 0. */
int api_reply_fd(struct api_req *req, struct api_out *out, int fd, int64_t size,
                 const char *type, const char *filename);

/* Writes an instant in ms as ISO 8601 UTC text, or null for 0. */
void api_instant(struct jw *w, int64_t ms);

/* Handlers, by file. */
int api_health(struct api_req *, struct api_out *, struct kd_err *);
int api_health_live(struct api_req *, struct api_out *, struct kd_err *);
int api_health_ready(struct api_req *, struct api_out *, struct kd_err *);
int api_openapi(struct api_req *, struct api_out *, struct kd_err *);
int api_roles(struct api_req *, struct api_out *, struct kd_err *);
int api_session_create(struct api_req *, struct api_out *, struct kd_err *);
int api_session_delete(struct api_req *, struct api_out *, struct kd_err *);
int api_me(struct api_req *, struct api_out *, struct kd_err *);
int api_me_password(struct api_req *, struct api_out *, struct kd_err *);
int api_town(struct api_req *, struct api_out *, struct kd_err *);
int api_tenants_list(struct api_req *, struct api_out *, struct kd_err *);
int api_tenants_create(struct api_req *, struct api_out *, struct kd_err *);
int api_tenants_get(struct api_req *, struct api_out *, struct kd_err *);
int api_tenants_update(struct api_req *, struct api_out *, struct kd_err *);
int api_users_list(struct api_req *, struct api_out *, struct kd_err *);
int api_users_create(struct api_req *, struct api_out *, struct kd_err *);
int api_users_get(struct api_req *, struct api_out *, struct kd_err *);
int api_users_update(struct api_req *, struct api_out *, struct kd_err *);
int api_users_password(struct api_req *, struct api_out *, struct kd_err *);
int api_audit_list(struct api_req *, struct api_out *, struct kd_err *);
int api_audit_verify(struct api_req *, struct api_out *, struct kd_err *);

/* The menu of a role (menu.c): sections with the items the role may use, as
 * a new jansson tree, and the same serialised once per role (len set). */
json_t *api_menu(enum role role);
const char *api_menu_json(enum role role, size_t *len);

#endif
