/*
 * helpers.c — what handlers share: body and query decoding, path
 * parameters, audit entries, JSON building.
 */
#include "api/api.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/audit.h"
#include "engine/audit_queue.h"

#include <string.h>

int api_body(struct api_req *req, const struct jfield *spec, size_t n, struct jvalue *out,
             struct kd_err *err)
{
    return jreq_decode(req->arena, req->http->body, req->http->body_len, spec, n, out, err);
}

int api_body_tree(struct api_req *req, const struct jfield *spec, size_t n, struct jvalue *out,
                  struct kd_err *err)
{
    if (!req->tree && jreq_parse(req->http->body, req->http->body_len, &req->tree, err) < 0)
        return -1;
    return jreq_fields(req->arena, req->tree, "", spec, n, out, err);
}

struct query_ctx {
    struct api_req *req;
    const struct jfield *spec;
    size_t n;
    struct jvalue *out;
    struct kd_err *err;
};

static int query_one(void *p, const char *key, const char *value)
{
    struct query_ctx *q = p;
    size_t k = 0;
    while (k < q->n && strcmp(q->spec[k].name, key) != 0)
        k++;
    if (k == q->n)
        return kd_fail(q->err, KD_UNKNOWN_FIELD, key, "unknown query parameter");
    if (q->out[k].present)
        return kd_fail(q->err, KD_INVALID_VALUE, key, "%s is given more than once", key);
    if (!value)
        value = "";
    size_t len = strlen(value);
    if (jreq_check_string(&q->spec[k], value, len, q->err) < 0)
        return -1;
    q->out[k].present = true;
    q->out[k].s = value; /* owned by libmicrohttpd until the request ends */
    q->out[k].len = len;
    return 0;
}

