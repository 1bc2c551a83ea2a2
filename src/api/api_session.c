/*
 * api_session.c — sign-in, sign-out, the signed-in user, own password.
 */
#include "api/api.h"

#include "base/text.h"
#include "engine/audit.h"
#include "engine/password.h"

#include <stdio.h>
#include <string.h>

static const char *cookie(struct api_req *req, const char *token, int64_t max_age_s)
{
    return arena_printf(req->arena, "kyodo_session=%s; Path=/; HttpOnly; SameSite=Strict;"
                                    " Max-Age=%lld%s",
                        token, (long long)max_age_s,
                        req->app->cfg->secure_cookies ? "; Secure" : "");
}

/* The signed-in user, their town, menu, CSRF token and session rules. */
static int write_me(struct api_req *req, const struct principal *p, struct api_out *out,
                    int status)
{
    struct jw *w = api_reply(out, status);
    size_t menu_len;
    const char *menu = api_menu_json(p->role, &menu_len);
    jw_obj(w);
    jw_key(w, "user");
    jw_obj(w);
    jw_kint(w, "id", p->user_id);
    jw_kstr(w, "login", p->login);
    jw_kstr(w, "name", p->name);
    jw_kstr(w, "role", role_name(p->role));
    jw_kstr(w, "role_label", role_label(p->role));
    jw_obj_end(w);
    jw_key(w, "tenant");
    jw_obj(w);
    jw_kstr(w, "code", p->tenant);
    jw_kstr(w, "name", p->tenant_name);
    jw_obj_end(w);
    jw_key(w, "menu");
    jw_raw(w, menu, menu_len);
    jw_kstr(w, "csrf_token", p->csrf);
    jw_key(w, "session");
    jw_obj(w);
    jw_key(w, "expires_at");
    api_instant(w, p->expires_ms);
    jw_kint(w, "idle_timeout", req->app->policy.idle_ms / 1000);
    jw_kint(w, "password_min_length", req->app->policy.password_min_chars);
    jw_obj_end(w);
    jw_obj_end(w);
    return 0;
}

/* Signs a user in and sets the cookie; used by sign-in and password change. */
static int start_session(struct api_req *req, const struct user *u, struct api_out *out,
                         int status, struct kd_err *err)
{
    char token[SESSION_TOKEN_LEN + 1];
    struct principal p;
    if (session_create(req->ctl, &req->app->policy, u, req->now_ms, token, &p, err) < 0)
        return -1;
    out->set_cookie = cookie(req, token, req->app->policy.lifetime_ms / 1000);
    sodium_memzero(token, sizeof token);
    return write_me(req, &p, out, status);
}

static const struct jfield login_spec[] = {
    {"tenant", JT_STRING, true, 6, false, 0, 0},
    {"user", JT_STRING, true, USER_LOGIN_MAX, false, 0, 0},
    {"password", JT_STRING, true, PASSWORD_MAX_BYTES, false, 0, 0},
};

int api_session_create(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[3];
    if (api_body(req, login_spec, 3, v, err) < 0)
        return -1;
    const char *tenant = v[0].s, *login = v[1].s, *password = v[2].s;
    if (!text_all_digits(tenant, v[0].len) || v[0].len != 6)
        return kd_fail(err, KD_INVALID_VALUE, "tenant", "tenant must be a six-digit town code");
    if (user_check_login(login, v[1].len, "user", err) < 0)
        return -1;

    struct user u;
    enum auth_outcome outcome;
    if (user_authenticate(req->ctl, &req->app->policy, tenant, login, password, v[2].len,
                          req->now_ms, &u, &outcome, err) < 0)
        return -1;

    static const char *const why[] = {
        [AUTH_OK] = "",
        [AUTH_NO_TENANT] = "unknown or disabled town",
        [AUTH_NO_USER] = "unknown user",
        [AUTH_DISABLED] = "account disabled",
        [AUTH_LOCKED] = "account locked",
        [AUTH_BAD_PASSWORD] = "wrong password",
        [AUTH_BAD_PASSWORD_NOW_LOCKED] = "wrong password; account now locked",
    };
    if (outcome != AUTH_NO_TENANT) {
        bool known = outcome != AUTH_NO_USER;
        struct kd_err audit_err;
        if (api_audit_town(req, tenant, known ? u.id : 0, login, known ? role_name(u.role) : "",
                           "session.login", outcome == AUTH_OK ? "ok" : "failed", why[outcome],
                           &audit_err) < 0) {
            /* Without its audit entry a sign-in must not happen. */
            *err = audit_err;
            return -1;
        }
    }
    switch (outcome) {
    case AUTH_OK:
        break;
    case AUTH_LOCKED:
    case AUTH_BAD_PASSWORD_NOW_LOCKED:
        return kd_fail(err, KD_ACCOUNT_LOCKED, NULL,
                       "this account is locked after repeated failed sign-ins; try again later "
                       "or ask the town administrator");
    default:
        return kd_fail(err, KD_INVALID_CREDENTIALS, NULL,
                       "town code, user name or password is wrong");
    }
    /* Housekeeping on sign-in keeps the sessions table small. */
    struct kd_err ignored;
    session_sweep(req->ctl, &req->app->policy, req->now_ms, &ignored);
    return start_session(req, &u, out, 201, err);
}

int api_session_delete(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    const char *token = http_cookie(req->http, "kyodo_session");
    if (api_audit(req, "session.logout", "ok", NULL, "", err) < 0)
        return -1;
    if (session_delete(req->ctl, token, strlen(token), err) < 0)
        return -1;
    out->set_cookie = cookie(req, "", 0);
    return api_no_content(out);
}

int api_me(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    (void)err;
    return write_me(req, req->who, out, 200);
}

static const struct jfield password_spec[] = {
    {"current", JT_STRING, true, PASSWORD_MAX_BYTES, false, 0, 0},
    {"new", JT_STRING, true, PASSWORD_MAX_BYTES, false, 0, 0},
};

int api_me_password(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[2];
    if (api_body(req, password_spec, 2, v, err) < 0)
        return -1;
    const struct principal *p = req->who;
    struct user u;
    enum auth_outcome outcome;
    if (user_authenticate(req->ctl, &req->app->policy, p->tenant, p->login, v[0].s, v[0].len,
                          req->now_ms, &u, &outcome, err) < 0)
        return -1;
    if (outcome != AUTH_OK) {
        api_audit(req, "user.password", "failed", NULL, "own password: current password wrong",
                  err);
        if (outcome == AUTH_BAD_PASSWORD_NOW_LOCKED || outcome == AUTH_LOCKED)
            return kd_fail(err, KD_ACCOUNT_LOCKED, "current",
                           "the account is now locked after repeated wrong passwords");
        return kd_fail(err, KD_INVALID_VALUE, "current", "the current password is wrong");
    }
    if (strcmp(v[0].s, v[1].s) == 0)
        return kd_fail(err, KD_INVALID_VALUE, "new",
                       "the new password must differ from the current one");
    if (user_check_password(v[1].s, v[1].len, req->app->policy.password_min_chars, p->login,
                            "new", err) < 0)
        return -1;
    if (user_set_password(req->ctl, p->tenant, p->user_id, v[1].s,
                          req->app->policy.password_min_chars, err) < 0)
        return -1;
    if (api_audit(req, "user.password", "ok", NULL, "own password changed", err) < 0)
        return -1;
    /* The change ended every session of this user, this one too: start a
     * fresh one so the clerk carries on. */
    if (user_get(req->ctl, p->tenant, p->user_id, &u, err) < 0)
        return -1;
    return start_session(req, &u, out, 200, err);
}
