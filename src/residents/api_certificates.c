/*
 * api_certificates.c — issuing 住民票の写し, 除票の写し and 住民票記載事項証明書
 * over HTTP, and the 交付履歴 (certificate_api.h; docs/certificates.md).
 *
 * An issuance is one write transaction: the register is read as of the
 * requested date, the issuance is recorded (its id is the 証明書番号 printed
 * on the certificate), the document is rendered, and one audit entry per
 * person ("certificate.issue", subject the 宛名番号) is appended; all of it
 * commits or none does. A refused request that names persons (a third party
 * asking for 個人番号) is audited as denied before it is answered.
 */
#include "residents/certificate_api.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "engine/perm.h"
#include "engine/settings.h"
#include "residents/certificate.h"
#include "residents/certificate_store.h"
#include "residents/residents.h"
#include "residents/suppression.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Town settings (engine/settings.h) and their defaults: docs/certificates.md. */
#define SET_EARLIEST "certificates.johyo_earliest"
#define SET_MAYOR "certificates.mayor"
#define SET_WORDING_PREFIX "certificates.wording."

/* The 認証文 when the town has not set its own. Municipalities word it
 * slightly differently (see docs/certificates.md for the sources); these
 * are the common forms. */
static const char *default_wording(enum cert_kind k)
{
    switch (k) {
    case CERT_JUMINHYO: return "この写しは、住民票の原本と相違ないことを証明する。";
    case CERT_JOHYO: return "この写しは、除かれた住民票の原本と相違ないことを証明する。";
    case CERT_KISAI: return "上記のとおり住民票に記載されていることを証明する。";
    }
    return "";
}

static void japan_today(int64_t now_ms, char out[DATE_ISO_LEN])
{
    date_format_iso(date_today_japan(now_ms), out);
}

/* ---- the request ----------------------------------------------------------------- */

static const struct jfield body_spec[] = {
    {"kind", JT_STRING, true, 16, false, 0, 0},
    {"form", JT_STRING, false, 8, false, 0, 0},
    {"atena", JT_ARRAY, false, CERT_MAX_PERSONS, false, 0, 0},
    {"setai", JT_STRING, false, 15, false, 0, 0},
    {"as_of", JT_STRING, false, 10, false, 0, 0},
    {"options", JT_OBJECT, false, 0, false, 0, 0},
    {"items", JT_ARRAY, false, 16, false, 0, 0},
    {"requester", JT_STRING, true, 16, false, 0, 0},
    {"requester_name", JT_STRING, false, 100, false, 0, 0},
    {"purpose", JT_STRING, false, 200, false, 0, 0},
};
enum {
    B_KIND, B_FORM, B_ATENA, B_SETAI, B_AS_OF, B_OPTIONS, B_ITEMS, B_REQUESTER, B_REQ_NAME,
    B_PURPOSE, B_COUNT
};

/* The options of a 写し: the items shown only on request. */
static const struct jfield option_spec[] = {
    {"setainushi", JT_BOOL, false, 0, false, 0, 0},
    {"honseki", JT_BOOL, false, 0, false, 0, 0},
    {"kojin_bango", JT_BOOL, false, 0, false, 0, 0},
    {"jumin_code", JT_BOOL, false, 0, false, 0, 0},
    {"zairyu", JT_BOOL, false, 0, false, 0, 0},
};
#define OPTION_COUNT (sizeof option_spec / sizeof option_spec[0])

struct issue_req {
    struct cert_request q;
    unsigned shown;
    const char *as_of;
    char today[DATE_ISO_LEN];
    const char *setai;   /* given, or NULL */
    int natena;          /* given 宛名番号 */
    const char *atena[CERT_MAX_PERSONS];
    const char *requester_name, *purpose;
};

/* Audits a refusal for each person the request named (a household is named
 * by its number in the detail: the members are not read for a refusal). */
static void audit_refusal(struct api_req *req, const struct issue_req *ir,
                          const struct kd_err *why)
{
    char detail[200];
    snprintf(detail, sizeof detail, "%s %s, %s: refused (%s)%s%s",
             cert_kind_label(ir->q.kind), cert_form_label(ir->q.form),
             cert_requester_label(ir->q.requester), why->field, ir->setai ? "; 世帯 " : "",
             ir->setai ? ir->setai : "");
    struct kd_err ignored;
    for (int i = 0; i < ir->natena; i++)
        api_audit(req, "certificate.issue", "denied", ir->atena[i], detail, &ignored);
    if (ir->natena == 0)
        api_audit(req, "certificate.issue", "denied", NULL, detail, &ignored);
}

