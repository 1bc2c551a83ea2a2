/*
 * kana.c — search keys for readings and names, and the stored spelling of a
 * reading. The rules, and why, are in kana.h and docs/search.md.
 *
 * The keys go UTF-8 → UTF-16 (ICU's normaliser has only a UTF-16 C API) →
 * NFKC → fold in place → NFKC again if the fold broke it → UTF-8. The
 * reading functions need no ICU: they touch only kana and spaces.
 */
#include "engine/kana.h"

#include "base/text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

/* UTF-16 units of the largest accepted input (every code point may take two). */
#define SRC_UNITS (2 * KANA_MAX_CHARS)

/* ---- the fold table ------------------------------------------------------- */

/* Markers in the katakana table for characters that are not a plain mapping. */
enum {
    K_DROP = 0,      /* removed from the key */
    K_ITER = 1,      /* ヽ ヾ: repeat the kana before */
    K_VU = 2,        /* ヴ: バ-row by what follows */
};

/*
 * U+30A0..U+30FF → the key's katakana: small → full size, voiced and
 * semi-voiced → plain, ヂ ヅ → シ ス (ジ ズ without the mark), ヰ ヱ ヲ → イ
 * エ オ, ヷ ヸ ヹ ヺ → ハ ヒ ヘ ホ (バ ビ ベ ボ without the mark). Hiragana
 * U+3041..U+3096 and ゝ ゞ use the same table, 0x60 lower.
 */
static const uint16_t kata_fold[96] = {
    /* 30A0 ゠ ァ ア ィ イ ゥ ウ ェ エ ォ オ カ ガ キ ギ ク */
    K_DROP, 0x30A2, 0x30A2, 0x30A4, 0x30A4, 0x30A6, 0x30A6, 0x30A8,
    0x30A8, 0x30AA, 0x30AA, 0x30AB, 0x30AB, 0x30AD, 0x30AD, 0x30AF,
    /* 30B0 グ ケ ゲ コ ゴ サ ザ シ ジ ス ズ セ ゼ ソ ゾ タ */
    0x30AF, 0x30B1, 0x30B1, 0x30B3, 0x30B3, 0x30B5, 0x30B5, 0x30B7,
    0x30B7, 0x30B9, 0x30B9, 0x30BB, 0x30BB, 0x30BD, 0x30BD, 0x30BF,
    /* 30C0 ダ チ ヂ ッ ツ ヅ テ デ ト ド ナ ニ ヌ ネ ノ ハ */
    0x30BF, 0x30C1, 0x30B7, 0x30C4, 0x30C4, 0x30B9, 0x30C6, 0x30C6,
    0x30C8, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF,
    /* 30D0 バ パ ヒ ビ ピ フ ブ プ ヘ ベ ペ ホ ボ ポ マ ミ */
    0x30CF, 0x30CF, 0x30D2, 0x30D2, 0x30D2, 0x30D5, 0x30D5, 0x30D5,
    0x30D8, 0x30D8, 0x30D8, 0x30DB, 0x30DB, 0x30DB, 0x30DE, 0x30DF,
    /* 30E0 ム メ モ ャ ヤ ュ ユ ョ ヨ ラ リ ル レ ロ ヮ ワ */
    0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E4, 0x30E6, 0x30E6, 0x30E8,
    0x30E8, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30EF,
    /* 30F0 ヰ ヱ ヲ ン ヴ ヵ ヶ ヷ ヸ ヹ ヺ ・ ー ヽ ヾ ヿ */
    0x30A4, 0x30A8, 0x30AA, 0x30F3, K_VU, 0x30AB, 0x30B1, 0x30CF,
    0x30D2, 0x30D8, 0x30DB, K_DROP, 0x30FC, K_ITER, K_ITER, 0x30FF,
};

