/*
 * api_seals.c — 印鑑登録 over HTTP (seals_api.h; docs/seals.md).
 *
 * Every read and write of a registration is audited with the registrant's
 * 宛名番号 as subject: a write's entry joins its transaction; a refused
 * certificate (a lost card presented, a wrong 生年月日) is audited as denied
 * before it is answered. The picture comes as base64 inside the JSON body
 * (the server takes JSON bodies only), is decoded and checked before the
 * write transaction starts, and is stored as uploaded.
 */
#include "seals/seals_api.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "residents/residents.h"
#include "seals/seal_cert.h"
#include "seals/seals.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void japan_today(int64_t now_ms, char out[DATE_ISO_LEN])
{
    date_format_iso(date_today_japan(now_ms), out);
}

static struct seal_actor actor(struct api_req *req, char today[DATE_ISO_LEN])
{
    japan_today(req->now_ms, today);
    struct seal_actor who = {req->who->login, req->http->request_id, req->now_ms, today};
    return who;
}

/* "12.3" (mm, one decimal) from micrometres. */
static double mm(int64_t um)
{
    return (double)((um + 50) / 100) / 10.0;
}

static int64_t dpi_of(int64_t ppm)
{
    return (ppm * 254 + 5000) / 10000;
}

/* ---- the 原票 as JSON ---------------------------------------------------------------- */

static void write_record_items(struct jw *w, const char *kind, const char *shimei,
                               const char *kyuuji, const char *tsusho, const char *birth,
                               const char *birth_text, int64_t sex, const char *address,
                               const char *katagaki)
{
    jw_obj(w);
    jw_kstr(w, "kind", kind);
    jw_kstr(w, "shimei", shimei);
    jw_kstr(w, "kyuuji", kyuuji);
    jw_kstr(w, "tsusho", tsusho);
    jw_kstr(w, "birth", birth);
    jw_kstr(w, "birth_text", birth_text);
    jw_kint(w, "sex", sex);
    jw_kstr(w, "address", address);
    jw_kstr(w, "katagaki", katagaki);
}

