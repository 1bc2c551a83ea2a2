/*
 * seal_bulk.h — the seal register read and written whole, for migrations
 * (src/migration/inkan.c; docs/layouts.md, "How the register is migrated").
 *
 * Every row of seal_registrations (with its picture), seal_events,
 * seal_cards and seal_certificates is read in id order and written back as
 * it was, ids included (an import goes into a town without seals). The
 * registrations in force (seal_current) are derived from the events
 * afterwards, as the module's own functions would have left them. The
 * request id of each row is the import's.
 */
#ifndef KYODO_SEALS_SEAL_BULK_H
#define KYODO_SEALS_SEAL_BULK_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct seal_bulk_reg {
    int64_t id;
    const char *atena, *registered_on, *recorded_at, *user_login;
    const char *kind, *shimei, *kyuuji, *tsusho, *birth, *birth_text;
    int64_t sex;
    const char *address, *katagaki, *verification;
    int64_t adult_ward;
    const char *note;
    int64_t fee;
    const char *image_type, *image_sha256;
    int64_t width_px, height_px, ppm_x, ppm_y, ink_x, ink_y, ink_w, ink_h, ink_w_um, ink_h_um;
    const unsigned char *image;
    size_t image_len;
};

struct seal_bulk_event {
    int64_t id, registration_id;
    const char *kind, *reason, *date, *recorded_at, *user_login, *card;
    int64_t idou_id; /* 0: none */
    int64_t fee;
    const char *note;
};

struct seal_bulk_card {
    const char *number;
    int64_t serial, registration_id;
    const char *issued_on;
    int64_t event_id;
};

struct seal_bulk_cert {
    int64_t id;
    const char *issued_at, *issue_date, *user_login;
    int64_t registration_id;
    const char *atena, *card;
    int64_t fee;
    const char *requester_name;
};

typedef int (*seal_bulk_reg_fn)(void *ctx, const struct seal_bulk_reg *r, struct kd_err *err);
typedef int (*seal_bulk_event_fn)(void *ctx, const struct seal_bulk_event *e, struct kd_err *err);
typedef int (*seal_bulk_card_fn)(void *ctx, const struct seal_bulk_card *c, struct kd_err *err);
typedef int (*seal_bulk_cert_fn)(void *ctx, const struct seal_bulk_cert *c, struct kd_err *err);

int seals_bulk_registrations(struct store *town, seal_bulk_reg_fn each, void *ctx,
                             struct kd_err *err);
int seals_bulk_events(struct store *town, seal_bulk_event_fn each, void *ctx, struct kd_err *err);
int seals_bulk_cards(struct store *town, seal_bulk_card_fn each, void *ctx, struct kd_err *err);
int seals_bulk_certificates(struct store *town, seal_bulk_cert_fn each, void *ctx,
                            struct kd_err *err);

/* Whether the town has any seal registration. */
int seals_bulk_any(struct store *town, bool *any, struct kd_err *err);

/* Each writes one row as given; KD_CONFLICT (field "id") when the key is
 * taken or a reference does not hold (a unique or foreign key refused it). */
int seals_bulk_put_registration(struct store *town, const char *request_id,
                                const struct seal_bulk_reg *r, struct kd_err *err);
int seals_bulk_put_event(struct store *town, const char *request_id,
                         const struct seal_bulk_event *e, struct kd_err *err);
int seals_bulk_put_card(struct store *town, const struct seal_bulk_card *c, struct kd_err *err);
int seals_bulk_put_certificate(struct store *town, const char *request_id,
                               const struct seal_bulk_cert *c, struct kd_err *err);

/* Derives seal_current from the events written: a registration is in
 * force after 登録 or 回復 until a 廃止; its valid card is the last one
 * issued (交付) or restored (回復), none after a 亡失 or 返納. KD_CONFLICT
 * (field "atena", message naming the registrations) when two are in force
 * for one person or one card is valid for two. */
int seals_bulk_derive_current(struct store *town, struct kd_err *err);

#endif