/* ㇰ ㇱ ㇲ ㇳ ㇴ ㇵ ㇶ ㇷ ㇸ ㇹ ㇺ ㇻ ㇼ ㇽ ㇾ ㇿ (U+31F0..31FF) → full size. */
static const uint16_t small_ext_fold[16] = {
    0x30AF, 0x30B7, 0x30B9, 0x30C8, 0x30CC, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30E0, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED,
};

/* Hiragana (and ゝ ゞ) to katakana; everything else unchanged. */
static UChar32 to_katakana(UChar32 c)
{
    if ((c >= 0x3041 && c <= 0x3096) || c == 0x309D || c == 0x309E)
        return c + 0x60;
    return c;
}

static bool is_kana_letter(UChar32 c)
{
    return c >= 0x30A1 && c <= 0x30FA;
}

/* Dash look-alikes (after NFKC): -, ‐, ‒, –, —, ―, −. */
static bool is_dash(UChar32 c)
{
    return c == '-' || c == 0x2010 || (c >= 0x2012 && c <= 0x2015) || c == 0x2212;
}

/* Characters that separate the parts of a name: ・ (･ after NFKC), ·, ゠, = (＝). */
static bool is_separator(UChar32 c)
{
    return c == 0x30FB || c == 0x00B7 || c == 0x30A0 || c == '=';
}

/* White space, control and default-ignorable characters (variation
 * selectors, IVS, ZWSP, ZWJ, BOM, bidi controls …): never part of a key. */
