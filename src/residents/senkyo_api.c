/*
 * senkyo_api.c — the 選挙人名簿 over HTTP (senkyo_api.h; docs/senkyo.md).
 *
 * The roll is derived on every request from the register as recorded at
 * one instant (known_at: now, or given to reproduce an earlier answer), in
 * one read snapshot, in a work arena of its own (a town's roll is larger
 * than a request's arena is meant to hold). Pages of the JSON roll carry
 * that instant in their cursor, so every page is of the same roll.
 */
#include "residents/senkyo_api.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "engine/perm.h"
#include "engine/settings.h"
#include "report/report.h"
#include "residents/senkyo.h"
#include "residents/suppression.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORK_CAP ((size_t)512 << 20)
#define SET_KIKA "senkyo.kika_continuity"

/* ---- the criteria ------------------------------------------------------------------- */

static const struct jfield roll_query[] = {
    {"kijun_date", JT_STRING, true, 10, false, 0, 0},
    {"senkyo_date", JT_STRING, false, 10, false, 0, 0},
    {"district", JT_STRING, false, SENKYO_CODE_MAX, false, 0, 0},
    {"known_at", JT_STRING, false, 24, false, 0, 0},
    {"limit", JT_STRING, false, 4, false, 0, 0},
    {"after", JT_STRING, false, 40, false, 0, 0},
    {"encoding", JT_STRING, false, 8, false, 0, 0},
    {"unmappable", JT_STRING, false, 8, false, 0, 0},
};
enum { Q_KIJUN, Q_SENKYO, Q_DISTRICT, Q_KNOWN, Q_LIMIT, Q_AFTER, Q_ENCODING, Q_UNMAPPABLE,
       Q_COUNT };

/* Which query parameters each route takes (the others are refused). */
enum { P_PAGE = 1, P_FILE = 2, P_DISTRICT = 4 };

struct criteria {
    struct senkyo_query q;
    char kijun[DATE_ISO_LEN], senkyo[DATE_ISO_LEN], today[DATE_ISO_LEN];
    bool has_senkyo;
    const char *district; /* code, or NULL */
    int64_t limit, position;
    enum senkyo_encoding enc;
    enum senkyo_unmappable um;
};

static int parse_date(const struct jvalue *v, const char *field, struct date *out, char *iso,
                      struct kd_err *err)
{
    if (date_parse_iso(v->s, v->len, field, out, err) < 0)
        return -1;
    date_format_iso(*out, iso);
    return 0;
}

/* after = "<known_ms>.<position>": the roll's instant and where the page starts. */
static int parse_cursor(const struct jvalue *v, int64_t *known_ms, int64_t *position,
                        struct kd_err *err)
{
    const char *dot = memchr(v->s, '.', v->len);
    if (!dot || !text_parse_i64(v->s, (size_t)(dot - v->s), 1, INT64_MAX, known_ms) ||
        !text_parse_i64(dot + 1, v->len - (size_t)(dot - v->s) - 1, 0, INT32_MAX, position))
        return kd_fail(err, KD_INVALID_VALUE, "after", "after must be the next value of a page");
    return 0;
}