static int parse_request(struct api_req *req, struct issue_req *ir, struct kd_err *err)
{
    struct jvalue v[B_COUNT];
    memset(ir, 0, sizeof *ir);
    if (api_body_tree(req, body_spec, B_COUNT, v, err) < 0)
        return -1;
    if (!cert_kind_parse(v[B_KIND].s, &ir->q.kind))
        return kd_fail(err, KD_INVALID_VALUE, "kind",
                       "kind must be juminhyo (住民票の写し), johyo (除票の写し) or kisai_jiko "
                       "(住民票記載事項証明書)");
    if (!cert_requester_parse(v[B_REQUESTER].s, &ir->q.requester))
        return kd_fail(err, KD_INVALID_VALUE, "requester",
                       "requester must be honnin (本人・同一世帯), daisansha (第三者) or koyo (公用)");
    ir->q.form = ir->q.kind == CERT_JOHYO ? CERT_FORM_KOJIN : CERT_FORM_SETAI;
    if (v[B_FORM].present && !cert_form_parse(v[B_FORM].s, &ir->q.form))
        return kd_fail(err, KD_INVALID_VALUE, "form", "form must be setai (世帯連記式) or kojin (個人票)");
    if (ir->q.kind == CERT_JOHYO && ir->q.form != CERT_FORM_KOJIN)
        return kd_fail(err, KD_INVALID_VALUE, "form", "a 除票の写し is issued as 個人票 (form kojin)");

    /* Whose: 宛名番号 or a household, not both. */
    if (v[B_ATENA].present == v[B_SETAI].present)
        return kd_fail(err, v[B_ATENA].present ? KD_INVALID_VALUE : KD_MISSING_FIELD, "atena",
                       "give the persons (atena) or the household (setai), not both");
    if (v[B_SETAI].present) {
        if (ir->q.kind == CERT_JOHYO)
            return kd_fail(err, KD_INVALID_VALUE, "setai",
                           "a 除票の写し names its persons (atena), not a household");
        if (!api_is_number(v[B_SETAI].s, v[B_SETAI].len))
            return kd_fail(err, KD_INVALID_VALUE, "setai", "setai must be a 世帯番号 (digits)");
        ir->setai = v[B_SETAI].s;
    } else {
        json_t *arr = v[B_ATENA].json;
        if (json_array_size(arr) == 0)
            return kd_fail(err, KD_MISSING_FIELD, "atena", "atena needs at least one 宛名番号");
        for (size_t i = 0; i < json_array_size(arr); i++) {
            char field[32];
            snprintf(field, sizeof field, "atena[%zu]", i);
            json_t *e = json_array_get(arr, i);
            if (!json_is_string(e))
                return kd_fail(err, KD_WRONG_TYPE, field, "a 宛名番号 is a string of digits");
            const char *s = json_string_value(e);
            if (!api_is_number(s, json_string_length(e)))
                return kd_fail(err, KD_INVALID_VALUE, field, "a 宛名番号 is digits only");
            for (int k = 0; k < ir->natena; k++)
                if (strcmp(ir->atena[k], s) == 0)
                    return kd_fail(err, KD_INVALID_VALUE, field, "the same person twice");
            ir->atena[ir->natena++] = s;
        }
    }

    /* What it shows. */
    if (ir->q.kind == CERT_KISAI) {
        if (v[B_OPTIONS].present)
            return kd_fail(err, KD_INVALID_VALUE, "options",
                           "a 記載事項証明書 certifies the items listed in items; options are for "
                           "the 写し");
        if (!v[B_ITEMS].present)
            return kd_fail(err, KD_MISSING_FIELD, "items",
                           "a 記載事項証明書 needs the items to certify");
        json_t *arr = v[B_ITEMS].json;
        for (size_t i = 0; i < json_array_size(arr); i++) {
            char field[32];
            snprintf(field, sizeof field, "items[%zu]", i);
            json_t *e = json_array_get(arr, i);
            const struct cert_item_info *it =
                json_is_string(e) ? cert_item_find(json_string_value(e)) : NULL;
            if (!json_is_string(e))
                return kd_fail(err, KD_WRONG_TYPE, field, "an item is a string");
            if (!it)
                return kd_fail(err, KD_INVALID_VALUE, field, "unknown item (GET the OpenAPI "
                                                             "document for the list)");
            ir->q.chosen |= it->bit;
        }
    } else {
        if (v[B_ITEMS].present)
            return kd_fail(err, KD_INVALID_VALUE, "items",
                           "items are for a 記載事項証明書; a 写し takes options");
        if (v[B_OPTIONS].present) {
            struct jvalue o[OPTION_COUNT];
            if (jreq_fields(req->arena, v[B_OPTIONS].json, "options", option_spec, OPTION_COUNT,
                            o, err) < 0)
                return -1;
            for (size_t i = 0; i < OPTION_COUNT; i++)
                if (o[i].present && o[i].b)
                    ir->q.options |= cert_item_find(option_spec[i].name)->bit;
        }
    }

    ir->requester_name = v[B_REQ_NAME].present ? v[B_REQ_NAME].s : "";
    ir->purpose = v[B_PURPOSE].present ? v[B_PURPOSE].s : "";
    /* 12条の2 (公用) and 12条の3 (第三者) requests state their purpose. */
    if (ir->q.requester != CERT_HONNIN && !ir->purpose[0])
        return kd_fail(err, KD_MISSING_FIELD, "purpose",
                       "a %s request states its purpose (住民基本台帳法第12条の2, 第12条の3)",
                       cert_requester_label(ir->q.requester));

    japan_today(req->now_ms, ir->today);
    ir->as_of = ir->today;
    if (v[B_AS_OF].present) {
        struct date d;
        if (date_parse_iso(v[B_AS_OF].s, v[B_AS_OF].len, "as_of", &d, err) < 0)
            return -1;
        if (strcmp(v[B_AS_OF].s, ir->today) > 0)
            return kd_fail(err, KD_INVALID_VALUE, "as_of",
                           "as_of is after today: a certificate shows the register as it is");
        ir->as_of = v[B_AS_OF].s;
    }

    int rc = cert_items_shown(&ir->q, &ir->shown, err);
    /* 個人番号 in clear is for the roles the permission table allows. */
    if (rc == 0 && (ir->shown & CI_KOJIN_BANGO) && !perm_allows(req->who->role, "mynumber", "read"))
        rc = kd_fail(err, KD_FORBIDDEN,
                     ir->q.kind == CERT_KISAI ? "items.kojin_bango" : "options.kojin_bango",
                     "your role may not print 個人番号");
    if (rc < 0 && err->code == KD_FORBIDDEN)
        audit_refusal(req, ir, err);
    return rc;
}

