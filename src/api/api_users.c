/*
 * api_users.c — the town administrator's user management, always within
 * the session's own town. Staff accounts are personal data too, so reads
 * and writes are audited.
 */
#include "api/api.h"

#include "engine/password.h"

#include <stdio.h>
#include <string.h>

static void write_user(struct jw *w, const struct user *u, int64_t now_ms)
{
    bool locked = u->locked_until_ms > now_ms;
    jw_obj(w);
    jw_kint(w, "id", u->id);
    jw_kstr(w, "login", u->login);
    jw_kstr(w, "name", u->name);
    jw_kstr(w, "role", role_name(u->role));
    jw_kstr(w, "role_label", role_label(u->role));
    jw_kbool(w, "disabled", u->disabled);
    jw_kbool(w, "locked", locked);
    jw_key(w, "locked_until");
    api_instant(w, locked ? u->locked_until_ms : 0);
    jw_kstr(w, "password_changed_at", u->password_changed_at);
    jw_kstr(w, "created_at", u->created_at);
    jw_kstr(w, "updated_at", u->updated_at);
    jw_obj_end(w);
}

struct list_ctx {
    struct jw *w;
    int64_t now_ms;
};

static int add_user(void *p, const struct user *u)
{
    struct list_ctx *c = p;
    write_user(c->w, u, c->now_ms);
    return 0;
}

int api_users_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct list_ctx c = {api_reply(out, 200), req->now_ms};
    jw_obj(c.w);
    jw_key(c.w, "items");
    jw_arr(c.w);
    if (user_list(req->ctl, req->who->tenant, add_user, &c, err) < 0 ||
        api_audit(req, "user.list", "ok", NULL, "", err) < 0)
        return -1;
    jw_arr_end(c.w);
    jw_obj_end(c.w);
    return 0;
}

/* Operator and consortium secretariat accounts reach across towns (the
 * consortium's, not one town's); the permission table says who may touch
 * them (through the API: nobody, see perm.c). */
static bool consortium_account(enum role r)
{
    return r == ROLE_OPERATOR || r == ROLE_CONSORTIUM;
}

static bool may_touch_operators(const struct api_req *req)
{
    return perm_allows(req->who->role, "operator_accounts", "write");
}

static int check_role(const struct api_req *req, const struct jvalue *v, enum role *role,
                      struct kd_err *err)
{
    if (!role_parse(v->s, v->len, role))
        return kd_fail(err, KD_INVALID_VALUE, "role",
                       "role must be one of admin, residents_clerk, residents_supervisor, "
                       "tax_clerk, welfare_clerk, auditor");
    if (consortium_account(*role) && !may_touch_operators(req))
        return kd_fail(err, KD_INVALID_VALUE, "role",
                       "%s accounts are created by the consortium (kyodo user add)",
                       role_name(*role));
    return 0;
}

/* Refuses a change to an operator's account (see may_touch_operators). */
static int check_target(struct api_req *req, const struct user *u, struct kd_err *err)
{
    if (consortium_account(u->role) && !may_touch_operators(req)) {
        char detail[80];
        snprintf(detail, sizeof detail, "change to %s account %lld refused", role_name(u->role),
                 (long long)u->id);
        struct kd_err ignored;
        api_audit(req, "user.update", "denied", NULL, detail, &ignored);
        return kd_fail(err, KD_FORBIDDEN, NULL,
                       "%s accounts are maintained by the consortium, not by the town",
                       role_name(u->role));
    }
    return 0;
}

static const struct jfield create_spec[] = {
    {"login", JT_STRING, true, USER_LOGIN_MAX, false, 0, 0},
    {"name", JT_STRING, true, USER_NAME_CHARS, false, 0, 0},
    {"role", JT_STRING, true, 32, false, 0, 0},
    {"password", JT_STRING, true, PASSWORD_MAX_BYTES, false, 0, 0},
};

int api_users_create(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[4];
    enum role role;
    if (api_body(req, create_spec, 4, v, err) < 0 || check_role(req, &v[2], &role, err) < 0)
        return -1;
    int64_t id;
    if (user_add(req->ctl, req->who->tenant, v[0].s, v[1].s, role, v[3].s,
                 req->app->policy.password_min_chars, &id, err) < 0)
        return -1;
    char detail[96];
    snprintf(detail, sizeof detail, "user %lld (%s) created as %s", (long long)id, v[0].s,
             role_name(role));
    struct user u;
    if (api_audit(req, "user.create", "ok", NULL, detail, err) < 0 ||
        user_get(req->ctl, req->who->tenant, id, &u, err) < 0)
        return -1;
    write_user(api_reply(out, 201), &u, req->now_ms);
    return 0;
}