static void write_summary(struct jw *w, const struct seal_registration *r)
{
    enum seal_reason why;
    jw_kint(w, "id", r->id);
    jw_kstr(w, "atena", r->atena);
    jw_kstr(w, "status", r->active ? "active" : "abolished");
    jw_kstr(w, "status_label", r->active ? "登録中" : "廃止");
    jw_kstr(w, "registered_on", r->registered_on);
    jw_kstr(w, "shimei", r->shimei);
    jw_key(w, "abolished_on");
    jw_str(w, r->active ? NULL : r->abolished_on);
    jw_key(w, "abolish_reason");
    jw_str(w, r->active ? NULL : r->abolish_reason);
    jw_key(w, "abolish_reason_label");
    jw_str(w, r->active ? NULL
                        : seal_reason_parse(r->abolish_reason, &why) ? seal_reason_label(why)
                                                                      : r->abolish_reason);
    jw_key(w, "card");
    if (r->card[0]) {
        jw_obj(w);
        jw_kstr(w, "number", r->card);
        jw_kstr(w, "issued_on", r->card_issued);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
}

static int write_event(void *ctx, const struct seal_event *e)
{
    struct jw *w = ctx;
    enum seal_reason why;
    bool haishi = strcmp(e->kind, "haishi") == 0 || strcmp(e->kind, "kaifuku") == 0;
    jw_obj(w);
    jw_kint(w, "id", e->id);
    jw_kstr(w, "kind", e->kind);
    jw_kstr(w, "label", seal_event_label(e->kind, e->reason));
    jw_kstr(w, "reason", e->reason);
    jw_kstr(w, "reason_label",
            haishi && seal_reason_parse(e->reason, &why) ? seal_reason_label(why) : "");
    jw_kstr(w, "date", e->date);
    jw_kstr(w, "recorded_at", e->recorded_at);
    jw_kstr(w, "user", e->user_login);
    jw_kstr(w, "card", e->card);
    jw_key(w, "idou_id");
    if (e->idou_id)
        jw_int(w, e->idou_id);
    else
        jw_null(w);
    jw_kint(w, "fee", e->fee);
    jw_kstr(w, "note", e->note);
    jw_obj_end(w);
    return 0;
}

/* The whole 原票: the registration, the person as the register has them
 * today, and every event. */
static int write_full(struct api_req *req, struct jw *w, const struct seal_registration *r,
                      struct kd_err *err)
{
    char today[DATE_ISO_LEN];
    japan_today(req->now_ms, today);
    struct record p;
    bool have = true;
    if (residents_person_as_of(req->town, r->atena, today, 0, &p, req->arena, err) < 0) {
        if (err->code != KD_NOT_FOUND)
            return -1;
        have = false;
    }
    jw_obj(w);
    write_summary(w, r);
    jw_key(w, "registered");
    write_record_items(w, r->kind, r->shimei, r->kyuuji, r->tsusho, r->birth, r->birth_text,
                       r->sex, r->address, r->katagaki);
    jw_obj_end(w);
    jw_key(w, "person");
    if (have) {
        write_record_items(w, p.kind, p.shimei, p.kyuuji, p.tsusho, p.birth, p.birth_text, p.sex,
                           p.address, p.katagaki);
        jw_kstr(w, "shimei_kana", p.shimei_kana);
        jw_kstr(w, "alpha_name", p.alpha_name);
        jw_kstr(w, "status", p.status);
        jw_kstr(w, "removal_date", p.removal_date);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_kstr(w, "verification", seal_verification_code(r->verification));
    jw_kstr(w, "verification_label", seal_verification_label(r->verification));
    jw_kbool(w, "adult_ward", r->adult_ward);
    jw_kstr(w, "note", r->note);
    jw_kint(w, "fee", r->fee);
    jw_kstr(w, "recorded_at", r->recorded_at);
    jw_kstr(w, "user", r->user_login);
    jw_key(w, "image");
    jw_obj(w);
    jw_kstr(w, "type", seal_image_type_code(r->image_type));
    jw_kstr(w, "media_type", seal_image_media_type(r->image_type));
    jw_kint(w, "bytes", r->image_bytes);
    jw_kint(w, "width", r->width_px);
    jw_kint(w, "height", r->height_px);
    jw_kint(w, "dpi_x", dpi_of(r->ppm_x));
    jw_kint(w, "dpi_y", dpi_of(r->ppm_y));
    jw_kstr(w, "sha256", r->image_sha256);
    jw_key(w, "impression");
    jw_obj(w);
    jw_kint(w, "x", r->box.x);
    jw_kint(w, "y", r->box.y);
    jw_kint(w, "width", r->box.w);
    jw_kint(w, "height", r->box.h);
    jw_key(w, "width_mm");
    jw_real(w, mm(r->w_um));
    jw_key(w, "height_mm");
    jw_real(w, mm(r->h_um));
    jw_obj_end(w);
    jw_obj_end(w);
    jw_key(w, "events");
    jw_arr(w);
    if (seal_events(req->town, r->id, write_event, w, req->arena, err) < 0)
        return -1;
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}

/* The registration named by the path. */
static int path_seal(struct api_req *req, struct seal_registration *r, struct kd_err *err)
{
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0)
        return -1;
    return seal_get(req->town, id, r, req->arena, err);
}

/* ---- reading ------------------------------------------------------------------------- */

static const struct jfield list_query[] = {
    {"atena", JT_STRING, false, 15, false, 0, 0},
    {"status", JT_STRING, false, 10, false, 0, 0},
    {"before", JT_STRING, false, 19, false, 0, 0},
    {"limit", JT_STRING, false, 3, false, 0, 0},
};

struct list_ctx {
    struct jw *w;
    int count;
    int64_t last;
};

static int list_one(void *ctx, const struct seal_registration *r)
{
    struct list_ctx *l = ctx;
    jw_obj(l->w);
    write_summary(l->w, r);
    jw_obj_end(l->w);
    l->count++;
    l->last = r->id;
    return 0;
}

int seals_api_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[4];
    if (api_query(req, list_query, 4, v, err) < 0)
        return -1;
    struct api_page pg;
    if (api_page_query(&v[0], &v[2], &v[3], "a registration id", &pg, err) < 0)
        return -1;
    bool active_only = false;
    if (v[1].present) {
        if (strcmp(v[1].s, "active") == 0)
            active_only = true;
        else if (strcmp(v[1].s, "all") != 0)
            return kd_fail(err, KD_INVALID_VALUE, "status", "status must be active or all");
    }
    struct list_ctx l = {api_reply(out, 200), 0, 0};
    jw_obj(l.w);
    jw_key(l.w, "items");
    jw_arr(l.w);
    if (seal_list(req->town, pg.atena, active_only, pg.before, (int)pg.limit, list_one, &l,
                  req->arena, err) < 0)
        return -1;
    jw_arr_end(l.w);
    api_next_before(l.w, pg.limit, l.count, l.last);
    jw_obj_end(l.w);
    char detail[96];
    snprintf(detail, sizeof detail, "印鑑登録一覧: %d entries", l.count);
    return api_audit(req, "seal.list", "ok", pg.atena, detail, err);
}

