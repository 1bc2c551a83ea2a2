/*
 * clock.h — instants and their text form.
 *
 * Instants (audit entries, sessions) are UTC. They travel as int64
 * milliseconds since the Unix epoch and are written as ISO 8601 with a "Z",
 * e.g. "2026-11-27T03:04:05.678Z". Civil dates (異動日, 納期限) are a
 * different thing and belong to the date module, in Asia/Tokyo.
 */
#ifndef KYODO_BASE_CLOCK_H
#define KYODO_BASE_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOCK_ISO_LEN 25 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" + NUL */

/* Wall-clock time in milliseconds since the epoch (UTC). */
int64_t clock_now_ms(void);

/* Monotonic time in microseconds, for durations only. */
int64_t clock_mono_us(void);

/* Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf[CLOCK_ISO_LEN]. Instants
 * before year 0 or after 9999 are written as the first or last instant the
 * form can hold. Defined for every int64 value. */
void clock_format_iso(int64_t ms, char buf[CLOCK_ISO_LEN]);

/* Parses "YYYY-MM-DD" (start of that day, UTC), "YYYY-MM-DDTHH:MM:SSZ" or
 * "YYYY-MM-DDTHH:MM:SS.mmmZ". Checks the calendar (2026-02-29 fails). Returns
 * false on anything else. */
bool clock_parse_iso(const char *s, size_t len, int64_t *ms_out);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t clock_days_from_civil(int64_t y, unsigned m, unsigned d);
void clock_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
bool clock_valid_civil(int64_t y, unsigned m, unsigned d);

#endif
