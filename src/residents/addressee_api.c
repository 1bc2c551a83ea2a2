/*
 * addressee_api.c — the addressee base (宛名) over HTTP.
 *
 * Every read and write of an addressee is audited with its 宛名番号 as
 * subject (a merge and its undo under both numbers), inside the write's
 * transaction. Reads are made in one read transaction, so an answer never
 * mixes states. A resident's record is the register's: it is read through
 * residents.h and shown with the addressee's items only (the 4情報 and
 * 個人番号), never changed here. 個人番号 is masked unless the role may see it
 * (permission "mynumber read") and the request states its purpose, as for
 * the register; it never enters a log or an error message. A resident under
 * a support measure (抑止, suppression.h), or living in the household of one,
 * is shown with the address items blanked to roles that may not see
 * protected addresses (permission "residents suppressed"), in the search as
 * in a single read and its history.
 */
#include "residents/addressee_api.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "engine/perm.h"
#include "engine/wareki.h"
#include "residents/addressee.h"
#include "residents/residents.h"
#include "residents/suppression.h"

#include <stdio.h>
#include <string.h>

static void japan_today(int64_t now_ms, char out[11])
{
    date_format_iso(date_today_japan(now_ms), out);
}

static void actor(struct api_req *req, char today[11], struct addressee_actor *who)
{
    japan_today(req->now_ms, today);
    *who = (struct addressee_actor){req->who->login, req->http->request_id, req->now_ms, today};
}

/* A 宛名番号 in the path: digits only, or it names nothing. */
static const char *path_atena(struct api_req *req, struct kd_err *err)
{
    const char *v = api_param_str(req, "atena");
    if (!v || !v[0] || strlen(v) > 15 || !text_all_digits(v, strlen(v))) {
        kd_fail(err, KD_NOT_FOUND, "atena", "no such addressee");
        return NULL;
    }
    return v;
}

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

/* ?as_of=YYYY-MM-DD (default today in Japan) and ?known_at=instant. */
static int as_of_params(struct api_req *req, const struct jvalue *as_of,
                        const struct jvalue *known_at, char today[11], const char **date,
                        int64_t *known_ms, struct kd_err *err)
{
    japan_today(req->now_ms, today);
    *date = today;
    *known_ms = 0;
    int64_t ms;
    if (as_of->present) {
        if (as_of->len != 10 || !clock_parse_iso(as_of->s, as_of->len, &ms))
            return kd_fail(err, KD_INVALID_VALUE, "as_of",
                           "as_of must be a date YYYY-MM-DD that exists in the calendar");
        *date = as_of->s;
    }
    if (known_at->present &&
        (known_at->len == 10 || !clock_parse_iso(known_at->s, known_at->len, known_ms)))
        return kd_fail(err, KD_INVALID_VALUE, "known_at",
                       "known_at must be an instant YYYY-MM-DDTHH:MM:SSZ");
    return 0;
}

/* ---- a resident's record as an addressee ------------------------------------------ */

/* The register's record, with the addressee's items. */
static void from_record(const struct record *r, struct addressee *out)
{
    addressee_clear(out);
    out->atena = r->atena;
    out->kind = "resident";
    out->rireki = r->rireki;
    out->event_id = r->idou_id;
    out->valid_from = r->valid_from;
    out->recorded_at = r->recorded_at;
    out->name = r->shimei;
    out->name_kana = r->shimei_kana;
    out->kyuuji = r->kyuuji;
    out->kyuuji_kana = r->kyuuji_kana;
    out->tsusho = r->tsusho;
    out->tsusho_kana = r->tsusho_kana;
    out->alpha_name = r->alpha_name;
    out->birth = r->birth;
    out->birth_text = r->birth_text;
    out->sex = r->sex;
    out->postcode = r->postcode;
    out->address = r->address;
    out->katagaki = r->katagaki;
    out->kojin_bango = r->kojin_bango;
    /* The register keeps a 不詳 text or a non-calendar form in birth_text;
     * which of the two it is, its parse says (a form kyodo cannot read is a
     * migrated 不詳表記). */
    if (r->birth_text[0]) {
        struct fuzzy_date fd;
        struct kd_err ignored;
        out->birth_unknown =
            wareki_fuzzy_parse(r->birth_text, strlen(r->birth_text), "birth", &fd, &ignored) < 0 ||
            fd.unknown;
    }
}

