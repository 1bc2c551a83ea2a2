/*
 * seal_bulk.c — the seal register read and written whole (seal_bulk.h).
 */
#include "seals/seal_bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *txt(struct store_stmt *st, int c)
{
    return store_col_text(st, c, NULL);
}

static int scan_end(struct store_stmt *st, enum store_step step, int rc)
{
    store_reset(st);
    return rc < 0 || step == STORE_ERROR ? -1 : 0;
}

int seals_bulk_registrations(struct store *town, seal_bulk_reg_fn each, void *ctx,
                             struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT id, atena, registered_on, recorded_at, user_login, kind, shimei, kyuuji, tsusho,"
        " birth, birth_text, sex, address, katagaki, verification, adult_ward, note, fee,"
        " image_type, image_sha256, width_px, height_px, ppm_x, ppm_y, ink_x, ink_y, ink_w, ink_h,"
        " ink_w_um, ink_h_um, image FROM seal_registrations ORDER BY id",
        err);
    if (!st)
        return -1;
    enum store_step step;
    int rc = 0;
    while ((step = store_step(st, err)) == STORE_ROW) {
        struct seal_bulk_reg r = {
            .id = store_col_i64(st, 0),     .atena = txt(st, 1),
            .registered_on = txt(st, 2),    .recorded_at = txt(st, 3),
            .user_login = txt(st, 4),       .kind = txt(st, 5),
            .shimei = txt(st, 6),           .kyuuji = txt(st, 7),
            .tsusho = txt(st, 8),           .birth = txt(st, 9),
            .birth_text = txt(st, 10),      .sex = store_col_i64(st, 11),
            .address = txt(st, 12),         .katagaki = txt(st, 13),
            .verification = txt(st, 14),    .adult_ward = store_col_i64(st, 15),
            .note = txt(st, 16),            .fee = store_col_i64(st, 17),
            .image_type = txt(st, 18),      .image_sha256 = txt(st, 19),
            .width_px = store_col_i64(st, 20), .height_px = store_col_i64(st, 21),
            .ppm_x = store_col_i64(st, 22), .ppm_y = store_col_i64(st, 23),
            .ink_x = store_col_i64(st, 24), .ink_y = store_col_i64(st, 25),
            .ink_w = store_col_i64(st, 26), .ink_h = store_col_i64(st, 27),
            .ink_w_um = store_col_i64(st, 28), .ink_h_um = store_col_i64(st, 29),
        };
        r.image = store_col_blob(st, 30, &r.image_len);
        if ((rc = each(ctx, &r, err)) < 0)
            break;
    }
    return scan_end(st, step, rc);
}

int seals_bulk_events(struct store *town, seal_bulk_event_fn each, void *ctx, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT id, registration_id, kind, reason, event_date, recorded_at, user_login, card,"
        " coalesce(idou_id, 0), fee, note FROM seal_events ORDER BY id",
        err);
    if (!st)
        return -1;
    enum store_step step;
    int rc = 0;
    while ((step = store_step(st, err)) == STORE_ROW) {
        struct seal_bulk_event e = {
            store_col_i64(st, 0), store_col_i64(st, 1), txt(st, 2), txt(st, 3), txt(st, 4),
            txt(st, 5),           txt(st, 6),           txt(st, 7), store_col_i64(st, 8),
            store_col_i64(st, 9), txt(st, 10),
        };
        if ((rc = each(ctx, &e, err)) < 0)
            break;
    }
    return scan_end(st, step, rc);
}

int seals_bulk_cards(struct store *town, seal_bulk_card_fn each, void *ctx, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT number, serial, registration_id, issued_on, event_id FROM seal_cards"
        " ORDER BY serial",
        err);
    if (!st)
        return -1;
    enum store_step step;
    int rc = 0;
    while ((step = store_step(st, err)) == STORE_ROW) {
        struct seal_bulk_card c = {txt(st, 0), store_col_i64(st, 1), store_col_i64(st, 2),
                                   txt(st, 3), store_col_i64(st, 4)};
        if ((rc = each(ctx, &c, err)) < 0)
            break;
    }
    return scan_end(st, step, rc);
}

