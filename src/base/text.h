/*
 * text.h — small byte and UTF-8 helpers used at input boundaries.
 */
#ifndef KYODO_BASE_TEXT_H
#define KYODO_BASE_TEXT_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Checks that s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). On failure *bad_at (if not NULL) is the offset of
 * the first byte of the bad sequence. */
bool text_utf8_valid(const char *s, size_t len, size_t *bad_at);

/* Number of code points in well-formed UTF-8. */
size_t text_utf8_chars(const char *s, size_t len);

/* True if s holds a C0 control character, DEL, or a C1 control (U+0080..9F).
 * Tab, LF and CR are allowed when allow_newlines is true. */
bool text_has_control(const char *s, size_t len, bool allow_newlines);

/* Lower-case hex of n bytes into out[2n+1]. */
void text_hex(const unsigned char *in, size_t n, char *out);

/* True if s is exactly n ASCII digits. */
bool text_all_digits(const char *s, size_t len);

/* Parses a decimal int64 in [min, max]; the whole of s[0..len) must be digits
 * with an optional leading '-'. More than 19 digits are refused, even when
 * they are leading zeros. */
bool text_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);

/* The common check for a one-line text field from outside: well-formed UTF-8,
 * no control characters, min_chars..max_chars code points. Fails with
 * KD_INVALID_UTF8, KD_INVALID_VALUE or KD_TOO_LONG naming `field`. */
int text_check_line(const char *s, size_t len, size_t min_chars, size_t max_chars,
                    const char *field, struct kd_err *err);

#endif
