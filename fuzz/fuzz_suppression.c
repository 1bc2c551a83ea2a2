/*
 * fuzz_suppression.c — the 抑止 (DV等支援措置) body parsers on arbitrary
 * bodies: supp_parse_application() (a 申出) and supp_parse_change() (延長,
 * 解除), with the town's default settings and with a short period.
 *
 * Besides the sanitizers, the target checks what the parsers promise: on
 * failure the error has a code and a message; on success the dates are
 * calendar dates, the 申出日 and the confirmation are not after today, the
 * period runs forwards and is no longer than the town's, at least one kind
 * of request and one purpose are chosen (known bits only), the persons are
 * 宛名番号 without repeats, a lift is from today or later and a change is
 * either an extension with its end or a lift with its reason.
 */
#include "base/arena.h"
#include "base/date.h"
#include "base/err.h"
#include "base/text.h"
#include "http/jreq.h"
#include "residents/suppression.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_suppression: check failed: %s (line %d)\n", #cond,          \
                    __LINE__);                                                                 \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static const char TODAY[] = "2026-11-27";
static const unsigned ALL_BLOCKS = SUPP_B_DAISANSHA | SUPP_B_KOYO | SUPP_B_HONNIN |
                                   SUPP_B_ETSURAN | SUPP_B_FUHYO;
static const unsigned ALL_PURPOSES = SUPP_P_SHIEN | SUPP_P_HONNIN | SUPP_P_IDOU | SUPP_P_KANKEI;

static void is_date(const char *s)
{
    struct date d;
    struct kd_err err;
    CHECK(s != NULL);
    CHECK(date_parse_iso(s, strlen(s), "d", &d, &err) == 0);
}

static void application(json_t *body, const struct supp_settings *s)
{
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 20);
    struct supp_measure m;
    const char *note = NULL;
    struct kd_err err;
    kd_err_clear(&err);
    if (supp_parse_application(body, s, TODAY, &m, &note, &a, &err) < 0) {
        CHECK(err.code != KD_OK);
        CHECK(err.message[0]);
        goto out;
    }
    CHECK(supp_code_find(supp_categories, supp_category_count, m.category));
    CHECK(supp_code_find(supp_confirmers, supp_confirmer_count, m.confirmer_kind));
    CHECK(m.reason && m.confirmer && m.offender && note);
    is_date(m.applied_on);
    is_date(m.confirmed_on);
    is_date(m.date_from);
    is_date(m.date_to);
    CHECK(strcmp(m.applied_on, TODAY) <= 0);
    CHECK(strcmp(m.confirmed_on, TODAY) <= 0);
    CHECK(strcmp(m.date_from, m.date_to) <= 0);
    char longest[11];
    CHECK(supp_period_end(m.date_from, s->period_months, longest, &err) == 0);
    CHECK(strcmp(m.date_to, longest) <= 0);
    CHECK(m.blocks != 0 && (m.blocks & ~ALL_BLOCKS) == 0);
    CHECK(m.purposes != 0 && (m.purposes & ~ALL_PURPOSES) == 0);
    CHECK(m.npersons >= 1 && m.npersons <= SUPP_MAX_PERSONS);
    for (int i = 0; i < m.npersons; i++) {
        size_t n = strlen(m.atena[i]);
        CHECK(n >= 1 && n <= 15 && text_all_digits(m.atena[i], n));
        for (int k = 0; k < i; k++)
            CHECK(strcmp(m.atena[i], m.atena[k]) != 0);
    }
    CHECK(strcmp(m.status, SUPP_PENDING) == 0);
    /* The codes round-trip through their stored text. */
    CHECK(supp_codes_bits(supp_blocks, supp_block_count,
                          supp_codes_text(&a, supp_blocks, supp_block_count, m.blocks)) == m.blocks);
out:
    arena_release(&a);
}

static void change(json_t *body)
{
    struct arena a;
    arena_init(&a, NULL, 0, 1 << 16);
    struct supp_change c;
    struct kd_err err;
    kd_err_clear(&err);
    if (supp_parse_change(body, TODAY, &c, &a, &err) < 0) {
        CHECK(err.code != KD_OK);
        CHECK(err.message[0]);
    } else if (strcmp(c.kind, "extend") == 0) {
        is_date(c.to);
        CHECK(c.on == NULL);
    } else {
        CHECK(strcmp(c.kind, "lift") == 0);
        is_date(c.on);
        CHECK(strcmp(c.on, TODAY) >= 0);
        CHECK(c.to == NULL && c.note && c.note[0]);
    }
    arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = NULL;
    struct kd_err err;
    if (jreq_parse((const char *)data, size, &body, &err) < 0)
        return 0;
    const struct supp_settings year = {12, true, SUPP_B_DAISANSHA | SUPP_B_ETSURAN | SUPP_B_FUHYO,
                                       SUPP_P_SHIEN | SUPP_P_HONNIN | SUPP_P_IDOU};
    const struct supp_settings month = {1, false, SUPP_B_KOYO, SUPP_P_KANKEI};
    application(body, &year);
    application(body, &month);
    change(body);
    json_decref(body);
    return 0;
}