static int parse_criteria(struct api_req *req, unsigned takes, struct criteria *c,
                          struct kd_err *err)
{
    /* The parameters a route does not take are left out of its spec, so
     * they are refused as unknown. */
    struct jfield spec[Q_COUNT];
    struct jvalue got[Q_COUNT], v[Q_COUNT];
    int at[Q_COUNT];
    size_t n = 0;
    for (int i = 0; i < Q_COUNT; i++) {
        bool page = i == Q_LIMIT || i == Q_AFTER, file = i == Q_ENCODING || i == Q_UNMAPPABLE;
        at[i] = -1;
        if ((page && !(takes & P_PAGE)) || (file && !(takes & P_FILE)) ||
            (i == Q_DISTRICT && !(takes & P_DISTRICT)))
            continue;
        at[i] = (int)n;
        spec[n++] = roll_query[i];
    }
    if (api_query(req, spec, n, got, err) < 0)
        return -1;
    for (int i = 0; i < Q_COUNT; i++) {
        memset(&v[i], 0, sizeof v[i]);
        if (at[i] >= 0)
            v[i] = got[at[i]];
    }
    memset(c, 0, sizeof *c);
    date_format_iso(date_today_japan(req->now_ms), c->today);
    if (parse_date(&v[Q_KIJUN], "kijun_date", &c->q.dates.kijun, c->kijun, err) < 0)
        return -1;
    c->q.dates.age_date = c->q.dates.kijun;
    if (v[Q_SENKYO].present) {
        struct date s, limit;
        if (parse_date(&v[Q_SENKYO], "senkyo_date", &s, c->senkyo, err) < 0)
            return -1;
        if (date_cmp(s, c->q.dates.kijun) < 0)
            return kd_fail(err, KD_INVALID_VALUE, "senkyo_date",
                           "senkyo_date (選挙期日) must not be before kijun_date (基準日)");
        if (date_add_years(c->q.dates.kijun, 1, &limit, err) < 0)
            return -1;
        if (date_cmp(s, limit) > 0)
            return kd_fail(err, KD_INVALID_VALUE, "senkyo_date",
                           "senkyo_date (選挙期日) must be within a year of kijun_date (基準日)");
        c->q.dates.age_date = s;
        c->has_senkyo = true;
    }
    if (v[Q_DISTRICT].present)
        c->district = v[Q_DISTRICT].s;
    /* Now, as the register sees it (senkyo_known_now). */
    c->q.known_ms = senkyo_known_now(req->town, req->now_ms, err);
    if (c->q.known_ms < 0)
        return -1;
    if (v[Q_KNOWN].present) {
        int64_t ms;
        if (v[Q_KNOWN].len == 10 || !clock_parse_iso(v[Q_KNOWN].s, v[Q_KNOWN].len, &ms))
            return kd_fail(err, KD_INVALID_VALUE, "known_at",
                           "known_at must be an instant YYYY-MM-DDTHH:MM:SSZ");
        if (ms > c->q.known_ms)
            return kd_fail(err, KD_INVALID_VALUE, "known_at", "known_at is after now");
        c->q.known_ms = ms;
    }
    c->limit = 100;
    if (v[Q_LIMIT].present && !text_parse_i64(v[Q_LIMIT].s, v[Q_LIMIT].len, 1, 1000, &c->limit))
        return kd_fail(err, KD_INVALID_VALUE, "limit", "limit must be from 1 to 1000");
    if (v[Q_AFTER].present) {
        int64_t ms;
        if (parse_cursor(&v[Q_AFTER], &ms, &c->position, err) < 0)
            return -1;
        if (v[Q_KNOWN].present && ms != c->q.known_ms)
            return kd_fail(err, KD_INVALID_VALUE, "after",
                           "after belongs to a roll of another known_at");
        if (ms > c->q.known_ms)
            return kd_fail(err, KD_INVALID_VALUE, "after", "after must be the next value of a page");
        c->q.known_ms = ms;
    }
    c->enc = SENKYO_UTF8;
    if (v[Q_ENCODING].present) {
        if (strcmp(v[Q_ENCODING].s, "cp932") == 0)
            c->enc = SENKYO_CP932;
        else if (strcmp(v[Q_ENCODING].s, "utf-8") != 0)
            return kd_fail(err, KD_INVALID_VALUE, "encoding", "encoding must be utf-8 or cp932");
    }
    c->um = SENKYO_UNMAPPABLE_FAIL;
    if (v[Q_UNMAPPABLE].present) {
        if (c->enc != SENKYO_CP932)
            return kd_fail(err, KD_INVALID_VALUE, "unmappable",
                           "unmappable is for encoding=cp932 (UTF-8 has every character)");
        if (strcmp(v[Q_UNMAPPABLE].s, "geta") == 0)
            c->um = SENKYO_UNMAPPABLE_GETA;
        else if (strcmp(v[Q_UNMAPPABLE].s, "fail") != 0)
            return kd_fail(err, KD_INVALID_VALUE, "unmappable", "unmappable must be fail or geta");
    }
    /* The town's setting for naturalised persons (docs/senkyo.md). */
    const char *kika;
    if (settings_get(req->town, SET_KIKA, "true", &kika, req->arena, err) < 0)
        return -1;
    if (strcmp(kika, "true") != 0 && strcmp(kika, "false") != 0)
        return kd_fail(err, KD_INTERNAL, NULL, "the town setting %s is not true or false",
                       SET_KIKA);
    c->q.kika_continuity = strcmp(kika, "true") == 0;
    c->q.town_name = req->who->tenant_name;
    return 0;
}

/* Persons under a support measure (抑止) today, for a role that may not see
 * them: withheld from the rows of the roll. A 転出表示 has left its
 * household (""). */
static bool protected_person(void *ctx, const struct senkyo_elector *e)
{
    return supp_set_covers(ctx, e->atena, e->reason == SENKYO_REGISTERED ? e->setai : "", NULL);
}

/* Builds the roll in one read snapshot; with `rows`, as the reader is to see
 * its rows (protected persons withheld when the role may not see them). */
