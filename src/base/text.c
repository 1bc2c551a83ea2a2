/*
 * text.c — UTF-8 validation per RFC 3629 and other boundary checks.
 */
#include "base/text.h"

bool text_utf8_valid(const char *str, size_t len, size_t *bad_at)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t need;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            min = 0x10000;
        } else {
            goto bad;
        }
        if (len - i <= need)
            goto bad;
        unsigned cp = c & (0x3Fu >> need);
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += need + 1;
        continue;
    bad:
        if (bad_at)
            *bad_at = i;
        return false;
    }
    return true;
}

size_t text_utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

bool text_has_control(const char *str, size_t len, bool allow_newlines)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i];
        if (c < 0x20 || c == 0x7F) {
            if (allow_newlines && (c == '\t' || c == '\n' || c == '\r'))
                continue;
            return true;
        }
        /* U+0080..U+009F are encoded as C2 80..C2 9F. */
        if (c == 0xC2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
            return true;
    }
    return false;
}

void text_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool text_all_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool text_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
    bool neg = len > 0 && s[0] == '-';
    size_t i = neg;
    if (i == len || len - i > 19)
        return false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!neg && v > (uint64_t)INT64_MAX)
        return false;
    if (neg && v > (uint64_t)INT64_MAX + 1)
        return false;
    int64_t r = neg ? (int64_t)(0 - v) : (int64_t)v;
    if (r < min || r > max)
        return false;
    *out = r;
    return true;
}

int text_check_line(const char *s, size_t len, size_t min_chars, size_t max_chars,
                    const char *field, struct kd_err *err)
{
    size_t bad_at;
    if (!text_utf8_valid(s, len, &bad_at))
        return kd_fail(err, KD_INVALID_UTF8, field, "%s is not valid UTF-8 (byte %zu)", field,
                       bad_at);
    if (text_has_control(s, len, false))
        return kd_fail(err, KD_INVALID_VALUE, field, "%s must not contain control characters",
                       field);
    size_t n = text_utf8_chars(s, len);
    if (n > max_chars)
        return kd_fail(err, KD_TOO_LONG, field, "%s is too long (%zu characters, at most %zu)",
                       field, n, max_chars);
    if (n < min_chars)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s must have at least %zu characters",
                       field, min_chars);
    return 0;
}