static bool is_invisible(UChar32 c)
{
    if (c < 0x80)
        return c <= 0x20 || c == 0x7F;
    /* Kana, CJK and everything up to the variation selectors U+FE00 hold no
     * white space, control or default-ignorable character but U+3164 (the
     * Hangul filler): skip ICU's property lookups for the common case. */
    if (c > 0x3000 && c < 0xFE00)
        return c == 0x3164;
    if (c >= 0xE0100 && c <= 0xE01EF) /* IVS: listed for the reader, also DI */
        return true;
    return u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR ||
           u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

/* The small kana of the supplementary blocks: 𛄲 (hiragana small ko), 𛅐 𛅑 𛅒
 * (small ゐ ゑ を), 𛅕 (katakana small ko), 𛅤 𛅥 𛅦 𛅧 (small ヰ ヱ ヲ ン).
 * Returns the key's letter, or 0. */
static UChar32 small_supplement_fold(UChar32 c)
{
    switch (c) {
    case 0x1B132: case 0x1B155: return 0x30B3; /* コ */
    case 0x1B150: case 0x1B164: return 0x30A4; /* ゐ ヰ → イ */
    case 0x1B151: case 0x1B165: return 0x30A8; /* ゑ ヱ → エ */
    case 0x1B152: case 0x1B166: return 0x30AA; /* を ヲ → オ */
    case 0x1B167: return 0x30F3;               /* ン */
    default: return 0;
    }
}

enum key_kind { KEY_KANA, KEY_NAME };

/*
 * Step 4 of kana.h (or the name key's fold), in place: s[0..n) holds NFKC
 * output; returns the new length. Every character maps to one of at most as
 * many UTF-16 units, or to nothing, so writing never overtakes reading.
 */
static int32_t fold(UChar *s, int32_t n, enum key_kind kind)
{
    int32_t i = 0, o = 0;
    UChar32 prev = 0; /* the last character written */
    while (i < n) {
        UChar32 c = s[i++];
        if (c >= 0xD800 && c <= 0xDBFF && i < n && s[i] >= 0xDC00 && s[i] <= 0xDFFF)
            c = (c - 0xD800) * 0x400 + (s[i++] - 0xDC00) + 0x10000;
        if (c >= 'a' && c <= 'z') {
            c -= 'a' - 'A';
        } else if (is_separator(c) || is_invisible(c)) {
            continue;
        } else if (kind == KEY_NAME) {
            /* nothing else is folded in a name */
        } else if (c == 0x3099 || c == 0x309A || c == 0x309B || c == 0x309C) {
            continue; /* a voicing mark NFKC could not combine */
        } else if (is_dash(c)) {
            if (!(is_kana_letter(prev) || prev == 0x30FC))
                continue;
            c = 0x30FC;
        } else {
            UChar32 k = to_katakana(c);
            if (k >= 0x30A0 && k <= 0x30FF) {
                uint16_t f = kata_fold[k - 0x30A0];
                if (f == K_DROP)
                    continue;
                if (f == K_ITER) {
                    c = is_kana_letter(prev) ? prev : 0x30FD;
                } else if (f == K_VU) {
                    /* ヴァ ヴィ ヴェ ヴォ → バ ビ ベ ボ (the small vowel is
                     * consumed), ヴュ → ビュ, ヴ → ブ; then without the mark. */
                    UChar32 nx = i < n ? to_katakana(s[i]) : 0;
                    c = 0x30D5;
                    if (nx == 0x30A1 || nx == 0x30A3 || nx == 0x30A7 || nx == 0x30A9) {
                        c = nx == 0x30A1 ? 0x30CF : nx == 0x30A3 ? 0x30D2
                          : nx == 0x30A7 ? 0x30D8 : 0x30DB;
                        i++;
                    } else if (nx == 0x30E5) {
                        c = 0x30D2;
                    }
                } else {
                    c = f;
                }
            } else if (c >= 0x31F0 && c <= 0x31FF) {
                c = small_ext_fold[c - 0x31F0];
            } else if (c >= 0x1B100) {
                UChar32 f = small_supplement_fold(c);
                if (f)
                    c = f;
            }
        }
        if (c < 0x10000) {
            s[o++] = (UChar)c;
        } else {
            s[o++] = (UChar)(0xD800 + ((c - 0x10000) >> 10));
            s[o++] = (UChar)(0xDC00 + ((c - 0x10000) & 0x3FF));
        }
        prev = c;
    }
    return o;
}

/* ---- the key pipeline ----------------------------------------------------- */

/* Sets out to "" (when it has room) and *out_len to 0. */
static void clear_out(char *out, size_t cap, size_t *out_len)
{
    if (cap > 0)
        out[0] = '\0';
    if (out_len)
        *out_len = 0;
}

/* The checks shared by every function: length in bytes first (more than
 * KANA_KEY_MAX bytes cannot be KANA_MAX_CHARS code points, so a long input is
 * refused without reading it), then UTF-8, then length in code points. */
static int check_input(const char *in, size_t len, const char *field, struct kd_err *err)
{
    size_t bad;
    if (len > KANA_KEY_MAX)
        return kd_fail(err, KD_TOO_LONG, field, "longer than %d characters", KANA_MAX_CHARS);
    if (!text_utf8_valid(in, len, &bad))
        return kd_fail(err, KD_INVALID_UTF8, field, "invalid UTF-8 at byte %zu", bad);
    if (text_utf8_chars(in, len) > KANA_MAX_CHARS)
        return kd_fail(err, KD_TOO_LONG, field, "longer than %d characters", KANA_MAX_CHARS);
    return 0;
}

/* UTF-16 s[0..n) as NUL-terminated UTF-8 into out[cap]. */
static int put_utf8(const UChar *s, int32_t n, char *out, size_t cap, size_t *out_len,
                    struct kd_err *err)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t room = cap > (size_t)INT32_MAX ? INT32_MAX : (int32_t)(cap > 0 ? cap - 1 : 0);
    int32_t n8 = 0;
    u_strToUTF8(cap > 0 ? out : NULL, room, &n8, s, n, &st);
    /* (With cap 0 even an empty result has no room for its NUL.) */
    if (st == U_BUFFER_OVERFLOW_ERROR || (U_SUCCESS(st) && (size_t)n8 >= cap)) {
        clear_out(out, cap, out_len);
        if (out_len)
            *out_len = (size_t)n8;
        return kd_fail(err, KD_TOO_LONG, NULL, "the result needs %d bytes and a NUL, the buffer has %zu",
                       n8, cap);
    }
    if (U_FAILURE(st)) {
        clear_out(out, cap, out_len);
        return kd_fail(err, KD_INTERNAL, NULL, "u_strToUTF8: %s", u_errorName(st));
    }
    out[n8] = '\0';
    if (out_len)
        *out_len = (size_t)n8;
    return 0;
}