static int build(struct api_req *req, struct criteria *c, bool rows, struct senkyo_roll *r,
                 int *district, struct arena *work, struct kd_err *err)
{
    if (store_begin_read(req->town, err) < 0)
        return -1;
    int rc = senkyo_roll_build(req->town, &c->q, r, work, err);
    struct supp_set protected = {0};
    bool withhold = rows && !perm_allows(req->who->role, "residents", "suppressed");
    if (rc == 0 && withhold)
        rc = supp_set_load(req->town, c->today, &protected, work, err);
    store_rollback(req->town); /* a read: nothing to keep */
    if (rc < 0)
        return -1;
    if (withhold)
        senkyo_roll_withhold(r, protected_person, &protected);
    *district = -2;
    if (c->district) {
        for (int i = 0; i < r->districts.count; i++)
            if (strcmp(r->districts.d[i].code, c->district) == 0)
                *district = i;
        if (*district == -2)
            return kd_fail(err, KD_NOT_FOUND, "district", "the 投票区 table has no district %s",
                           c->district);
    }
    return 0;
}

static struct senkyo_doc doc_of(struct api_req *req, const struct criteria *c)
{
    return (struct senkyo_doc){req->who->tenant_name, c->kijun,
                               c->has_senkyo ? c->senkyo : NULL, c->today, c->q.known_ms};
}

/* Electors withheld from the rows of district d (-2: all). */
static int withheld(const struct senkyo_roll *r, int d)
{
    return d == -2 ? r->all.withheld : r->by_district[d].withheld;
}

/* ", 2 withheld (支援措置)" or "". */
static const char *withheld_text(struct api_req *req, const struct senkyo_roll *r, int d)
{
    int n = withheld(r, d);
    return n ? arena_printf(req->arena, ", %d withheld (支援措置)", n) : "";
}

/* The criteria, for the audit entry: never a person's data. */
static const char *criteria_text(struct api_req *req, const struct criteria *c, const char *what)
{
    char known[CLOCK_ISO_LEN];
    clock_format_iso(c->q.known_ms, known);
    return arena_printf(req->arena, "%s 基準日 %s%s%s%s%s, known %s", what, c->kijun,
                        c->has_senkyo ? " 選挙期日 " : "", c->has_senkyo ? c->senkyo : "",
                        c->district ? " 投票区 " : "", c->district ? c->district : "", known);
}

static void write_criteria(struct jw *w, const struct criteria *c, const struct senkyo_roll *r)
{
    char age[DATE_ISO_LEN], known[CLOCK_ISO_LEN];
    date_format_iso(c->q.dates.age_date, age);
    clock_format_iso(c->q.known_ms, known);
    jw_kstr(w, "kijun_date", c->kijun);
    jw_kstr(w, "senkyo_date", c->has_senkyo ? c->senkyo : NULL);
    jw_kstr(w, "age_date", age);
    jw_key(w, "registration");
    jw_obj(w);
    jw_kstr(w, "code", senkyo_registration_code(c->q.dates.kijun, c->has_senkyo));
    jw_kstr(w, "label", senkyo_registration_label(c->q.dates.kijun, c->has_senkyo));
    jw_obj_end(w);
    jw_kstr(w, "known_at", known);
    jw_kint(w, "districts_version", r->districts_version);
}

static void write_district_ref(struct jw *w, const struct senkyo_roll *r, int d)
{
    if (d < 0 || d >= r->districts.count) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_kstr(w, "code", r->districts.d[d].code);
    jw_kstr(w, "name", r->districts.d[d].name);
    jw_obj_end(w);
}

static const char *basis_code(enum senkyo_start_basis b)
{
    return b == SENKYO_START_TODOKE  ? "todoke"
           : b == SENKYO_START_IDOU ? "idou_date"
                                    : "became_resident";
}

/* ---- the roll ---------------------------------------------------------------------- */

