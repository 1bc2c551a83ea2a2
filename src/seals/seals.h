/*
 * seals.h — 印鑑登録: one town's register of seals (docs/seals.md).
 *
 * Town database, scope "seals":
 *
 *   seal_registrations   the 印鑑登録原票: one row per registration, never
 *                        changed. Its id is the 登録番号. It keeps the 印影
 *                        (the uploaded picture, as uploaded), where the
 *                        impression is in it and how large it is, how the
 *                        applicant was identified, and the register's items
 *                        (氏名, 旧氏, 通称, 生年月日, 男女の別, 住所) as they
 *                        were on the day of registration.
 *   seal_events          every change of a registration, append-only: 登録,
 *                        印鑑登録証の交付・再交付, 亡失, 返納, 廃止 (on request,
 *                        by the clerk, or with the owner's 転出, 死亡 or other
 *                        消除), 回復 (the 異動 behind an automatic 廃止 was
 *                        cancelled or corrected).
 *   seal_cards           every 印鑑登録証 (registration card) issued, by
 *                        number; never changed.
 *   seal_current         derived from the events, like the register's
 *                        resident_index: the registrations in force, one per
 *                        person (1人1個), and the card that is valid for each
 *                        (none after a 亡失 until a 再交付).
 *   seal_certificates    交付履歴 of 印鑑登録証明書: one row per certificate;
 *                        its id is the 証明書番号.
 *
 * The register's items are not copied beyond the day of registration: a
 * certificate shows the person's current 氏名, 住所 and 生年月日 from the
 * resident register (as the standard's systems do, 連動).
 *
 * Every function joins the caller's write transaction when one is open (the
 * subscriber always runs inside the 異動's). Nothing here writes the audit
 * log, except that the API does around these calls.
 */
#ifndef KYODO_SEALS_SEALS_H
#define KYODO_SEALS_SEALS_H

#include "base/arena.h"
#include "base/err.h"
#include "residents/record.h"
#include "seals/seal_image.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

extern const struct store_schema seals_schema;

/* Subscribes to the resident register's 異動 (residents_subscribe): a
 * registration whose owner is removed (転出, 死亡, 職権消除 …) is abolished
 * in the 異動's own transaction, and restored when a correction or a
 * cancellation makes the person a resident again. Idempotent; call before
 * any thread records 異動. */
int seals_init(void);

/* ---- town settings (engine/settings.h; docs/seals.md) ------------------------------ */

enum seal_ward_policy {
    SEAL_WARD_WITH_REPRESENTATIVE, /* 成年被後見人: with the 法定代理人 present (要領 R2.3) */
    SEAL_WARD_REFUSE,              /* 成年被後見人 cannot register (the rule before R2.3) */
};

struct seal_settings {
    int64_t min_age;              /* seals.min_age: 15 */
    enum seal_ward_policy ward;   /* seals.adult_ward: with_representative */
    int64_t min_mm, max_mm;       /* seals.impression_min_mm 8, seals.impression_max_mm 25 */
    int64_t image_max_bytes;      /* seals.image_max_bytes: 512 KiB */
    int64_t image_max_side;       /* seals.image_max_side: 2400 pixels */
    int64_t min_dpi;              /* seals.image_min_dpi: 200 */
    bool loss_abolishes;          /* seals.loss_abolishes: 0 (亡失 keeps the registration) */
    int64_t fee_registration;     /* seals.fee.registration: 300 円 */
    int64_t fee_card;             /* seals.fee.card: 300 円 (再交付) */
    int64_t fee_certificate;      /* seals.fee.certificate: 300 円 */
    bool show_sex;                /* seals.certificate.show_sex: 1 */
    const char *wording;          /* seals.certificate.wording */
    const char *mayor;            /* certificates.mayor (shared with the 住民票の写し) */
};
int seal_settings_load(struct store *town, struct seal_settings *s, struct arena *a,
                       struct kd_err *err);

/* ---- codes ----------------------------------------------------------------------- */

enum seal_verification {
    SEAL_VERIFY_PHOTO_ID,  /* 官公署発行の顔写真付き証明書 (即日登録) */
    SEAL_VERIFY_GUARANTOR, /* 保証書 (登録者の保証) */
    SEAL_VERIFY_INQUIRY,   /* 照会書・回答書 (文書照会) */
};
bool seal_verification_parse(const char *s, enum seal_verification *out);
const char *seal_verification_code(enum seal_verification v);
const char *seal_verification_label(enum seal_verification v);