static int search_key(const char *in, size_t len, enum key_kind kind, char *out, size_t cap,
                      size_t *out_len, struct kd_err *err)
{
    clear_out(out, cap, out_len);
    if (check_input(in, len, NULL, err) < 0)
        return -1;

    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&st);
    if (U_FAILURE(st))
        return kd_fail(err, KD_INTERNAL, NULL, "ICU NFKC: %s", u_errorName(st));

    /* Step 1 done; UTF-16. Valid UTF-8 of at most KANA_MAX_CHARS code points
     * always fits SRC_UNITS. */
    UChar src[SRC_UNITS];
    int32_t n = 0;
    u_strFromUTF8(src, SRC_UNITS, &n, in, (int32_t)len, &st);
    if (U_FAILURE(st))
        return kd_fail(err, KD_INTERNAL, NULL, "u_strFromUTF8: %s", u_errorName(st));

    /* Step 2: ゛ ゜ → combining marks, and hiragana → katakana, so that NFKC
     * composes marks as katakana (わ゙ has no precomposed form, ヷ has). */
    if (kind == KEY_KANA) {
        for (int32_t i = 0; i < n; i++) {
            if (src[i] == 0x309B || src[i] == 0x309C)
                src[i] = (UChar)(src[i] - 2);
            else
                src[i] = (UChar)to_katakana(src[i]);
        }
    }

    /* Step 3: NFKC, on the stack unless it expands past KANA_STACK_UNITS.
     * (In ICU 72's Unicode 15 data no character's NFKC has more than 3 UTF-16
     * units beyond the code points the fold keeps, so an input that needs the
     * heap keeps more than KANA_MAX_CHARS and almost always ends as too long;
     * the heap keeps the rare rest, where step 5 composes the key back below
     * the bound, and whatever a later Unicode adds, correct.) */
    int rc = -1;
    UChar stack[KANA_STACK_UNITS];
    UChar *heap = NULL, *s = stack;
    int32_t m = unorm2_normalize(nfkc, src, n, stack, KANA_STACK_UNITS, &st);
    if (st == U_BUFFER_OVERFLOW_ERROR) {
        heap = malloc((size_t)m * sizeof *heap);
        if (!heap) {
            kd_fail(err, KD_INTERNAL, NULL, "out of memory for %d UTF-16 units", m);
            goto out;
        }
        st = U_ZERO_ERROR;
        s = heap;
        m = unorm2_normalize(nfkc, src, n, heap, m, &st);
    }
    if (U_FAILURE(st)) {
        kd_fail(err, KD_INTERNAL, NULL, "unorm2_normalize: %s", u_errorName(st));
        goto out_free;
    }

    /* Step 4. */
    m = fold(s, m, kind);

    /* Step 5: removing a character can put a combining mark after a new base
     * (or uncover a reordering); NFKC again, into src, which is free now. A
     * result longer than SRC_UNITS units is longer than KANA_MAX_CHARS code
     * points, so overflow there is the too-long case. */
    if (unorm2_spanQuickCheckYes(nfkc, s, m, &st) < m && U_SUCCESS(st)) {
        int32_t m2 = unorm2_normalize(nfkc, s, m, src, SRC_UNITS, &st);
        if (st == U_BUFFER_OVERFLOW_ERROR) {
            kd_fail(err, KD_TOO_LONG, NULL, "the key would be longer than %d characters",
                    KANA_MAX_CHARS);
            goto out_free;
        }
        s = src;
        m = m2;
    }
    if (U_FAILURE(st)) {
        kd_fail(err, KD_INTERNAL, NULL, "unorm2_normalize: %s", u_errorName(st));
        goto out_free;
    }

    /* Step 6. */
    if (u_countChar32(s, m) > KANA_MAX_CHARS) {
        kd_fail(err, KD_TOO_LONG, NULL, "the key would be longer than %d characters",
                KANA_MAX_CHARS);
        goto out_free;
    }
    rc = put_utf8(s, m, out, cap, out_len, err);