/* ---- 抑止 ---------------------------------------------------------------------------- */

/* How a resident is protected today, and whether this request may see the
 * protected address. */
struct protection {
    struct supp_cover cover;
    bool mask; /* blank the address items */
};

static int protection_of(struct api_req *req, const char *atena, struct protection *p,
                         struct kd_err *err)
{
    memset(p, 0, sizeof *p);
    char today[11];
    japan_today(req->now_ms, today);
    /* The household the person lives in today (none once removed). */
    struct record now;
    struct kd_err ignored;
    const char *setai = "";
    if (residents_person_as_of(req->town, atena, today, 0, &now, req->arena, &ignored) == 0 &&
        strcmp(now.status, "resident") == 0)
        setai = now.setai;
    if (supp_cover_of(req->town, atena, setai, today, &p->cover, req->arena, err) < 0)
        return -1;
    p->mask = (p->cover.person || p->cover.household) &&
              !perm_allows(req->who->role, "residents", "suppressed");
    return 0;
}

static void mask_address(struct addressee *r)
{
    r->postcode = r->address = r->katagaki = "";
}

static void write_protection(struct jw *w, const struct protection *p)
{
    jw_key(w, "suppression");
    if (!p || (!p->cover.person && !p->cover.household)) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_kbool(w, "person", p->cover.person);
    jw_kbool(w, "household", p->cover.household);
    jw_kint(w, "measure", p->cover.measure);
    jw_kstr(w, "until", p->cover.until);
    jw_kbool(w, "address_masked", p->mask);
    jw_obj_end(w);
}

/* ---- writing ------------------------------------------------------------------------ */

static void write_fields(struct jw *w, const struct addressee *r, bool show_mynumber)
{
    jw_kstr(w, "atena", r->atena);
    jw_kstr(w, "kind", r->kind);
    jw_kstr(w, "kind_label", addressee_kind_label(r->kind));
    jw_kint(w, "rireki", r->rireki);
    jw_kint(w, "event_id", r->event_id);
    jw_kstr(w, "valid_from", r->valid_from);
    jw_kstr(w, "recorded_at", r->recorded_at);
    for (int i = 0; i < addressee_field_count; i++) {
        const char *name = addressee_fields[i].name;
        if (addressee_fields[i].kind == 'I')
            continue; /* sex and birth_unknown, below */
        const char *t = addressee_text(r, i);
        if (strcmp(name, "kojin_bango") == 0 && t[0] && !show_mynumber)
            t = "************";
        jw_kstr(w, name, t);
    }
    jw_kbool(w, "birth_unknown", r->birth_unknown != 0);
    jw_kint(w, "sex", r->sex);
    jw_kbool(w, "kojin_bango_shown", show_mynumber && r->kojin_bango[0]);
}

static void write_merge(struct jw *w, const struct addressee_merge *m, int64_t known_ms)
{
    jw_obj(w);
    jw_kint(w, "id", m->id);
    jw_kstr(w, "absorbed", m->absorbed);
    jw_kstr(w, "survivor", m->survivor);
    jw_kstr(w, "merged_at", m->merged_at);
    jw_kstr(w, "user", m->user_login);
    jw_kstr(w, "reason", m->reason);
    jw_kstr(w, "undone_at", m->undone_at[0] ? m->undone_at : NULL);
    jw_kstr(w, "undo_user", m->undone_at[0] ? m->undo_user : NULL);
    jw_kstr(w, "undo_reason", m->undone_at[0] ? m->undo_reason : NULL);
    jw_kbool(w, "holds", addressee_merge_holds(m, known_ms));
    jw_obj_end(w);
}

/* ---- search -------------------------------------------------------------------------- */