int senkyo_api_meibo(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct criteria c;
    if (parse_criteria(req, P_PAGE | P_DISTRICT, &c, err) < 0)
        return -1;
    struct arena work;
    arena_init(&work, NULL, 0, WORK_CAP);
    struct senkyo_roll r;
    int d, rc = -1;
    if (build(req, &c, true, &r, &d, &work, err) < 0)
        goto out;
    int first, count;
    senkyo_roll_range(&r, d, &first, &count);
    if (c.position > count) {
        kd_fail(err, KD_INVALID_VALUE, "after", "after is past the end of the roll");
        goto out;
    }
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    write_criteria(w, &c, &r);
    jw_key(w, "district");
    write_district_ref(w, &r, d);
    jw_kint(w, "total", count);
    jw_kint(w, "withheld", withheld(&r, d));
    jw_key(w, "items");
    jw_arr(w);
    int from = first + (int)c.position, to = from + (int)c.limit;
    if (to > first + count)
        to = first + count;
    for (int i = from; i < to; i++) {
        const struct senkyo_elector *e = &r.e[i];
        jw_obj(w);
        jw_key(w, "district");
        write_district_ref(w, &r, e->district);
        jw_kint(w, "number", e->number);
        jw_kstr(w, "atena", e->atena);
        jw_kstr(w, "setai", e->setai);
        jw_kstr(w, "zokugara", e->zokugara);
        jw_kstr(w, "shimei", e->shimei);
        jw_kstr(w, "shimei_kana", e->shimei_kana);
        jw_kstr(w, "birth", e->birth);
        jw_kstr(w, "birth_text", e->birth_text);
        jw_kstr(w, "birth_wareki", senkyo_wareki(&work, e->birth, e->birth_text));
        jw_kint(w, "sex", e->sex);
        jw_kstr(w, "postcode", e->postcode);
        jw_kstr(w, "address", e->address);
        jw_kstr(w, "katagaki", e->katagaki);
        jw_kstr(w, "status", senkyo_reason_code(e->reason));
        jw_kstr(w, "status_label", senkyo_reason_label(e->reason));
        jw_kstr(w, "moved_out_date", e->moved_out[0] ? e->moved_out : NULL);
        jw_kstr(w, "start_date", e->start);
        jw_kstr(w, "start_basis", basis_code(e->basis));
        jw_kbool(w, "by_default", e->by_default);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "next");
    if (to < first + count)
        jw_str(w, arena_printf(req->arena, "%lld.%d", (long long)c.q.known_ms, to - first));
    else
        jw_null(w);
    jw_obj_end(w);
    const char *what =
        arena_printf(req->arena, "選挙人名簿 %d-%d of %d%s:", to > from ? from - first + 1 : 0,
                     to - first, count, withheld_text(req, &r, d));
    rc = api_audit(req, "senkyo.meibo.read", "ok", NULL, criteria_text(req, &c, what), err);
out:
    arena_release(&work);
    return rc;
}

static const char *file_name(struct api_req *req, const char *stem, const struct criteria *c,
                             const char *ext)
{
    char compact[DATE_COMPACT_LEN];
    date_format_compact(c->q.dates.kijun, compact);
    return arena_printf(req->arena, "senkyo-%s-%s%s%s.%s", stem, compact, c->district ? "-" : "",
                        c->district ? c->district : "", ext);
}

static const char *csv_type(enum senkyo_encoding enc)
{
    return enc == SENKYO_CP932 ? "text/csv; charset=Windows-31J" : "text/csv; charset=utf-8";
}

int senkyo_api_meibo_csv(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct criteria c;
    if (parse_criteria(req, P_FILE | P_DISTRICT, &c, err) < 0)
        return -1;
    struct arena work;
    arena_init(&work, NULL, 0, WORK_CAP);
    struct senkyo_roll r;
    int d, rc = -1, first, count;
    struct senkyo_file f = {0};
    if (build(req, &c, true, &r, &d, &work, err) < 0)
        goto out;
    senkyo_roll_range(&r, d, &first, &count);
    if (senkyo_roll_csv(&r, first, count, c.enc, c.um, &f, err) < 0)
        goto out;
    const char *what = arena_printf(req->arena, "選挙人名簿 CSV %s%s: %d electors%s%s",
                                    c.enc == SENKYO_CP932 ? "cp932" : "utf-8",
                                    c.um == SENKYO_UNMAPPABLE_GETA ? " geta" : "", count,
                                    f.unmapped ? arena_printf(req->arena, ", %d 〓", f.unmapped)
                                               : "",
                                    withheld_text(req, &r, d));
    if (api_audit(req, "senkyo.meibo.export", "ok", NULL, criteria_text(req, &c, what), err) < 0) {
        free(f.data);
        goto out;
    }
    rc = api_reply_file(req, out, f.data, f.len, csv_type(c.enc),
                        file_name(req, "meibo", &c, "csv"));
out:
    arena_release(&work);
    return rc;
}

int senkyo_api_meibo_pdf(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct criteria c;
    if (parse_criteria(req, P_DISTRICT, &c, err) < 0)
        return -1;
    struct arena work;
    arena_init(&work, NULL, 0, WORK_CAP);
    struct senkyo_roll r;
    int d, rc = -1;
    if (build(req, &c, true, &r, &d, &work, err) < 0)
        goto out;
    struct senkyo_doc doc = doc_of(req, &c);
    struct report *rep = senkyo_roll_report(&work, &r, d, &doc, err);
    char *pdf = NULL;
    size_t len = 0;
    if (!rep || report_render_pdf(rep, &pdf, &len, err) < 0)
        goto out;
    int first, count;
    senkyo_roll_range(&r, d, &first, &count);
    const char *what = arena_printf(req->arena, "選挙人名簿 PDF: %d electors%s", count,
                                    withheld_text(req, &r, d));
    if (api_audit(req, "senkyo.meibo.export", "ok", NULL, criteria_text(req, &c, what), err) < 0) {
        free(pdf);
        goto out;
    }
    rc = api_reply_file(req, out, pdf, len, "application/pdf", file_name(req, "meibo", &c, "pdf"));
out:
    arena_release(&work);
    return rc;
}