out_free:
    free(heap);
out:
    return rc;
}

int kana_search_key(const char *in, size_t len, char *out, size_t cap, size_t *out_len,
                    struct kd_err *err)
{
    return search_key(in, len, KEY_KANA, out, cap, out_len, err);
}

int name_search_key(const char *in, size_t len, char *out, size_t cap, size_t *out_len,
                    struct kd_err *err)
{
    return search_key(in, len, KEY_NAME, out, cap, out_len, err);
}

/* ---- readings ------------------------------------------------------------- */

/* The next code point of valid UTF-8 s[*i..). */
static uint32_t utf8_next(const unsigned char *s, size_t *i)
{
    uint32_t c = s[*i];
    if (c < 0x80) {
        *i += 1;
        return c;
    }
    size_t n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    c &= 0x3Fu >> n;
    for (size_t k = 1; k <= n; k++)
        c = c << 6 | (s[*i + k] & 0x3Fu);
    *i += n + 1;
    return c;
}

/* Appends c as UTF-8 at out + o; returns the new offset. */
static size_t utf8_put(unsigned char *out, size_t o, uint32_t c)
{
    if (c < 0x80) {
        out[o++] = (unsigned char)c;
    } else if (c < 0x800) {
        out[o++] = (unsigned char)(0xC0 | c >> 6);
        out[o++] = (unsigned char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out[o++] = (unsigned char)(0xE0 | c >> 12);
        out[o++] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        out[o++] = (unsigned char)(0x80 | (c & 0x3F));
    } else {
        out[o++] = (unsigned char)(0xF0 | c >> 18);
        out[o++] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
        out[o++] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        out[o++] = (unsigned char)(0x80 | (c & 0x3F));
    }
    return o;
}

/* Half-width U+FF61..FF9F → full width: ｡｢｣､･ ｦ ｧ-ｯ ｰ ｱ-ﾝ, and ﾞ ﾟ → the
 * combining marks U+3099/A (as NFKC maps them). */
static const uint16_t halfwidth[63] = {
    /* FF61 ｡ ｢ ｣ ､ ･ ｦ ｧ ｨ ｩ ｪ ｫ ｬ ｭ ｮ ｯ */
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3,
    0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3,
    /* FF70 ｰ ｱ ｲ ｳ ｴ ｵ ｶ ｷ ｸ ｹ ｺ ｻ ｼ ｽ ｾ ｿ */
    0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD,
    0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD,
    /* FF80 ﾀ ﾁ ﾂ ﾃ ﾄ ﾅ ﾆ ﾇ ﾈ ﾉ ﾊ ﾋ ﾌ ﾍ ﾎ ﾏ */
    0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC,
    0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE,
    /* FF90 ﾐ ﾑ ﾒ ﾓ ﾔ ﾕ ﾖ ﾗ ﾘ ﾙ ﾚ ﾛ ﾜ ﾝ ﾞ ﾟ */
    0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x3099, 0x309A,
};

/* The canonical composition of a katakana and U+3099 (voiced) or U+309A
 * (semi-voiced), or 0 when there is none: カ-ト → ガ-ド, ハ-ホ → バ-ボ / パ-ポ,
 * ウ → ヴ, ワ ヰ ヱ ヲ → ヷ ヸ ヹ ヺ, ヽ → ヾ. */
static uint32_t compose_kana(uint32_t base, uint32_t mark)
{
    if (mark == 0x309A)
        return base >= 0x30CF && base <= 0x30DB && (base - 0x30CF) % 3 == 0 ? base + 2 : 0;
    /* カ キ … ト: the plain kana are every other code point from カ to チ,
     * then ツ テ ト after ッ. */
    if ((base >= 0x30AB && base <= 0x30C1 && (base - 0x30AB) % 2 == 0) ||
        base == 0x30C4 || base == 0x30C6 || base == 0x30C8)
        return base + 1;
    if (base >= 0x30CF && base <= 0x30DB && (base - 0x30CF) % 3 == 0)
        return base + 1;
    if (base == 0x30A6)
        return 0x30F4;
    if (base >= 0x30EF && base <= 0x30F2)
        return base + 8;
    if (base == 0x30FD)
        return 0x30FE;
    return 0;
}

int kana_normalise_reading(const char *in, size_t len, char *out, size_t cap, size_t *out_len,
                           struct kd_err *err)
{
    clear_out(out, cap, out_len);
    if (check_input(in, len, NULL, err) < 0)
        return -1;

    uint32_t cps[KANA_MAX_CHARS];
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)in;
    for (size_t i = 0; i < len;) {
        uint32_t c = utf8_next(s, &i);
        if (c >= 0xFF61 && c <= 0xFF9F)
            c = halfwidth[c - 0xFF61];
        else if (c == 0x309B || c == 0x309C)
            c -= 2;
        else
            c = (uint32_t)to_katakana((UChar32)c);
        if (c == ' ')
            c = 0x3000;
        if (c == 0x3000 && (n == 0 || cps[n - 1] == 0x3000))
            continue; /* leading, or a run */
        if ((c == 0x3099 || c == 0x309A) && n > 0) {
            uint32_t k = compose_kana(cps[n - 1], c);
            if (k) {
                cps[n - 1] = k;
                continue;
            }
        }
        cps[n++] = c;
    }
    if (n > 0 && cps[n - 1] == 0x3000)
        n--;

    unsigned char buf[KANA_KEY_MAX];
    size_t o = 0;
    for (size_t k = 0; k < n; k++)
        o = utf8_put(buf, o, cps[k]);
    if (o >= cap) {
        clear_out(out, cap, out_len);
        if (out_len)
            *out_len = o;
        return kd_fail(err, KD_TOO_LONG, NULL, "the result needs %zu bytes and a NUL, the buffer has %zu",
                       o, cap);
    }
    for (size_t k = 0; k < o; k++)
        out[k] = (char)buf[k];
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return 0;
}

