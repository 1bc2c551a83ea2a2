/*
 * zokugara.h — 続柄 (relationship to the householder) and the order of a
 * household's members.
 *
 * Allowed values (住民記録システム標準仕様書 1.1.11; resident-registry.md §5):
 * 世帯主; 縁故者; 同居人; or a chain of up to four of 夫 妻 夫（未届）
 * 妻（未届） 子 父 母 兄 姉 弟 妹 joined by の (子の子, 子の妻, 父の母 …).
 * 祖父, 孫, おじ and the like are not values: they are written as chains.
 */
#ifndef KYODO_RESIDENTS_ZOKUGARA_H
#define KYODO_RESIDENTS_ZOKUGARA_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

/* Checks a 続柄; the error names `field`. */
int zokugara_check(const char *s, size_t len, const char *field, struct kd_err *err);

bool zokugara_is_head(const char *s);

/* The rank of a 続柄 in the standard's order of household members (5.2):
 * 世帯主, 配偶者, 子 (第1順位); 子の家族 (第2); 父母・兄弟姉妹・祖父母 (第3);
 * other relatives, 縁故者, 同居人 (第4). Lower comes first; members of equal
 * rank are then ordered by date of birth, then by 宛名番号. */
int zokugara_rank(const char *s);

#endif