static const struct jfield search_spec[] = {
    {"kana", JT_STRING, false, 100, false, 0, 0},
    {"name", JT_STRING, false, 100, false, 0, 0},
    {"birth", JT_STRING, false, 10, false, 0, 0},
    {"atena", JT_STRING, false, 15, false, 0, 0},
    {"corp_number", JT_STRING, false, 13, false, 0, 0},
    {"kind", JT_STRING, false, 12, false, 0, 0},
    {"merged", JT_STRING, false, 8, false, 0, 0},
    {"limit", JT_STRING, false, 3, false, 0, 0},
    {"after", JT_STRING, false, 2100, false, 0, 0},
};
enum { S_KANA, S_NAME, S_BIRTH, S_ATENA, S_CORP, S_KIND, S_MERGED, S_LIMIT, S_AFTER, S_COUNT };

struct search_ctx {
    struct jw *w;
    int count;
    int masked; /* hits whose address was blanked (抑止) */
    const char *last_key, *last_atena;
};

static int write_hit(void *ctx, const struct addressee_hit *h)
{
    struct search_ctx *c = ctx;
    struct jw *w = c->w;
    jw_obj(w);
    jw_kstr(w, "atena", h->atena);
    jw_kstr(w, "kind", h->kind);
    jw_kstr(w, "kind_label", addressee_kind_label(h->kind));
    jw_kstr(w, "name", h->name);
    jw_kstr(w, "name_kana", h->name_kana);
    jw_kstr(w, "birth", h->birth);
    jw_kstr(w, "address", h->address);
    jw_kstr(w, "corp_number", h->corp_number);
    jw_kstr(w, "register_status", h->register_status[0] ? h->register_status : NULL);
    jw_kstr(w, "merged_into", h->merged_into[0] ? h->merged_into : NULL);
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
    c->masked += h->address_masked;
    c->count++;
    c->last_key = h->key;
    c->last_atena = h->atena;
    return 0;
}

/* The cursor: the last hit's key in hex, a dot, and its 宛名番号 (the form
 * of GET /persons). */
static int parse_cursor(struct api_req *req, const struct jvalue *v, struct addressee_query *q,
                        struct kd_err *err)
{
    const char *dot = strchr(v->s, '.');
    size_t hex = dot ? (size_t)(dot - v->s) : 0;
    char *key = dot ? arena_alloc(req->arena, hex / 2 + 1) : NULL;
    if (!dot || hex % 2 || !key || !dot[1] || !text_all_digits(dot + 1, strlen(dot + 1)))
        return kd_fail(err, KD_INVALID_VALUE, "after", "after must be the next value of a page");
    for (size_t i = 0; i < hex / 2; i++) {
        unsigned b;
        if (sscanf(v->s + 2 * i, "%2x", &b) != 1 || b == 0)
            return kd_fail(err, KD_INVALID_VALUE, "after", "after must be the next value of a page");
        key[i] = (char)b;
    }
    key[hex / 2] = '\0';
    q->after_key = key;
    q->after_atena = dot + 1;
    return 0;
}

