/*
 * suppression_api.c — 抑止 (DV等支援措置) over HTTP: 申出 entry, the
 * approval queue, decisions by a second user, 延長 and 解除 (see
 * suppression_api.h and docs/suppression.md).
 *
 * Every read of a measure is personal data of the persons it covers and is
 * audited with each of them as subject; every proposal and decision is
 * audited in its own transaction. A refused decision (the proposer trying to
 * approve their own request) is audited as denied. Audit details name the
 * measure and the request, never the reason, the category or the 相手方.
 */
#include "residents/suppression_api.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "engine/perm.h"
#include "residents/suppression.h"

#include <stdio.h>
#include <string.h>

static void japan_today(int64_t now_ms, char out[DATE_ISO_LEN])
{
    date_format_iso(date_today_japan(now_ms), out);
}

struct ctx {
    struct api_req *req;
    char today[DATE_ISO_LEN];
    char now[CLOCK_ISO_LEN];
    struct supp_settings settings;
    struct supp_actor who;
};

static int ctx_init(struct api_req *req, struct ctx *c, struct kd_err *err)
{
    c->req = req;
    japan_today(req->now_ms, c->today);
    clock_format_iso(req->now_ms, c->now);
    if (supp_settings_load(req->town, &c->settings, req->arena, err) < 0)
        return -1;
    c->who = (struct supp_actor){
        .user_id = req->who->user_id,
        .login = req->who->login,
        .role = role_name(req->who->role),
        .request_id = req->http->request_id,
        .now_iso = c->now,
        .today = c->today,
    };
    return 0;
}

/* ---- writing JSON ------------------------------------------------------------------- */

static void write_codes(struct jw *w, const char *key, const struct supp_code *t, int n,
                        unsigned bits)
{
    jw_key(w, key);
    jw_arr(w);
    for (int i = 0; i < n; i++)
        if (bits & t[i].bit)
            jw_str(w, t[i].code);
    jw_arr_end(w);
}

static const char *label_of(const struct supp_code *t, int n, const char *code)
{
    const struct supp_code *c = supp_code_find(t, n, code);
    return c ? c->label : "";
}

static const char *kind_label(const char *kind)
{
    return strcmp(kind, "set") == 0      ? "申出（支援措置の開始）"
           : strcmp(kind, "extend") == 0 ? "延長"
           : strcmp(kind, "lift") == 0   ? "解除"
                                         : "";
}

