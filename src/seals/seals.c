/*
 * seals.c — the rules of 印鑑登録: settings, what a picture must be, who may
 * register, the card's life (交付, 亡失, 再交付), 廃止 and its automatic
 * form on the owner's removal from the register (seals.h, docs/seals.md).
 *
 * The national 「印鑑登録証明事務処理要領」 (自治省, 1974) has not been seen;
 * municipalities publish what they follow from it (resident-registry.md §12):
 * a resident aged 15 or over, one seal per person, an impression between 8
 * and 25 mm square, 成年被後見人 with the legal representative present (要領
 * R2.3). Each municipality's 印鑑条例 governs, so every figure is a town
 * setting with that default.
 */
#include "seals/internal.h"

#include "base/clock.h"
#include "base/date.h"
#include "base/text.h"
#include "engine/settings.h"
#include "residents/residents.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* ---- codes -------------------------------------------------------------------------- */

static const struct {
    const char *code, *label;
} verifications[] = {
    [SEAL_VERIFY_PHOTO_ID] = {"photo_id", "官公署発行の顔写真付き証明書"},
    [SEAL_VERIFY_GUARANTOR] = {"guarantor", "保証書"},
    [SEAL_VERIFY_INQUIRY] = {"inquiry", "照会書・回答書"},
};

bool seal_verification_parse(const char *s, enum seal_verification *out)
{
    for (size_t i = 0; i < sizeof verifications / sizeof verifications[0]; i++)
        if (strcmp(s, verifications[i].code) == 0) {
            *out = (enum seal_verification)i;
            return true;
        }
    return false;
}

const char *seal_verification_code(enum seal_verification v)
{
    return (unsigned)v < 3 ? verifications[v].code : "";
}

const char *seal_verification_label(enum seal_verification v)
{
    return (unsigned)v < 3 ? verifications[v].label : "";
}

static const struct {
    const char *code, *label;
} reasons[] = {
    [SEAL_REASON_SHINSEI] = {"shinsei", "登録者の申請"},
    [SEAL_REASON_SHOKKEN] = {"shokken", "職権"},
    [SEAL_REASON_TENSHUTSU] = {"tenshutsu", "転出"},
    [SEAL_REASON_SHIBOU] = {"shibou", "死亡"},
    [SEAL_REASON_SHOJO] = {"shojo", "住民票の消除"},
    [SEAL_REASON_BOUSHITSU] = {"boushitsu", "印鑑登録証の亡失"},
};
#define REASON_COUNT (sizeof reasons / sizeof reasons[0])

bool seal_reason_parse(const char *s, enum seal_reason *out)
{
    for (size_t i = 0; i < REASON_COUNT; i++)
        if (strcmp(s, reasons[i].code) == 0) {
            *out = (enum seal_reason)i;
            return true;
        }
    return false;
}

const char *seal_reason_code(enum seal_reason r)
{
    return (unsigned)r < REASON_COUNT ? reasons[r].code : "";
}

const char *seal_reason_label(enum seal_reason r)
{
    return (unsigned)r < REASON_COUNT ? reasons[r].label : "";
}

const char *seal_event_label(const char *kind, const char *reason)
{
    if (strcmp(kind, "toroku") == 0)
        return "登録";
    if (strcmp(kind, "card_issue") == 0)
        return strcmp(reason, "reissue") == 0 ? "印鑑登録証の再交付" : "印鑑登録証の交付";
    if (strcmp(kind, "card_loss") == 0)
        return "印鑑登録証の亡失";
    if (strcmp(kind, "card_return") == 0)
        return "印鑑登録証の返納（引換え）";
    if (strcmp(kind, "haishi") == 0)
        return "廃止";
    if (strcmp(kind, "kaifuku") == 0)
        return "回復（消除の取消し・訂正）";
    return kind;
}

/* ---- settings ----------------------------------------------------------------------- */

#define DEFAULT_WORDING "この写しは、登録されている印影と相違ないことを証明します。"

static int int_setting(struct store *town, const char *key, int64_t def, int64_t min,
                       int64_t max, int64_t *out, struct kd_err *err)
{
    if (settings_get_int(town, key, def, min, max, out, err) == 0)
        return 0;
    if (err->code == KD_INVALID_VALUE)
        return kd_fail(err, KD_INTERNAL, NULL, "the town setting %s is not valid: %s", key,
                       err->message);
    return -1;
}