/* Reasons of a 廃止 (abolition). */
enum seal_reason {
    SEAL_REASON_SHINSEI,   /* 登録者の申請 (廃止届) */
    SEAL_REASON_SHOKKEN,   /* 職権 (the clerk: the seal no longer qualifies …) */
    SEAL_REASON_TENSHUTSU, /* 転出 (automatic) */
    SEAL_REASON_SHIBOU,    /* 死亡 (automatic) */
    SEAL_REASON_SHOJO,     /* 住民票の消除 (other 消除, automatic) */
    SEAL_REASON_BOUSHITSU, /* 印鑑登録証の亡失 (when the town's rule abolishes) */
};
bool seal_reason_parse(const char *s, enum seal_reason *out);
const char *seal_reason_code(enum seal_reason r);
const char *seal_reason_label(enum seal_reason r);

/* Labels of event kinds ("toroku" → 登録, "card_issue" → 印鑑登録証の交付 …);
 * the code itself for an unknown kind. */
const char *seal_event_label(const char *kind, const char *reason);

/* 印鑑登録証 numbers: 8 digits, a 7-digit serial and a モジュラス11 check
 * digit (weights 2..7 from the right; remainder 1 is never issued), so a
 * mistyped number is caught before it is looked up. */
#define SEAL_CARD_LEN 9 /* 8 digits + NUL */
bool seal_card_valid(const char *s, size_t len);

/* ---- registration -------------------------------------------------------------- */

/* Who does it: the clerk and the request (stored with every event), now and
 * today in Japan. */
struct seal_actor {
    const char *user_login;
    const char *request_id;
    int64_t now_ms;
    const char *today; /* ISO */
};

struct seal_application {
    const char *atena;
    const unsigned char *image;
    size_t image_len;
    int64_t dpi; /* the scan's resolution; 0: what the file says */
    enum seal_verification verification;
    bool adult_ward;          /* the applicant is a 成年被後見人 */
    bool with_representative; /* … and the 法定代理人 is present */
    const char *note;
    /* The day of registration; NULL: today. Earlier days only for
     * demonstration data (the API always registers today). */
    const char *registered_on;
};

/* The picture measured: what registration stores about it. */
struct seal_measure {
    struct seal_image img; /* type, pixels' size, resolution; rgba only while measuring */
    int64_t ppm_x, ppm_y;  /* the resolution used (the request's dpi, else the file's) */
    struct seal_box box;   /* the impression, in pixels */
    int64_t w_um, h_um;    /* the impression's size */
};

/*
 * Checks a picture for registration: decodes it (seal_image.h; errors name
 * "image"), finds the impression, takes the resolution (the given dpi, else
 * the file's; neither: KD_MISSING_FIELD "dpi"; under seals.image_min_dpi:
 * KD_INVALID_VALUE "dpi" or "image"), and measures it: refused when it fits
 * in a square of seals.impression_min_mm or does not fit in one of
 * seals.impression_max_mm (the 要領's 8 mm / 25 mm rule). Pure.
 */
int seal_measure_image(const struct seal_settings *s, const unsigned char *data, size_t len,
                       int64_t dpi, struct seal_measure *m, struct kd_err *err);

struct seal_registered {
    int64_t id;               /* 登録番号 */
    char card[SEAL_CARD_LEN]; /* the 印鑑登録証 issued with it */
};

/*
 * Registers a seal: the picture is checked first (seal_measure_image); then,
 * in one write transaction (the caller's, or its own), the person must be a
 * resident on the day (KD_NOT_FOUND / KD_CONFLICT "atena"), have reached
 * seals.min_age (KD_CONFLICT "atena"), a 成年被後見人 must come with the
 * 法定代理人 (KD_INVALID_VALUE "with_representative") unless the town
 * refuses them ("adult_ward"), the person may have no registration in force
 * (1人1個: KD_CONFLICT "atena", naming its 登録番号), and the same picture
 * may not be in force for someone else (KD_CONFLICT "image"). Records the
 * registration, the 登録 and the card's 交付. `measured`: the picture already
 * measured by the caller (so that decoding happens before the caller's
 * transaction), or NULL.
 */
int seals_register(struct store *town, const struct seal_settings *s,
                   const struct seal_application *app, const struct seal_measure *measured,
                   const struct seal_actor *who, struct seal_registered *out, struct arena *a,
                   struct kd_err *err);

/* ---- reading ----------------------------------------------------------------------- */