int api_users_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    struct user u;
    if (api_param_id(req, "id", &id, err) < 0 || user_get(req->ctl, req->who->tenant, id, &u, err) < 0)
        return -1;
    char detail[48];
    snprintf(detail, sizeof detail, "user %lld", (long long)id);
    if (api_audit(req, "user.read", "ok", NULL, detail, err) < 0)
        return -1;
    write_user(api_reply(out, 200), &u, req->now_ms);
    return 0;
}

static const struct jfield update_spec[] = {
    {"name", JT_STRING, false, USER_NAME_CHARS, false, 0, 0},
    {"role", JT_STRING, false, 32, false, 0, 0},
    {"disabled", JT_BOOL, false, 0, false, 0, 0},
    {"locked", JT_BOOL, false, 0, false, 0, 0},
};

int api_users_update(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    struct jvalue v[4];
    struct user u;
    if (api_param_id(req, "id", &id, err) < 0 || api_body(req, update_spec, 4, v, err) < 0)
        return -1;
    /* Read first: a user of another town is not found before anything else
     * is said about the request. */
    if (user_get(req->ctl, req->who->tenant, id, &u, err) < 0 || check_target(req, &u, err) < 0)
        return -1;
    struct user_change c = {.name = v[0].present ? v[0].s : NULL, .role = -1, .disabled = -1};
    if (!v[0].present && !v[1].present && !v[2].present && !v[3].present)
        return kd_fail(err, KD_BAD_REQUEST, NULL,
                       "nothing to change: give name, role, disabled or locked");
    if (v[1].present) {
        enum role role;
        if (check_role(req, &v[1], &role, err) < 0)
            return -1;
        c.role = (int)role;
    }
    if (v[2].present)
        c.disabled = v[2].b;
    if (v[3].present) {
        if (v[3].b)
            return kd_fail(err, KD_INVALID_VALUE, "locked",
                           "accounts are locked only by failed sign-ins; send false to unlock");
        c.unlock = true;
    }
    if (id == req->who->user_id && ((v[2].present && v[2].b) || c.role >= 0))
        return kd_fail(err, KD_INVALID_VALUE, v[2].present ? "disabled" : "role",
                       "administrators cannot disable themselves or change their own role");
    if (user_update(req->ctl, req->who->tenant, id, &c, err) < 0)
        return -1;
    char detail[160];
    snprintf(detail, sizeof detail, "user %lld:%s%s%s%s", (long long)id,
             v[0].present ? " name" : "", v[1].present ? " role" : "",
             v[2].present ? (v[2].b ? " disabled" : " enabled") : "",
             v[3].present ? " unlocked" : "");
    if (api_audit(req, "user.update", "ok", NULL, detail, err) < 0 ||
        user_get(req->ctl, req->who->tenant, id, &u, err) < 0)
        return -1;
    write_user(api_reply(out, 200), &u, req->now_ms);
    return 0;
}

static const struct jfield password_spec[] = {
    {"password", JT_STRING, true, PASSWORD_MAX_BYTES, false, 0, 0},
};

int api_users_password(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    struct jvalue v[1];
    if (api_param_id(req, "id", &id, err) < 0 || api_body(req, password_spec, 1, v, err) < 0)
        return -1;
    if (id == req->who->user_id)
        return kd_fail(err, KD_INVALID_VALUE, "id",
                       "change your own password with POST /api/v1/me/password");
    struct user u;
    if (user_get(req->ctl, req->who->tenant, id, &u, err) < 0 || check_target(req, &u, err) < 0)
        return -1;
    if (user_set_password(req->ctl, req->who->tenant, id, v[0].s,
                          req->app->policy.password_min_chars, err) < 0)
        return -1;
    char detail[64];
    snprintf(detail, sizeof detail, "password of user %lld reset", (long long)id);
    if (api_audit(req, "user.password", "ok", NULL, detail, err) < 0)
        return -1;
    return api_no_content(out);
}