/* ---- reading the persons ------------------------------------------------------------ */

struct persons {
    int count;
    struct record r[CERT_MAX_PERSONS];
    const char *head[CERT_MAX_PERSONS]; /* 世帯主's name for each */
};

struct collect {
    struct persons *p;
    const struct issue_req *ir; /* filter: only these 宛名番号 (NULL: everyone) */
    int over;
};

static int collect_member(void *ctx, const struct record *r)
{
    struct collect *c = ctx;
    if (c->ir) {
        int k = 0;
        while (k < c->ir->natena && strcmp(c->ir->atena[k], r->atena) != 0)
            k++;
        if (k == c->ir->natena)
            return 0;
    }
    if (c->p->count == CERT_MAX_PERSONS) {
        c->over = 1;
        return 0;
    }
    c->p->r[c->p->count++] = *r;
    return 0;
}

/* Reads one named person as of the date and checks the record fits the
 * certificate asked for. */
static int read_person(struct api_req *req, const struct issue_req *ir, int i,
                       const char *earliest, struct record *out, struct kd_err *err)
{
    char field[32];
    snprintf(field, sizeof field, "atena[%d]", i);
    const char *atena = ir->atena[i];
    struct record latest;
    if (residents_person_as_of(req->town, atena, "9999-12-31", 0, &latest, req->arena, err) < 0)
        return err->code == KD_NOT_FOUND ? kd_fail(err, KD_NOT_FOUND, field, "no such person")
                                         : -1;
    if (latest.birth[0] && strcmp(ir->as_of, latest.birth) < 0)
        return kd_fail(err, KD_INVALID_VALUE, "as_of",
                       "as_of is before the birth of the person %s (%s)", field, latest.birth);
    if (residents_person_as_of(req->town, atena, ir->as_of, 0, out, req->arena, err) < 0)
        return err->code == KD_NOT_FOUND
                   ? kd_fail(err, KD_INVALID_VALUE, "as_of",
                             "the person %s had no record in this town on as_of (recorded from "
                             "a later date)",
                             field)
                   : -1;
    bool removed = strcmp(out->status, "removed") == 0;
    if (ir->q.kind != CERT_JOHYO && removed)
        return kd_fail(err, KD_CONFLICT, field,
                       "the record of %s is a 除票 (removed %s) on as_of: its certificate is a "
                       "除票の写し (kind johyo)",
                       field, out->removal_date);
    if (ir->q.kind == CERT_JOHYO && !removed)
        return kd_fail(err, KD_CONFLICT, field,
                       "%s is a resident on as_of: a 除票の写し is of a removed record", field);
    if (ir->q.kind == CERT_JOHYO && !cert_johyo_retained(out->removal_date, earliest))
        return kd_fail(err, KD_CONFLICT, field,
                       "廃棄証明: the 除票 of %s was removed on %s, before %s, from which this "
                       "town keeps 除票 150 years (住民基本台帳法施行令 as amended 2019-06-20); "
                       "it is not issued — issue a 廃棄証明 instead",
                       field, out->removal_date, earliest);
    return 0;
}

