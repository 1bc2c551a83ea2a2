/*
 * api_tenants.c — the session's own town, and the consortium's tenant
 * registry (operators only: code, name and status, never town data).
 */
#include "api/api.h"

#include "base/text.h"
#include "engine/audit.h"
#include "engine/password.h"

#include <stdio.h>
#include <string.h>

static void write_tenant(struct jw *w, const struct tenant *t)
{
    jw_obj(w);
    jw_kstr(w, "code", t->code);
    jw_kstr(w, "name", t->name);
    jw_kbool(w, "active", t->active);
    jw_kstr(w, "created_at", t->created_at);
    jw_kstr(w, "updated_at", t->updated_at);
    jw_obj_end(w);
}

/* Answers one tenant, read afresh. */
static int reply_tenant(struct api_req *req, const char *code, int status, struct api_out *out,
                        struct kd_err *err)
{
    struct tenant t;
    if (tenant_get(req->ctl, code, &t, err) < 0)
        return -1;
    write_tenant(api_reply(out, status), &t);
    return 0;
}

int api_town(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    return reply_tenant(req, req->who->tenant, 200, out, err);
}

static int add_tenant(void *ctx, const struct tenant *t)
{
    write_tenant(ctx, t);
    return 0;
}

int api_tenants_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    if (tenant_list(req->ctl, add_tenant, w, err) < 0)
        return -1;
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}

/* The code in the path, checked; a malformed code names no tenant. */
static const char *path_code(struct api_req *req, struct kd_err *err)
{
    const char *code = api_param_str(req, "code");
    if (!code || tenant_check_code(code, strlen(code), NULL) < 0) {
        kd_fail(err, KD_NOT_FOUND, "code", "no such town");
        return NULL;
    }
    return code;
}

int api_tenants_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    const char *code = path_code(req, err);
    if (!code)
        return -1;
    return reply_tenant(req, code, 200, out, err);
}

static const struct jfield create_spec[] = {
    {"code", JT_STRING, true, 6, false, 0, 0},
    {"name", JT_STRING, true, TENANT_NAME_CHARS, false, 0, 0},
    {"admin_login", JT_STRING, false, USER_LOGIN_MAX, false, 0, 0},
    {"admin_name", JT_STRING, false, USER_NAME_CHARS, false, 0, 0},
    {"admin_password", JT_STRING, false, PASSWORD_MAX_BYTES, false, 0, 0},
};

struct create_ctx {
    struct api_req *req;
    struct user_new *admin; /* NULL: no first administrator */
};

/* Inside the registration: the first audit entries and the administrator. */
static int init_town(void *p, const char *code, struct store *ctl, struct store *town,
                     struct kd_err *err)
{
    (void)town; /* api_audit_town reaches the same connection through the catalog */
    struct create_ctx *c = p;
    const struct principal *who = c->req->who;
    char detail[160];
    snprintf(detail, sizeof detail, "town registered by the operator %s of %s", who->login,
             who->tenant);
    if (api_audit_town(c->req, code, who->user_id, who->login, role_name(who->role),
                       "tenant.create", "ok", detail, err) < 0)
        return -1;
    if (!c->admin)
        return 0;
    int64_t id;
    if (user_insert(ctl, code, c->admin, &id, err) < 0) {
        if (err->code == KD_CONFLICT) /* cannot happen in a new town; name the field anyway */
            snprintf(err->field, sizeof err->field, "admin_login");
        return -1;
    }
    snprintf(detail, sizeof detail, "first administrator %s (user %lld) created", c->admin->login,
             (long long)id);
    return api_audit_town(c->req, code, who->user_id, who->login, role_name(who->role),
                          "user.create", "ok", detail, err);
}

int api_tenants_create(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[5];
    if (api_body(req, create_spec, 5, v, err) < 0)
        return -1;
    if (tenant_check_code(v[0].s, v[0].len, err) < 0 || tenant_check_name(v[1].s, v[1].len, err) < 0)
        return -1;
    /* The first administrator is optional, but all of it or none. Its
     * password is hashed before the registration's transaction begins. */
    struct user_new admin;
    struct create_ctx c = {req, NULL};
    if (v[2].present || v[3].present || v[4].present) {
        for (int i = 2; i <= 4; i++)
            if (!v[i].present)
                return kd_fail(err, KD_MISSING_FIELD, create_spec[i].name,
                               "%s is required with the other admin_ fields",
                               create_spec[i].name);
        if (user_check_login(v[2].s, v[2].len, "admin_login", err) < 0 ||
            text_check_line(v[3].s, v[3].len, 1, USER_NAME_CHARS, "admin_name", err) < 0 ||
            user_check_password(v[4].s, v[4].len, req->app->policy.password_min_chars, v[2].s,
                                "admin_password", err) < 0 ||
            user_prepare(&admin, v[2].s, v[3].s, ROLE_ADMIN, v[4].s,
                         req->app->policy.password_min_chars, err) < 0)
            return -1;
        c.admin = &admin;
    }
    int rc = tenant_add(req->app->cat, v[0].s, v[1].s, init_town, &c, err);
    sodium_memzero(admin.hash, sizeof admin.hash);
    if (rc < 0)
        return -1;
    return reply_tenant(req, v[0].s, 201, out, err);
}

static const struct jfield update_spec[] = {
    {"name", JT_STRING, false, TENANT_NAME_CHARS, false, 0, 0},
    {"active", JT_BOOL, false, 0, false, 0, 0},
};

int api_tenants_update(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    const char *code = path_code(req, err);
    if (!code)
        return -1;
    struct jvalue v[2];
    if (api_body(req, update_spec, 2, v, err) < 0)
        return -1;
    if (!v[0].present && !v[1].present)
        return kd_fail(err, KD_BAD_REQUEST, NULL, "nothing to change: give name or active");
    if (v[1].present && !v[1].b && strcmp(code, req->who->tenant) == 0)
        return kd_fail(err, KD_INVALID_VALUE, "active",
                       "an operator cannot disable the town they are signed in to");
    if (tenant_update(req->ctl, code, v[0].present ? v[0].s : NULL, v[1].present ? v[1].b : -1,
                      err) < 0)
        return -1;
    const struct principal *p = req->who;
    char detail[200];
    snprintf(detail, sizeof detail, "%s%s%s", v[0].present ? "renamed" : "",
             v[0].present && v[1].present ? ", " : "",
             v[1].present ? (v[1].b ? "enabled" : "disabled") : "");
    if (api_audit_town(req, code, p->user_id, p->login, role_name(p->role), "tenant.update",
                       "ok", detail, err) < 0)
        return -1;
    return reply_tenant(req, code, 200, out, err);
}
