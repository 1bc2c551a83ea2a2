/*
 * api_consortium.c — the consortium's sheets over the API.
 *
 * The sheets are the consortium's, not any town's: they live in the control
 * database (consortium/sheets.h) and every secretariat account, whichever
 * town it belongs to, sees the same ones. Changes are recorded in the audit
 * log of the acting user's town (the only log there is), with the sheet's
 * id and kind; reading is not audited (no personal data).
 *
 * A sheet's text is checked in full before it is stored: a problem is 400
 * with the field naming the item ("中之条町/B", "A社/1次/住民") and the
 * message naming the line.
 */
#include "api/api_consortium.h"

#include "base/clock.h"
#include "consortium/sheets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A sheet's text in characters (CONS_TEXT_MAX bytes is the real bound). */
#define TEXT_CHARS (CONS_TEXT_MAX)

/* Computation gets its own arena: a proposal model is larger than a
 * request's arena is meant to hold. */
#define WORK_CAP ((size_t)64 << 20)

static const char *who(const struct api_req *req)
{
    return arena_printf(req->arena, "%s/%s", req->who->tenant, req->who->login);
}

static void write_row(struct jw *w, const struct cons_sheet_row *row)
{
    jw_kint(w, "id", row->id);
    jw_kstr(w, "kind", cons_kind_name(row->kind));
    jw_kstr(w, "kind_label", cons_kind_label(row->kind));
    jw_kstr(w, "title", row->title);
    jw_kstr(w, "created_at", row->created_at);
    jw_kstr(w, "updated_at", row->updated_at);
    jw_kstr(w, "updated_by", row->updated_by);
}

struct list_ctx {
    struct jw *w;
    bool filter;
    enum cons_kind kind;
};

static int add_row(void *p, const struct cons_sheet_row *row)
{
    struct list_ctx *c = p;
    if (c->filter && row->kind != c->kind)
        return 0;
    jw_obj(c->w);
    write_row(c->w, row);
    jw_obj_end(c->w);
    return 0;
}

static const struct jfield list_query[] = {
    {"kind", JT_STRING, false, 16, false, 0, 0},
};

int api_consortium_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue q[1];
    struct list_ctx c = {0};
    if (api_query(req, list_query, 1, q, err) < 0)
        return -1;
    if (q[0].present) {
        if (!cons_kind_parse(q[0].s, &c.kind))
            return kd_fail(err, KD_INVALID_VALUE, "kind",
                           "kind must be proposal, costs, procurement or allocation");
        c.filter = true;
    }
    c.w = api_reply(out, 200);
    jw_obj(c.w);
    jw_key(c.w, "items");
    jw_arr(c.w);
    if (cons_sheet_list(req->ctl, add_row, &c, err) < 0)
        return -1;
    jw_arr_end(c.w);
    jw_obj_end(c.w);
    return 0;
}

/* Writes {…row, text, result} for a stored sheet. */
static int write_sheet(struct api_req *req, struct jw *w, int64_t id, struct kd_err *err)
{
    struct arena a;
    arena_init(&a, NULL, 0, WORK_CAP);
    int rc = -1;
    struct cons_sheet_row row;
    if (cons_sheet_get(req->ctl, &a, id, &row, err) < 0)
        goto out;
    struct cons_result *r = cons_sheet_compute(req->ctl, &a, &row, err);
    jw_obj(w);
    write_row(w, &row);
    jw_key(w, "text");
    jw_strn(w, row.text, row.text_len);
    /* A stored sheet that no longer computes (a town left the registry)
     * still shows, with the reason. */
    jw_key(w, "result");
    if (r)
        cons_json(w, r);
    else
        jw_null(w);
    jw_key(w, "problem");
    if (r) {
        jw_null(w);
    } else {
        jw_obj(w);
        jw_kstr(w, "code", kd_code_name(err->code));
        jw_kstr(w, "message", err->message);
        jw_kstr(w, "field", err->field[0] ? err->field : NULL);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    rc = 0;
out:
    arena_release(&a);
    return rc;
}

static int audit_change(struct api_req *req, const char *action, int64_t id, struct kd_err *err)
{
    char detail[64];
    snprintf(detail, sizeof detail, "consortium sheet %lld", (long long)id);
    return api_audit(req, action, "ok", NULL, detail, err);
}

static const struct jfield create_spec[] = {
    {"text", JT_STRING, true, TEXT_CHARS, true, 0, 0},
    {"title", JT_STRING, false, CONS_TITLE_CHARS, false, 0, 0},
};

int api_consortium_create(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[2];
    int64_t id;
    if (api_body(req, create_spec, 2, v, err) < 0 ||
        cons_sheet_add(req->ctl, v[1].present ? v[1].s : NULL, v[0].s, v[0].len, who(req),
                       req->now_ms, &id, err) < 0 ||
        audit_change(req, "consortium.sheet.create", id, err) < 0)
        return -1;
    return write_sheet(req, api_reply(out, 201), id, err);
}

int api_consortium_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0)
        return -1;
    return write_sheet(req, api_reply(out, 200), id, err);
}