int addressees_api_search(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[S_COUNT];
    if (api_query(req, search_spec, S_COUNT, v, err) < 0)
        return -1;
    char today[11];
    japan_today(req->now_ms, today);
    struct addressee_query q = {.kind = "all", .today = today, .limit = 20};
    if (!v[S_KANA].present && !v[S_NAME].present && !v[S_BIRTH].present &&
        !v[S_ATENA].present && !v[S_CORP].present)
        return kd_fail(err, KD_MISSING_FIELD, "kana",
                       "give at least one of kana, name, birth, atena, corp_number");
    if (v[S_KANA].present && v[S_NAME].present)
        return kd_fail(err, KD_INVALID_VALUE, "name", "search by kana or by name, not both");
    q.kana = v[S_KANA].present ? v[S_KANA].s : NULL;
    q.name = v[S_NAME].present ? v[S_NAME].s : NULL;
    int64_t ms, limit;
    if (v[S_BIRTH].present) {
        if (v[S_BIRTH].len != 10 || !clock_parse_iso(v[S_BIRTH].s, 10, &ms))
            return kd_fail(err, KD_INVALID_VALUE, "birth",
                           "birth must be a date YYYY-MM-DD that exists in the calendar");
        q.birth = v[S_BIRTH].s;
    }
    if (v[S_ATENA].present) {
        if (!v[S_ATENA].len || !text_all_digits(v[S_ATENA].s, v[S_ATENA].len))
            return kd_fail(err, KD_INVALID_VALUE, "atena", "atena must be digits");
        q.atena = v[S_ATENA].s;
    }
    if (v[S_CORP].present) {
        if (v[S_CORP].len != 13 || !text_all_digits(v[S_CORP].s, 13))
            return kd_fail(err, KD_INVALID_VALUE, "corp_number",
                           "corp_number must be 13 digits (法人番号)");
        q.corp_number = v[S_CORP].s;
    }
    if (v[S_KIND].present) {
        static const char *const kinds[] = {"all", "person", "resident", "nonresident",
                                            "corporation"};
        bool ok = false;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            ok |= strcmp(v[S_KIND].s, kinds[i]) == 0;
        if (!ok)
            return kd_fail(err, KD_INVALID_VALUE, "kind",
                           "kind must be all, person, resident, nonresident or corporation");
        q.kind = v[S_KIND].s;
    }
    if (v[S_MERGED].present) {
        if (strcmp(v[S_MERGED].s, "include") != 0 && strcmp(v[S_MERGED].s, "exclude") != 0)
            return kd_fail(err, KD_INVALID_VALUE, "merged", "merged must be include or exclude");
        q.merged = strcmp(v[S_MERGED].s, "include") == 0;
    }
    if (v[S_LIMIT].present) {
        if (!text_parse_i64(v[S_LIMIT].s, v[S_LIMIT].len, 1, 100, &limit))
            return kd_fail(err, KD_INVALID_VALUE, "limit", "limit must be from 1 to 100");
        q.limit = (int)limit;
    }
    if (v[S_AFTER].present && parse_cursor(req, &v[S_AFTER], &q, err) < 0)
        return -1;

    if (store_begin_read(req->town, err) < 0)
        return -1;
    q.see_suppressed = perm_allows(req->who->role, "residents", "suppressed");
    struct search_ctx c = {api_reply(out, 200), 0, 0, NULL, NULL};
    jw_obj(c.w);
    jw_key(c.w, "items");
    jw_arr(c.w);
    if (addressee_search(req->town, &q, write_hit, &c, req->arena, err) < 0)
        return -1;
    if (store_commit(req->town, err) < 0)
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
    /* A search shows many addressees at once: the criteria are audited. */
    char detail[240];
    char masked[48] = "";
    if (c.masked)
        snprintf(masked, sizeof masked, " (%d with the address withheld: 支援措置)", c.masked);
    snprintf(detail, sizeof detail, "search:%s%s%s%s%s%s%s%s%s%s kind=%s%s: %d found%s",
             q.kana ? " kana=" : "", q.kana ? q.kana : "", q.name ? " name=" : "",
             q.name ? q.name : "", q.birth ? " birth=" : "", q.birth ? q.birth : "",
             q.atena ? " atena=" : "", q.atena ? q.atena : "",
             q.corp_number ? " corp_number=" : "", q.corp_number ? q.corp_number : "", q.kind,
             q.merged ? " merged=include" : "", c.count, masked);
    return api_audit(req, "addressee.search", "ok", NULL, detail, err);
}

/* ---- create and change ----------------------------------------------------------------- */

static int body_tree(struct api_req *req, struct kd_err *err)
{
    if (!req->tree && jreq_parse(req->http->body, req->http->body_len, &req->tree, err) < 0)
        return -1;
    return 0;
}