struct seal_registration {
    int64_t id;
    const char *atena;
    const char *registered_on, *recorded_at, *user_login, *request_id;
    /* the register's items on the day of registration */
    const char *shimei, *kyuuji, *tsusho, *birth, *birth_text, *address, *katagaki, *kind;
    int64_t sex;
    enum seal_verification verification;
    bool adult_ward;
    const char *note;
    int64_t fee;
    /* the picture */
    enum seal_image_type image_type;
    int64_t image_bytes;
    const char *image_sha256;
    int64_t width_px, height_px, ppm_x, ppm_y;
    struct seal_box box;
    int64_t w_um, h_um;
    /* derived */
    bool active;
    const char *card;         /* the valid card, "" when none */
    const char *card_issued;  /* its issue date, "" */
    const char *abolished_on; /* "" while active */
    const char *abolish_reason; /* code, "" while active */
};

/* One registration; KD_NOT_FOUND (field "id") when there is none. */
int seal_get(struct store *town, int64_t id, struct seal_registration *out, struct arena *a,
             struct kd_err *err);

/* Registrations newest first: of one person (atena not NULL) or all; only
 * those in force (active_only); ids below `before` (0: from the newest); at
 * most limit. Returns the count. */
typedef int (*seal_fn)(void *ctx, const struct seal_registration *r);
int seal_list(struct store *town, const char *atena, bool active_only, int64_t before, int limit,
              seal_fn each, void *ctx, struct arena *a, struct kd_err *err);

/* The registration in force of a person: 1 and *id set, or 0. */
int seal_current_of(struct store *town, const char *atena, int64_t *id, struct kd_err *err);

struct seal_event {
    int64_t id;
    const char *kind;   /* toroku card_issue card_loss card_return haishi kaifuku */
    const char *reason; /* haishi: a seal_reason code; card_issue: "" or "reissue" */
    const char *date, *recorded_at, *user_login, *request_id;
    const char *card; /* the card issued, lost, returned, or valid at a 廃止 */
    int64_t idou_id;  /* the 異動 behind an automatic 廃止 or 回復, else 0 */
    int64_t fee;
    const char *note;
};
typedef int (*seal_event_fn)(void *ctx, const struct seal_event *e);
int seal_events(struct store *town, int64_t id, seal_event_fn each, void *ctx, struct arena *a,
                struct kd_err *err);

/* The picture's bytes (into a). */
int seal_image_bytes(struct store *town, int64_t id, const unsigned char **data, size_t *len,
                     enum seal_image_type *type, struct arena *a, struct kd_err *err);

/* ---- changes ----------------------------------------------------------------------- */

/* 亡失届: the valid card is reported lost (on `lost_on`, ISO, not after
 * today; NULL: today) and is valid no more. KD_CONFLICT "id" when the
 * registration is abolished or has no valid card. With seals.loss_abolishes
 * the registration is abolished too (reason boushitsu). */
int seal_card_loss(struct store *town, const struct seal_settings *s, int64_t id,
                   const char *lost_on, const char *note, const struct seal_actor *who,
                   struct kd_err *err);

/* 再交付: a new card with a new number; a card still valid is handed back
 * (返納) and invalid from now on. KD_CONFLICT "id" when abolished. */
int seal_card_reissue(struct store *town, const struct seal_settings *s, int64_t id,
                      const char *note, const struct seal_actor *who,
                      char card[SEAL_CARD_LEN], struct kd_err *err);

/* 廃止 on request (shinsei) or by the clerk (shokken); other reasons are the
 * register's (KD_INVALID_VALUE "reason"). KD_CONFLICT "id" when already
 * abolished. */
int seal_abolish(struct store *town, int64_t id, enum seal_reason reason, const char *note,
                 const struct seal_actor *who, struct kd_err *err);

/* ---- certificates --------------------------------------------------------------------- */

/* What a presented card number leads to: the registration in force whose
 * valid card it is (0, *id set), or why not: KD_NOT_FOUND "card_number"
 * (never issued) or KD_CONFLICT "card_number" with the reason (lost on …,
 * replaced on …, registration abolished on …); *id is then set when the card
 * is known (for the audit of the refusal), else 0. */
int seal_by_card(struct store *town, const char *card, int64_t *id, struct kd_err *err);

struct seal_certificate {
    int64_t id; /* 証明書番号 (set by seal_certificate_record) */
    const char *issued_at, *issue_date, *user_login, *request_id;
    int64_t registration_id;
    const char *atena, *card;
    int64_t fee;
    const char *requester_name;
};
int seal_certificate_record(struct store *town, struct seal_certificate *c, struct kd_err *err);
typedef int (*seal_certificate_fn)(void *ctx, const struct seal_certificate *c);
int seal_certificate_list(struct store *town, const char *atena, int64_t before, int limit,
                          seal_certificate_fn each, void *ctx, struct arena *a,
                          struct kd_err *err);
int seal_certificate_get(struct store *town, int64_t id, struct seal_certificate *out,
                         struct arena *a, struct kd_err *err);

#endif