int seals_bulk_certificates(struct store *town, seal_bulk_cert_fn each, void *ctx,
                            struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT id, issued_at, issue_date, user_login, registration_id, atena, card, fee,"
        " requester_name FROM seal_certificates ORDER BY id",
        err);
    if (!st)
        return -1;
    enum store_step step;
    int rc = 0;
    while ((step = store_step(st, err)) == STORE_ROW) {
        struct seal_bulk_cert c = {store_col_i64(st, 0), txt(st, 1), txt(st, 2), txt(st, 3),
                                   store_col_i64(st, 4), txt(st, 5), txt(st, 6),
                                   store_col_i64(st, 7), txt(st, 8)};
        if ((rc = each(ctx, &c, err)) < 0)
            break;
    }
    return scan_end(st, step, rc);
}

int seals_bulk_any(struct store *town, bool *any, struct kd_err *err)
{
    struct store_stmt *st =
        store_prepare(town, "SELECT EXISTS (SELECT 1 FROM seal_registrations)", err);
    if (!st)
        return -1;
    enum store_step rc = store_step(st, err);
    if (rc == STORE_ROW)
        *any = store_col_i64(st, 0) != 0;
    store_reset(st);
    return rc == STORE_ROW ? 0 : -1;
}

static int put_done(struct store_stmt *st, const char *what, int64_t id, struct kd_err *err)
{
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_DONE)
        return 0;
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_CONFLICT, "id",
                       "%s %lld cannot be recorded: its number is taken or what it refers to is "
                       "missing",
                       what, (long long)id);
    return -1;
}