int seal_settings_load(struct store *town, struct seal_settings *s, struct arena *a,
                       struct kd_err *err)
{
    memset(s, 0, sizeof *s);
    int64_t loss = 0, sex = 1;
    const char *ward;
    if (int_setting(town, "seals.min_age", 15, 0, 150, &s->min_age, err) < 0 ||
        int_setting(town, "seals.impression_min_mm", 8, 1, 100, &s->min_mm, err) < 0 ||
        int_setting(town, "seals.impression_max_mm", 25, 1, 200, &s->max_mm, err) < 0 ||
        int_setting(town, "seals.image_max_bytes", 512 * 1024, 1024,
                    (int64_t)SEAL_IMAGE_BYTES_CEILING, &s->image_max_bytes, err) < 0 ||
        int_setting(town, "seals.image_max_side", 2400, 16, SEAL_IMAGE_SIDE_CEILING,
                    &s->image_max_side, err) < 0 ||
        int_setting(town, "seals.image_min_dpi", 200, 50, 4800, &s->min_dpi, err) < 0 ||
        int_setting(town, "seals.loss_abolishes", 0, 0, 1, &loss, err) < 0 ||
        int_setting(town, "seals.fee.registration", 300, 0, 100000, &s->fee_registration, err) <
            0 ||
        int_setting(town, "seals.fee.card", 300, 0, 100000, &s->fee_card, err) < 0 ||
        int_setting(town, "seals.fee.certificate", 300, 0, 100000, &s->fee_certificate, err) <
            0 ||
        int_setting(town, "seals.certificate.show_sex", 1, 0, 1, &sex, err) < 0 ||
        settings_get(town, "seals.adult_ward", "with_representative", &ward, a, err) < 0 ||
        settings_get(town, "seals.certificate.wording", DEFAULT_WORDING, &s->wording, a, err) <
            0 ||
        settings_get(town, "certificates.mayor", "", &s->mayor, a, err) < 0)
        return -1;
    if (s->min_mm >= s->max_mm)
        return kd_fail(err, KD_INTERNAL, NULL,
                       "the town settings seals.impression_min_mm and _max_mm are reversed");
    if (strcmp(ward, "with_representative") == 0)
        s->ward = SEAL_WARD_WITH_REPRESENTATIVE;
    else if (strcmp(ward, "refuse") == 0)
        s->ward = SEAL_WARD_REFUSE;
    else
        return kd_fail(err, KD_INTERNAL, NULL,
                       "the town setting seals.adult_ward must be with_representative or refuse");
    s->loss_abolishes = loss != 0;
    s->show_sex = sex != 0;
    return 0;
}

/* ---- the picture ---------------------------------------------------------------------- */

/* "12.3" from micrometres (tenths of a millimetre, rounded). */
static void mm_text(int64_t um, char *buf, size_t cap)
{
    int64_t t = (um + 50) / 100;
    snprintf(buf, cap, "%lld.%lld", (long long)(t / 10), (long long)(t % 10));
}

