/*
 * synth.h — synthetic residents for demonstrations and benchmarks.
 *
 * Makes a town's register look lived-in: households of realistic sizes and
 * ages, Japanese names with their readings, a share of foreign residents
 * with their 在留 items, and several years of births, deaths, move-ins,
 * move-outs and moves within the town. Everything goes through
 * residents_record_idou(), so the data obeys the same rules as a clerk's
 * input, and the history is real history. Deterministic for a given seed.
 *
 * The people are invented: any resemblance of a generated name and address
 * to a real person is chance.
 */
#ifndef KYODO_RESIDENTS_SYNTH_H
#define KYODO_RESIDENTS_SYNTH_H

#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

struct synth_options {
    const char *town_code; /* picks the town's 大字 names and postcodes, if known */
    const char *town_name; /* used in addresses: 群馬県吾妻郡<town_name>大字… */
    int residents;         /* residents on `today` when done, exactly */
    uint64_t seed;
    const char *start; /* the history begins (ISO date), e.g. "2016-04-01" */
    const char *today; /* ISO date in Japan */
    int64_t now_ms;
};

struct synth_stats {
    int households, events, births, deaths, moves_in, moves_out, moves_within;
    int residents, removed, foreign; /* on `today`: residents, of whom foreign;
                                        persons no longer resident */
};

/* Whether the town's register has no 異動 yet. */
int residents_register_empty(struct store *town, bool *empty, struct kd_err *err);

/* Fills the register of one town, which must be empty (KD_CONFLICT
 * otherwise). Runs in one write transaction of its own: on failure nothing
 * is written. */
int residents_synthesize(struct store *town, const struct synth_options *o,
                         struct synth_stats *st, struct kd_err *err);

#endif
