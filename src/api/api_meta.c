/*
 * api_meta.c — health, the OpenAPI document, the list of roles.
 */
#include "api/api.h"

#include "api/observe.h"

int api_health(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    /* Healthy means the control database answers. */
    struct store_stmt *st = store_prepare(req->ctl, "SELECT count(*) FROM tenants", err);
    if (!st)
        return -1;
    enum store_step rc = store_step(st, err);
    int64_t towns = rc == STORE_ROW ? store_col_i64(st, 0) : 0;
    store_reset(st);
    if (rc != STORE_ROW)
        return -1;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_kstr(w, "status", "ok");
    jw_kstr(w, "version", KYODO_VERSION);
    jw_kint(w, "towns", towns);
    jw_obj_end(w);
    return 0;
}

/* Liveness: the process answers. Nothing else is looked at, so a slow or
 * missing database never gets a live server restarted. */
int api_health_live(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    (void)req;
    (void)err;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_kstr(w, "status", "live");
    jw_obj_end(w);
    return 0;
}

/* Readiness: the control database and every active town's database open and
 * migrated, and not shutting down (observe_ready). 503 otherwise, with the
 * reason (counts, never town codes: this is the public port). */
int api_health_ready(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    char why[160];
    if (!req->app->observe)
        return kd_fail(err, KD_UNAVAILABLE, NULL, "not ready: readiness is not kept here");
    if (!observe_ready(req->app->observe, why, sizeof why))
        return kd_fail(err, KD_UNAVAILABLE, NULL, "not ready: %s", why);
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_kstr(w, "status", "ready");
    jw_obj_end(w);
    return 0;
}

/* The document as it is in api/openapi.json (a unit test parses it). */
int api_openapi(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    (void)req;
    (void)err;
    jw_raw(api_reply(out, 200), api_openapi_json, api_openapi_json_len);
    return 0;
}

int api_roles(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    (void)req;
    (void)err;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    for (int r = 0; r < ROLE_COUNT; r++) {
        jw_obj(w);
        jw_kstr(w, "name", role_name((enum role)r));
        jw_kstr(w, "label", role_label((enum role)r));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}
