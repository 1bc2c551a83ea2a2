/*
 * api_meta.c — health, the OpenAPI document, the list of roles.
 */
#include "api/api.h"

int api_health(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    /* Healthy means the control database answers. */
    struct store_stmt *st = store_prepare(req->ctl, "SELECT count(*) FROM tenants", err);
    if (!st)
        return -1;
    enum store_step rc = store_step(st, err);
    json_int_t towns = rc == STORE_ROW ? store_col_i64(st, 0) : 0;
    store_reset(st);
    if (rc != STORE_ROW)
        return -1;
    return api_json(out, 200,
                    json_pack("{s:s, s:s, s:I}", "status", "ok", "version", KYODO_VERSION,
                              "towns", towns));
}

int api_openapi(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    (void)req;
    json_error_t jerr;
    json_t *doc = json_loadb(api_openapi_json, api_openapi_json_len, 0, &jerr);
    if (!doc)
        return kd_fail(err, KD_INTERNAL, NULL, "embedded OpenAPI document: %s", jerr.text);
    return api_json(out, 200, doc);
}

int api_roles(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    (void)req;
    (void)err;
    json_t *items = json_array();
    for (int r = 0; r < ROLE_COUNT; r++)
        json_array_append_new(items, json_pack("{s:s, s:s}", "name", role_name((enum role)r),
                                               "label", role_label((enum role)r)));
    return api_json(out, 200, json_pack("{s:o}", "items", items));
}