static const struct jfield update_spec[] = {
    {"text", JT_STRING, false, TEXT_CHARS, true, 0, 0},
    {"title", JT_STRING, false, CONS_TITLE_CHARS, false, 0, 0},
};

int api_consortium_update(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    struct jvalue v[2];
    if (api_param_id(req, "id", &id, err) < 0 || api_body(req, update_spec, 2, v, err) < 0)
        return -1;
    if (!v[0].present && !v[1].present)
        return kd_fail(err, KD_BAD_REQUEST, NULL, "nothing to change: give text or title");
    if (cons_sheet_update(req->ctl, id, v[1].present ? v[1].s : NULL,
                          v[0].present ? v[0].s : NULL, v[0].len, who(req), req->now_ms,
                          err) < 0 ||
        audit_change(req, "consortium.sheet.update", id, err) < 0)
        return -1;
    return write_sheet(req, api_reply(out, 200), id, err);
}

int api_consortium_delete(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0 || cons_sheet_delete(req->ctl, id, err) < 0 ||
        audit_change(req, "consortium.sheet.delete", id, err) < 0)
        return -1;
    return api_no_content(out);
}

/* Loads and computes sheet {id} into a (the caller releases it). */
static struct cons_result *computed(struct api_req *req, struct arena *a, int64_t *id,
                                    struct kd_err *err)
{
    struct cons_sheet_row row;
    if (api_param_id(req, "id", id, err) < 0 || cons_sheet_get(req->ctl, a, *id, &row, err) < 0)
        return NULL;
    struct cons_result *r = cons_sheet_compute(req->ctl, a, &row, err);
    if (!r && err->code != KD_INTERNAL) /* the stored text no longer computes */
        kd_fail(err, KD_CONFLICT, err->field, "the sheet no longer computes: %s", err->message);
    return r;
}

int api_consortium_pdf(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct arena a;
    arena_init(&a, NULL, 0, WORK_CAP);
    int rc = -1;
    int64_t id;
    struct cons_result *r = computed(req, &a, &id, err);
    if (!r)
        goto out;
    /* The date printed, as a Japanese clerk reads it (UTC+9). */
    char day[CLOCK_ISO_LEN];
    clock_format_iso(req->now_ms + 9 * 3600 * 1000, day);
    char printed_on[32];
    snprintf(printed_on, sizeof printed_on, "作成 %.4s年%.2s月%.2s日", day, day + 5, day + 8);
    char *pdf;
    size_t len;
    if (cons_pdf(r, printed_on, &pdf, &len, err) < 0)
        goto out;
    char name[64];
    snprintf(name, sizeof name, "consortium-%s-%lld.pdf", cons_kind_name(r->kind),
             (long long)id);
    rc = api_reply_file(req, out, pdf, len, "application/pdf", name);
out:
    arena_release(&a);
    return rc;
}

int api_consortium_csv(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct arena a;
    arena_init(&a, NULL, 0, WORK_CAP);
    int rc = -1;
    int64_t id;
    struct cons_result *r = computed(req, &a, &id, err);
    if (!r)
        goto out;
    size_t len;
    char *csv = cons_csv(r, &len);
    if (!csv) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory writing the CSV");
        goto out;
    }
    char name[64];
    snprintf(name, sizeof name, "consortium-%s-%lld.csv", cons_kind_name(r->kind),
             (long long)id);
    rc = api_reply_file(req, out, csv, len, "text/csv; charset=utf-8", name);
out:
    arena_release(&a);
    return rc;
}

static const struct jfield compute_spec[] = {
    {"text", JT_STRING, true, TEXT_CHARS, true, 0, 0},
};

int api_consortium_compute(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[1];
    if (api_body(req, compute_spec, 1, v, err) < 0)
        return -1;
    struct arena a;
    arena_init(&a, NULL, 0, WORK_CAP);
    int rc = -1;
    struct cons_towns towns;
    struct cons_result *r;
    if (cons_members(req->ctl, &a, &towns, err) < 0 ||
        !(r = cons_compute(&a, "text", v[0].s, v[0].len, &towns, err)))
        goto out;
    cons_json(api_reply(out, 200), r);
    rc = 0;
out:
    arena_release(&a);
    return rc;
}
