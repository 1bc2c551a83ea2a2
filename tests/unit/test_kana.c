/*
 * test_kana.c — src/engine/kana: the reading and name search keys, and the
 * stored spelling and check of a reading (rules in kana.h, docs/search.md).
 */
#include "testutil.h"

#include "engine/kana.h"

#include <pthread.h>
#include <stdbool.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define V(s) (s), strlen(s)

/* ---- helpers -------------------------------------------------------------- */

/* A result buffer, four in turn, so that two results can be compared. */
static char *next_buf(void)
{
    static char bufs[4][KANA_KEY_MAX + 1];
    static unsigned turn;
    return bufs[turn++ % 4];
}

/* The kana key of s; fails the test if the call fails. */
static const char *kk(const char *s)
{
    char *out = next_buf();
    size_t n = 99;
    struct kd_err err = {0};
    int rc = kana_search_key(V(s), out, KANA_KEY_MAX + 1, &n, &err);
    if (rc != 0)
        fail_msg("kana_search_key(\"%s\"): %s", s, err.message);
    assert_int_equal(n, strlen(out));
    return out;
}

/* The name key of s, as kk. */
static const char *nk(const char *s)
{
    char *out = next_buf();
    size_t n = 99;
    struct kd_err err = {0};
    int rc = name_search_key(V(s), out, KANA_KEY_MAX + 1, &n, &err);
    if (rc != 0)
        fail_msg("name_search_key(\"%s\"): %s", s, err.message);
    assert_int_equal(n, strlen(out));
    return out;
}

/* The stored spelling of a reading, as kk. */
static const char *nr(const char *s)
{
    char *out = next_buf();
    size_t n = 99;
    struct kd_err err = {0};
    int rc = kana_normalise_reading(V(s), out, KANA_KEY_MAX + 1, &n, &err);
    if (rc != 0)
        fail_msg("kana_normalise_reading(\"%s\"): %s", s, err.message);
    assert_int_equal(n, strlen(out));
    return out;
}

#define KEY_IS(in, want) assert_string_equal(kk(in), want)

/* kana_check_reading fails with `code` and a message containing `needle`. */
static void reading_fails(const char *s, enum kd_code code, const char *needle)
{
    struct kd_err err = {0};
    assert_int_equal(kana_check_reading(V(s), "simei_kana", &err), -1);
    assert_int_equal(err.code, code);
    assert_string_equal(err.field, "simei_kana");
    if (!strstr(err.message, needle))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err.message, needle);
}

static void reading_ok(const char *s)
{
    struct kd_err err = {0};
    if (kana_check_reading(V(s), "simei_kana", &err) != 0)
        fail_msg("\"%s\" refused: %s", s, err.message);
}

/* NFKC or NFC of UTF-8 s by ICU, for comparing our tables with Unicode's. */
static void icu_norm(const UNormalizer2 *nm, const char *s, char *out, size_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar a[64], b[256];
    int32_t n, m, n8;
    u_strFromUTF8(a, 64, &n, s, -1, &st);
    m = unorm2_normalize(nm, a, n, b, 256, &st);
    u_strToUTF8(out, (int32_t)cap, &n8, b, m, &st);
    assert_true(U_SUCCESS(st));
}

