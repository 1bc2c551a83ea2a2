/*
 * seal_synth.h — synthetic seal registrations for demonstrations.
 *
 * Gives a share of a town's (synthetic) residents a registered seal, with a
 * picture drawn here: a red ring with the surname written top to bottom
 * (right to left in two columns when long; 外国人住民 with a Latin-letter
 * name use the katakana reading), 10.5 to 18 mm across, scanned at 200 dpi,
 * with the uneven ink of a real impression, so that no two are alike. Each
 * registration goes through seals_register() with its own past day, so the
 * same rules apply as at the counter (age, residence on that day, 1人1個,
 * the picture's checks). A few cards are lost and re-issued, a few
 * registrations abolished on request, and those of persons who have left
 * the register are abolished from the day of their removal, as the 異動
 * would have done. Deterministic for a given seed.
 *
 * The drawing happens on the report renderer's thread (report_call), the
 * only thread that may use cairo, pango and fontconfig.
 */
#ifndef KYODO_SEALS_SEAL_SYNTH_H
#define KYODO_SEALS_SEAL_SYNTH_H

#include "base/err.h"
#include "store/store.h"

#include <stdint.h>

struct seal_synth_options {
    uint64_t seed;
    const char *start; /* ISO: the register's history begins (no registration before) */
    const char *today; /* ISO, in Japan */
    int64_t now_ms;
    int percent; /* of the adults who could have registered (default 15; a fifth of that under 20) */
};

struct seal_synth_stats {
    int registered; /* registrations made */
    int active;     /* in force today */
    int abolished;  /* on request, or with the owner's removal */
    int reissued;   /* cards lost and re-issued */
};

/* Fills the seal register of one town, which must have none yet
 * (KD_CONFLICT otherwise), from its resident register. One write
 * transaction: on failure nothing is written. */
int seals_synthesize(struct store *town, const struct seal_synth_options *o,
                     struct seal_synth_stats *st, struct kd_err *err);

#endif