static int write_measure(struct ctx *c, struct jw *w, const struct supp_measure *m, bool full,
                         struct kd_err *err)
{
    jw_obj(w);
    jw_kint(w, "id", m->id);
    jw_kstr(w, "category", m->category);
    jw_kstr(w, "category_label", label_of(supp_categories, supp_category_count, m->category));
    if (full) {
        jw_kstr(w, "reason", m->reason);
        jw_kstr(w, "offender", m->offender);
    }
    jw_kstr(w, "applied_on", m->applied_on);
    jw_kstr(w, "confirmer_kind", m->confirmer_kind);
    jw_kstr(w, "confirmer_kind_label",
            label_of(supp_confirmers, supp_confirmer_count, m->confirmer_kind));
    jw_kstr(w, "confirmer", m->confirmer);
    jw_kstr(w, "confirmed_on", m->confirmed_on);
    jw_kstr(w, "from", m->date_from);
    jw_kstr(w, "to", m->date_to);
    jw_kstr(w, "status", m->status);
    const char *state = supp_state_on(m, c->today);
    jw_kstr(w, "state", state);
    jw_kstr(w, "state_label", supp_state_label(state));
    jw_kbool(w, "applies", supp_applies_on(m, c->today, c->settings.pending_applies));
    jw_kstr(w, "lifted_on", m->lifted_on[0] ? m->lifted_on : NULL);
    write_codes(w, "blocks", supp_blocks, supp_block_count, m->blocks);
    write_codes(w, "purposes", supp_purposes, supp_purpose_count, m->purposes);
    jw_kstr(w, "created_at", m->created_at);
    jw_kstr(w, "created_by", m->created_by);
    jw_key(w, "persons");
    jw_arr(w);
    for (int i = 0; i < m->npersons; i++) {
        struct supp_person p;
        if (supp_person_read(c->req->town, m->atena[i], &p, c->req->arena, err) < 0)
            return -1;
        jw_obj(w);
        jw_kstr(w, "atena", p.atena);
        jw_kbool(w, "applicant", i == 0);
        jw_kstr(w, "shimei", p.shimei);
        jw_kstr(w, "shimei_kana", p.shimei_kana);
        jw_kstr(w, "birth", p.birth);
        jw_kstr(w, "status", p.status);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    return 0; /* the caller closes the object */
}

static void write_request(struct ctx *c, struct jw *w, const struct supp_request *r)
{
    jw_kint(w, "id", r->id);
    jw_kint(w, "measure_id", r->measure_id);
    jw_kstr(w, "kind", r->kind);
    jw_kstr(w, "kind_label", kind_label(r->kind));
    jw_kstr(w, "to", r->new_to[0] ? r->new_to : NULL);
    jw_kstr(w, "on", r->lift_on[0] ? r->lift_on : NULL);
    jw_kstr(w, "note", r->note);
    jw_kstr(w, "proposed_at", r->proposed_at);
    jw_kstr(w, "proposed_by", r->proposed_by);
    jw_kstr(w, "proposed_role", r->proposed_role);
    /* The page disables 承認 on the user's own proposals (the server refuses
     * them anyway). */
    jw_kbool(w, "mine", r->proposed_by_id == c->req->who->user_id);
    jw_kstr(w, "state", r->state);
    jw_kstr(w, "decided_at", r->decided_at[0] ? r->decided_at : NULL);
    jw_kstr(w, "decided_by", r->decided_by[0] ? r->decided_by : NULL);
    jw_kstr(w, "decision_note", r->decision_note);
}

/* One audit entry per person covered by the measure. */
static int audit_persons(struct api_req *req, const struct supp_measure *m, const char *action,
                         const char *outcome, const char *detail, struct kd_err *err)
{
    for (int i = 0; i < m->npersons; i++)
        if (api_audit(req, action, outcome, m->atena[i], detail, err) < 0)
            return -1;
    return 0;
}

/* ---- the catalogues -------------------------------------------------------------------- */

static void write_table(struct jw *w, const char *key, const struct supp_code *t, int n)
{
    jw_key(w, key);
    jw_arr(w);
    for (int i = 0; i < n; i++) {
        jw_obj(w);
        jw_kstr(w, "code", t[i].code);
        jw_kstr(w, "label", t[i].label);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

int suppression_api_codes(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct ctx c;
    if (ctx_init(req, &c, err) < 0)
        return -1;
    char longest[DATE_ISO_LEN];
    if (supp_period_end(c.today, c.settings.period_months, longest, err) < 0)
        return -1;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    write_table(w, "categories", supp_categories, supp_category_count);
    write_table(w, "confirmers", supp_confirmers, supp_confirmer_count);
    write_table(w, "blocks", supp_blocks, supp_block_count);
    write_table(w, "purposes", supp_purposes, supp_purpose_count);
    jw_key(w, "defaults");
    jw_obj(w);
    jw_kint(w, "period_months", c.settings.period_months);
    jw_kbool(w, "pending_applies", c.settings.pending_applies);
    write_codes(w, "blocks", supp_blocks, supp_block_count, c.settings.default_blocks);
    write_codes(w, "purposes", supp_purposes, supp_purpose_count, c.settings.default_purposes);
    jw_kstr(w, "today", c.today);
    jw_kstr(w, "to_if_from_today", longest);
    jw_obj_end(w);
    jw_obj_end(w);
    return 0;
}

/* ---- measures ------------------------------------------------------------------------- */

struct list_ctx {
    struct ctx *c;
    struct jw *w;
    int count;
    int64_t last;
    struct kd_err *err;
};

static int list_one(void *p, const struct supp_measure *m)
{
    struct list_ctx *l = p;
    if (write_measure(l->c, l->w, m, false, l->err) < 0)
        return -1;
    jw_obj_end(l->w);
    l->count++;
    l->last = m->id;
    return 0;
}

int suppression_api_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct api_page pg;
    if (api_page_read(req, "a measure id", &pg, err) < 0)
        return -1;
    struct ctx c;
    if (ctx_init(req, &c, err) < 0)
        return -1;
    struct list_ctx l = {&c, api_reply(out, 200), 0, 0, err};
    jw_obj(l.w);
    jw_key(l.w, "items");
    jw_arr(l.w);
    if (supp_measure_list(req->town, pg.atena, pg.before, (int)pg.limit, list_one, &l, req->arena,
                          err) < 0)
        return -1;
    jw_arr_end(l.w);
    api_next_before(l.w, pg.limit, l.count, l.last);
    jw_obj_end(l.w);
    char detail[96];
    snprintf(detail, sizeof detail, "支援措置一覧: %d measures", l.count);
    return api_audit(req, "suppression.list", "ok", pg.atena, detail, err);
}

int suppression_api_create(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    if (!req->tree && jreq_parse(req->http->body, req->http->body_len, &req->tree, err) < 0)
        return -1;
    struct ctx c;
    if (ctx_init(req, &c, err) < 0)
        return -1;
    struct supp_measure m;
    const char *note;
    if (supp_parse_application(req->tree, &c.settings, c.today, &m, &note, req->arena, err) < 0)
        return -1;
    int64_t request_id;
    if (store_begin_write(req->town, err) < 0)
        return -1;
    if (supp_propose_measure(req->town, &m, note, &c.who, &request_id, err) < 0)
        return -1; /* the dispatcher rolls back */
    char detail[160];
    snprintf(detail, sizeof detail, "支援措置 %lld: 申出 (request %lld, %s〜%s), waits for approval",
             (long long)m.id, (long long)request_id, m.date_from, m.date_to);
    if (audit_persons(req, &m, "suppression.propose", "ok", detail, err) < 0)
        return -1;
    struct jw *w = api_reply(out, 201);
    if (write_measure(&c, w, &m, true, err) < 0)
        return -1;
    jw_kint(w, "request_id", request_id);
    jw_obj_end(w);
    if (store_commit(req->town, err) < 0)
        return -1;
    out->location = arena_printf(req->arena, "/api/v1/suppressions/%lld", (long long)m.id);
    return 0;
}

struct req_ctx {
    struct ctx *c;
    struct jw *w;
};

static int request_one(void *p, const struct supp_request *r)
{
    struct req_ctx *rc = p;
    jw_obj(rc->w);
    write_request(rc->c, rc->w, r);
    jw_obj_end(rc->w);
    return 0;
}

int suppression_api_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0)
        return -1;
    struct ctx c;
    if (ctx_init(req, &c, err) < 0)
        return -1;
    struct supp_measure m;
    if (supp_measure_get(req->town, id, &m, req->arena, err) < 0)
        return -1;
    /* The reads of all its persons are audited together. */
    if (store_begin_write(req->town, err) < 0)
        return -1;
    char detail[64];
    snprintf(detail, sizeof detail, "支援措置 %lld", (long long)id);
    if (audit_persons(req, &m, "suppression.read", "ok", detail, err) < 0)
        return -1;
    struct jw *w = api_reply(out, 200);
    if (write_measure(&c, w, &m, true, err) < 0)
        return -1;
    jw_key(w, "requests");
    jw_arr(w);
    struct req_ctx rc = {&c, w};
    if (supp_request_list(req->town, id, NULL, 1000, request_one, &rc, req->arena, err) < 0)
        return -1;
    jw_arr_end(w);
    jw_obj_end(w);
    return store_commit(req->town, err);
}