static size_t put_cp(char *p, unsigned c)
{
    if (c < 0x80) {
        p[0] = (char)c;
        return 1;
    }
    if (c < 0x10000) {
        p[0] = (char)(0xE0 | c >> 12);
        p[1] = (char)(0x80 | (c >> 6 & 0x3F));
        p[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    p[0] = (char)(0xF0 | c >> 18);
    p[1] = (char)(0x80 | (c >> 12 & 0x3F));
    p[2] = (char)(0x80 | (c >> 6 & 0x3F));
    p[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* ---- kana_search_key ------------------------------------------------------ */

static void key_the_issue_example(void **state)
{
    (void)state;
    KEY_IS("ｽｽﾞｷ ｲﾁﾛｳ", "ススキイチロウ");
    KEY_IS("すずき いちろう", "ススキイチロウ");
    KEY_IS("スズキイチロウ", "ススキイチロウ");
    KEY_IS("ススキ イチロウ", "ススキイチロウ");
    KEY_IS("ススキ　イチロウ", "ススキイチロウ");
    KEY_IS("", "");
}

static void key_half_width(void **state)
{
    (void)state;
    KEY_IS("ｶﾞｯｺｳ", "カツコウ");
    KEY_IS("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "ハヒフヘホ");
    KEY_IS("ｧｨｩｪｫｬｭｮｯ", "アイウエオヤユヨツ");
    KEY_IS("ﾀﾅｶ ﾊﾅｺ", "タナカハナコ");
    KEY_IS("ｦ", "オ");
    KEY_IS("ﾝ", "ン");
    /* A mark that NFKC cannot combine is dropped. */
    KEY_IS("ｱﾞ", "ア");
    KEY_IS("ﾞﾟ", "");
}

static void key_hiragana(void **state)
{
    (void)state;
    KEY_IS("あいうえお", "アイウエオ");
    KEY_IS("やまだ たろう", "ヤマタタロウ");
    KEY_IS("ぁぃぅぇぉっゃゅょゎゕゖ", "アイウエオツヤユヨワカケ");
    KEY_IS("ん", "ン");
    /* Mixed scripts meet. */
    assert_string_equal(kk("さとウ"), kk("サトう"));
    /* ゟ (the より digraph) by NFKC. */
    KEY_IS("ゟ", "ヨリ");
}

static void key_small_kana(void **state)
{
    (void)state;
    KEY_IS("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ");
    KEY_IS("ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ", "クシストヌハヒフヘホムラリルレロ");
    /* Small kana of the supplementary blocks: 𛅕 (small コ), 𛅧 (small ン). */
    KEY_IS("\xF0\x9B\x85\x95\xF0\x9B\x85\xA7", "コン");
    /* Legacy data without small kana meets the modern spelling. */
    assert_string_equal(kk("ジヨウ"), kk("ジョウ"));
    assert_string_equal(kk("キツカワ"), kk("キッカワ"));
}

static void key_voiced_marks(void **state)
{
    (void)state;
    /* Precomposed. */
    KEY_IS("ガギグゲゴザジズゼゾダデド", "カキクケコサシスセソタテト");
    KEY_IS("バビブベボパピプペポ", "ハヒフヘホハヒフヘホ");
    /* 連濁 spellings meet. */
    assert_string_equal(kk("ヤマサキ"), kk("ヤマザキ"));
    /* Combining marks U+3099 / U+309A, after katakana and hiragana. */
    KEY_IS("カ\xE3\x82\x99", "カ");
    KEY_IS("ハ\xE3\x82\x9A", "ハ");
    KEY_IS("か\xE3\x82\x99", "カ");
    KEY_IS("ア\xE3\x82\x99", "ア");
    KEY_IS("\xE3\x82\x99\xE3\x82\x9A", "");
    /* Standalone spacing marks ゛ ゜. */
    KEY_IS("゛゜", "");
    KEY_IS("カ゛", "カ");
    KEY_IS("ハ゜", "ハ");
    KEY_IS("ア゛", "ア");
    /* ヂ ヅ are ジ ズ without the mark (現代仮名遣い). */
    KEY_IS("ヂヅ", "シス");
    assert_string_equal(kk("ツヅキ"), kk("ツズキ"));
    assert_string_equal(kk("チヂワ"), kk("チジワ"));
    assert_string_not_equal(kk("チ"), "シ");
    /* ヰ ヱ ヲ are イ エ オ. */
    KEY_IS("ヰヱヲ", "イエオ");
    KEY_IS("ゐゑを", "イエオ");
    /* Iteration marks repeat the kana before them. */
    assert_string_equal(kk("イスヾ"), kk("イスズ"));
    assert_string_equal(kk("サヽキ"), kk("ササキ"));
    assert_string_equal(kk("みすゞ"), kk("ミスズ"));
    KEY_IS("ヽ", "ヽ");
    KEY_IS("ヾ", "ヽ");
    KEY_IS("Aヽ", "Aヽ");
}

static void key_vu(void **state)
{
    (void)state;
    KEY_IS("ヴ", "フ");
    KEY_IS("ヴァヴィヴヴェヴォ", "ハヒフヘホ");
    assert_string_equal(kk("ヴァイオリン"), kk("バイオリン"));
    assert_string_equal(kk("ヴィクター"), kk("ビクター"));
    assert_string_equal(kk("ヴェルディ"), kk("ベルディ"));
    assert_string_equal(kk("ヴュー"), kk("ビュー"));
    /* Every way of writing ヴィ. */
    KEY_IS("ｳﾞｨ", "ヒ");
    KEY_IS("ゔぃ", "ヒ");
    KEY_IS("ウ\xE3\x82\x99ィ", "ヒ");
    KEY_IS("ウ゛ィ", "ヒ");
    /* ヷ ヸ ヹ ヺ are ヴァ ヴィ ヴェ ヴォ. */
    KEY_IS("ヷヸヹヺ", "ハヒヘホ");
    /* … however they are typed: わ゙ has no precomposed hiragana. */
    KEY_IS("わ\xE3\x82\x99ゐﾞゑ゛を゛", "ハヒヘホ");
    assert_string_equal(kk("わ゛"), kk(nr("わ゛")));
    /* ヴ does not meet ウ (it is V, not W). */
    assert_string_not_equal(kk("ヴ"), kk("ウ"));
    assert_string_not_equal(kk("ヴィ"), kk("ウィ"));
}

static void key_long_vowel(void **state)
{
    (void)state;
    /* ー is kept. */
    KEY_IS("ジョージ", "シヨーシ");
    KEY_IS("ｼﾞｮｰｼﾞ", "シヨーシ");
    assert_string_not_equal(kk("ルーカス"), kk("ルカス"));
    assert_string_not_equal(kk("サトー"), kk("サトウ"));
    /* Dash look-alikes after a kana are ー. */
    const char *dashes[] = {"ジョ-ジ", "ジョ－ジ", "ジョ‐ジ", "ジョ‑ジ", "ジョ–ジ",
                            "ジョ—ジ", "ジョ―ジ", "ジョ−ジ", "ジョ﹣ジ"};
    for (size_t i = 0; i < sizeof dashes / sizeof dashes[0]; i++)
        assert_string_equal(kk(dashes[i]), "シヨーシ");
    KEY_IS("ア--", "アーー");
    KEY_IS("アー-", "アーー");
    KEY_IS("ア -", "アー");
    /* Elsewhere they separate, like a space. */
    assert_string_equal(kk("JEAN-PIERRE"), kk("JEAN PIERRE"));
    KEY_IS("-ア", "ア");
    KEY_IS("ー", "ー");
}

static void key_spaces(void **state)
{
    (void)state;
    KEY_IS(" ス ズ キ ", "ススキ");
    KEY_IS("　ス　ズ　キ　", "ススキ");
    KEY_IS("ス\tズ\xC2\xA0キ\xE2\x80\x83", "ススキ"); /* tab, NBSP, em space */
    KEY_IS("ス\xE2\x80\x8Bズ\xEF\xBB\xBFキ", "ススキ"); /* ZWSP, BOM */
    KEY_IS("ス\x01キ\x7F", "スキ");
    KEY_IS("   　　", "");
}

/* kana.c skips ICU's property lookups for U+3001–U+FDFF, assuming that no
 * character there but U+3164 is white space, a control or default-ignorable.
 * This holds for the Unicode data of the ICU we link; a new version that
 * breaks it fails here. */
static void key_invisible_fast_path(void **state)
{
    (void)state;
    for (UChar32 c = 0x3001; c < 0xFE00; c++) {
        bool invisible = u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR ||
                         u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
        if (invisible != (c == 0x3164))
            fail_msg("U+%04X: the fast path in kana.c is wrong for it", (unsigned)c);
    }
    KEY_IS("ア\xE3\x85\xA4イ", "アイ"); /* U+3164 */
}

static void key_nakaguro(void **state)
{
    (void)state;
    const char *forms[] = {"ジョン・スミス", "ジョン スミス", "ｼﾞｮﾝ･ｽﾐｽ", "ジョン＝スミス",
                           "ジョン=スミス", "ジョン゠スミス", "ジョン·スミス", "じょん・すみす"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        assert_string_equal(kk(forms[i]), "シヨンスミス");
}

static void key_latin(void **state)
{
    (void)state;
    KEY_IS("Smith", "SMITH");
    KEY_IS("ｓｍｉｔｈ", "SMITH");
    KEY_IS("Smith ｽﾐｽ", "SMITHスミス");
    KEY_IS("o'brien", "O'BRIEN");
    KEY_IS("Ａ１", "A1");
    /* Only ASCII letters change case. */
    KEY_IS("é", "é");
    KEY_IS("e\xCC\x81", "é"); /* e + combining acute: NFKC composes */
    /* Kanji pass through. */
    KEY_IS("鈴木", "鈴木");
}

static void key_invalid_utf8(void **state)
{
    (void)state;
    const char *bad[] = {"\xFF", "ス\xE3\x82", "\xC0\xAF", "\xED\xA0\x80", "ア\x80",
                         "\xF4\x90\x80\x80"};
    const size_t at[] = {0, 3, 0, 0, 3, 0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[64];
        memset(out, 'x', sizeof out);
        size_t n = 99;
        struct kd_err err = {0};
        assert_int_equal(kana_search_key(V(bad[i]), out, sizeof out, &n, &err), -1);
        assert_int_equal(err.code, KD_INVALID_UTF8);
        char want[32];
        snprintf(want, sizeof want, "byte %zu", at[i]);
        assert_non_null(strstr(err.message, want));
        assert_string_equal(out, "");
        assert_int_equal(n, 0);
        assert_int_equal(name_search_key(V(bad[i]), out, sizeof out, &n, &err), -1);
        assert_int_equal(err.code, KD_INVALID_UTF8);
        assert_int_equal(kana_normalise_reading(V(bad[i]), out, sizeof out, &n, &err), -1);
        assert_int_equal(err.code, KD_INVALID_UTF8);
    }
    /* An embedded NUL is valid UTF-8 (a control character: dropped). */
    char out[16];
    size_t n;
    struct kd_err err = {0};
    assert_int_equal(kana_search_key("ア\0イ", 7, out, sizeof out, &n, &err), 0);
    assert_string_equal(out, "アイ");
}

static void key_too_long(void **state)
{
    (void)state;
    char in[4 * KANA_MAX_CHARS + 64];
    char out[KANA_KEY_MAX + 1];
    size_t n, len = 0;
    struct kd_err err = {0};
    /* Exactly KANA_MAX_CHARS characters: accepted. */
    for (int i = 0; i < KANA_MAX_CHARS; i++)
        len += put_cp(in + len, 0x30A2);
    assert_int_equal(kana_search_key(in, len, out, sizeof out, &n, &err), 0);
    assert_int_equal(n, 3 * KANA_MAX_CHARS);
    /* One more: refused. */
    len += put_cp(in + len, 0x30A2);
    assert_int_equal(kana_search_key(in, len, out, sizeof out, &n, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_int_equal(name_search_key(in, len, out, sizeof out, &n, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_int_equal(kana_check_reading(in, len, "f", &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    /* KANA_MAX_CHARS ASCII letters are fine; more bytes than KANA_KEY_MAX
     * are refused before they are read (invalid UTF-8 in them or not). */
    memset(in, 'a', KANA_MAX_CHARS);
    assert_int_equal(kana_search_key(in, KANA_MAX_CHARS, out, sizeof out, &n, &err), 0);
    memset(in, 0xFF, sizeof in);
    assert_int_equal(kana_search_key(in, KANA_KEY_MAX + 1, out, sizeof out, &n, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    /* An input within the bound whose key is not: ㌀ is アパート. */
    len = 0;
    for (int i = 0; i < 100; i++)
        len += put_cp(in + len, 0x3300);
    assert_int_equal(kana_search_key(in, len, out, sizeof out, &n, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_non_null(strstr(err.message, "key"));
    len = 0;
    for (int i = 0; i < 64; i++)
        len += put_cp(in + len, 0x3300);
    assert_int_equal(kana_search_key(in, len, out, sizeof out, &n, &err), 0);
    assert_int_equal(n, 3 * 4 * 64);
    /* NFKC past the stack buffer (ﷺ is 18 characters): the heap path, then
     * refused as too long, and nothing leaks (ASan). */
    len = 0;
    for (int i = 0; i < 200; i++)
        len += put_cp(in + len, 0xFDFA);
    assert_int_equal(kana_search_key(in, len, out, sizeof out, &n, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_int_equal(name_search_key(in, len, out, sizeof out, &n, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
}

static void key_buffer_too_small(void **state)
{
    (void)state;
    const char *in = "すずき";
    char buf[32];
    size_t n = 0;
    struct kd_err err = {0};
    /* "ススキ" is 9 bytes: 10 with the NUL fit, 9 do not. */
    memset(buf, 'x', sizeof buf);
    assert_int_equal(kana_search_key(V(in), buf, 10, &n, &err), 0);
    assert_string_equal(buf, "ススキ");
    assert_int_equal(buf[10], 'x');
    memset(buf, 'x', sizeof buf);
    assert_int_equal(kana_search_key(V(in), buf, 9, &n, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_int_equal(n, 9); /* what it needs */
    assert_string_equal(buf, "");
    assert_int_equal(buf[9], 'x'); /* nothing written past cap */
    memset(buf, 'x', sizeof buf);
    assert_int_equal(kana_search_key(V(in), buf, 1, &n, &err), -1);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'x');
    assert_int_equal(kana_search_key(V(in), NULL, 0, &n, &err), -1);
    assert_int_equal(n, 9);
    /* An empty key still needs its NUL: cap 0 is too small, 1 is enough. */
    assert_int_equal(kana_search_key(V(" "), NULL, 0, &n, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_int_equal(n, 0);
    assert_int_equal(name_search_key(V(""), NULL, 0, &n, &err), -1);
    assert_int_equal(kana_normalise_reading(V(" "), NULL, 0, &n, &err), -1);
    assert_int_equal(kana_search_key(V(" "), buf, 1, &n, &err), 0);
    assert_string_equal(buf, "");
    /* The same contract for the other two. */
    assert_int_equal(name_search_key(V("鈴木"), buf, 6, &n, &err), -1);
    assert_int_equal(n, 6);
    assert_int_equal(name_search_key(V("鈴木"), buf, 7, &n, &err), 0);
    memset(buf, 'x', sizeof buf);
    assert_int_equal(kana_normalise_reading(V("ｽｽﾞｷ"), buf, 9, &n, &err), -1);
    assert_int_equal(err.code, KD_TOO_LONG);
    assert_int_equal(n, 9);
    assert_int_equal(buf[9], 'x');
    assert_int_equal(kana_normalise_reading(V("ｽｽﾞｷ"), buf, 10, &n, &err), 0);
    assert_string_equal(buf, "スズキ");
    /* out_len may be NULL. */
    assert_int_equal(kana_search_key(V(in), buf, sizeof buf, NULL, &err), 0);
    assert_string_equal(buf, "ススキ");
}

/* Every key is a fixed point of its own function. */
static void key_idempotent(void **state)
{
    (void)state;
    const char *inputs[] = {"ｽｽﾞｷ ｲﾁﾛｳ", "ヴァイオリン", "ジョ－ジ・スミス", "イスヾ", "e \xCC\x81",
                            "i\xCC\x87",  "A \xCC\xB8", "邊\xF3\xA0\x84\x83 ﾃﾞ", "ー-ヽ", "㌀㍿"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char once[KANA_KEY_MAX + 1];
        snprintf(once, sizeof once, "%s", kk(inputs[i]));
        assert_string_equal(kk(once), once);
        snprintf(once, sizeof once, "%s", nk(inputs[i]));
        assert_string_equal(nk(once), once);
    }
}

/* ---- name_search_key ------------------------------------------------------ */

static void name_key(void **state)
{
    (void)state;
    assert_string_equal(nk("鈴木 一郎"), "鈴木一郎");
    assert_string_equal(nk("鈴木　一郎"), "鈴木一郎");
    assert_string_equal(nk("ｽｽﾞｷ"), "スズキ"); /* NFKC, but the mark stays */
    assert_string_equal(nk("すずき"), "すずき"); /* kana are not folded */
    assert_string_equal(nk("Smith, John"), "SMITH,JOHN");
    assert_string_equal(nk("ＳＭＩＴＨ"), "SMITH");
    assert_string_equal(nk("ジョン・スミス"), "ジョンスミス");
    assert_string_equal(nk("⼀"), "一");            /* Kangxi radical */
    assert_string_equal(nk("\xEF\xA4\x80"), "豈"); /* U+F900 compatibility ideograph → U+8C48 */
    assert_string_equal(nk("髙橋"), "髙橋");       /* variants are not folded */
    assert_string_not_equal(nk("髙橋"), nk("高橋"));
}

static void name_key_drops_ivs(void **state)
{
    (void)state;
    /* 邊 U+908A with the Moji_Joho selector U+E0103, and without. */
    const char *with = "渡\xE9\x82\x8A\xF3\xA0\x84\x83 太郎";
    const char *without = "渡邊太郎";
    assert_string_equal(nk(with), "渡邊太郎");
    assert_string_equal(nk(with), nk(without));
    /* Every IVS and the standardised selectors U+FE00–FE0F. */
    for (unsigned vs = 0xE0100; vs <= 0xE01EF; vs++) {
        char in[16] = "邊";
        size_t n = 3;
        n += put_cp(in + n, vs);
        in[n] = '\0';
        assert_string_equal(nk(in), "邊");
        assert_string_equal(kk(in), "邊");
    }
    for (unsigned vs = 0xFE00; vs <= 0xFE0F; vs++) {
        char in[16] = "邊";
        size_t n = 3;
        n += put_cp(in + n, vs);
        in[n] = '\0';
        assert_string_equal(nk(in), "邊");
    }
    /* 葛 with and without its selector (U+845B U+E0100 / U+E0101). */
    assert_string_equal(nk("葛\xF3\xA0\x84\x80城"), nk("葛\xF3\xA0\x84\x81城"));
}

/* Legal names are never altered: no function writes to its input, the
 * reading functions apply no NFKC or NFC to what is not kana, and only the
 * search key differs from the stored name. */
static void names_never_altered(void **state)
{
    (void)state;
    const char *name = "渡\xE9\x82\x8A\xF3\xA0\x84\x83\xEF\xA4\x80 ｱ㈱"; /* 邊+IVS, U+F900 */
    char copy[64];
    snprintf(copy, sizeof copy, "%s", name);
    char out[KANA_KEY_MAX + 1];
    size_t n;
    struct kd_err err = {0};

    assert_int_equal(name_search_key(copy, strlen(copy), out, sizeof out, &n, &err), 0);
    assert_string_equal(copy, name);                 /* input untouched */
    assert_string_equal(out, "渡邊豈ア(株)");        /* the key differs … */
    assert_string_not_equal(out, name);              /* … from the name */
    assert_int_equal(kana_search_key(copy, strlen(copy), out, sizeof out, &n, &err), 0);
    assert_string_equal(copy, name);

    /* The reading normaliser changes kana and spaces only: the selector, the
     * compatibility ideograph (which NFC would change to U+8C48) and ㈱ pass
     * byte for byte; then the check refuses them. */
    assert_int_equal(kana_normalise_reading(copy, strlen(copy), out, sizeof out, &n, &err), 0);
    assert_string_equal(copy, name);
    assert_string_equal(out, "渡\xE9\x82\x8A\xF3\xA0\x84\x83\xEF\xA4\x80　ア㈱");
    reading_fails(out, KD_INVALID_VALUE, "character 1 ");
    assert_string_equal(nr("Ａ㌀ＡＢ"), "Ａ㌀ＡＢ");
}

/* ---- readings ------------------------------------------------------------- */

static void reading_normalise(void **state)
{
    (void)state;
    assert_string_equal(nr("ｽｽﾞｷ ｲﾁﾛｳ"), "スズキ　イチロウ");
    assert_string_equal(nr("すずき　いちろう"), "スズキ　イチロウ");
    assert_string_equal(nr("スズキ イチロウ"), "スズキ　イチロウ");
    /* Marks are kept: voiced, semi-voiced, ヴ, small kana, ー. */
    assert_string_equal(nr("ﾊﾟｯﾌﾟｰ"), "パップー");
    assert_string_equal(nr("ｳﾞｨｸﾀｰ"), "ヴィクター");
    assert_string_equal(nr("ゔぃくたー"), "ヴィクター");
    assert_string_equal(nr("ﾜﾞｦﾞ"), "ヷヺ");
    assert_string_equal(nr("ｼﾞｮﾝ･ｽﾐｽ"), "ジョン・スミス");
    assert_string_equal(nr("みすゞ"), "ミスヾ");
    /* Combining and spacing marks compose with the kana before them. */
    assert_string_equal(nr("カ\xE3\x82\x99"), "ガ");
    assert_string_equal(nr("か\xE3\x82\x99"), "ガ");
    assert_string_equal(nr("ハ゜"), "パ");
    assert_string_equal(nr("ウ゛"), "ヴ");
    assert_string_equal(nr("ヽ゛"), "ヾ");
    /* A mark that composes with nothing stays, as a combining mark. */
    assert_string_equal(nr("ア゛"), "ア\xE3\x82\x99");
    assert_string_equal(nr("ガ\xE3\x82\x99"), "ガ\xE3\x82\x99");
    assert_string_equal(nr("カ゜"), "カ\xE3\x82\x9A");
    /* Spaces: trimmed, runs become one U+3000. */
    assert_string_equal(nr("  ｽｽﾞｷ 　 ｲﾁﾛｳ　 "), "スズキ　イチロウ");
    assert_string_equal(nr(" 　 "), "");
    assert_string_equal(nr(""), "");
    /* Already stored readings are unchanged. */
    assert_string_equal(nr("スズキ　イチロウ"), "スズキ　イチロウ");
    /* Latin letters and kanji are not touched (and then refused). */
    assert_string_equal(nr("ａbc鈴木"), "ａbc鈴木");
}

/* Our half-width table and kana composition agree with Unicode's (ICU). */
static void reading_tables_match_unicode(void **state)
{
    (void)state;
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&st);
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&st);
    assert_true(U_SUCCESS(st));
    char in[16], want[64];
    for (unsigned c = 0xFF61; c <= 0xFF9D; c++) {
        in[put_cp(in, c)] = '\0';
        icu_norm(nfkc, in, want, sizeof want);
        assert_string_equal(nr(in), want);
    }
    /* Every katakana and hiragana letter with each mark: our composition is
     * NFC's (then hiragana as katakana). */
    for (unsigned base = 0x3041; base <= 0x30FE; base++) {
        if (base >= 0x3097 && base <= 0x30A0)
            continue;
        for (unsigned mark = 0x3099; mark <= 0x309A; mark++) {
            size_t n = put_cp(in, base);
            n += put_cp(in + n, mark);
            in[n] = '\0';
            unsigned kbase = base <= 0x309E ? base + 0x60 : base;
            char kin[16];
            n = put_cp(kin, kbase);
            n += put_cp(kin + n, mark);
            kin[n] = '\0';
            icu_norm(nfc, kin, want, sizeof want);
            assert_string_equal(nr(in), want);
        }
    }
}

static void reading_check(void **state)
{
    (void)state;
    reading_ok("スズキ　イチロウ");
    reading_ok("ジョン・スミス");
    reading_ok("ヴィクター");
    reading_ok("ッ");
    reading_ok("ササヽキ");
    reading_ok("ㇰㇱ");
    reading_ok("ヷヸヹヺ");

    reading_fails("", KD_INVALID_VALUE, "empty");
    /* The first offending character, by position (1 = first). */
    reading_fails("スズキ イチロウ", KD_INVALID_VALUE, "character 4 ");  /* ASCII space */
    reading_fails("すずき", KD_INVALID_VALUE, "character 1 ");           /* hiragana */
    reading_fails("ｽｽﾞｷ", KD_INVALID_VALUE, "character 1 ");             /* half-width */
    reading_fails("スズキa", KD_INVALID_VALUE, "character 4 ");
    reading_fails("スス\xE3\x82\x99キ", KD_INVALID_VALUE, "character 3 "); /* combining */
    reading_fails("スズキ゛", KD_INVALID_VALUE, "character 4 ");
    reading_fails("スズキ鈴木", KD_INVALID_VALUE, "character 4 ");
    reading_fails("ス゠キ", KD_INVALID_VALUE, "character 2 ");
    reading_fails("スヿ", KD_INVALID_VALUE, "character 2 ");
    reading_fails("ス\tキ", KD_INVALID_VALUE, "character 2 ");
    reading_fails("　スズキ", KD_INVALID_VALUE, "character 1 is a space at the start");
    reading_fails("スズキ　", KD_INVALID_VALUE, "character 4 is a space at the end");
    reading_fails("スズキ　　イチロウ", KD_INVALID_VALUE, "character 5 is a second space");
    reading_fails("ス\xFF", KD_INVALID_UTF8, "byte 3");
    /* The message names the position, never the value. */
    struct kd_err err = {0};
    assert_int_equal(kana_check_reading(V("スズキイチロウx"), "f", &err), -1);
    assert_null(strstr(err.message, "スズキ"));
    assert_non_null(strstr(err.message, "character 8 "));
    /* A normalised reading passes exactly when it is a reading. */
    char out[KANA_KEY_MAX + 1];
    size_t n;
    assert_int_equal(kana_normalise_reading(V(" ｽｽﾞｷ  ｲﾁﾛｳ "), out, sizeof out, &n, &err), 0);
    assert_int_equal(kana_check_reading(out, n, "f", &err), 0);
    /* Not NUL-terminated input: only len bytes are read. */
    assert_int_equal(kana_check_reading("スズキ!", 9, "f", &err), 0);
}

/* ---- threads -------------------------------------------------------------- */

struct thread_arg {
    int failures;
};

static void *key_worker(void *p)
{
    struct thread_arg *a = p;
    const char *in[] = {"ｽｽﾞｷ ｲﾁﾛｳ", "すずき いちろう", "ヴァイオリン", "渡邊\xF3\xA0\x84\x83"};
    const char *want[] = {"ススキイチロウ", "ススキイチロウ", "ハイオリン", "渡邊"};
    for (int round = 0; round < 2000; round++) {
        for (size_t i = 0; i < 4; i++) {
            char out[KANA_KEY_MAX + 1];
            size_t n;
            struct kd_err err;
            int rc = i == 3 ? name_search_key(V(in[i]), out, sizeof out, &n, &err)
                            : kana_search_key(V(in[i]), out, sizeof out, &n, &err);
            if (rc != 0 || strcmp(out, want[i]) != 0)
                a->failures++;
        }
    }
    return NULL;
}

/* Many threads at once, as the server's workers call it (also under TSan
 * when built so). */
static void keys_from_threads(void **state)
{
    (void)state;
    pthread_t t[8];
    struct thread_arg args[8] = {{0}};
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, key_worker, &args[i]), 0);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_the_issue_example),
        cmocka_unit_test(key_half_width),
        cmocka_unit_test(key_hiragana),
        cmocka_unit_test(key_small_kana),
        cmocka_unit_test(key_voiced_marks),
        cmocka_unit_test(key_vu),
        cmocka_unit_test(key_long_vowel),
        cmocka_unit_test(key_spaces),
        cmocka_unit_test(key_invisible_fast_path),
        cmocka_unit_test(key_nakaguro),
        cmocka_unit_test(key_latin),
        cmocka_unit_test(key_invalid_utf8),
        cmocka_unit_test(key_too_long),
        cmocka_unit_test(key_buffer_too_small),
        cmocka_unit_test(key_idempotent),
        cmocka_unit_test(name_key),
        cmocka_unit_test(name_key_drops_ivs),
        cmocka_unit_test(names_never_altered),
        cmocka_unit_test(reading_normalise),
        cmocka_unit_test(reading_tables_match_unicode),
        cmocka_unit_test(reading_check),
        cmocka_unit_test(keys_from_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