int seals_api_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct seal_registration r;
    if (path_seal(req, &r, err) < 0 || write_full(req, api_reply(out, 200), &r, err) < 0)
        return -1;
    char detail[64];
    snprintf(detail, sizeof detail, "印鑑登録原票 %lld", (long long)r.id);
    return api_audit(req, "seal.read", "ok", r.atena, detail, err);
}

int seals_api_image(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct seal_registration r;
    if (path_seal(req, &r, err) < 0)
        return -1;
    const unsigned char *data;
    size_t len;
    enum seal_image_type type;
    if (seal_image_bytes(req->town, r.id, &data, &len, &type, req->arena, err) < 0)
        return -1;
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    memcpy(copy, data, len);
    char detail[64];
    snprintf(detail, sizeof detail, "印影 %lld", (long long)r.id);
    if (api_audit(req, "seal.image", "ok", r.atena, detail, err) < 0) {
        free(copy);
        return -1;
    }
    return api_reply_file(req, out, copy, len, seal_image_media_type(type), NULL);
}

/* ---- registering --------------------------------------------------------------------- */

/* A picture of at most SEAL_IMAGE_BYTES_CEILING bytes, in base64. */
#define IMAGE_B64_MAX (SEAL_IMAGE_BYTES_CEILING / 3 * 4 + 4)

static const struct jfield register_spec[] = {
    {"atena", JT_STRING, true, 15, false, 0, 0},
    {"image", JT_STRING, true, IMAGE_B64_MAX, false, 0, 0},
    {"dpi", JT_INT, false, 0, false, 50, 9600},
    {"verification", JT_STRING, true, 16, false, 0, 0},
    {"adult_ward", JT_BOOL, false, 0, false, 0, 0},
    {"with_representative", JT_BOOL, false, 0, false, 0, 0},
    {"note", JT_STRING, false, 200, false, 0, 0},
};
enum { R_ATENA, R_IMAGE, R_DPI, R_VERIFY, R_WARD, R_REP, R_NOTE, R_COUNT };

/* Decodes base64 (RFC 4648, standard alphabet, padded) into a malloc'd
 * buffer. */