/* ---- 登録者数 ------------------------------------------------------------------------- */

static void write_count(struct jw *w, const struct senkyo_count *n)
{
    jw_kint(w, "male", n->male);
    jw_kint(w, "female", n->female);
    jw_kint(w, "other", n->other);
    jw_kint(w, "total", n->total);
    jw_kint(w, "moved_out", n->moved_out);
}

int senkyo_api_summary(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct criteria c;
    if (parse_criteria(req, 0, &c, err) < 0)
        return -1;
    struct arena work;
    arena_init(&work, NULL, 0, WORK_CAP);
    struct senkyo_roll r;
    int d, rc = -1;
    if (build(req, &c, false, &r, &d, &work, err) < 0)
        goto out;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    write_criteria(w, &c, &r);
    jw_key(w, "districts");
    jw_arr(w);
    for (int i = 0; i <= r.districts.count; i++) {
        bool none = i == r.districts.count;
        if (none && r.by_district[i].total == 0)
            continue;
        jw_obj(w);
        jw_kstr(w, "code", none ? NULL : r.districts.d[i].code);
        jw_kstr(w, "name", none ? "投票区未設定" : r.districts.d[i].name);
        write_count(w, &r.by_district[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "all");
    jw_obj(w);
    write_count(w, &r.all);
    jw_obj_end(w);
    jw_kint(w, "residents", r.residents);
    jw_key(w, "excluded");
    jw_obj(w);
    for (int k = SENKYO_FOREIGN; k < SENKYO_REMOVED; k++)
        jw_kint(w, senkyo_reason_code((enum senkyo_reason)k), r.excluded[k]);
    jw_obj_end(w);
    jw_kint(w, "by_default", r.by_default);
    jw_kint(w, "no_todoke", r.no_todoke);
    jw_obj_end(w);
    rc = api_audit(req, "senkyo.summary.read", "ok", NULL,
                   criteria_text(req, &c, arena_printf(req->arena, "登録者数: %d", r.all.total)),
                   err);
out:
    arena_release(&work);
    return rc;
}

int senkyo_api_summary_csv(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct criteria c;
    if (parse_criteria(req, P_FILE, &c, err) < 0)
        return -1;
    struct arena work;
    arena_init(&work, NULL, 0, WORK_CAP);
    struct senkyo_roll r;
    int d, rc = -1;
    struct senkyo_file f = {0};
    if (build(req, &c, false, &r, &d, &work, err) < 0 ||
        senkyo_summary_csv(&r, c.enc, c.um, &f, err) < 0)
        goto out;
    if (api_audit(req, "senkyo.summary.export", "ok", NULL,
                  criteria_text(req, &c, arena_printf(req->arena, "登録者数 CSV: %d",
                                                      r.all.total)),
                  err) < 0) {
        free(f.data);
        goto out;
    }
    rc = api_reply_file(req, out, f.data, f.len, csv_type(c.enc),
                        file_name(req, "summary", &c, "csv"));
out:
    arena_release(&work);
    return rc;
}

int senkyo_api_summary_pdf(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct criteria c;
    if (parse_criteria(req, 0, &c, err) < 0)
        return -1;
    struct arena work;
    arena_init(&work, NULL, 0, WORK_CAP);
    struct senkyo_roll r;
    int d, rc = -1;
    if (build(req, &c, false, &r, &d, &work, err) < 0)
        goto out;
    struct senkyo_doc doc = doc_of(req, &c);
    struct report *rep = senkyo_summary_report(&work, &r, &doc, err);
    char *pdf = NULL;
    size_t len = 0;
    if (!rep || report_render_pdf(rep, &pdf, &len, err) < 0)
        goto out;
    if (api_audit(req, "senkyo.summary.export", "ok", NULL,
                  criteria_text(req, &c, arena_printf(req->arena, "登録者数 PDF: %d",
                                                      r.all.total)),
                  err) < 0) {
        free(pdf);
        goto out;
    }
    rc = api_reply_file(req, out, pdf, len, "application/pdf",
                        file_name(req, "summary", &c, "pdf"));
out:
    arena_release(&work);
    return rc;
}

/* ---- 投票区 ---------------------------------------------------------------------------- */

static void write_districts(struct jw *w, const struct senkyo_districts *t,
                            const struct senkyo_table_info *info)
{
    jw_obj(w);
    jw_kint(w, "version", info->version);
    jw_kstr(w, "set_at", info->version ? info->set_at : NULL);
    jw_kstr(w, "set_by", info->version ? info->set_by : NULL);
    jw_key(w, "districts");
    jw_arr(w);
    for (int i = 0; i < t->count; i++) {
        const struct senkyo_district *d = &t->d[i];
        jw_obj(w);
        jw_kstr(w, "code", d->code);
        jw_kstr(w, "name", d->name);
        jw_kstr(w, "place", d->place);
        jw_kbool(w, "default", d->is_default);
        jw_key(w, "prefixes");
        jw_arr(w);
        for (int p = 0; p < d->nprefix; p++)
            jw_str(w, d->prefix[p]);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

int senkyo_api_districts_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct senkyo_districts t;
    struct senkyo_table_info info;
    if (senkyo_districts_load(req->town, 0, &t, &info, req->arena, err) < 0)
        return -1;
    write_districts(api_reply(out, 200), &t, &info);
    return 0;
}

static const struct jfield table_spec[] = {
    {"districts", JT_ARRAY, true, SENKYO_MAX_DISTRICTS, false, 0, 0},
};
static const struct jfield district_spec[] = {
    {"code", JT_STRING, true, SENKYO_CODE_MAX, false, 0, 0},
    {"name", JT_STRING, true, SENKYO_NAME_MAX, false, 0, 0},
    {"place", JT_STRING, false, SENKYO_PLACE_MAX, false, 0, 0},
    {"default", JT_BOOL, false, 0, false, 0, 0},
    {"prefixes", JT_ARRAY, false, SENKYO_MAX_PREFIXES, false, 0, 0},
};

int senkyo_api_districts_put(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue top[1];
    if (api_body_tree(req, table_spec, 1, top, err) < 0)
        return -1;
    json_t *list = top[0].json;
    struct senkyo_districts t = {0};
    t.d = arena_zalloc(req->arena, (json_array_size(list) + 1) * sizeof *t.d);
    if (!t.d)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        char path[32];
        snprintf(path, sizeof path, "districts[%zu]", i);
        if (!json_is_object(item))
            return kd_fail(err, KD_WRONG_TYPE, path, "%s must be an object", path);
        struct jvalue v[5];
        if (jreq_fields(req->arena, item, path, district_spec, 5, v, err) < 0)
            return -1;
        struct senkyo_district *d = &t.d[t.count++];
        d->code = v[0].s;
        d->name = v[1].s;
        d->place = v[2].present ? v[2].s : "";
        d->is_default = v[3].present && v[3].b;
        json_t *prefixes = v[4].present ? v[4].json : NULL;
        d->prefix = arena_alloc(req->arena, (json_array_size(prefixes) + 1) * sizeof *d->prefix);
        if (!d->prefix)
            return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        size_t k;
        json_t *p;
        json_array_foreach(prefixes, k, p) {
            char field[KD_FIELD_MAX];
            snprintf(field, sizeof field, "%s.prefixes[%zu]", path, k);
            if (!json_is_string(p))
                return kd_fail(err, KD_WRONG_TYPE, field, "%s must be a string", field);
            d->prefix[d->nprefix++] =
                arena_strndup(req->arena, json_string_value(p), json_string_length(p));
            if (!d->prefix[d->nprefix - 1] ||
                memchr(json_string_value(p), '\0', json_string_length(p)))
                return kd_fail(err, KD_INVALID_VALUE, field, "%s must not contain NUL", field);
        }
    }
    if (senkyo_districts_check(&t, err) < 0)
        return -1;
    if (store_begin_write(req->town, err) < 0)
        return -1;
    int64_t version = senkyo_districts_replace(req->town, &t, req->who->login, req->now_ms, err);
    if (version < 0)
        return -1;
    char detail[96];
    snprintf(detail, sizeof detail, "投票区 table version %lld: %d districts", (long long)version,
             t.count);
    if (api_audit(req, "senkyo.districts.write", "ok", NULL, detail, err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    struct senkyo_table_info info;
    if (senkyo_districts_load(req->town, 0, &t, &info, req->arena, err) < 0)
        return -1;
    write_districts(api_reply(out, 200), &t, &info);
    return 0;
}

/* ---- 失権 ------------------------------------------------------------------------------- */

static void write_shikken(struct jw *w, const struct senkyo_shikken *e)
{
    const struct senkyo_basis *b = senkyo_basis_find(e->basis);
    jw_obj(w);
    jw_kint(w, "id", e->id);
    jw_kstr(w, "atena", e->atena);
    jw_kstr(w, "basis", e->basis);
    jw_kstr(w, "basis_label", b ? b->label : "");
    jw_kstr(w, "reason", e->reason);
    jw_kstr(w, "from_date", e->from_date);
    jw_kstr(w, "until_date", e->until_date[0] ? e->until_date : NULL);
    jw_kstr(w, "created_at", e->created_at);
    jw_kstr(w, "created_by", e->created_by);
    jw_kstr(w, "withdrawn_at", e->withdrawn_at[0] ? e->withdrawn_at : NULL);
    jw_kstr(w, "withdrawn_by", e->withdrawn_at[0] ? e->withdrawn_by : NULL);
    if (e->replaced_by)
        jw_kint(w, "replaced_by", e->replaced_by);
    else
        jw_knull(w, "replaced_by");
    jw_obj_end(w);
}

struct shikken_list_ctx {
    struct api_req *req;
    struct jw *w;
    int count, audit_rc;
    int64_t last;
    struct kd_err *err;
};

static int list_one(void *ctx, const struct senkyo_shikken *e)
{
    struct shikken_list_ctx *l = ctx;
    write_shikken(l->w, e);
    l->count++;
    l->last = e->id;
    if (l->audit_rc == 0)
        l->audit_rc = api_audit(l->req, "senkyo.shikken.read", "ok", e->atena,
                                arena_printf(l->req->arena, "失権 entry %lld", (long long)e->id),
                                l->err);
    return 0;
}

static const struct jfield shikken_query[] = {
    {"atena", JT_STRING, false, 15, false, 0, 0},
    {"all", JT_STRING, false, 5, false, 0, 0},
    {"before", JT_STRING, false, 19, false, 0, 0},
    {"limit", JT_STRING, false, 3, false, 0, 0},
};

int senkyo_api_shikken_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[4];
    if (api_query(req, shikken_query, 4, v, err) < 0)
        return -1;
    struct api_page pg;
    if (api_page_query(&v[0], &v[2], &v[3], "an entry id", &pg, err) < 0)
        return -1;
    bool all = false;
    if (v[1].present) {
        if (strcmp(v[1].s, "true") != 0 && strcmp(v[1].s, "false") != 0)
            return kd_fail(err, KD_INVALID_VALUE, "all", "all must be true or false");
        all = strcmp(v[1].s, "true") == 0;
    }
    struct shikken_list_ctx l = {req, api_reply(out, 200), 0, 0, 0, err};
    jw_obj(l.w);
    jw_key(l.w, "items");
    jw_arr(l.w);
    if (senkyo_shikken_list(req->town, pg.atena, all, pg.before, (int)pg.limit, list_one, &l,
                            req->arena, err) < 0 ||
        l.audit_rc < 0)
        return -1;
    jw_arr_end(l.w);
    api_next_before(l.w, pg.limit, l.count, l.last);
    jw_key(l.w, "bases");
    jw_arr(l.w);
    for (int i = 0; i < senkyo_basis_count; i++) {
        jw_obj(l.w);
        jw_kstr(l.w, "code", senkyo_bases[i].code);
        jw_kstr(l.w, "label", senkyo_bases[i].label);
        jw_obj_end(l.w);
    }
    jw_arr_end(l.w);
    jw_obj_end(l.w);
    /* An empty list read is audited too: someone looked. */
    if (l.count == 0)
        return api_audit(req, "senkyo.shikken.read", "ok", pg.atena, "失権 entries: none", err);
    return 0;
}

static const struct jfield shikken_body[] = {
    {"atena", JT_STRING, true, 15, false, 0, 0},
    {"basis", JT_STRING, true, 16, false, 0, 0},
    {"reason", JT_STRING, true, SENKYO_REASON_MAX, false, 0, 0},
    {"from_date", JT_STRING, true, 10, false, 0, 0},
    {"until_date", JT_STRING, false, 10, false, 0, 0},
};
enum { S_ATENA, S_BASIS, S_REASON, S_FROM, S_UNTIL, S_COUNT };

/* Checks an entry's fields (as they will be stored). */
static int check_entry(const struct senkyo_shikken *e, struct kd_err *err)
{
    if (!api_is_number(e->atena, strlen(e->atena)))
        return kd_fail(err, KD_INVALID_VALUE, "atena", "atena must be a 宛名番号 (digits)");
    if (!senkyo_basis_find(e->basis))
        return kd_fail(err, KD_INVALID_VALUE, "basis",
                       "basis must be one of 11-1-2, 11-1-3, 11-1-4, 11-1-5 (公職選挙法第11条第1"
                       "項各号), 252 (同第252条), seiji-28 (政治資金規正法第28条)");
    if (text_check_line(e->reason, strlen(e->reason), 1, SENKYO_REASON_MAX, "reason", err) < 0)
        return -1;
    struct date from, until;
    if (date_parse_iso(e->from_date, strlen(e->from_date), "from_date", &from, err) < 0)
        return -1;
    if (e->until_date[0]) {
        if (date_parse_iso(e->until_date, strlen(e->until_date), "until_date", &until, err) < 0)
            return -1;
        if (date_cmp(until, from) < 0)
            return kd_fail(err, KD_INVALID_VALUE, "until_date",
                           "until_date must not be before from_date");
    }
    return 0;
}

int senkyo_api_shikken_add(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[S_COUNT];
    if (api_body(req, shikken_body, S_COUNT, v, err) < 0)
        return -1;
    char now[CLOCK_ISO_LEN];
    clock_format_iso(req->now_ms, now);
    struct senkyo_shikken e = {
        .atena = v[S_ATENA].s,
        .basis = v[S_BASIS].s,
        .reason = v[S_REASON].s,
        .from_date = v[S_FROM].s,
        .until_date = v[S_UNTIL].present ? v[S_UNTIL].s : "",
        .created_at = now,
        .created_by = req->who->login,
        .withdrawn_at = "",
        .withdrawn_by = "",
    };
    if (check_entry(&e, err) < 0 || store_begin_write(req->town, err) < 0 ||
        senkyo_shikken_add(req->town, &e, err) < 0)
        return -1;
    if (api_audit(req, "senkyo.shikken.write", "ok", e.atena,
                  arena_printf(req->arena, "失権 entry %lld added", (long long)e.id), err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    write_shikken(api_reply(out, 201), &e);
    return 0;
}

static const struct jfield shikken_patch[] = {
    {"basis", JT_STRING, false, 16, false, 0, 0},
    {"reason", JT_STRING, false, SENKYO_REASON_MAX, false, 0, 0},
    {"from_date", JT_STRING, false, 10, false, 0, 0},
    {"until_date", JT_STRING, false, 10, false, 0, 0},
};

int senkyo_api_shikken_update(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    struct jvalue v[4];
    if (api_param_id(req, "id", &id, err) < 0 || api_body(req, shikken_patch, 4, v, err) < 0)
        return -1;
    if (!v[0].present && !v[1].present && !v[2].present && !v[3].present)
        return kd_fail(err, KD_MISSING_FIELD, "until_date",
                       "give what changes: basis, reason, from_date or until_date");
    if (store_begin_write(req->town, err) < 0)
        return -1;
    struct senkyo_shikken old;
    if (senkyo_shikken_get(req->town, id, &old, req->arena, err) < 0)
        return -1;
    if (old.withdrawn_at[0])
        return kd_fail(err, KD_CONFLICT, "id",
                       "the 失権 entry %lld was withdrawn%s; change the entry in force",
                       (long long)id, old.replaced_by ? " (replaced)" : "");
    char now[CLOCK_ISO_LEN];
    clock_format_iso(req->now_ms, now);
    struct senkyo_shikken e = old;
    e.basis = v[0].present ? v[0].s : old.basis;
    e.reason = v[1].present ? v[1].s : old.reason;
    e.from_date = v[2].present ? v[2].s : old.from_date;
    /* until_date "" makes the entry open-ended again. */
    e.until_date = v[3].present ? v[3].s : old.until_date;
    e.created_at = now;
    e.created_by = req->who->login;
    e.withdrawn_at = e.withdrawn_by = "";
    e.replaced_by = 0;
    if (check_entry(&e, err) < 0 || senkyo_shikken_add(req->town, &e, err) < 0 ||
        senkyo_shikken_withdraw(req->town, id, req->who->login, req->now_ms, e.id, err) < 0)
        return -1;
    if (api_audit(req, "senkyo.shikken.write", "ok", e.atena,
                  arena_printf(req->arena, "失権 entry %lld replaced by %lld", (long long)id,
                               (long long)e.id),
                  err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    write_shikken(api_reply(out, 200), &e);
    return 0;
}

int senkyo_api_shikken_withdraw(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0 || store_begin_write(req->town, err) < 0)
        return -1;
    struct senkyo_shikken e;
    if (senkyo_shikken_get(req->town, id, &e, req->arena, err) < 0 ||
        senkyo_shikken_withdraw(req->town, id, req->who->login, req->now_ms, 0, err) < 0)
        return -1;
    if (api_audit(req, "senkyo.shikken.write", "ok", e.atena,
                  arena_printf(req->arena, "失権 entry %lld withdrawn", (long long)id), err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    return api_no_content(out);
}