int seal_measure_image(const struct seal_settings *s, const unsigned char *data, size_t len,
                       int64_t dpi, struct seal_measure *m, struct kd_err *err)
{
    memset(m, 0, sizeof *m);
    struct seal_image_limits lim = {(size_t)s->image_max_bytes, (int)s->image_max_side};
    if (seal_image_decode(data, len, &lim, true, "image", &m->img, err) < 0)
        return -1;
    int rc = -1;
    if (!seal_image_ink_box(&m->img, &m->box)) {
        kd_fail(err, KD_INVALID_VALUE, "image",
                "the picture shows no impression (no ink on it: blank or too faint)");
        goto out;
    }
    const char *field = dpi > 0 ? "dpi" : "image";
    if (dpi > 0) {
        m->ppm_x = m->ppm_y = seal_ppm_from_dpi(dpi);
    } else if (m->img.ppm_x > 0 && m->img.ppm_y > 0) {
        m->ppm_x = m->img.ppm_x;
        m->ppm_y = m->img.ppm_y;
    } else {
        kd_fail(err, KD_MISSING_FIELD, "dpi",
                "the picture does not state its resolution: give the scan's dpi");
        goto out;
    }
    int64_t min = seal_ppm_from_dpi(s->min_dpi), max = seal_ppm_from_dpi(9600);
    int64_t low = m->ppm_x < m->ppm_y ? m->ppm_x : m->ppm_y;
    if (low < min) {
        kd_fail(err, KD_INVALID_VALUE, field,
                "the scan is %lld dpi; an impression is registered from at least %lld dpi",
                (long long)((low * 254 + 5000) / 10000), (long long)s->min_dpi);
        goto out;
    }
    if (m->ppm_x > max || m->ppm_y > max) {
        kd_fail(err, KD_INVALID_VALUE, field, "the resolution is more than 9600 dpi");
        goto out;
    }
    m->w_um = seal_um(m->box.w, m->ppm_x);
    m->h_um = seal_um(m->box.h, m->ppm_y);
    int64_t longer = m->w_um > m->h_um ? m->w_um : m->h_um;
    char w[16], h[16];
    mm_text(m->w_um, w, sizeof w);
    mm_text(m->h_um, h, sizeof h);
    /* 要領 (as municipalities publish it): not registered when the impression
     * fits in a square of 8 mm a side, or does not fit in one of 25 mm. */
    if (longer <= s->min_mm * 1000) {
        kd_fail(err, KD_INVALID_VALUE, "image",
                "the impression measures %s x %s mm: it fits in a %lld mm square, the "
                "smallest a registered seal may not",
                w, h, (long long)s->min_mm);
        goto out;
    }
    if (m->w_um > s->max_mm * 1000 || m->h_um > s->max_mm * 1000) {
        kd_fail(err, KD_INVALID_VALUE, "image",
                "the impression measures %s x %s mm: it does not fit in a %lld mm square",
                w, h, (long long)s->max_mm);
        goto out;
    }
    rc = 0;
out:
    seal_image_release(&m->img);
    return rc;
}

/* ---- registration ------------------------------------------------------------------------ */

static void now_iso(const struct seal_actor *who, char buf[CLOCK_ISO_LEN])
{
    clock_format_iso(who->now_ms, buf);
}

static int is_date(const char *s, const char *field, struct date *d, struct kd_err *err)
{
    return date_parse_iso(s, strlen(s), field, d, err);
}

static int register_tx(struct store *town, const struct seal_settings *s,
                       const struct seal_application *app, const struct seal_actor *who,
                       const struct seal_measure *m, const char *sha, const char *day,
                       struct seal_registered *out, struct arena *a, struct kd_err *err)
{
    struct record p;
    if (residents_person_as_of(town, app->atena, day, 0, &p, a, err) < 0)
        return err->code == KD_NOT_FOUND
                   ? kd_fail(err, KD_NOT_FOUND, "atena",
                             "no person with this 宛名番号 is in the register on %s", day)
                   : -1;
    if (strcmp(p.status, "resident") != 0)
        return kd_fail(err, KD_CONFLICT, "atena",
                       "the person's record is a 除票 (removed %s): only a resident registers a "
                       "seal",
                       p.removal_date);
    struct date birth, on, reached;
    if (is_date(day, "registered_on", &on, err) < 0)
        return -1;
    if (is_date(p.birth, "birth", &birth, err) < 0)
        return kd_fail(err, KD_CONFLICT, "atena",
                       "the person's 生年月日 is not a date: the age cannot be checked");
    if (!date_has_reached_age(birth, (int)s->min_age, on)) {
        char when[DATE_ISO_LEN] = "";
        struct kd_err ignored;
        if (date_reaches_age(birth, (int)s->min_age, &reached, &ignored) == 0)
            date_format_iso(reached, when);
        return kd_fail(err, KD_CONFLICT, "atena",
                       "the person is under %lld: a seal is registered from the day the person "
                       "reaches %lld (%s)",
                       (long long)s->min_age, (long long)s->min_age, when);
    }
    if (app->adult_ward) {
        if (s->ward == SEAL_WARD_REFUSE)
            return kd_fail(err, KD_CONFLICT, "adult_ward",
                           "this town does not register the seal of a 成年被後見人 "
                           "(setting seals.adult_ward)");
        if (!app->with_representative)
            return kd_fail(err, KD_INVALID_VALUE, "with_representative",
                           "a 成年被後見人 registers with the 法定代理人 present "
                           "(印鑑登録証明事務処理要領, R2.3)");
    }
    int64_t other;
    int has = seal_current_of(town, app->atena, &other, err);
    if (has < 0)
        return -1;
    if (has)
        return kd_fail(err, KD_CONFLICT, "atena",
                       "the person already has seal registration %lld in force (one seal per "
                       "person): abolish it first",
                       (long long)other);
    has = seal_db_image_in_force(town, sha, app->atena, &other, err);
    if (has < 0)
        return -1;
    if (has)
        return kd_fail(err, KD_CONFLICT, "image",
                       "the same picture is registered for another person (registration %lld); "
                       "a seal registered by someone else cannot be registered",
                       (long long)other);

