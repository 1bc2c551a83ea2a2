/*
 * charset.c — CP932 tables and small UTF-8 helpers of the codec.
 *
 * The CP932 tables are built once, at first use, from glibc's iconv "CP932"
 * (so glibc stays the authority on the mapping) and then used byte by byte:
 * decoding reports exactly which bytes are not CP932, and encoding is strict
 * both ways — a character is written only when its code decodes back to the
 * same character, so iconv's one-way "best fit" conversions (¥ -> 0x5C,
 * U+301C -> 0x8160 which reads back as U+FF5E) are refused, not applied.
 * CP932's duplicate codes (NEC-selected IBM extensions and IBM extensions,
 * NEC row 13 and JIS X 0208) decode to one character, which is written with
 * the code iconv chooses. docs/layouts.md §2.1.
 */
#include "migration/codec_internal.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <string.h>

static int32_t single[256];   /* code point, or -1 (lead byte or not a character) */
static uint16_t dbl[0x10000]; /* (lead << 8 | trail) -> code point (BMP), 0 = none */
static uint16_t enc[0x10000]; /* code point -> CP932 code (1 or 2 bytes), 0 = none */
static bool lead_byte[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_errno;

/* Decodes `in` (n bytes) with cd: the one code point it gives, or 0. */
static uint32_t decode_one(iconv_t cd, const unsigned char *in, size_t n)
{
    char ib[2], ob[16];
    memcpy(ib, in, n);
    char *ip = ib, *op = ob;
    size_t il = n, ol = sizeof ob;
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0)
        return 0;
    size_t got = sizeof ob - ol, k;
    if (got == 0)
        return 0;
    uint32_t cp = mig_utf8_next((const unsigned char *)ob, got, &k);
    return k == got ? cp : 0;
}

static void build(void)
{
    iconv_t dec = iconv_open("UTF-8", "CP932");
    iconv_t en = iconv_open("CP932", "UTF-8");
    if (dec == (iconv_t)-1 || en == (iconv_t)-1) {
        init_errno = errno ? errno : EINVAL;
        if (dec != (iconv_t)-1)
            iconv_close(dec);
        if (en != (iconv_t)-1)
            iconv_close(en);
        return;
    }
    for (int b = 0; b < 256; b++) {
        lead_byte[b] = (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC);
        single[b] = -1;
        if (lead_byte[b])
            continue;
        if (b == 0) {
            single[b] = 0;
            continue;
        }
        unsigned char c = (unsigned char)b;
        uint32_t cp = decode_one(dec, &c, 1);
        if (cp)
            single[b] = (int32_t)cp;
    }
    for (int lead = 0x81; lead <= 0xFC; lead++) {
        if (!lead_byte[lead])
            continue;
        for (int trail = 0x40; trail <= 0xFC; trail++) {
            if (trail == 0x7F)
                continue;
            unsigned char in[2] = {(unsigned char)lead, (unsigned char)trail};
            uint32_t cp = decode_one(dec, in, 2);
            if (cp && cp < 0x10000)
                dbl[lead << 8 | trail] = (uint16_t)cp;
        }
    }
    /* Encoding: what iconv writes for each character, kept only when it
     * decodes back to that character. */
    for (int b = 1; b < 256; b++) {
        if (single[b] < 0)
            continue;
        uint32_t cp = (uint32_t)single[b];
        char u[4], ob[4];
        size_t ul = mig_utf8_put(cp, u);
        char *ip = u, *op = ob;
        size_t il = ul, ol = sizeof ob;
        iconv(en, NULL, NULL, NULL, NULL);
        if (iconv(en, &ip, &il, &op, &ol) != (size_t)-1 && il == 0 && sizeof ob - ol == 1 &&
            (unsigned char)ob[0] == b && cp < 0x10000)
            enc[cp] = (uint16_t)b;
    }
    for (int code = 0x8100; code <= 0xFCFF; code++) {
        uint32_t cp = dbl[code];
        if (!cp || enc[cp])
            continue;
        char u[4], ob[4];
        size_t ul = mig_utf8_put(cp, u);
        char *ip = u, *op = ob;
        size_t il = ul, ol = sizeof ob;
        iconv(en, NULL, NULL, NULL, NULL);
        if (iconv(en, &ip, &il, &op, &ol) == (size_t)-1 || il != 0 || sizeof ob - ol != 2)
            continue;
        unsigned l = (unsigned char)ob[0], t = (unsigned char)ob[1];
        if (dbl[l << 8 | t] == cp)
            enc[cp] = (uint16_t)(l << 8 | t);
    }
    iconv_close(dec);
    iconv_close(en);
}

int cp932_init(struct kd_err *e)
{
    pthread_once(&once, build);
    if (init_errno)
        return kd_fail(e, KD_INTERNAL, NULL, "iconv has no CP932: %s", strerror(init_errno));
    return 0;
}

int32_t cp932_single(unsigned char b)
{
    return single[b];
}

bool cp932_is_lead(unsigned char b)
{
    return lead_byte[b];
}

uint32_t cp932_double(unsigned char lead, unsigned char trail)
{
    return dbl[lead << 8 | trail];
}

int cp932_encode(uint32_t cp, unsigned char out[2])
{
    if (cp == 0) {
        out[0] = 0;
        return 1;
    }
    if (cp >= 0x10000 || !enc[cp])
        return 0;
    uint16_t c = enc[cp];
    if (c < 0x100) {
        out[0] = (unsigned char)c;
        return 1;
    }
    out[0] = (unsigned char)(c >> 8);
    out[1] = (unsigned char)(c & 0xFF);
    return 2;
}

/* ---- UTF-8 ------------------------------------------------------------------------ */

uint32_t mig_utf8_next(const unsigned char *s, size_t n, size_t *k)
{
    unsigned char c = s[0];
    if (c < 0x80 || n < 2) {
        *k = 1;
        return c;
    }
    if (c < 0xE0) {
        *k = 2;
        return (uint32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if (c < 0xF0 || n < 4) {
        if (n < 3) {
            *k = n;
            return 0xFFFD;
        }
        *k = 3;
        return (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    *k = 4;
    return (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

size_t mig_utf8_put(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool mig_is_vs(uint32_t cp)
{
    return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

bool mig_is_pua(uint32_t cp)
{
    return (cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000;
}

size_t mig_char_count(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    size_t n = 0;
    while (p < end) {
        size_t k;
        uint32_t cp = mig_utf8_next(p, (size_t)(end - p), &k);
        if (!mig_is_vs(cp))
            n++;
        p += k;
    }
    return n;
}