int seals_bulk_put_registration(struct store *town, const char *request_id,
                                const struct seal_bulk_reg *r, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO seal_registrations (id, atena, registered_on, recorded_at, user_login,"
        " request_id, kind, shimei, kyuuji, tsusho, birth, birth_text, sex, address, katagaki,"
        " verification, adult_ward, note, fee, image, image_type, image_sha256, width_px,"
        " height_px, ppm_x, ppm_y, ink_x, ink_y, ink_w, ink_h, ink_w_um, ink_h_um)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -1;
    int k = 1;
    store_bind_i64(st, k++, r->id);
    store_bind_str(st, k++, r->atena);
    store_bind_str(st, k++, r->registered_on);
    store_bind_str(st, k++, r->recorded_at);
    store_bind_str(st, k++, r->user_login);
    store_bind_str(st, k++, request_id);
    store_bind_str(st, k++, r->kind);
    store_bind_str(st, k++, r->shimei);
    store_bind_str(st, k++, r->kyuuji);
    store_bind_str(st, k++, r->tsusho);
    store_bind_str(st, k++, r->birth);
    store_bind_str(st, k++, r->birth_text);
    store_bind_i64(st, k++, r->sex);
    store_bind_str(st, k++, r->address);
    store_bind_str(st, k++, r->katagaki);
    store_bind_str(st, k++, r->verification);
    store_bind_i64(st, k++, r->adult_ward);
    store_bind_str(st, k++, r->note);
    store_bind_i64(st, k++, r->fee);
    store_bind_blob(st, k++, r->image, r->image_len);
    store_bind_str(st, k++, r->image_type);
    store_bind_str(st, k++, r->image_sha256);
    const int64_t ints[] = {r->width_px, r->height_px, r->ppm_x,    r->ppm_y,   r->ink_x,
                            r->ink_y,    r->ink_w,     r->ink_h,    r->ink_w_um, r->ink_h_um};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        store_bind_i64(st, k++, ints[i]);
    return put_done(st, "registration", r->id, err);
}

int seals_bulk_put_event(struct store *town, const char *request_id,
                         const struct seal_bulk_event *e, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO seal_events (id, registration_id, kind, reason, event_date, recorded_at,"
        " user_login, request_id, card, idou_id, fee, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, e->id);
    store_bind_i64(st, 2, e->registration_id);
    store_bind_str(st, 3, e->kind);
    store_bind_str(st, 4, e->reason);
    store_bind_str(st, 5, e->date);
    store_bind_str(st, 6, e->recorded_at);
    store_bind_str(st, 7, e->user_login);
    store_bind_str(st, 8, request_id);
    store_bind_str(st, 9, e->card);
    if (e->idou_id > 0)
        store_bind_i64(st, 10, e->idou_id);
    else
        store_bind_null(st, 10);
    store_bind_i64(st, 11, e->fee);
    store_bind_str(st, 12, e->note);
    return put_done(st, "event", e->id, err);
}

int seals_bulk_put_card(struct store *town, const struct seal_bulk_card *c, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO seal_cards (number, serial, registration_id, issued_on, event_id)"
        " VALUES (?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -1;
    store_bind_str(st, 1, c->number);
    store_bind_i64(st, 2, c->serial);
    store_bind_i64(st, 3, c->registration_id);
    store_bind_str(st, 4, c->issued_on);
    store_bind_i64(st, 5, c->event_id);
    return put_done(st, "card", c->serial, err);
}

int seals_bulk_put_certificate(struct store *town, const char *request_id,
                               const struct seal_bulk_cert *c, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "INSERT INTO seal_certificates (id, issued_at, issue_date, user_login, request_id,"
        " registration_id, atena, card, fee, requester_name)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -1;
    store_bind_i64(st, 1, c->id);
    store_bind_str(st, 2, c->issued_at);
    store_bind_str(st, 3, c->issue_date);
    store_bind_str(st, 4, c->user_login);
    store_bind_str(st, 5, request_id);
    store_bind_i64(st, 6, c->registration_id);
    store_bind_str(st, 7, c->atena);
    store_bind_str(st, 8, c->card);
    store_bind_i64(st, 9, c->fee);
    store_bind_str(st, 10, c->requester_name);
    return put_done(st, "certificate", c->id, err);
}

/* One registration's state while its events are read in order. */
struct state {
    int64_t id;
    char atena[16];
    bool active;
    char card[16];
};

static int flush_state(struct store *town, const struct state *s, struct kd_err *err)
{
    if (!s->id || !s->active)
        return 0;
    struct store_stmt *st = store_prepare(
        town, "INSERT INTO seal_current (atena, registration_id, card) VALUES (?, ?, ?)", err);
    if (!st)
        return -1;
    store_bind_str(st, 1, s->atena);
    store_bind_i64(st, 2, s->id);
    store_bind_str(st, 3, s->card[0] ? s->card : NULL);
    enum store_step rc = store_step(st, err);
    store_reset(st);
    if (rc == STORE_CONSTRAINT)
        return kd_fail(err, KD_CONFLICT, "atena",
                       "登録番号 %lld の登録は、同じ人の他の登録と同時に有効になるか、その印鑑登録証が"
                       "他の登録でも有効になります（事象の記録が合いません）",
                       (long long)s->id);
    return rc == STORE_DONE ? 0 : -1;
}

int seals_bulk_derive_current(struct store *town, struct kd_err *err)
{
    struct store_stmt *st = store_prepare(
        town,
        "SELECT r.id, r.atena, e.kind, e.card FROM seal_events e"
        " JOIN seal_registrations r ON r.id = e.registration_id ORDER BY r.id, e.id",
        err);
    if (!st)
        return -1;
    /* The rows are gathered first: seal_current is written after the read. */
    struct state *all = NULL;
    size_t n = 0, cap = 0;
    struct state cur = {0};
    enum store_step step;
    int rc = 0;
    while ((step = store_step(st, err)) == STORE_ROW) {
        int64_t id = store_col_i64(st, 0);
        if (id != cur.id) {
            if (cur.id && cur.active) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 256;
                    struct state *g = realloc(all, cap * sizeof *g);
                    if (!g) {
                        rc = kd_fail(err, KD_INTERNAL, NULL, "out of memory");
                        break;
                    }
                    all = g;
                }
                all[n++] = cur;
            }
            memset(&cur, 0, sizeof cur);
            cur.id = id;
            snprintf(cur.atena, sizeof cur.atena, "%s", txt(st, 1));
        }
        const char *kind = txt(st, 2), *card = txt(st, 3);
        if (strcmp(kind, "toroku") == 0) {
            cur.active = true;
            cur.card[0] = '\0';
        } else if (strcmp(kind, "card_issue") == 0 || strcmp(kind, "kaifuku") == 0) {
            if (strcmp(kind, "kaifuku") == 0)
                cur.active = true;
            snprintf(cur.card, sizeof cur.card, "%s", card);
        } else if (strcmp(kind, "card_loss") == 0 || strcmp(kind, "card_return") == 0) {
            if (strcmp(cur.card, card) == 0)
                cur.card[0] = '\0';
        } else if (strcmp(kind, "haishi") == 0) {
            cur.active = false;
        }
    }
    store_reset(st);
    if (rc == 0 && step == STORE_ERROR)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = flush_state(town, &all[i], err);
    if (rc == 0)
        rc = flush_state(town, &cur, err);
    free(all);
    return rc;
}