int addressees_api_create(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    if (body_tree(req, err) < 0)
        return -1;
    char today[11];
    struct addressee_actor who;
    actor(req, today, &who);
    if (store_begin_write(req->town, err) < 0)
        return -1;
    struct addressee r;
    if (addressee_create(req->town, req->tree, &who, &r, req->arena, err) < 0)
        return -1; /* the dispatcher rolls back */
    char detail[96];
    snprintf(detail, sizeof detail, "%s registered from %s (event %lld)",
             addressee_kind_label(r.kind), r.valid_from, (long long)r.event_id);
    if (api_audit(req, "addressee.create", "ok", r.atena, detail, err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    struct jw *w = api_reply(out, 201);
    out->location = arena_printf(req->arena, "/api/v1/addressees/%s", r.atena);
    jw_obj(w);
    jw_kstr(w, "requested", r.atena);
    write_fields(w, &r, false);
    jw_knull(w, "register_status");
    write_protection(w, NULL);
    jw_key(w, "merged_via");
    jw_arr(w);
    jw_arr_end(w);
    jw_key(w, "absorbed");
    jw_arr(w);
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}

int addressees_api_change(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    if (body_tree(req, err) < 0)
        return -1;
    const char *atena = path_atena(req, err);
    if (!atena)
        return -1;
    char today[11];
    struct addressee_actor who;
    actor(req, today, &who);
    if (store_begin_write(req->town, err) < 0)
        return -1;
    struct addressee r;
    if (addressee_change(req->town, atena, req->tree, &who, &r, req->arena, err) < 0)
        return -1;
    char detail[96];
    snprintf(detail, sizeof detail, "changed from %s (event %lld)", r.valid_from,
             (long long)r.event_id);
    if (api_audit(req, "addressee.change", "ok", atena, detail, err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    struct jw *w = api_reply(out, 201);
    jw_obj(w);
    jw_kstr(w, "requested", atena);
    write_fields(w, &r, false);
    jw_knull(w, "register_status");
    write_protection(w, NULL);
    jw_obj_end(w);
    return 0;
}

/* ---- reading ----------------------------------------------------------------------------- */

static const struct jfield get_spec[] = {
    {"as_of", JT_STRING, false, 10, false, 0, 0},
    {"known_at", JT_STRING, false, 24, false, 0, 0},
    {"mynumber", JT_STRING, false, 4, false, 0, 0},
};

struct absorbed_ctx {
    struct jw *w;
    const char *atena;
    int64_t known_ms;
};

static int write_absorbed(void *ctx, const struct addressee_merge *m)
{
    struct absorbed_ctx *c = ctx;
    if (strcmp(m->survivor, c->atena) == 0 && addressee_merge_holds(m, c->known_ms))
        jw_str(c->w, m->absorbed);
    return 0;
}

int addressees_api_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    const char *requested = path_atena(req, err);
    struct jvalue v[3];
    if (!requested || api_query(req, get_spec, 3, v, err) < 0)
        return -1;
    char today[11];
    const char *date;
    int64_t known;
    if (as_of_params(req, &v[0], &v[1], today, &date, &known, err) < 0)
        return -1;
    bool asked = v[2].present && strcmp(v[2].s, "show") == 0;
    if (v[2].present && !asked)
        return kd_fail(err, KD_INVALID_VALUE, "mynumber", "mynumber may only be show");
    if (asked) {
        if (!perm_allows(req->who->role, "mynumber", "read"))
            return kd_fail(err, KD_FORBIDDEN, "mynumber", "your role may not see 個人番号");
        if (!purpose_stated(req))
            return kd_fail(err, KD_MISSING_FIELD, "X-Kyodo-Purpose",
                           "showing 個人番号 needs the purpose (X-Kyodo-Purpose header)");
    }

    if (store_begin_read(req->town, err) < 0)
        return -1;
    struct addressee_route route;
    if (addressee_resolve(req->town, requested, known, &route, req->arena, err) < 0)
        return -1;
    const char *atena = route.atena, *kind;
    if (addressee_kind_of(req->town, atena, &kind, req->arena, err) < 0)
        return -1;
    struct addressee r;
    const char *status = NULL, *removal_date = "";
    struct protection prot, *protected = NULL;
    if (strcmp(kind, "resident") == 0) {
        struct record rec;
        if (residents_person_as_of(req->town, atena, date, known, &rec, req->arena, err) < 0 ||
            protection_of(req, atena, &prot, err) < 0)
            return -1;
        protected = &prot;
        from_record(&rec, &r);
        if (prot.mask)
            mask_address(&r);
        status = rec.status;
        removal_date = rec.removal_date;
        /* A 転出 dated ahead: still a resident today. */
        if (strcmp(status, "removed") == 0 && strcmp(removal_date, date) > 0)
            status = "resident";
    } else {
        int found = addressee_as_of(req->town, atena, date, known, &r, req->arena, err);
        if (found < 0)
            return -1;
        if (!found)
            return kd_fail(err, KD_NOT_FOUND, "atena", "no record of %s on %s", atena, date);
    }
    bool show = asked && r.kojin_bango[0];
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_kstr(w, "requested", requested);
    write_fields(w, &r, show);
    jw_kstr(w, "register_status", status);
    if (status)
        jw_kstr(w, "removal_date", removal_date);
    write_protection(w, protected);
    jw_key(w, "merged_via");
    jw_arr(w);
    for (int i = 0; i < route.hops; i++)
        write_merge(w, &route.hop[i], known);
    jw_arr_end(w);
    jw_key(w, "absorbed");
    jw_arr(w);
    struct absorbed_ctx ac = {w, atena, known};
    if (addressee_merges_of(req->town, atena, write_absorbed, &ac, req->arena, err) < 0)
        return -1;
    jw_arr_end(w);
    jw_obj_end(w);
    if (store_commit(req->town, err) < 0)
        return -1;

    char detail[200], supp[64] = "";
    if (protected && (prot.cover.person || prot.cover.household))
        snprintf(supp, sizeof supp, "; 支援措置 %lld: address %s", (long long)prot.cover.measure,
                 prot.mask ? "withheld" : "shown");
    snprintf(detail, sizeof detail, "as of %s%s%s%s%s%s%s", date, known ? " as then known" : "",
             route.hops ? "; requested " : "", route.hops ? requested : "",
             route.hops ? " (merged)" : "", asked ? "; 個人番号 shown" : "", supp);
    return api_audit(req, "addressee.read", "ok", atena, detail, err);
}

struct history_ctx {
    struct jw *w;
    const struct protection *prot; /* a resident's, or NULL */
};

static int write_version(void *ctx, const struct addressee_version *v)
{
    struct jw *w = ((struct history_ctx *)ctx)->w;
    jw_obj(w);
    jw_kstr(w, "event", v->event);
    jw_kstr(w, "event_label", strcmp(v->event, "create") == 0 ? "登録" : "変更");
    jw_kstr(w, "note", v->note);
    jw_kstr(w, "user", v->user_login);
    jw_kstr(w, "superseded_at", v->superseded_at[0] ? v->superseded_at : NULL);
    jw_key(w, "record");
    jw_obj(w);
    write_fields(w, &v->r, false);
    jw_obj_end(w);
    jw_obj_end(w);
    return 0;
}

/* The register's snapshots of a resident, as addressee versions. */
static int write_resident_version(void *ctx, const struct version_info *v)
{
    struct history_ctx *c = ctx;
    struct jw *w = c->w;
    struct addressee r;
    from_record(&v->r, &r);
    /* Earlier addresses too: one of them may be the protected one. */
    if (c->prot && c->prot->mask)
        mask_address(&r);
    const struct idou_kind *k = idou_kind_find(v->idou_kind);
    jw_obj(w);
    jw_kstr(w, "event", v->idou_kind);
    jw_kstr(w, "event_label", k ? k->label : "");
    jw_kstr(w, "note", "");
    jw_kstr(w, "user", "");
    jw_kstr(w, "superseded_at", v->superseded_at[0] ? v->superseded_at : NULL);
    jw_key(w, "record");
    jw_obj(w);
    write_fields(w, &r, false);
    jw_kstr(w, "register_status", v->r.status);
    jw_obj_end(w);
    jw_obj_end(w);
    return 0;
}

struct merges_ctx {
    struct jw *w;
};

static int write_merge_row(void *ctx, const struct addressee_merge *m)
{
    write_merge(((struct merges_ctx *)ctx)->w, m, 0);
    return 0;
}

int addressees_api_history(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    const char *atena = path_atena(req, err);
    if (!atena)
        return -1;
    if (store_begin_read(req->town, err) < 0)
        return -1;
    const char *kind;
    struct addressee_route route;
    if (addressee_kind_of(req->town, atena, &kind, req->arena, err) < 0 ||
        addressee_resolve(req->town, atena, 0, &route, req->arena, err) < 0)
        return -1;
    struct protection prot;
    bool resident = strcmp(kind, "resident") == 0;
    if (resident && protection_of(req, atena, &prot, err) < 0)
        return -1;
    struct history_ctx c = {api_reply(out, 200), resident ? &prot : NULL};
    jw_obj(c.w);
    jw_kstr(c.w, "atena", atena);
    jw_kstr(c.w, "kind", kind);
    jw_kstr(c.w, "kind_label", addressee_kind_label(kind));
    jw_kstr(c.w, "merged_into", route.hops ? route.atena : NULL);
    write_protection(c.w, c.prot);
    jw_key(c.w, "versions");
    jw_arr(c.w);
    int n = resident
                ? residents_person_history(req->town, atena, write_resident_version, &c,
                                           req->arena, err)
                : addressee_history(req->town, atena, write_version, &c, req->arena, err);
    if (n < 0)
        return -1;
    jw_arr_end(c.w);
    jw_key(c.w, "merges");
    jw_arr(c.w);
    struct merges_ctx mc = {c.w};
    if (addressee_merges_of(req->town, atena, write_merge_row, &mc, req->arena, err) < 0)
        return -1;
    jw_arr_end(c.w);
    jw_obj_end(c.w);
    if (store_commit(req->town, err) < 0)
        return -1;
    char detail[64] = "";
    if (resident && (prot.cover.person || prot.cover.household))
        snprintf(detail, sizeof detail, "支援措置 %lld: addresses %s", (long long)prot.cover.measure,
                 prot.mask ? "withheld" : "shown");
    return api_audit(req, "addressee.history", "ok", atena, detail, err);
}

/* ---- merge and undo -------------------------------------------------------------------- */

static const struct jfield merge_spec[] = {
    {"absorbed", JT_STRING, true, 15, false, 0, 0},
    {"survivor", JT_STRING, true, 15, false, 0, 0},
    {"reason", JT_STRING, true, 200, false, 0, 0},
};

static int reply_merge(struct api_req *req, struct api_out *out, int status,
                       const struct addressee_merge *m)
{
    (void)req;
    struct jw *w = api_reply(out, status);
    write_merge(w, m, 0);
    return 0;
}

/* The two audit entries of a merge or its undo, one per number. */
static int audit_both(struct api_req *req, const char *action, const struct addressee_merge *m,
                      bool undo, struct kd_err *err)
{
    char detail[120];
    snprintf(detail, sizeof detail, "%s %s (merge %lld)",
             undo ? "no longer merged into" : "merged into", m->survivor, (long long)m->id);
    if (api_audit(req, action, "ok", m->absorbed, detail, err) < 0)
        return -1;
    snprintf(detail, sizeof detail, "%s %s (merge %lld)", undo ? "gave back" : "absorbed",
             m->absorbed, (long long)m->id);
    return api_audit(req, action, "ok", m->survivor, detail, err);
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return strncmp(s, "\u3000", 3) == 0 ? blank(s + 3) : 0;
    return 1;
}

int addressees_api_merge(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[3];
    if (api_body(req, merge_spec, 3, v, err) < 0)
        return -1;
    for (int i = 0; i < 2; i++)
        if (!v[i].len || !text_all_digits(v[i].s, v[i].len))
            return kd_fail(err, KD_INVALID_VALUE, merge_spec[i].name,
                           "%s must be a 宛名番号 (digits)", merge_spec[i].name);
    if (blank(v[2].s))
        return kd_fail(err, KD_MISSING_FIELD, "reason", "reason is required");
    char today[11];
    struct addressee_actor who;
    actor(req, today, &who);
    if (store_begin_write(req->town, err) < 0)
        return -1;
    struct addressee_merge m;
    if (addressee_merge(req->town, v[0].s, v[1].s, v[2].s, &who, &m, req->arena, err) < 0 ||
        audit_both(req, "addressee.merge", &m, false, err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    return reply_merge(req, out, 201, &m);
}

static const struct jfield undo_spec[] = {
    {"reason", JT_STRING, true, 200, false, 0, 0},
};

int addressees_api_unmerge(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[1];
    if (api_body(req, undo_spec, 1, v, err) < 0)
        return -1;
    if (blank(v[0].s))
        return kd_fail(err, KD_MISSING_FIELD, "reason", "reason is required");
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0)
        return -1;
    char today[11];
    struct addressee_actor who;
    actor(req, today, &who);
    if (store_begin_write(req->town, err) < 0)
        return -1;
    struct addressee_merge m;
    if (addressee_unmerge(req->town, id, v[0].s, &who, &m, req->arena, err) < 0 ||
        audit_both(req, "addressee.unmerge", &m, true, err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    return reply_merge(req, out, 200, &m);
}