    char at[CLOCK_ISO_LEN];
    now_iso(who, at);
    struct seal_row row = {
        .atena = app->atena,
        .registered_on = day,
        .recorded_at = at,
        .user_login = who->user_login,
        .request_id = who->request_id,
        .person = &p,
        .verification = app->verification,
        .adult_ward = app->adult_ward,
        .note = app->note,
        .fee = s->fee_registration,
        .image = app->image,
        .image_len = app->image_len,
        .image_sha256 = sha,
        .m = m,
    };
    if (seal_db_insert_registration(town, &row, &out->id, err) < 0)
        return -1;
    struct seal_event e = {.kind = "toroku", .date = day, .recorded_at = at,
                           .user_login = who->user_login, .request_id = who->request_id,
                           .fee = s->fee_registration, .note = app->note};
    if (seal_db_insert_event(town, &e, out->id, err) < 0)
        return -1;
    int64_t serial;
    if (seal_db_next_card(town, out->card, &serial, err) < 0)
        return -1;
    struct seal_event c = {.kind = "card_issue", .date = day, .recorded_at = at,
                           .user_login = who->user_login, .request_id = who->request_id,
                           .card = out->card};
    if (seal_db_insert_event(town, &c, out->id, err) < 0 ||
        seal_db_insert_card(town, out->card, serial, out->id, day, c.id, err) < 0)
        return -1;
    return seal_db_current_insert(town, app->atena, out->id, out->card, err);
}

