/*
 * ident.h — check digits of the national and local identifiers.
 *
 * Rules and test vectors: ../shared/domain/identifiers-and-dates.md §1.
 * Every function takes a length-delimited string and never reads past it; a
 * wrong length or a non-digit makes the number invalid.
 */
#ifndef KYODO_ENGINE_IDENT_H
#define KYODO_ENGINE_IDENT_H

#include <stdbool.h>
#include <stddef.h>

/* 全国地方公共団体コード: 5 digits + check digit, weights 6..2 over the five,
 * CD = last digit of 11 - (sum mod 11), so remainder 0 -> 1 and 1 -> 0. */
bool ident_lg_code_valid(const char *s, size_t len);
int ident_lg_code_check_digit(const char five[5]);

/* 個人番号: 11 digits + check digit, mod 11 with weights 6 5 4 3 2 7 6 5 4 3 2
 * left to right; remainder <= 1 -> 0 (平成26年総務省令第85号 第5条). */
bool ident_mynumber_valid(const char *s, size_t len);
int ident_mynumber_check_digit(const char eleven[11]);

/* 住民票コード: 10 digits + check digit, the same mod-11 scheme over ten
 * digits (weights 5 4 3 2 7 6 5 4 3 2). ◐: inferred, to be confirmed against
 * 平成14年総務省告示第436号 (open item 1 in the domain notes). */
bool ident_jumin_code_valid(const char *s, size_t len);

/* 法人番号: check digit FIRST, then a 12-digit base number;
 * CD = 9 - (sum of digit x (1 or 2) mod 9) (財務省令第70号 第2条). */
bool ident_corp_number_valid(const char *s, size_t len);

/*
 * 宛名番号 / 世帯番号: a serial + モジュラス11 check digit with weights 2..7
 * repeating from the rightmost serial digit, CD = 11 - (sum mod 11),
 * remainder 0 -> 0. What remainder 1 (CD "10") gives is not stated by the
 * standard (住民記録システム標準仕様書 1.1.13), so it is the caller's setting.
 */
enum ident_m11_r1 {
    IDENT_M11_R1_ZERO, /* remainder 1 -> check digit 0 */
    IDENT_M11_R1_SKIP, /* remainder 1 -> the serial is not issued */
};
/* Returns the check digit 0..9, or -1 when the serial must be skipped. */
int ident_m11_check_digit(const char *serial, size_t len, enum ident_m11_r1 rule);

#endif