int suppression_api_change(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0)
        return -1;
    if (!req->tree && jreq_parse(req->http->body, req->http->body_len, &req->tree, err) < 0)
        return -1;
    struct ctx c;
    if (ctx_init(req, &c, err) < 0)
        return -1;
    struct supp_change ch;
    if (supp_parse_change(req->tree, c.today, &ch, req->arena, err) < 0)
        return -1;
    if (store_begin_write(req->town, err) < 0)
        return -1;
    int64_t request_id;
    if (supp_propose_change(req->town, id, &ch, &c.settings, &c.who, &request_id, req->arena,
                            err) < 0)
        return -1;
    struct supp_measure m;
    struct supp_request r;
    if (supp_measure_get(req->town, id, &m, req->arena, err) < 0 ||
        supp_request_get(req->town, request_id, &r, req->arena, err) < 0)
        return -1;
    char detail[160];
    snprintf(detail, sizeof detail, "支援措置 %lld: %s proposed (request %lld, %s), waits for "
             "approval",
             (long long)id, kind_label(r.kind), (long long)request_id,
             r.new_to[0] ? r.new_to : r.lift_on);
    if (audit_persons(req, &m, "suppression.propose", "ok", detail, err) < 0)
        return -1;
    if (store_commit(req->town, err) < 0)
        return -1;
    struct jw *w = api_reply(out, 201);
    jw_obj(w);
    write_request(&c, w, &r);
    jw_obj_end(w);
    out->location = arena_printf(req->arena, "/api/v1/suppressions/%lld", (long long)id);
    return 0;
}

/* ---- the approval queue and decisions --------------------------------------------------- */

struct queue_ctx {
    struct ctx *c;
    struct jw *w;
    int count;
    struct kd_err *err;
};

