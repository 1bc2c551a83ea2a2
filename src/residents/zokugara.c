/*
 * zokugara.c — the 続柄 grammar and the household order.
 */
#include "residents/zokugara.h"

#include <string.h>

static const char *const bases[] = {"夫（未届）", "妻（未届）", "夫", "妻", "子", "父",
                                    "母",         "兄",         "姉", "弟", "妹"};

/* Length of the base at s, or 0. */
static size_t base_at(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        size_t n = strlen(bases[i]);
        if (n <= len && memcmp(s, bases[i], n) == 0)
            return n;
    }
    return 0;
}

static bool equals(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

int zokugara_check(const char *s, size_t len, const char *field, struct kd_err *err)
{
    if (equals(s, len, "世帯主") || equals(s, len, "縁故者") || equals(s, len, "同居人"))
        return 0;
    static const char no[] = "の";
    size_t pos = 0;
    int generations = 0;
    for (;;) {
        size_t n = base_at(s + pos, len - pos);
        if (n == 0)
            break;
        pos += n;
        generations++;
        if (pos == len) {
            if (generations > 4)
                return kd_fail(err, KD_INVALID_VALUE, field,
                               "%s chains at most four relations (five or more: 縁故者)", field);
            return 0;
        }
        if (len - pos < sizeof no - 1 || memcmp(s + pos, no, sizeof no - 1) != 0)
            break;
        pos += sizeof no - 1;
    }
    return kd_fail(err, KD_INVALID_VALUE, field,
                   "%s must be 世帯主, 縁故者, 同居人, or relations such as 妻, 子, 子の子 joined "
                   "by の (祖父 or 孫 are written 父の父, 子の子)",
                   field);
}

bool zokugara_is_head(const char *s)
{
    return strcmp(s, "世帯主") == 0;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int zokugara_rank(const char *s)
{
    if (zokugara_is_head(s))
        return 0;
    if (strcmp(s, "夫") == 0 || strcmp(s, "妻") == 0 || strcmp(s, "夫（未届）") == 0 ||
        strcmp(s, "妻（未届）") == 0)
        return 1;
    if (strcmp(s, "子") == 0)
        return 2;
    if (starts(s, "子の"))
        return 10; /* 第2順位: 子の家族 */
    if (strcmp(s, "父") == 0 || strcmp(s, "母") == 0)
        return 20; /* 第3順位 */
    if (strcmp(s, "兄") == 0 || strcmp(s, "姉") == 0 || strcmp(s, "弟") == 0 ||
        strcmp(s, "妹") == 0)
        return 21;
    if (strcmp(s, "父の父") == 0 || strcmp(s, "父の母") == 0 || strcmp(s, "母の父") == 0 ||
        strcmp(s, "母の母") == 0)
        return 22;
    if (strcmp(s, "縁故者") == 0)
        return 31;
    if (strcmp(s, "同居人") == 0)
        return 32;
    return 30; /* 第4順位: other relatives */
}