/* The 世帯主's name of a household on a date ("" if it has none then). */
struct head_ctx {
    const char *name;
};
static int find_head(void *ctx, const struct record *r)
{
    struct head_ctx *h = ctx;
    if (!h->name && strcmp(r->zokugara, "世帯主") == 0)
        h->name = r->shimei;
    return 0;
}

static int fill_heads(struct api_req *req, const struct issue_req *ir, struct persons *p,
                      struct kd_err *err)
{
    for (int i = 0; i < p->count; i++) {
        const struct record *r = &p->r[i];
        p->head[i] = "";
        if (!(ir->shown & CI_SETAINUSHI) || !r->setai[0])
            continue;
        if (i > 0 && strcmp(p->r[i - 1].setai, r->setai) == 0 &&
            strcmp(p->r[i - 1].status, r->status) == 0) {
            p->head[i] = p->head[i - 1];
            continue;
        }
        /* A 除票's household is the one it left: the day before removal. */
        char date[DATE_ISO_LEN];
        snprintf(date, sizeof date, "%s", ir->as_of);
        if (strcmp(r->status, "removed") == 0) {
            struct date d;
            if (date_parse_iso(r->removal_date, strlen(r->removal_date), "removal_date", &d,
                               err) < 0 ||
                date_add_days(d, -1, &d, err) < 0)
                return -1;
            date_format_iso(d, date);
        }
        struct head_ctx h = {NULL};
        if (residents_household_as_of(req->town, r->setai, date, 0, find_head, &h, req->arena,
                                      err) < 0)
            return -1;
        p->head[i] = h.name ? h.name : "";
    }
    return 0;
}