static int queue_one(void *p, const struct supp_request *r)
{
    struct queue_ctx *q = p;
    struct supp_measure m;
    if (supp_measure_get(q->c->req->town, r->measure_id, &m, q->c->req->arena, q->err) < 0)
        return -1;
    jw_obj(q->w);
    write_request(q->c, q->w, r);
    jw_key(q->w, "measure");
    if (write_measure(q->c, q->w, &m, false, q->err) < 0)
        return -1;
    jw_obj_end(q->w);
    jw_obj_end(q->w);
    q->count++;
    return 0;
}

static const struct jfield queue_query[] = {
    {"state", JT_STRING, false, 8, false, 0, 0},
    {"limit", JT_STRING, false, 3, false, 0, 0},
};

int suppression_api_queue(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[2];
    if (api_query(req, queue_query, 2, v, err) < 0)
        return -1;
    const char *state = "pending";
    int64_t limit = 100;
    if (v[0].present) {
        if (strcmp(v[0].s, "pending") != 0 && strcmp(v[0].s, "approved") != 0 &&
            strcmp(v[0].s, "rejected") != 0)
            return kd_fail(err, KD_INVALID_VALUE, "state",
                           "state must be pending, approved or rejected");
        state = v[0].s;
    }
    if (v[1].present && !text_parse_i64(v[1].s, v[1].len, 1, 200, &limit))
        return kd_fail(err, KD_INVALID_VALUE, "limit", "limit must be from 1 to 200");
    struct ctx c;
    if (ctx_init(req, &c, err) < 0)
        return -1;
    struct queue_ctx q = {&c, api_reply(out, 200), 0, err};
    jw_obj(q.w);
    jw_key(q.w, "items");
    jw_arr(q.w);
    if (supp_request_list(req->town, 0, state, (int)limit, queue_one, &q, req->arena, err) < 0)
        return -1;
    jw_arr_end(q.w);
    jw_obj_end(q.w);
    char detail[96];
    snprintf(detail, sizeof detail, "支援措置の承認待ち一覧 (%s): %d requests", state, q.count);
    return api_audit(req, "suppression.list", "ok", NULL, detail, err);
}

static const struct jfield decision_spec[] = {
    {"decision", JT_STRING, true, 8, false, 0, 0},
    {"note", JT_STRING, false, 400, true, 0, 0},
};

int suppression_api_decide(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0)
        return -1;
    struct jvalue v[2];
    if (api_body(req, decision_spec, 2, v, err) < 0)
        return -1;
    bool approve = strcmp(v[0].s, "approve") == 0;
    if (!approve && strcmp(v[0].s, "reject") != 0)
        return kd_fail(err, KD_INVALID_VALUE, "decision",
                       "decision must be approve (承認) or reject (却下)");
    const char *note = v[1].present ? v[1].s : "";
    if (!approve && !note[0])
        return kd_fail(err, KD_MISSING_FIELD, "note", "a rejection states its reason (note)");
    struct ctx c;
    if (ctx_init(req, &c, err) < 0)
        return -1;
    if (store_begin_write(req->town, err) < 0)
        return -1;
    struct supp_request r;
    struct supp_measure m;
    if (supp_decide(req->town, id, approve, note, &c.who, &r, req->arena, err) < 0) {
        if (err->code != KD_SELF_APPROVAL)
            return -1;
        /* The attempt is audited after the rollback, so it is kept. */
        struct kd_err why = *err;
        store_rollback(req->town);
        if (supp_measure_get(req->town, r.measure_id, &m, req->arena, err) < 0)
            return -1;
        char detail[160];
        snprintf(detail, sizeof detail,
                 "支援措置 %lld: %s of request %lld refused: the proposer may not decide it",
                 (long long)m.id, approve ? "approval" : "rejection", (long long)id);
        if (audit_persons(req, &m, approve ? "suppression.approve" : "suppression.reject",
                          "denied", detail, err) < 0)
            return -1;
        *err = why;
        return -1;
    }
    if (supp_measure_get(req->town, r.measure_id, &m, req->arena, err) < 0)
        return -1;
    char detail[200];
    snprintf(detail, sizeof detail, "支援措置 %lld: %s %s (request %lld proposed by %s)",
             (long long)m.id, kind_label(r.kind), approve ? "承認" : "却下", (long long)id,
             r.proposed_by);
    if (audit_persons(req, &m, approve ? "suppression.approve" : "suppression.reject", "ok",
                      detail, err) < 0)
        return -1;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    write_request(&c, w, &r);
    jw_key(w, "measure");
    if (write_measure(&c, w, &m, false, err) < 0)
        return -1;
    jw_obj_end(w);
    jw_obj_end(w);
    return store_commit(req->town, err);
}