static int base64_image(const char *b64, size_t len, unsigned char **out, size_t *n,
                        struct kd_err *err)
{
    size_t cap = len / 4 * 3 + 3;
    unsigned char *buf = malloc(cap ? cap : 1);
    if (!buf)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    const char *end = NULL;
    if (len == 0 || sodium_base642bin(buf, cap, b64, len, NULL, n, &end,
                                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != b64 + len) {
        free(buf);
        return kd_fail(err, KD_INVALID_VALUE, "image",
                       "image must be the picture file's bytes in base64 (RFC 4648, with "
                       "padding; no data: prefix)");
    }
    *out = buf;
    return 0;
}

int seals_api_register(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[R_COUNT];
    if (api_body(req, register_spec, R_COUNT, v, err) < 0)
        return -1;
    if (!api_is_number(v[R_ATENA].s, v[R_ATENA].len))
        return kd_fail(err, KD_INVALID_VALUE, "atena", "atena must be a 宛名番号 (digits)");
    struct seal_application app = {
        .atena = v[R_ATENA].s,
        .dpi = v[R_DPI].present ? v[R_DPI].i : 0,
        .adult_ward = v[R_WARD].present && v[R_WARD].b,
        .with_representative = v[R_REP].present && v[R_REP].b,
        .note = v[R_NOTE].present ? v[R_NOTE].s : "",
    };
    if (!seal_verification_parse(v[R_VERIFY].s, &app.verification))
        return kd_fail(err, KD_INVALID_VALUE, "verification",
                       "verification must be photo_id (顔写真付き証明書), guarantor (保証書) or "
                       "inquiry (照会書・回答書)");
    if (v[R_REP].present && v[R_REP].b && !app.adult_ward)
        return kd_fail(err, KD_INVALID_VALUE, "with_representative",
                       "with_representative is for a 成年被後見人 (adult_ward)");
    struct seal_settings s;
    if (seal_settings_load(req->town, &s, req->arena, err) < 0)
        return -1;
    unsigned char *image = NULL;
    if (base64_image(v[R_IMAGE].s, v[R_IMAGE].len, &image, &app.image_len, err) < 0)
        return -1;
    app.image = image;
    /* Decoding and measuring happen before the write lock is taken. */
    struct seal_measure m;
    int rc = seal_measure_image(&s, image, app.image_len, app.dpi, &m, err);
    char today[DATE_ISO_LEN];
    struct seal_actor who = actor(req, today);
    struct seal_registered reg;
    if (rc == 0)
        rc = store_begin_write(req->town, err);
    if (rc == 0)
        rc = seals_register(req->town, &s, &app, &m, &who, &reg, req->arena, err);
    free(image);
    if (rc < 0)
        return -1; /* the dispatcher rolls back */
    char detail[200];
    snprintf(detail, sizeof detail, "登録番号 %lld, 印影 %.1f x %.1f mm, 本人確認 %s%s",
             (long long)reg.id, mm(m.w_um), mm(m.h_um), seal_verification_label(app.verification),
             app.adult_ward ? ", 成年被後見人 (法定代理人同行)" : "");
    if (api_audit(req, "seal.register", "ok", app.atena, detail, err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    struct seal_registration r;
    if (seal_get(req->town, reg.id, &r, req->arena, err) < 0 ||
        write_full(req, api_reply(out, 201), &r, err) < 0)
        return -1;
    out->location = arena_printf(req->arena, "/api/v1/seals/%lld", (long long)reg.id);
    return 0;
}

/* ---- card and abolition ------------------------------------------------------------------ */

static const struct jfield loss_spec[] = {
    {"lost_on", JT_STRING, false, 10, false, 0, 0},
    {"note", JT_STRING, false, 200, false, 0, 0},
};
static const struct jfield reissue_spec[] = {
    {"note", JT_STRING, false, 200, false, 0, 0},
};
static const struct jfield abolish_spec[] = {
    {"reason", JT_STRING, true, 16, false, 0, 0},
    {"note", JT_STRING, false, 200, false, 0, 0},
};

enum change { CH_LOSS, CH_REISSUE, CH_ABOLISH };

static int change(struct api_req *req, struct api_out *out, enum change what,
                  struct kd_err *err)
{
    struct jvalue v[2];
    const struct jfield *spec = what == CH_LOSS      ? loss_spec
                                : what == CH_REISSUE ? reissue_spec
                                                     : abolish_spec;
    size_t n = what == CH_REISSUE ? 1 : 2;
    if (api_body(req, spec, n, v, err) < 0)
        return -1;
    struct seal_registration r;
    if (path_seal(req, &r, err) < 0)
        return -1;
    struct seal_settings s;
    if (seal_settings_load(req->town, &s, req->arena, err) < 0)
        return -1;
    char today[DATE_ISO_LEN];
    struct seal_actor who = actor(req, today);
    const char *note = v[n - 1].present ? v[n - 1].s : "";
    char detail[200];
    const char *action;
    if (store_begin_write(req->town, err) < 0)
        return -1;
    if (what == CH_LOSS) {
        const char *lost_on = v[0].present ? v[0].s : NULL;
        if (seal_card_loss(req->town, &s, r.id, lost_on, note, &who, err) < 0)
            return -1;
        action = "seal.card_loss";
        snprintf(detail, sizeof detail, "登録番号 %lld: 印鑑登録証の亡失 (%s)%s", (long long)r.id,
                 lost_on ? lost_on : today, s.loss_abolishes ? "; 登録廃止" : "");
    } else if (what == CH_REISSUE) {
        char card[SEAL_CARD_LEN];
        if (seal_card_reissue(req->town, &s, r.id, note, &who, card, err) < 0)
            return -1;
        action = "seal.card_issue";
        snprintf(detail, sizeof detail, "登録番号 %lld: 印鑑登録証の再交付%s", (long long)r.id,
                 r.card[0] ? " (旧証の返納)" : "");
    } else {
        enum seal_reason why;
        if (!seal_reason_parse(v[0].s, &why))
            return kd_fail(err, KD_INVALID_VALUE, "reason",
                           "reason must be shinsei (登録者の申請) or shokken (職権)");
        if (seal_abolish(req->town, r.id, why, note, &who, err) < 0)
            return -1;
        action = "seal.abolish";
        snprintf(detail, sizeof detail, "登録番号 %lld: 廃止 (%s)", (long long)r.id,
                 seal_reason_label(why));
    }
    if (api_audit(req, action, "ok", r.atena, detail, err) < 0 ||
        store_commit(req->town, err) < 0)
        return -1;
    if (seal_get(req->town, r.id, &r, req->arena, err) < 0)
        return -1;
    return write_full(req, api_reply(out, 200), &r, err);
}

int seals_api_card_loss(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    return change(req, out, CH_LOSS, err);
}

int seals_api_reissue(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    return change(req, out, CH_REISSUE, err);
}

int seals_api_abolish(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    return change(req, out, CH_ABOLISH, err);
}

/* ---- 印鑑登録証明書 ------------------------------------------------------------------------- */

static const struct jfield cert_spec[] = {
    {"card_number", JT_STRING, true, 16, false, 0, 0},
    {"birth", JT_STRING, true, 10, false, 0, 0},
    {"requester_name", JT_STRING, false, 100, false, 0, 0},
};

/* Checks what the applicant presents (the card, the registrant's 生年月日)
 * against the register: the registration in force and the person today. */
static int check_presented(struct api_req *req, const char *card, const char *birth,
                           const char *today, struct seal_registration *reg, struct record *p,
                           struct kd_err *err)
{
    int64_t id;
    if (seal_by_card(req->town, card, &id, err) < 0) {
        reg->atena = NULL;
        if (id > 0 && (err->code == KD_CONFLICT || err->code == KD_NOT_FOUND)) {
            struct kd_err e2;
            struct seal_registration r;
            if (seal_get(req->town, id, &r, req->arena, &e2) == 0)
                reg->atena = r.atena;
        }
        return -1;
    }
    if (seal_get(req->town, id, reg, req->arena, err) < 0)
        return -1;
    if (residents_person_as_of(req->town, reg->atena, today, 0, p, req->arena, err) < 0)
        return err->code == KD_NOT_FOUND
                   ? kd_fail(err, KD_CONFLICT, "card_number",
                             "the registrant has no record in the register today")
                   : -1;
    if (strcmp(p->status, "resident") != 0)
        return kd_fail(err, KD_CONFLICT, "card_number", "the registrant is not a resident");
    if (strcmp(p->birth, birth) != 0)
        return kd_fail(err, KD_INVALID_VALUE, "birth",
                       "the 生年月日 given is not the registrant's: check it with the applicant");
    return 0;
}

static void audit_refusal(struct api_req *req, const char *atena, const struct kd_err *why)
{
    char detail[200];
    snprintf(detail, sizeof detail, "印鑑登録証明書: refused (%s: %s)", why->field,
             why->code == KD_NOT_FOUND ? "unknown card" : kd_code_name(why->code));
    struct kd_err ignored;
    api_audit(req, "seal.certificate", "denied", atena, detail, &ignored);
}

int seals_api_certificate(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[3];
    if (api_body(req, cert_spec, 3, v, err) < 0)
        return -1;
    const char *card = v[0].s;
    if (!seal_card_valid(card, v[0].len))
        return kd_fail(err, KD_INVALID_VALUE, "card_number",
                       "card_number is the 8 digits of the 印鑑登録証 (the last is a check digit)");
    struct date bd;
    if (date_parse_iso(v[1].s, v[1].len, "birth", &bd, err) < 0)
        return -1;
    struct seal_settings s;
    if (seal_settings_load(req->town, &s, req->arena, err) < 0)
        return -1;
    char today[DATE_ISO_LEN];
    japan_today(req->now_ms, today);

    /* Refusals are audited (outside any transaction, so the entry stays). */
    struct seal_registration reg;
    struct record p;
    if (check_presented(req, card, v[1].s, today, &reg, &p, err) < 0) {
        if (err->code != KD_INTERNAL && err->code != KD_UNAVAILABLE)
            audit_refusal(req, reg.atena, err);
        return -1;
    }

    if (store_begin_write(req->town, err) < 0)
        return -1;
    /* Again inside the transaction: the card may have been reported lost
     * in between. */
    if (check_presented(req, card, v[1].s, today, &reg, &p, err) < 0)
        return -1;
    const unsigned char *data;
    size_t len;
    enum seal_image_type type;
    if (seal_image_bytes(req->town, reg.id, &data, &len, &type, req->arena, err) < 0)
        return -1;
    struct seal_image_limits lim = {SEAL_IMAGE_BYTES_CEILING, SEAL_IMAGE_SIDE_CEILING};
    struct seal_image img;
    if (seal_image_decode(data, len, &lim, true, "image", &img, err) < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "the registered picture %lld cannot be decoded",
                       (long long)reg.id);
    struct report_picture pic;
    int rc = seal_cert_picture(&img, reg.box, reg.ppm_x, reg.ppm_y, &pic, err);
    seal_image_release(&img);
    if (rc < 0)
        return -1;

    char issued_at[CLOCK_ISO_LEN];
    clock_format_iso(req->now_ms, issued_at);
    struct seal_certificate c = {
        .issued_at = issued_at,
        .issue_date = today,
        .user_login = req->who->login,
        .request_id = req->http->request_id,
        .registration_id = reg.id,
        .atena = reg.atena,
        .card = card,
        .fee = s.fee_certificate,
        .requester_name = v[2].present ? v[2].s : "",
    };
    char number[40];
    char *pdf = NULL;
    size_t pdf_len = 0;
    struct arena work;
    arena_init(&work, NULL, 0, (size_t)64 << 20);
    rc = seal_certificate_record(req->town, &c, err);
    if (rc == 0) {
        snprintf(number, sizeof number, "第%06lld号", (long long)c.id);
        struct seal_cert_doc doc = {
            .town_name = req->who->tenant_name,
            .mayor = s.mayor,
            .wording = s.wording,
            .issue_date = today,
            .number = number,
            .person = &p,
            .show_sex = s.show_sex,
            .pic = pic,
            .box_mm = (double)s.max_mm + 5,
        };
        struct report *rep = seal_cert_describe(&work, &doc, err);
        rc = rep ? report_render_pdf(rep, &pdf, &pdf_len, err) : -1;
    }
    arena_release(&work);
    free((void *)pic.rgba);
    if (rc < 0)
        return -1;
    char detail[160];
    snprintf(detail, sizeof detail, "印鑑登録証明書 %s, 登録番号 %lld", number, (long long)reg.id);
    if (api_audit(req, "seal.certificate", "ok", reg.atena, detail, err) < 0 ||
        store_commit(req->town, err) < 0) {
        free(pdf);
        return -1;
    }
    api_reply_file(req, out, pdf, pdf_len, "application/pdf",
                   arena_printf(req->arena, "seal-certificate-%06lld.pdf", (long long)c.id));
    out->status = 201;
    out->location = arena_printf(req->arena, "/api/v1/seal-certificates/%lld", (long long)c.id);
    return 0;
}

static void write_cert(struct jw *w, const struct seal_certificate *c)
{
    char number[40];
    snprintf(number, sizeof number, "第%06lld号", (long long)c->id);
    jw_obj(w);
    jw_kint(w, "id", c->id);
    jw_kstr(w, "number", number);
    jw_kstr(w, "issued_at", c->issued_at);
    jw_kstr(w, "issue_date", c->issue_date);
    jw_kstr(w, "user", c->user_login);
    jw_kint(w, "registration_id", c->registration_id);
    jw_kstr(w, "atena", c->atena);
    jw_kstr(w, "card_number", c->card);
    jw_kint(w, "fee", c->fee);
    jw_kstr(w, "requester_name", c->requester_name);
    jw_kstr(w, "request_id", c->request_id);
    jw_obj_end(w);
}

struct cert_list {
    struct jw *w;
    int count;
    int64_t last;
};

static int cert_one(void *ctx, const struct seal_certificate *c)
{
    struct cert_list *l = ctx;
    write_cert(l->w, c);
    l->count++;
    l->last = c->id;
    return 0;
}

int seals_api_certificate_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct api_page pg;
    if (api_page_read(req, "a certificate id", &pg, err) < 0)
        return -1;
    struct cert_list l = {api_reply(out, 200), 0, 0};
    jw_obj(l.w);
    jw_key(l.w, "items");
    jw_arr(l.w);
    if (seal_certificate_list(req->town, pg.atena, pg.before, (int)pg.limit, cert_one, &l,
                              req->arena, err) < 0)
        return -1;
    jw_arr_end(l.w);
    api_next_before(l.w, pg.limit, l.count, l.last);
    jw_obj_end(l.w);
    char detail[96];
    snprintf(detail, sizeof detail, "印鑑登録証明書 交付履歴: %d entries", l.count);
    return api_audit(req, "seal.certificate_history", "ok", pg.atena, detail, err);
}

int seals_api_certificate_get(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    int64_t id;
    if (api_param_id(req, "id", &id, err) < 0)
        return -1;
    struct seal_certificate c;
    if (seal_certificate_get(req->town, id, &c, req->arena, err) < 0)
        return -1;
    char detail[64];
    snprintf(detail, sizeof detail, "印鑑登録証明書 交付履歴 %lld", (long long)id);
    if (api_audit(req, "seal.certificate_history", "ok", c.atena, detail, err) < 0)
        return -1;
    write_cert(api_reply(out, 200), &c);
    return 0;
}