static int read_persons(struct api_req *req, const struct issue_req *ir, const char *earliest,
                        struct persons *p, struct kd_err *err)
{
    p->count = 0;
    if (ir->setai) {
        struct collect c = {p, NULL, 0};
        int n = residents_household_as_of(req->town, ir->setai, ir->as_of, 0, collect_member, &c,
                                          req->arena, err);
        if (n < 0)
            return -1;
        if (n == 0)
            return kd_fail(err, KD_NOT_FOUND, "setai", "the household has no members on as_of");
        if (c.over)
            return kd_fail(err, KD_INVALID_VALUE, "setai",
                           "the household has more than %d members", CERT_MAX_PERSONS);
        return fill_heads(req, ir, p, err);
    }
    struct record *named = arena_alloc(req->arena, (size_t)ir->natena * sizeof *named);
    if (!named)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    for (int i = 0; i < ir->natena; i++)
        if (read_person(req, ir, i, earliest, &named[i], err) < 0)
            return -1;
    if (ir->q.form == CERT_FORM_KOJIN) {
        for (int i = 0; i < ir->natena; i++)
            p->r[p->count++] = named[i];
        return fill_heads(req, ir, p, err);
    }
    /* 世帯連記式: one household, its members in the standard's order. */
    for (int i = 1; i < ir->natena; i++)
        if (strcmp(named[i].setai, named[0].setai) != 0) {
            char field[32];
            snprintf(field, sizeof field, "atena[%d]", i);
            return kd_fail(err, KD_INVALID_VALUE, field,
                           "%s is not in the household of atena[0] on as_of; a 世帯連記式 is of "
                           "one household (or ask for form kojin)",
                           field);
        }
    struct collect c = {p, ir, 0};
    if (residents_household_as_of(req->town, named[0].setai, ir->as_of, 0, collect_member, &c,
                                  req->arena, err) < 0)
        return -1;
    if (p->count != ir->natena)
        return kd_fail(err, KD_INTERNAL, NULL, "the household's members do not match");
    return fill_heads(req, ir, p, err);
}

/* ---- 抑止 (DV等支援措置) ----------------------------------------------------------- */

/* A certificate shows its persons' address. When one of them is protected by
 * a support measure (or lives in the household of someone who is: the same
 * address), it is refused if a measure refuses this kind of requester
 * (第三者, 公用, 本人等; docs/suppression.md), and to a role that may not
 * handle protected persons (residents suppressed) whatever the requester.
 * The refusal rolls back the transaction, then is audited as denied for
 * every person the certificate would have shown. Returns 1 when protected
 * persons are on an allowed certificate, 0 when none are, -1 when refused. */
static int check_suppression(struct api_req *req, const struct issue_req *ir,
                             const struct persons *p, bool preview, struct kd_err *err)
{
    struct supp_set protected;
    if (supp_set_load(req->town, ir->today, &protected, req->arena, err) < 0)
        return -1;
    if (protected.count == 0)
        return 0;
    unsigned block = ir->q.requester == CERT_DAISANSHA ? SUPP_B_DAISANSHA
                     : ir->q.requester == CERT_KOYO    ? SUPP_B_KOYO
                                                       : SUPP_B_HONNIN;
    const struct supp_code *blocked = NULL;
    for (int i = 0; i < supp_block_count; i++)
        if (supp_blocks[i].bit == block)
            blocked = &supp_blocks[i];
    bool may = perm_allows(req->who->role, "residents", "suppressed");
    int any = 0;
    for (int i = 0; i < p->count; i++) {
        const struct record *r = &p->r[i];
        struct supp_cover cov;
        if (!supp_set_covers(&protected, r->atena,
                             strcmp(r->status, "resident") == 0 ? r->setai : "", &cov))
            continue;
        any = 1;
        bool refused_kind = (cov.blocks & block) != 0;
        if (!refused_kind && may)
            continue;
        char field[32];
        snprintf(field, sizeof field, "setai");
        for (int k = 0; k < ir->natena; k++)
            if (strcmp(ir->atena[k], r->atena) == 0)
                snprintf(field, sizeof field, "atena[%d]", k);
        store_rollback(req->town);
        char detail[200];
        snprintf(detail, sizeof detail, "%s %s%s, %s: refused (支援措置 %lld: %s)",
                 cert_kind_label(ir->q.kind), cert_form_label(ir->q.form), preview ? " 見本" : "",
                 cert_requester_label(ir->q.requester), (long long)cov.measure,
                 refused_kind ? blocked->label : "the role may not handle protected persons");
        struct kd_err ignored;
        for (int k = 0; k < p->count; k++)
            api_audit(req, preview ? "certificate.preview" : "certificate.issue", "denied",
                      p->r[k].atena, detail, &ignored);
        if (refused_kind)
            return kd_fail(err, KD_SUPPRESSED, field,
                           "a support measure (支援措置 %lld) protects %s: it refuses %s "
                           "(住民基本台帳事務におけるDV等支援措置)",
                           (long long)cov.measure, field, blocked->code);
        return kd_fail(err, KD_SUPPRESSED, field,
                       "a support measure (支援措置 %lld) protects %s: your role may not issue "
                       "their certificates",
                       (long long)cov.measure, field);
    }
    return any;
}

