/*
 * internal.h — what the files of src/seals share. Not for other modules.
 */
#ifndef KYODO_SEALS_INTERNAL_H
#define KYODO_SEALS_INTERNAL_H

#include "seals/seals.h"

/* A new registration row (seal_store.c). */
struct seal_row {
    const char *atena, *registered_on, *recorded_at, *user_login, *request_id;
    const struct record *person; /* the register's items on the day */
    enum seal_verification verification;
    bool adult_ward;
    const char *note;
    int64_t fee;
    const unsigned char *image;
    size_t image_len;
    const char *image_sha256;
    const struct seal_measure *m;
};
int seal_db_insert_registration(struct store *town, const struct seal_row *r, int64_t *id,
                                struct kd_err *err);

/* Appends an event (e->id set). */
int seal_db_insert_event(struct store *town, struct seal_event *e, int64_t registration_id,
                         struct kd_err *err);

/* The next card number (a serial and its check digit), and recording the
 * card once the event that issues it is in. */
int seal_db_next_card(struct store *town, char card[SEAL_CARD_LEN], int64_t *serial,
                      struct kd_err *err);
int seal_db_insert_card(struct store *town, const char *card, int64_t serial,
                        int64_t registration_id, const char *issued_on, int64_t event_id,
                        struct kd_err *err);

/* seal_current: the row of a person (1 and *id, *card (arena, "" for none)
 * set, or 0); insert; set or clear the card; delete. */
int seal_db_current_by_atena(struct store *town, const char *atena, int64_t *id,
                             const char **card, struct arena *a, struct kd_err *err);
int seal_db_current_by_id(struct store *town, int64_t id, const char **atena, const char **card,
                          struct arena *a, struct kd_err *err);
int seal_db_current_insert(struct store *town, const char *atena, int64_t id, const char *card,
                           struct kd_err *err);
int seal_db_current_card(struct store *town, int64_t id, const char *card, struct kd_err *err);
int seal_db_current_delete(struct store *town, int64_t id, struct kd_err *err);

/* Whether a picture with this SHA-256 is in force for someone other than
 * atena: 1 and *id set, or 0. */
int seal_db_image_in_force(struct store *town, const char *sha256, const char *atena,
                           int64_t *id, struct kd_err *err);

/* The last event of a registration of the given kind ("" any): 1 and *e set
 * (strings in a), or 0. */
int seal_db_last_event(struct store *town, int64_t id, const char *kind, struct seal_event *e,
                       struct arena *a, struct kd_err *err);

/* The last registration of a person (in force or not): 1 and *id, or 0. */
int seal_db_last_of(struct store *town, const char *atena, int64_t *id, struct kd_err *err);

/* A card: 1 and *registration_id, *issued_on set, or 0 if never issued. */
int seal_db_card(struct store *town, const char *card, int64_t *registration_id,
                 const char **issued_on, struct arena *a, struct kd_err *err);

/* The event that ended a card (card_loss, card_return): 1 and *e, or 0. */
int seal_db_card_end(struct store *town, const char *card, struct seal_event *e, struct arena *a,
                     struct kd_err *err);

/* Abolishes registration id now in force (seal_current row removed, a
 * haishi event with the card then valid). */
int seal_do_abolish(struct store *town, int64_t id, enum seal_reason reason, const char *date,
                    int64_t idou_id, const char *note, const struct seal_actor *who,
                    struct kd_err *err);

#endif