int seals_register(struct store *town, const struct seal_settings *s,
                   const struct seal_application *app, const struct seal_measure *measured,
                   const struct seal_actor *who, struct seal_registered *out, struct arena *a,
                   struct kd_err *err)
{
    memset(out, 0, sizeof *out);
    const char *day = app->registered_on ? app->registered_on : who->today;
    if (app->registered_on && strcmp(app->registered_on, who->today) > 0)
        return kd_fail(err, KD_INVALID_VALUE, "registered_on", "registered_on is after today");
    struct seal_measure m;
    if (measured)
        m = *measured;
    else if (seal_measure_image(s, app->image, app->image_len, app->dpi, &m, err) < 0)
        return -1;
    unsigned char hash[crypto_hash_sha256_BYTES];
    char sha[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(hash, app->image, app->image_len);
    text_hex(hash, sizeof hash, sha);

    bool own = !store_in_transaction(town);
    if (own && store_begin_write(town, err) < 0)
        return -1;
    if (register_tx(town, s, app, who, &m, sha, day, out, a, err) < 0) {
        if (own)
            store_rollback(town);
        return -1;
    }
    return own ? store_commit(town, err) : 0;
}

/* ---- changes --------------------------------------------------------------------------- */

/* The registration in force (atena, card), or why not: KD_NOT_FOUND "id", or
 * KD_CONFLICT "id" when abolished. */
static int in_force(struct store *town, int64_t id, const char **atena, const char **card,
                    struct arena *a, struct kd_err *err)
{
    int r = seal_db_current_by_id(town, id, atena, card, a, err);
    if (r < 0)
        return -1;
    if (r == 1)
        return 0;
    struct seal_registration reg;
    if (seal_get(town, id, &reg, a, err) < 0)
        return -1;
    const char *code = reg.abolish_reason;
    enum seal_reason why;
    return kd_fail(err, KD_CONFLICT, "id", "seal registration %lld was abolished on %s (%s)",
                   (long long)id, reg.abolished_on,
                   seal_reason_parse(code, &why) ? seal_reason_label(why) : code);
}

int seal_do_abolish(struct store *town, int64_t id, enum seal_reason reason, const char *date,
                    int64_t idou_id, const char *note, const struct seal_actor *who,
                    struct kd_err *err)
{
    char buf[512];
    struct arena a;
    arena_init(&a, buf, sizeof buf, 4096);
    const char *atena, *card;
    int r = seal_db_current_by_id(town, id, &atena, &card, &a, err);
    if (r == 0)
        r = kd_fail(err, KD_INTERNAL, NULL, "registration %lld is not in force", (long long)id);
    char at[CLOCK_ISO_LEN];
    now_iso(who, at);
    struct seal_event e = {.kind = "haishi", .reason = seal_reason_code(reason), .date = date,
                           .recorded_at = at, .user_login = who->user_login,
                           .request_id = who->request_id, .card = r > 0 ? card : "",
                           .idou_id = idou_id, .note = note};
    if (r > 0 && (seal_db_current_delete(town, id, err) < 0 ||
                  seal_db_insert_event(town, &e, id, err) < 0))
        r = -1;
    arena_release(&a);
    return r < 0 ? -1 : 0;
}

/* Runs fn inside a write transaction (the caller's, or its own). */
#define IN_TX(town, err, call)                                                                 \
    do {                                                                                       \
        bool own_ = !store_in_transaction(town);                                               \
        if (own_ && store_begin_write(town, err) < 0)                                          \
            return -1;                                                                         \
        if ((call) < 0) {                                                                      \
            if (own_)                                                                          \
                store_rollback(town);                                                          \
            return -1;                                                                         \
        }                                                                                      \
        return own_ ? store_commit(town, err) : 0;                                             \
    } while (0)

struct loss_args {
    const struct seal_settings *s;
    int64_t id;
    const char *lost_on, *note;
    const struct seal_actor *who;
};

static int card_loss_tx(struct store *town, const struct loss_args *l, struct kd_err *err)
{
    char buf[1024];
    struct arena a;
    arena_init(&a, buf, sizeof buf, 64 << 10);
    const char *atena, *card;
    int rc = in_force(town, l->id, &atena, &card, &a, err);
    if (rc == 0 && !card[0])
        rc = kd_fail(err, KD_CONFLICT, "id",
                     "seal registration %lld has no valid 印鑑登録証 (already reported lost): "
                     "issue a new one",
                     (long long)l->id);
    int64_t reg;
    const char *issued = "";
    if (rc == 0 && seal_db_card(town, card, &reg, &issued, &a, err) < 0)
        rc = -1;
    const char *date = l->lost_on ? l->lost_on : l->who->today;
    if (rc == 0 && l->lost_on) {
        struct date d;
        if (is_date(l->lost_on, "lost_on", &d, err) < 0)
            rc = -1;
        else if (strcmp(l->lost_on, l->who->today) > 0)
            rc = kd_fail(err, KD_INVALID_VALUE, "lost_on", "lost_on is after today");
        else if (strcmp(l->lost_on, issued) < 0)
            rc = kd_fail(err, KD_INVALID_VALUE, "lost_on",
                         "lost_on is before the card was issued (%s)", issued);
    }
    char at[CLOCK_ISO_LEN];
    now_iso(l->who, at);
    struct seal_event e = {.kind = "card_loss", .date = date, .recorded_at = at,
                           .user_login = l->who->user_login, .request_id = l->who->request_id,
                           .card = card, .note = l->note};
    if (rc == 0 && (seal_db_insert_event(town, &e, l->id, err) < 0 ||
                    seal_db_current_card(town, l->id, NULL, err) < 0))
        rc = -1;
    /* Towns whose ordinance ends the registration with the card. */
    if (rc == 0 && l->s->loss_abolishes)
        rc = seal_do_abolish(town, l->id, SEAL_REASON_BOUSHITSU, l->who->today, 0, l->note,
                             l->who, err);
    arena_release(&a);
    return rc;
}

int seal_card_loss(struct store *town, const struct seal_settings *s, int64_t id,
                   const char *lost_on, const char *note, const struct seal_actor *who,
                   struct kd_err *err)
{
    struct loss_args l = {s, id, lost_on, note, who};
    IN_TX(town, err, card_loss_tx(town, &l, err));
}

struct reissue_args {
    const struct seal_settings *s;
    int64_t id;
    const char *note;
    const struct seal_actor *who;
    char *card;
};

static int reissue_tx(struct store *town, const struct reissue_args *r, struct kd_err *err)
{
    char buf[1024];
    struct arena a;
    arena_init(&a, buf, sizeof buf, 64 << 10);
    const char *atena, *old;
    int rc = in_force(town, r->id, &atena, &old, &a, err);
    char at[CLOCK_ISO_LEN];
    now_iso(r->who, at);
    if (rc == 0 && old[0]) {
        /* The old card is handed back (引換え) and is void from now. */
        struct seal_event ret = {.kind = "card_return", .reason = "reissue",
                                 .date = r->who->today, .recorded_at = at,
                                 .user_login = r->who->user_login,
                                 .request_id = r->who->request_id, .card = old};
        if (seal_db_current_card(town, r->id, NULL, err) < 0 ||
            seal_db_insert_event(town, &ret, r->id, err) < 0)
            rc = -1;
    }
    int64_t serial = 0;
    if (rc == 0 && seal_db_next_card(town, r->card, &serial, err) < 0)
        rc = -1;
    struct seal_event e = {.kind = "card_issue", .reason = "reissue", .date = r->who->today,
                           .recorded_at = at, .user_login = r->who->user_login,
                           .request_id = r->who->request_id, .card = r->card,
                           .fee = r->s->fee_card, .note = r->note};
    if (rc == 0 &&
        (seal_db_insert_event(town, &e, r->id, err) < 0 ||
         seal_db_insert_card(town, r->card, serial, r->id, r->who->today, e.id, err) < 0 ||
         seal_db_current_card(town, r->id, r->card, err) < 0))
        rc = -1;
    arena_release(&a);
    return rc;
}

int seal_card_reissue(struct store *town, const struct seal_settings *s, int64_t id,
                      const char *note, const struct seal_actor *who,
                      char card[SEAL_CARD_LEN], struct kd_err *err)
{
    struct reissue_args r = {s, id, note, who, card};
    IN_TX(town, err, reissue_tx(town, &r, err));
}

static int abolish_tx(struct store *town, int64_t id, enum seal_reason reason, const char *note,
                      const struct seal_actor *who, struct kd_err *err)
{
    char buf[512];
    struct arena a;
    arena_init(&a, buf, sizeof buf, 64 << 10);
    const char *atena, *card;
    int rc = in_force(town, id, &atena, &card, &a, err);
    if (rc == 0)
        rc = seal_do_abolish(town, id, reason, who->today, 0, note, who, err);
    arena_release(&a);
    return rc;
}

int seal_abolish(struct store *town, int64_t id, enum seal_reason reason, const char *note,
                 const struct seal_actor *who, struct kd_err *err)
{
    if (reason != SEAL_REASON_SHINSEI && reason != SEAL_REASON_SHOKKEN)
        return kd_fail(err, KD_INVALID_VALUE, "reason",
                       "reason must be shinsei (登録者の申請) or shokken (職権); the others "
                       "follow from the register or the card");
    IN_TX(town, err, abolish_tx(town, id, reason, note, who, err));
}

/* ---- which registration a card leads to ---------------------------------------------------- */

int seal_by_card(struct store *town, const char *card, int64_t *id, struct kd_err *err)
{
    *id = 0;
    struct store_stmt *st =
        store_prepare(town, "SELECT registration_id FROM seal_current WHERE card = ?", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, card);
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *id = store_col_i64(st, 0);
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;
    if (rc == STORE_ROW)
        return 0;

    char buf[1024];
    struct arena a;
    arena_init(&a, buf, sizeof buf, 64 << 10);
    int64_t reg;
    const char *issued;
    int r = seal_db_card(town, card, &reg, &issued, &a, err);
    if (r == 0)
        r = kd_fail(err, KD_NOT_FOUND, "card_number", "no 印鑑登録証 has this number");
    if (r > 0) {
        *id = reg;
        struct seal_event e;
        int ended = seal_db_card_end(town, card, &e, &a, err);
        if (ended > 0 && strcmp(e.kind, "card_loss") == 0)
            r = kd_fail(err, KD_CONFLICT, "card_number",
                        "this 印鑑登録証 was reported lost (%s) and is no longer valid", e.date);
        else if (ended > 0)
            r = kd_fail(err, KD_CONFLICT, "card_number",
                        "this 印鑑登録証 was replaced by a new card (%s) and is no longer valid",
                        e.date);
        else if (ended == 0) {
            int h = seal_db_last_event(town, reg, "haishi", &e, &a, err);
            enum seal_reason why;
            if (h > 0)
                kd_fail(err, KD_CONFLICT, "card_number",
                        "the seal registration of this 印鑑登録証 was abolished (%s, %s)",
                        e.date,
                        seal_reason_parse(e.reason, &why) ? seal_reason_label(why) : e.reason);
            else if (h == 0)
                kd_fail(err, KD_INTERNAL, NULL, "a 印鑑登録証 without a state");
        }
    }
    arena_release(&a);
    return -1; /* every way here is a refusal or an error (err set) */
}

/* ---- the register's 異動 ---------------------------------------------------------------------- */

static enum seal_reason removal_reason(const char *removal)
{
    if (strcmp(removal, "shibou") == 0)
        return SEAL_REASON_SHIBOU;
    if (strstr(removal, "tenshutsu"))
        return SEAL_REASON_TENSHUTSU;
    return SEAL_REASON_SHOJO;
}

static bool is_correction(const struct idou_kind *k)
{
    return strcmp(k->code, "torikeshi") == 0 || strcmp(k->code, "goki_shusei") == 0;
}

static int on_idou_person(struct store *town, const struct idou_notice *n, const char *atena,
                          struct arena *a, struct kd_err *err)
{
    int64_t id;
    int has = seal_current_of(town, atena, &id, err);
    if (has < 0)
        return -1;
    if (!has && !is_correction(n->kind))
        return 0;