/* ---- issuing ------------------------------------------------------------------------ */

/* The on-request items shown, by label, for the audit detail. */
static void options_text(unsigned shown, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < cert_item_count; i++) {
        if (!cert_items[i].on_request || !(shown & cert_items[i].bit))
            continue;
        int w = snprintf(buf + n, cap - n, "%s%s", n ? "・" : "; ", cert_items[i].label);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
}

static int issue(struct api_req *req, struct api_out *out, bool preview, struct kd_err *err)
{
    struct issue_req ir;
    if (parse_request(req, &ir, err) < 0)
        return -1;

    const char *earliest, *mayor, *wording;
    char wkey[64];
    snprintf(wkey, sizeof wkey, SET_WORDING_PREFIX "%s", cert_kind_code(ir.q.kind));
    if (settings_get(req->town, SET_EARLIEST, CERT_JOHYO_EARLIEST_DEFAULT, &earliest, req->arena,
                     err) < 0 ||
        settings_get(req->town, SET_MAYOR, "", &mayor, req->arena, err) < 0 ||
        settings_get(req->town, wkey, default_wording(ir.q.kind), &wording, req->arena, err) < 0)
        return -1;
    struct date check;
    if (date_parse_iso(earliest, strlen(earliest), SET_EARLIEST, &check, err) < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "the town setting %s is not a date", SET_EARLIEST);

    if (store_begin_write(req->town, err) < 0)
        return -1;
    struct persons *p = arena_alloc(req->arena, sizeof *p);
    if (!p)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (read_persons(req, &ir, earliest, p, err) < 0)
        return -1; /* the dispatcher rolls back */
    int protected = check_suppression(req, &ir, p, preview, err);
    if (protected < 0)
        return -1;

    struct cert_issue rec = {
        .issue_date = ir.today,
        .user_login = req->who->login,
        .request_id = req->http->request_id,
        .kind = ir.q.kind,
        .form = ir.q.form,
        .as_of = ir.as_of,
        .items = ir.shown,
        .requester = ir.q.requester,
        .requester_name = ir.requester_name,
        .purpose = ir.purpose,
        .sheets = cert_sheets(ir.q.form, p->count),
        .setai = ir.q.form == CERT_FORM_SETAI ? p->r[0].setai : "",
        .count = p->count,
    };
    char issued_at[CLOCK_ISO_LEN];
    clock_format_iso(req->now_ms, issued_at);
    rec.issued_at = issued_at;
    const char **atena = arena_alloc(req->arena, (size_t)p->count * sizeof *atena);
    if (!atena)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    for (int i = 0; i < p->count; i++)
        atena[i] = p->r[i].atena;
    rec.atena = atena;
    char number[CERT_NUMBER_CAP];
    if (!preview) {
        if (cert_issue_record(req->town, &rec, err) < 0)
            return -1;
        cert_number_text(rec.id, number);
    }

    struct cert_doc doc = {
        .kind = ir.q.kind,
        .form = ir.q.form,
        .items = ir.shown,
        .town_name = req->who->tenant_name,
        .mayor = mayor,
        .wording = wording,
        .issue_date = ir.today,
        .number = preview ? NULL : number,
        .count = p->count,
        .persons = p->r,
        .setainushi = p->head,
    };
    struct report *rep = cert_describe(req->arena, &doc, err);
    if (!rep)
        return -1;
    char *pdf = NULL;
    size_t len = 0;
    if (report_render_pdf(rep, &pdf, &len, err) < 0)
        return -1;

    char opts[160], detail[240];
    options_text(ir.shown, opts, sizeof opts);
    snprintf(detail, sizeof detail, "%s %s%s%s, %s, as of %s, %d 枚%s%s",
             cert_kind_label(ir.q.kind), cert_form_label(ir.q.form), preview ? " 見本" : " ",
             preview ? "" : number, cert_requester_label(ir.q.requester), ir.as_of, rec.sheets,
             opts, protected ? "; 支援措置の対象者を含む" : "");
    for (int i = 0; i < p->count; i++)
        if (api_audit(req, preview ? "certificate.preview" : "certificate.issue", "ok",
                      p->r[i].atena, detail, err) < 0) {
            free(pdf);
            return -1;
        }
    if (store_commit(req->town, err) < 0) {
        free(pdf);
        return -1;
    }
    if (preview)
        return api_reply_file(req, out, pdf, len, "application/pdf", "certificate-preview.pdf");
    api_reply_file(req, out, pdf, len, "application/pdf",
                   arena_printf(req->arena, "certificate-%06lld.pdf", (long long)rec.id));
    out->status = 201;
    out->location = arena_printf(req->arena, "/api/v1/certificates/%lld", (long long)rec.id);
    return 0;
}