int api_query(struct api_req *req, const struct jfield *spec, size_t n, struct jvalue *out,
              struct kd_err *err)
{
    memset(out, 0, n * sizeof *out);
    struct query_ctx q = {req, spec, n, out, err};
    if (http_query_each(req->http, query_one, &q) < 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (spec[k].required && !out[k].present)
            return kd_fail(err, KD_MISSING_FIELD, spec[k].name, "%s is required", spec[k].name);
    return 0;
}

int api_param_id(struct api_req *req, const char *name, int64_t *id, struct kd_err *err)
{
    size_t len;
    const char *v = router_param(&req->params, name, &len);
    if (!v || !text_parse_i64(v, len, 1, INT64_MAX, id) || v[0] == '0')
        return kd_fail(err, KD_NOT_FOUND, name, "no such object");
    return 0;
}

bool api_is_number(const char *s, size_t len)
{
    return len >= 1 && len <= 15 && text_all_digits(s, len);
}

int api_page_query(const struct jvalue *atena, const struct jvalue *before,
                   const struct jvalue *limit, const char *what, struct api_page *out,
                   struct kd_err *err)
{
    *out = (struct api_page){NULL, 0, 50};
    if (atena && atena->present) {
        if (!api_is_number(atena->s, atena->len))
            return kd_fail(err, KD_INVALID_VALUE, "atena", "atena must be a 宛名番号 (digits)");
        out->atena = atena->s;
    }
    if (before->present && !text_parse_i64(before->s, before->len, 1, INT64_MAX, &out->before))
        return kd_fail(err, KD_INVALID_VALUE, "before", "before must be %s", what);
    if (limit->present && !text_parse_i64(limit->s, limit->len, 1, 200, &out->limit))
        return kd_fail(err, KD_INVALID_VALUE, "limit", "limit must be from 1 to 200");
    return 0;
}

int api_page_read(struct api_req *req, const char *what, struct api_page *out,
                  struct kd_err *err)
{
    static const struct jfield query[] = {
        {"atena", JT_STRING, false, 15, false, 0, 0},
        {"before", JT_STRING, false, 19, false, 0, 0},
        {"limit", JT_STRING, false, 3, false, 0, 0},
    };
    struct jvalue v[3];
    if (api_query(req, query, 3, v, err) < 0)
        return -1;
    return api_page_query(&v[0], &v[1], &v[2], what, out, err);
}

void api_next_before(struct jw *w, int64_t limit, int count, int64_t last)
{
    jw_key(w, "next_before");
    if (count == limit)
        jw_int(w, last);
    else
        jw_null(w);
}

const char *api_param_str(struct api_req *req, const char *name)
{
    size_t len;
    const char *v = router_param(&req->params, name, &len);
    return v ? arena_strndup(req->arena, v, len) : NULL;
}

int api_audit_town(struct api_req *req, const char *town, int64_t user_id, const char *login,
                   const char *role, const char *action, const char *outcome, const char *detail,
                   struct kd_err *err)
{
    struct store *s = catalog_town(req->app->cat, town, err);
    if (!s)
        return -1;
    struct audit_entry e = {
        .at_ms = req->now_ms,
        .user_id = user_id,
        .user_login = login,
        .role = role,
        .action = action,
        .outcome = outcome,
        .purpose = req->purpose,
        .request_id = req->http->request_id,
        .detail = detail ? detail : "",
    };
    return audit_append(s, town, &e, err);
}

static const char *keep(struct api_req *req, const char *s)
{
    return s ? arena_strndup(req->arena, s, strlen(s)) : NULL;
}

/* Keeps a copy of e, whose strings may live on the caller's stack, in the
 * request's pending job. */
static int defer_entry(struct api_req *req, const struct audit_entry *e, struct kd_err *err)
{
    struct audit_job *j = req->audit;
    if (!j) {
        j = arena_zalloc(req->arena, sizeof *j);
        if (!j)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        memcpy(j->town, req->who->tenant, sizeof j->town);
        req->audit = j;
    }
    if (j->count == req->audit_cap) {
        int cap = req->audit_cap ? req->audit_cap * 2 : 4;
        struct audit_entry *grown = arena_alloc(req->arena, (size_t)cap * sizeof *grown);
        if (!grown)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        if (j->count)
            memcpy(grown, j->entries, (size_t)j->count * sizeof *grown);
        j->entries = grown;
        req->audit_cap = cap;
    }
    struct audit_entry *c = &j->entries[j->count];
    *c = *e;
    c->user_login = keep(req, e->user_login);
    c->subject = keep(req, e->subject);
    c->purpose = keep(req, e->purpose);
    c->detail = keep(req, e->detail);
    c->action = keep(req, e->action);
    c->outcome = keep(req, e->outcome);
    if (!c->user_login || (e->subject && !c->subject) || !c->purpose || !c->detail ||
        !c->action || !c->outcome)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    /* role is a static string (role_name); request_id lives in the request. */
    j->count++;
    return 0;
}

int api_audit(struct api_req *req, const char *action, const char *outcome, const char *subject,
              const char *detail, struct kd_err *err)
{
    const struct principal *p = req->who;
    struct audit_entry e = {
        .at_ms = req->now_ms,
        .user_id = p->user_id,
        .user_login = p->login,
        .role = role_name(p->role),
        .action = action,
        .outcome = outcome,
        .subject = subject,
        .purpose = req->purpose ? req->purpose : "",
        .request_id = req->http->request_id,
        .detail = detail ? detail : "",
    };
    if (req->app->audit_queue && !store_in_transaction(req->town))
        return defer_entry(req, &e, err);
    return audit_append(req->town, p->tenant, &e, err);
}

struct jw *api_reply(struct api_out *out, int status)
{
    out->status = status;
    out->has_body = true;
    return &out->body;
}

int api_no_content(struct api_out *out)
{
    out->status = 204;
    out->has_body = false;
    return 0;
}

int api_reply_file(struct api_req *req, struct api_out *out, char *data, size_t len,
                   const char *type, const char *filename)
{
    out->status = 200;
    out->has_body = false;
    out->file = data;
    out->file_len = len;
    out->file_type = type;
    out->file_disposition =
        filename ? arena_printf(req->arena, "attachment; filename=\"%s\"", filename) : NULL;
    return 0;
}

int api_reply_fd(struct api_req *req, struct api_out *out, int fd, int64_t size,
                 const char *type, const char *filename)
{
    out->status = 200;
    out->has_body = false;
    out->has_fd = true;
    out->fd = fd;
    out->fd_size = size;
    out->file_type = type;
    out->file_disposition =
        filename ? arena_printf(req->arena, "attachment; filename=\"%s\"", filename) : NULL;
    return 0;
}

void api_instant(struct jw *w, int64_t ms)
{
    if (ms == 0) {
        jw_null(w);
        return;
    }
    char buf[CLOCK_ISO_LEN];
    clock_format_iso(ms, buf);
    jw_strn(w, buf, CLOCK_ISO_LEN - 1);
}