    struct record latest;
    bool found = true;
    if (residents_person_as_of(town, atena, "9999-12-31", 0, &latest, a, err) < 0) {
        if (err->code != KD_NOT_FOUND)
            return -1;
        found = false; /* a cancelled 転入: the person has no record at all */
    }
    bool resident = found && strcmp(latest.status, "resident") == 0;
    int64_t now = clock_now_ms();
    char today[DATE_ISO_LEN];
    date_format_iso(date_today_japan(now), today);
    struct seal_actor sys = {"", "", now, today};

    if (has && !resident) {
        /* 転出, 死亡 or another 消除: the registration ends with the record —
         * from the day of removal, or today when that is still ahead (a 転出
         * 予定: no certificate once the 転出届 is recorded). */
        struct seal_registration reg;
        if (seal_get(town, id, &reg, a, err) < 0)
            return -1;
        const char *date = today;
        if (found && latest.removal_date[0] && strcmp(latest.removal_date, today) < 0)
            date = latest.removal_date;
        if (strcmp(date, reg.registered_on) < 0)
            date = reg.registered_on;
        enum seal_reason why = found ? removal_reason(latest.removal) : SEAL_REASON_SHOJO;
        return seal_do_abolish(town, id, why, date, n->idou_id, "", &sys, err);
    }
    if (has || !resident)
        return 0;
    /* A correction made the person a resident again: a registration that the
     * removal abolished comes back, with its card. */
    int64_t last;
    int r = seal_db_last_of(town, atena, &last, err);
    if (r <= 0)
        return r;
    struct seal_event e;
    r = seal_db_last_event(town, last, "", &e, a, err);
    if (r <= 0)
        return r;
    enum seal_reason why;
    if (strcmp(e.kind, "haishi") != 0 || e.idou_id == 0 || !seal_reason_parse(e.reason, &why) ||
        (why != SEAL_REASON_TENSHUTSU && why != SEAL_REASON_SHIBOU && why != SEAL_REASON_SHOJO))
        return 0;
    const char *card = e.card;
    if (card[0]) {
        struct seal_event end;
        int ended = seal_db_card_end(town, card, &end, a, err);
        if (ended < 0)
            return -1;
        if (ended)
            card = "";
    }
    char at[CLOCK_ISO_LEN];
    clock_format_iso(now, at);
    struct seal_event k = {.kind = "kaifuku", .reason = e.reason, .date = today,
                           .recorded_at = at, .user_login = "", .request_id = "", .card = card,
                           .idou_id = n->idou_id, .note = ""};
    if (seal_db_current_insert(town, atena, last, card, err) < 0 ||
        seal_db_insert_event(town, &k, last, err) < 0)
        return -1;
    return 0;
}

static int on_idou(struct store *town, const struct idou_notice *n, struct kd_err *err)
{
    const struct record *r = n->after ? n->after : n->before;
    if (!r || !r->atena)
        return 0;
    char buf[4096];
    struct arena a;
    arena_init(&a, buf, sizeof buf, 1 << 20);
    int rc = on_idou_person(town, n, r->atena, &a, err);
    arena_release(&a);
    return rc;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void do_init(void)
{
    init_rc = residents_subscribe(on_idou);
}

int seals_init(void)
{
    pthread_once(&init_once, do_init);
    return init_rc;
}