int certificates_api_issue(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    return issue(req, out, false, err);
}

int certificates_api_preview(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    return issue(req, out, true, err);
}

/* ---- 交付履歴 ---------------------------------------------------------------------- */

static void write_issue(struct jw *w, const struct cert_issue *c)
{
    char number[CERT_NUMBER_CAP];
    cert_number_text(c->id, number);
    jw_obj(w);
    jw_kint(w, "id", c->id);
    jw_kstr(w, "number", number);
    jw_kstr(w, "issued_at", c->issued_at);
    jw_kstr(w, "issue_date", c->issue_date);
    jw_kstr(w, "user", c->user_login);
    jw_kstr(w, "kind", cert_kind_code(c->kind));
    jw_kstr(w, "kind_label", cert_kind_label(c->kind));
    jw_kstr(w, "form", cert_form_code(c->form));
    jw_kstr(w, "form_label", cert_form_label(c->form));
    jw_kstr(w, "as_of", c->as_of);
    jw_key(w, "items");
    jw_arr(w);
    for (int i = 0; i < cert_item_count; i++)
        if (c->items & cert_items[i].bit)
            jw_str(w, cert_items[i].code);
    jw_arr_end(w);
    jw_kstr(w, "requester", cert_requester_code(c->requester));
    jw_kstr(w, "requester_label", cert_requester_label(c->requester));
    jw_kstr(w, "requester_name", c->requester_name);
    jw_kstr(w, "purpose", c->purpose);
    jw_kint(w, "sheets", c->sheets);
    jw_kstr(w, "setai", c->setai);
    jw_key(w, "atena");
    jw_arr(w);
    for (int i = 0; i < c->count; i++)
        jw_str(w, c->atena[i]);
    jw_arr_end(w);
    jw_kstr(w, "request_id", c->request_id);
    jw_obj_end(w);
}

struct list_ctx {
    struct jw *w;
    int count;
    int64_t last;
};

static int list_one(void *ctx, const struct cert_issue *c)
{
    struct list_ctx *l = ctx;
    write_issue(l->w, c);
    l->count++;
    l->last = c->id;
    return 0;
}

int certificates_api_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct api_page pg;
    if (api_page_read(req, "a certificate id", &pg, err) < 0)
        return -1;
    struct list_ctx l = {api_reply(out, 200), 0, 0};
    jw_obj(l.w);
    jw_key(l.w, "items");
    jw_arr(l.w);
    if (cert_issue_list(req->town, pg.atena, pg.before, (int)pg.limit, list_one, &l, req->arena,
                        err) < 0)
        return -1;
    jw_arr_end(l.w);
    api_next_before(l.w, pg.limit, l.count, l.last);
    jw_obj_end(l.w);
    char detail[96];
    snprintf(detail, sizeof detail, "交付履歴: %d entries", l.count);
    return api_audit(req, "certificate.history", "ok", pg.atena, detail, err);
}

int certificates_api_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0)
        return -1;
    struct cert_issue c;
    if (cert_issue_get(req->town, id, &c, req->arena, err) < 0)
        return -1;
    if (store_begin_write(req->town, err) < 0)
        return -1;
    char detail[64];
    snprintf(detail, sizeof detail, "交付履歴 %lld", (long long)id);
    for (int i = 0; i < c.count; i++)
        if (api_audit(req, "certificate.history", "ok", c.atena[i], detail, err) < 0)
            return -1;
    if (store_commit(req->town, err) < 0)
        return -1;
    write_issue(api_reply(out, 200), &c);
    return 0;
}