static bool reading_char_ok(uint32_t c)
{
    return (c >= 0x30A1 && c <= 0x30FE) || (c >= 0x31F0 && c <= 0x31FF) || c == 0x3000;
}

int kana_check_reading(const char *str, size_t len, const char *field, struct kd_err *err)
{
    if (check_input(str, len, field, err) < 0)
        return -1;
    if (len == 0)
        return kd_fail(err, KD_INVALID_VALUE, field, "a reading cannot be empty");
    const unsigned char *s = (const unsigned char *)str;
    uint32_t prev = 0;
    size_t pos = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = utf8_next(s, &i);
        pos++;
        if (!reading_char_ok(c))
            return kd_fail(err, KD_INVALID_VALUE, field,
                           "character %zu is not full-width katakana, ー, ・ or a full-width space",
                           pos);
        if (c == 0x3000) {
            if (pos == 1)
                return kd_fail(err, KD_INVALID_VALUE, field,
                               "character %zu is a space at the start", pos);
            if (prev == 0x3000)
                return kd_fail(err, KD_INVALID_VALUE, field,
                               "character %zu is a second space in a row", pos);
            if (i == len)
                return kd_fail(err, KD_INVALID_VALUE, field, "character %zu is a space at the end",
                               pos);
        }
        prev = c;
    }
    return 0;
}
