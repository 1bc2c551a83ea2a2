/*
 * api_residents.c — the register over HTTP. Every read and write of a
 * person's record is audited with the person's 宛名番号 as subject, in the
 * same transaction as a write.
 */
#include "residents/residents_api.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/perm.h"
#include "residents/residents.h"
#include "residents/suppression.h"

#include <stdio.h>
#include <string.h>

/* Today's date in Japan (UTC+9, no daylight saving), ISO. */
static void japan_today(int64_t now_ms, char out[11])
{
    char iso[CLOCK_ISO_LEN];
    clock_format_iso(now_ms + 9 * 3600 * 1000, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

/* A 宛名番号 or 世帯番号 in the path: digits only, or it names nothing. */
static const char *path_number(struct api_req *req, const char *name, struct kd_err *err)
{
    const char *v = api_param_str(req, name);
    if (!v || strlen(v) > 15 || !text_all_digits(v, strlen(v))) {
        kd_fail(err, KD_NOT_FOUND, name, "no such %s", name);
        return NULL;
    }
    return v;
}

/* How a record of someone under a support measure (抑止) is shown. */
struct supp_view {
    struct supp_cover cover; /* what protects the person (all false: nothing) */
    bool mask_address;       /* the role may not see protected addresses */
    bool withhold;           /* a list showing a protected person to someone who may not
                                look them up: only what identifies them in the list */
};

/* The address items of a record: the protected address (and, on a 除票, where
 * the person went). */
static bool address_item(const char *name)
{
    return strcmp(name, "postcode") == 0 || strcmp(name, "address") == 0 ||
           strcmp(name, "katagaki") == 0 || strcmp(name, "dest_postcode") == 0 ||
           strcmp(name, "dest_address") == 0;
}

/* What a withheld record still shows: who the list entry is. */
static bool listing_item(const char *name)
{
    static const char *const keep[] = {"status", "kind",   "shimei", "shimei_kana", "birth",
                                       "birth_text", "sex", "setai", "zokugara"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (strcmp(name, keep[i]) == 0)
            return true;
    return false;
}

static void write_suppression(struct jw *w, const struct supp_view *v)
{
    jw_key(w, "suppression");
    if (!v || (!v->cover.person && !v->cover.household)) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_kbool(w, "person", v->cover.person);
    jw_kbool(w, "household", v->cover.household);
    jw_kint(w, "measure", v->cover.measure);
    jw_kstr(w, "until", v->cover.until);
    jw_key(w, "blocks");
    jw_arr(w);
    for (int i = 0; i < supp_block_count; i++)
        if (v->cover.blocks & supp_blocks[i].bit)
            jw_str(w, supp_blocks[i].code);
    jw_arr_end(w);
    jw_key(w, "purposes");
    jw_arr(w);
    for (int i = 0; i < supp_purpose_count; i++)
        if (v->cover.purposes & supp_purposes[i].bit)
            jw_str(w, supp_purposes[i].code);
    jw_arr_end(w);
    jw_kbool(w, "address_masked", v->mask_address);
    jw_kbool(w, "withheld", v->withhold);
    jw_obj_end(w);
}

/* Writes a record. 個人番号 is masked unless shown is true; a protected
 * person's address items are blanked when the view says so. */
static void write_record(struct jw *w, const struct record *r, bool show_mynumber,
                         const struct supp_view *view)
{
    bool mask = view && view->mask_address && (view->cover.person || view->cover.household);
    bool withhold = view && view->withhold;
    jw_obj(w);
    jw_kstr(w, "atena", r->atena);
    jw_kint(w, "rireki", r->rireki);
    jw_kint(w, "idou_id", r->idou_id);
    jw_kstr(w, "valid_from", r->valid_from);
    jw_kstr(w, "recorded_at", r->recorded_at);
    for (int i = 0; i < record_field_count; i++) {
        const char *name = record_fields[i].name;
        if (record_fields[i].kind == 'I') {
            jw_kint(w, name, withhold && !listing_item(name) ? 0 : record_int(r, i));
        } else if ((mask && address_item(name)) || (withhold && !listing_item(name))) {
            jw_kstr(w, name, "");
        } else if (strcmp(name, "kojin_bango") == 0 && !show_mynumber && r->kojin_bango[0]) {
            jw_kstr(w, name, "************");
        } else {
            jw_kstr(w, name, record_text(r, i));
        }
    }
    jw_kbool(w, "kojin_bango_shown", show_mynumber && r->kojin_bango[0] && !withhold);
    write_suppression(w, view);
    jw_obj_end(w);
}

int residents_api_kinds(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    (void)req;
    (void)err;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    for (int i = 0; i < idou_kind_count; i++) {
        const struct idou_kind *k = &idou_kinds[i];
        if (k->flags & IDOU_MIGRATED)
            continue; /* brought by migrations only */
        jw_obj(w);
        jw_kstr(w, "code", k->code);
        jw_kstr(w, "label", k->label);
        jw_kstr(w, "class", idou_class_label(k->cls));
        jw_kbool(w, "persons", k->flags & IDOU_NEW_PERSONS);
        jw_kbool(w, "subjects", k->flags & IDOU_SUBJECTS);
        jw_kbool(w, "one_subject", k->flags & IDOU_ONE_SUBJECT);
        jw_kbool(w, "target", k->flags & IDOU_TARGET);
        jw_kbool(w, "household", k->flags & IDOU_HOUSEHOLD);
        jw_kbool(w, "future_date", k->flags & IDOU_FUTURE_OK);
        jw_kbool(w, "unknown_date", k->flags & IDOU_UNKNOWN_DATE);
        jw_kstr(w, "only", k->flags & IDOU_JAPANESE ? "japanese"
                           : k->flags & IDOU_FOREIGN ? "foreign"
                                                       : "");
        jw_kstr(w, "changes", k->changes);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}

int residents_api_idou(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    if (!req->tree && jreq_parse(req->http->body, req->http->body_len, &req->tree, err) < 0)
        return -1;
    char today[11];
    japan_today(req->now_ms, today);
    struct idou_actor who = {req->who->login, req->http->request_id, req->now_ms, today};
    struct idou_result res;
    if (store_begin_write(req->town, err) < 0)
        return -1;
    if (residents_record_idou(req->town, req->tree, &who, &res, req->arena, err) < 0)
        return -1; /* the dispatcher rolls back */
    const char *kind = json_string_value(json_object_get(req->tree, "kind"));
    const struct idou_kind *k = idou_kind_find(kind);
    char detail[96];
    snprintf(detail, sizeof detail, "%s (異動 %lld)", k->label, (long long)res.idou_id);
    for (int i = 0; i < res.count; i++)
        if (api_audit(req, "resident.idou", "ok", res.atena[i], detail, err) < 0)
            return -1;
    if (store_commit(req->town, err) < 0)
        return -1;
    struct jw *w = api_reply(out, 201);
    jw_obj(w);
    jw_kint(w, "idou_id", res.idou_id);
    jw_kstr(w, "kind", k->code);
    jw_kstr(w, "label", k->label);
    jw_key(w, "atena");
    jw_arr(w);
    for (int i = 0; i < res.count; i++)
        jw_str(w, res.atena[i]);
    jw_arr_end(w);
    jw_kstr(w, "new_setai", res.new_setai);
    jw_obj_end(w);
    return 0;
}

/* ?as_of=YYYY-MM-DD (default today in Japan) and ?known_at=instant. */
static int as_of_params(struct api_req *req, const struct jvalue *v, char today[11],
                        const char **date, int64_t *known_ms, struct kd_err *err)
{
    japan_today(req->now_ms, today);
    *date = today;
    *known_ms = 0;
    int64_t ms;
    if (v[0].present) {
        if (v[0].len != 10 || !clock_parse_iso(v[0].s, v[0].len, &ms))
            return kd_fail(err, KD_INVALID_VALUE, "as_of",
                           "as_of must be a date YYYY-MM-DD that exists in the calendar");
        *date = v[0].s;
    }
    if (v[1].present) {
        if (!clock_parse_iso(v[1].s, v[1].len, known_ms) || v[1].len == 10)
            return kd_fail(err, KD_INVALID_VALUE, "known_at",
                           "known_at must be an instant YYYY-MM-DDTHH:MM:SSZ");
    }
    return 0;
}

/* ---- search ---------------------------------------------------------------- */

static const struct jfield search_query_spec[] = {
    {"kana", JT_STRING, false, 100, false, 0, 0},
    {"name", JT_STRING, false, 100, false, 0, 0},
    {"address", JT_STRING, false, 200, false, 0, 0},
    {"birth", JT_STRING, false, 10, false, 0, 0},
    {"atena", JT_STRING, false, 15, false, 0, 0},
    {"jumin_code", JT_STRING, false, 11, false, 0, 0},
    {"status", JT_STRING, false, 8, false, 0, 0},
    {"limit", JT_STRING, false, 3, false, 0, 0},
    {"after", JT_STRING, false, 2100, false, 0, 0},
};
enum { S_KANA, S_NAME, S_ADDRESS, S_BIRTH, S_ATENA, S_JUMIN, S_STATUS, S_LIMIT, S_AFTER, S_COUNT };

struct search_ctx {
    struct jw *w;
    int count;  /* rows consumed (the page size counts them) */
    int shown;  /* rows written */
    int masked; /* of those, with the address blanked (抑止) */
    const char *last_key, *last_atena;
};

static int write_hit(void *ctx, const struct search_hit *h)
{
    struct search_ctx *c = ctx;
    struct jw *w = c->w;
    c->count++;
    c->last_key = h->key;
    c->last_atena = h->atena;
    if (h->omitted)
        return 0;
    c->shown++;
    c->masked += h->address_masked;
    jw_obj(w);
    jw_kstr(w, "atena", h->atena);
    jw_kstr(w, "setai", h->setai);
    jw_kstr(w, "status", h->status);
    jw_kstr(w, "shimei", h->shimei);
    jw_kstr(w, "shimei_kana", h->shimei_kana);
    jw_kstr(w, "birth", h->birth);
    jw_kstr(w, "address", h->address);
    /* 抑止: the clerk sees that the person is protected (a warning), and
     * whether the address was withheld from them. */
    jw_key(w, "suppression");
    if (h->suppressed_person || h->suppressed_household) {
        jw_obj(w);
        jw_kbool(w, "person", h->suppressed_person);
        jw_kbool(w, "household", h->suppressed_household);
        jw_kint(w, "measure", h->suppression);
        jw_kbool(w, "address_masked", h->address_masked);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_obj_end(w);
    return 0;
}

/* The cursor is the last hit's key in hex, a dot, and its 宛名番号. */
static int parse_cursor(struct api_req *req, const struct jvalue *v, struct search_query *q,
                        struct kd_err *err)
{
    const char *dot = strchr(v->s, '.');
    size_t hex = dot ? (size_t)(dot - v->s) : 0;
    char *key = dot ? arena_alloc(req->arena, hex / 2 + 1) : NULL;
    if (!dot || hex % 2 || !key || !text_all_digits(dot + 1, strlen(dot + 1)))
        return kd_fail(err, KD_INVALID_VALUE, "after", "after must be the next value of a page");
    for (size_t i = 0; i < hex / 2; i++) {
        unsigned b;
        if (sscanf(v->s + 2 * i, "%2x", &b) != 1)
            return kd_fail(err, KD_INVALID_VALUE, "after", "after must be the next value of a page");
        key[i] = (char)b;
    }
    key[hex / 2] = '\0';
    q->after_key = key;
    q->after_atena = dot + 1;
    return 0;
}

int residents_api_search(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[S_COUNT];
    if (api_query(req, search_query_spec, S_COUNT, v, err) < 0)
        return -1;
    char today[11];
    japan_today(req->now_ms, today);
    struct search_query q = {.status = "resident", .today = today, .limit = 20,
                             .see_suppressed = perm_allows(req->who->role, "residents",
                                                           "suppressed")};
    if (!v[S_KANA].present && !v[S_NAME].present && !v[S_ADDRESS].present &&
        !v[S_BIRTH].present && !v[S_ATENA].present && !v[S_JUMIN].present)
        return kd_fail(err, KD_MISSING_FIELD, "kana",
                       "give at least one of kana, name, address, birth, atena, jumin_code");
    if (v[S_KANA].present + v[S_NAME].present + v[S_ADDRESS].present > 1)
        return kd_fail(err, KD_INVALID_VALUE, v[S_ADDRESS].present ? "address" : "name",
                       "search by one of kana, name and address, with birth, atena or "
                       "jumin_code if need be");
    q.kana = v[S_KANA].present ? v[S_KANA].s : NULL;
    q.name = v[S_NAME].present ? v[S_NAME].s : NULL;
    q.address = v[S_ADDRESS].present ? v[S_ADDRESS].s : NULL;
    int64_t ms, limit;
    if (v[S_BIRTH].present) {
        if (v[S_BIRTH].len != 10 || !clock_parse_iso(v[S_BIRTH].s, 10, &ms))
            return kd_fail(err, KD_INVALID_VALUE, "birth",
                           "birth must be a date YYYY-MM-DD that exists in the calendar");
        q.birth = v[S_BIRTH].s;
    }
    if (v[S_ATENA].present) {
        if (!text_all_digits(v[S_ATENA].s, v[S_ATENA].len))
            return kd_fail(err, KD_INVALID_VALUE, "atena", "atena must be digits");
        q.atena = v[S_ATENA].s;
    }
    if (v[S_JUMIN].present) {
        if (v[S_JUMIN].len != 11 || !text_all_digits(v[S_JUMIN].s, 11))
            return kd_fail(err, KD_INVALID_VALUE, "jumin_code", "jumin_code must be 11 digits");
        q.jumin_code = v[S_JUMIN].s;
    }
    if (v[S_STATUS].present) {
        if (strcmp(v[S_STATUS].s, "resident") != 0 && strcmp(v[S_STATUS].s, "removed") != 0 &&
            strcmp(v[S_STATUS].s, "all") != 0)
            return kd_fail(err, KD_INVALID_VALUE, "status",
                           "status must be resident, removed (除票) or all");
        q.status = v[S_STATUS].s;
    }
    if (v[S_LIMIT].present) {
        if (!text_parse_i64(v[S_LIMIT].s, v[S_LIMIT].len, 1, 100, &limit))
            return kd_fail(err, KD_INVALID_VALUE, "limit", "limit must be from 1 to 100");
        q.limit = (int)limit;
    }
    if (v[S_AFTER].present && parse_cursor(req, &v[S_AFTER], &q, err) < 0)
        return -1;

    struct search_ctx c = {api_reply(out, 200), 0, 0, 0, NULL, NULL};
    jw_obj(c.w);
    jw_key(c.w, "items");
    jw_arr(c.w);
    if (residents_search(req->town, &q, write_hit, &c, req->arena, err) < 0)
        return -1;
    jw_arr_end(c.w);
    jw_key(c.w, "next");
    if (c.count == q.limit) {
        size_t n = strlen(c.last_key), an = strlen(c.last_atena);
        char *cursor = arena_alloc(req->arena, 2 * n + an + 2);
        if (!cursor)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        text_hex((const unsigned char *)c.last_key, n, cursor);
        cursor[2 * n] = '.';
        memcpy(cursor + 2 * n + 1, c.last_atena, an + 1);
        jw_str(c.w, cursor);
    } else {
        jw_null(c.w);
    }
    jw_obj_end(c.w);
    /* A search shows many people at once: the criteria are what is audited. */
    char extra[96] = "";
    if (c.masked || c.count > c.shown)
        snprintf(extra, sizeof extra, " (支援措置: %d address(es) withheld, %d left out)",
                 c.masked, c.count - c.shown);
    char detail[240];
    snprintf(detail, sizeof detail, "search:%s%s%s%s%s%s%s%s%s%s status=%s: %d found%s",
             q.kana ? " kana=" : "", q.kana ? q.kana : "", q.name ? " name=" : "",
             q.name ? q.name : "", q.address ? " address=" : "", q.address ? q.address : "",
             q.birth ? " birth=" : "", q.birth ? q.birth : "",
             q.atena ? " atena=" : "", q.atena ? q.atena : "", q.status, c.shown, extra);
    return api_audit(req, "resident.search", "ok", NULL, detail, err);
}

static const struct jfield person_query[] = {
    {"as_of", JT_STRING, false, 10, false, 0, 0},
    {"known_at", JT_STRING, false, 24, false, 0, 0},
    {"mynumber", JT_STRING, false, 4, false, 0, 0},
};

/* Whether the request states its own purpose: an X-Kyodo-Purpose header
 * with more than blanks (ASCII or full-width spaces). */
static bool purpose_stated(struct api_req *req)
{
    const char *p = http_header(req->http, "X-Kyodo-Purpose");
    while (p && *p) {
        if (*p == ' ' || *p == '\t')
            p++;
        else if (strncmp(p, "\u3000", 3) == 0)
            p += 3;
        else
            return true;
    }
    return false;
}

/* 抑止: whether this request may look up a person a support measure
 * covers. Roles without (residents, suppressed) may not; the others only for
 * one of the measure's protected purposes, stated in X-Kyodo-Purpose (its
 * code or label). A refusal is audited as denied under `action` and answered
 * 403 suppressed. *purpose gets the purpose matched (0: not covered). */
static int may_look_up(struct api_req *req, const char *atena, const struct supp_cover *cov,
                       const char *action, unsigned *purpose, struct kd_err *err)
{
    *purpose = 0;
    if (!cov->person)
        return 0;
    char detail[160];
    struct kd_err ignored;
    if (!perm_allows(req->who->role, "residents", "suppressed")) {
        snprintf(detail, sizeof detail,
                 "支援措置 %lld: refused, the role may not look up protected persons",
                 (long long)cov->measure);
        api_audit(req, action, "denied", atena, detail, &ignored);
        return kd_fail(err, KD_SUPPRESSED, NULL,
                       "a support measure (支援措置 %lld) protects this person: your role may "
                       "not look them up",
                       (long long)cov->measure);
    }
    *purpose = supp_purpose_stated(http_header(req->http, "X-Kyodo-Purpose")) & cov->purposes;
    if (*purpose)
        return 0;
    char codes[128];
    struct arena a;
    arena_init(&a, codes, sizeof codes, 1024);
    const char *list = supp_codes_text(&a, supp_purposes, supp_purpose_count, cov->purposes);
    snprintf(detail, sizeof detail, "支援措置 %lld: refused, outside its protected purposes",
             (long long)cov->measure);
    api_audit(req, action, "denied", atena, detail, &ignored);
    kd_fail(err, KD_SUPPRESSED, "X-Kyodo-Purpose",
            "a support measure (支援措置 %lld) protects this person: state one of its protected "
            "purposes (%s) in X-Kyodo-Purpose",
            (long long)cov->measure, list ? list : "");
    arena_release(&a);
    return -1;
}

/* The label of the one purpose bit matched. */
static const char *purpose_label(unsigned bit)
{
    for (int i = 0; i < supp_purpose_count; i++)
        if (supp_purposes[i].bit & bit)
            return supp_purposes[i].label;
    return "";
}

int residents_api_person(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    const char *atena = path_number(req, "atena", err);
    struct jvalue v[3];
    if (!atena || api_query(req, person_query, 3, v, err) < 0)
        return -1;
    char today[11];
    const char *date;
    int64_t known;
    if (as_of_params(req, v, today, &date, &known, err) < 0)
        return -1;
    /* 個人番号 in clear only when asked for, by a role that may, with a
     * stated purpose; and the audit entry says so. */
    bool asked = v[2].present && strcmp(v[2].s, "show") == 0;
    if (v[2].present && !asked)
        return kd_fail(err, KD_INVALID_VALUE, "mynumber", "mynumber may only be show");
    bool show = false;
    if (asked) {
        if (!perm_allows(req->who->role, "mynumber", "read"))
            return kd_fail(err, KD_FORBIDDEN, "mynumber", "your role may not see 個人番号");
        if (!purpose_stated(req))
            return kd_fail(err, KD_MISSING_FIELD, "X-Kyodo-Purpose",
                           "showing 個人番号 needs the purpose (X-Kyodo-Purpose header)");
        show = true;
    }
    /* 抑止: a protected person is looked up only by a role that may, for a
     * protected purpose. */
    struct supp_set protected;
    struct supp_view view = {0};
    unsigned purpose;
    if (supp_set_load(req->town, today, &protected, req->arena, err) < 0)
        return -1;
    supp_set_covers(&protected, atena, NULL, &view.cover);
    if (may_look_up(req, atena, &view.cover, "resident.read", &purpose, err) < 0)
        return -1;
    struct record r;
    if (residents_person_as_of(req->town, atena, date, known, &r, req->arena, err) < 0)
        return -1;
    /* Someone living with a protected person shares the protected address. */
    supp_set_covers(&protected, atena, strcmp(r.status, "resident") == 0 ? r.setai : "",
                    &view.cover);
    view.mask_address = !perm_allows(req->who->role, "residents", "suppressed");
    char detail[200];
    snprintf(detail, sizeof detail, "as of %s%s%s%s%s%s", date, known ? " as then known" : "",
             show ? "; 個人番号 shown" : "",
             view.cover.person || view.cover.household ? "; 支援措置 " : "",
             view.cover.person ? purpose_label(purpose)
             : view.cover.household
                 ? (view.mask_address ? "世帯員 (address withheld)" : "世帯員")
                 : "",
             "");
    if (api_audit(req, "resident.read", "ok", atena, detail, err) < 0)
        return -1;
    write_record(api_reply(out, 200), &r, show, &view);
    return 0;
}

struct history_ctx {
    struct jw *w;
    const struct supp_view *view;
};

static int write_version(void *ctx, const struct version_info *v)
{
    struct history_ctx *c = ctx;
    struct jw *w = c->w;
    jw_obj(w);
    jw_kstr(w, "idou_kind", v->idou_kind);
    const struct idou_kind *k = idou_kind_find(v->idou_kind);
    jw_kstr(w, "idou_label", k ? k->label : "");
    jw_kstr(w, "superseded_at", v->superseded_at[0] ? v->superseded_at : NULL);
    jw_key(w, "record");
    write_record(w, &v->r, false, c->view);
    jw_obj_end(w);
    return 0;
}

int residents_api_history(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    const char *atena = path_number(req, "atena", err);
    if (!atena)
        return -1;
    /* 抑止, as for the record: the history shows every address the person
     * had. Someone living with a protected person today has the protected
     * address in their latest versions. */
    char today[11];
    japan_today(req->now_ms, today);
    struct supp_set protected;
    struct supp_view view = {0};
    unsigned purpose;
    if (supp_set_load(req->town, today, &protected, req->arena, err) < 0)
        return -1;
    supp_set_covers(&protected, atena, NULL, &view.cover);
    if (may_look_up(req, atena, &view.cover, "resident.history", &purpose, err) < 0)
        return -1;
    if (protected.count && !view.cover.person) {
        struct record now;
        if (residents_person_as_of(req->town, atena, today, 0, &now, req->arena, err) == 0)
            supp_set_covers(&protected, atena,
                            strcmp(now.status, "resident") == 0 ? now.setai : "", &view.cover);
        else if (err->code != KD_NOT_FOUND)
            return -1;
    }
    view.mask_address = !perm_allows(req->who->role, "residents", "suppressed");
    struct history_ctx c = {api_reply(out, 200), &view};
    jw_obj(c.w);
    jw_kstr(c.w, "atena", atena);
    jw_key(c.w, "versions");
    jw_arr(c.w);
    int n = residents_person_history(req->town, atena, write_version, &c, req->arena, err);
    if (n < 0)
        return -1;
    if (n == 0)
        return kd_fail(err, KD_NOT_FOUND, "atena", "no such person");
    jw_arr_end(c.w);
    write_suppression(c.w, &view);
    jw_obj_end(c.w);
    const char *detail = view.cover.person      ? purpose_label(purpose)
                         : view.cover.household ? (view.mask_address ? "世帯員 (address withheld)"
                                                                      : "世帯員")
                                                : NULL;
    return api_audit(req, "resident.history", "ok", atena,
                     detail ? arena_printf(req->arena, "支援措置 %s", detail) : "", err);
}

enum { MAX_MEMBERS = 256 };

struct member_ctx {
    int count;
    struct record *r; /* MAX_MEMBERS */
};

static int collect_member(void *ctx, const struct record *r)
{
    struct member_ctx *c = ctx;
    if (c->count < MAX_MEMBERS)
        c->r[c->count++] = *r;
    return 0;
}

static const struct jfield household_query[] = {
    {"as_of", JT_STRING, false, 10, false, 0, 0},
    {"known_at", JT_STRING, false, 24, false, 0, 0},
};

int residents_api_household(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    const char *setai = path_number(req, "setai", err);
    struct jvalue v[2];
    if (!setai || api_query(req, household_query, 2, v, err) < 0)
        return -1;
    char today[11];
    const char *date;
    int64_t known;
    if (as_of_params(req, v, today, &date, &known, err) < 0)
        return -1;
    struct member_ctx c = {0, arena_alloc(req->arena, MAX_MEMBERS * sizeof *c.r)};
    if (!c.r)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    int n = residents_household_as_of(req->town, setai, date, known, collect_member, &c,
                                      req->arena, err);
    if (n < 0)
        return -1;
    if (n == 0)
        return kd_fail(err, KD_NOT_FOUND, "setai", "household %s has no members on %s", setai,
                       date);
    /* 抑止: when a member is protected, the household's address is, for
     * every member; and a protected member is shown only as a list entry to
     * whoever may not look them up (role, or no protected purpose stated). */
    struct supp_set protected;
    if (supp_set_load(req->town, today, &protected, req->arena, err) < 0)
        return -1;
    struct supp_view *views = arena_zalloc(req->arena, (size_t)c.count * sizeof *views);
    if (!views)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    bool household_protected = false;
    for (int i = 0; i < c.count; i++)
        household_protected |=
            supp_set_covers(&protected, c.r[i].atena, setai, &views[i].cover);
    bool may_see = perm_allows(req->who->role, "residents", "suppressed");
    unsigned stated = supp_purpose_stated(http_header(req->http, "X-Kyodo-Purpose"));
    for (int i = 0; i < c.count && household_protected; i++) {
        views[i].cover.household |= !views[i].cover.person;
        views[i].mask_address = !may_see;
        views[i].withhold = views[i].cover.person && (!may_see || !(stated & views[i].cover.purposes));
    }
    /* The reads of all members are audited together. */
    if (store_begin_write(req->town, err) < 0)
        return -1;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_kstr(w, "setai", setai);
    jw_kstr(w, "as_of", date);
    jw_key(w, "members");
    jw_arr(w);
    for (int i = 0; i < c.count; i++) {
        write_record(w, &c.r[i], false, &views[i]);
        char detail[160];
        snprintf(detail, sizeof detail, "household %s as of %s%s", setai, date,
                 !household_protected ? ""
                 : views[i].withhold  ? "; 支援措置: withheld"
                 : views[i].mask_address ? "; 支援措置: address withheld"
                 : views[i].cover.person ? "; 支援措置: shown for a protected purpose"
                                         : "; 支援措置 世帯員");
        if (api_audit(req, "resident.read", "ok", c.r[i].atena, detail, err) < 0)
            return -1;
    }
    jw_arr_end(w);
    jw_obj_end(w);
    return store_commit(req->town, err);
}

struct feed_ctx {
    struct jw *w;
    int64_t last;
    const struct supp_set *protected;
};

static int write_event(void *ctx, const struct feed_event *e)
{
    struct feed_ctx *c = ctx;
    struct jw *w = c->w;
    jw_obj(w);
    jw_kint(w, "id", e->id);
    jw_kstr(w, "kind", e->kind);
    jw_kstr(w, "label", e->label);
    jw_kstr(w, "class", e->cls);
    if (e->age)
        jw_kint(w, "age", e->age);
    else
        jw_kint(w, "idou_id", e->idou_id);
    jw_kstr(w, "idou_date", e->idou_date);
    jw_kstr(w, "recorded_at", e->recorded_at);
    if (e->cancels[0])
        jw_kstr(w, "cancels", e->cancels);
    jw_key(w, "atena");
    jw_arr(w);
    for (int i = 0; i < e->count; i++)
        jw_str(w, e->atena[i]);
    jw_arr_end(w);
    /* 抑止: the subjects under a support measure today, so that the 業務
     * reading the feed keep their addresses to themselves too. */
    jw_key(w, "suppressed");
    jw_arr(w);
    for (int i = 0; i < e->count; i++) {
        struct supp_cover cov;
        if (c->protected->count && supp_set_covers(c->protected, e->atena[i], NULL, &cov))
            jw_str(w, e->atena[i]);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    c->last = e->id;
    return 0;
}

static const struct jfield events_query[] = {
    {"after", JT_STRING, false, 19, false, 0, 0},
    {"limit", JT_STRING, false, 4, false, 0, 0},
};

int residents_api_events(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[2];
    if (api_query(req, events_query, 2, v, err) < 0)
        return -1;
    int64_t after = 0, limit = 100;
    if (v[0].present && !text_parse_i64(v[0].s, v[0].len, 0, INT64_MAX, &after))
        return kd_fail(err, KD_INVALID_VALUE, "after", "after must be an event id (0 or more)");
    if (v[1].present && !text_parse_i64(v[1].s, v[1].len, 1, 1000, &limit))
        return kd_fail(err, KD_INVALID_VALUE, "limit", "limit must be from 1 to 1000");
    char today[11];
    japan_today(req->now_ms, today);
    struct supp_set protected;
    if (supp_set_load(req->town, today, &protected, req->arena, err) < 0)
        return -1;
    struct feed_ctx c = {api_reply(out, 200), after, &protected};
    jw_obj(c.w);
    jw_key(c.w, "items");
    jw_arr(c.w);
    int n = residents_feed(req->town, after, (int)limit, write_event, &c, req->arena, err);
    if (n < 0)
        return -1;
    jw_arr_end(c.w);
    jw_kint(c.w, "next_after", c.last);
    jw_obj_end(c.w);
    char detail[64];
    snprintf(detail, sizeof detail, "events after %lld: %d", (long long)after, n);
    return api_audit(req, "events.read", "ok", NULL, detail, err);
}
