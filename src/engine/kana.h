/*
 * kana.h — the text functions of the resident register's search: the keys
 * under which readings (フリガナ) and names are indexed and looked up, and the
 * normalisation and check of a reading before it is stored.
 *
 * Two kinds of text, two rules (docs/search.md):
 *
 *   - A stored value is what the register says. A legal name (氏名, 旧氏,
 *     通称) is stored exactly as entered, variation selectors (IVS) included,
 *     and is NEVER normalised, not even to NFC: CJK compatibility ideographs
 *     have canonical decompositions, so NFC alone would change a name's
 *     character. A reading is stored in one canonical spelling,
 *     full-width katakana (kana_normalise_reading, kana_check_reading),
 *     which changes only width, script and the composition of 濁点.
 *   - A search key is derived, never stored as the value, never shown, and
 *     may fold as much as helps finding a person: NFKC and more. Keys are
 *     compared for equality (or as prefixes) in an index built from them.
 *
 * All functions take a length-delimited UTF-8 string that need not be
 * NUL-terminated, never read past it and never write to it.
 *
 * Outputs: `out` receives the result, NUL-terminated, and *out_len its
 * length in bytes without the NUL. `cap` is the size of `out` including room
 * for the NUL; a buffer of KANA_KEY_MAX + 1 bytes is always enough. When the
 * result does not fit, the call fails with KD_TOO_LONG, *out_len is set to
 * the number of bytes the result needs (without the NUL) and out holds "" (if
 * cap > 0). On any failure out holds "" (if cap > 0).
 *
 * Errors (struct kd_err): KD_INVALID_UTF8 (the byte offset of the first bad
 * sequence in the message), KD_TOO_LONG (input of more than KANA_MAX_CHARS
 * code points, a result of more than KANA_MAX_CHARS code points, or a buffer
 * too small), KD_INVALID_VALUE (kana_check_reading), KD_INTERNAL (ICU or
 * memory failure; not expected). Messages never quote the value, only
 * positions. The key functions leave err->field empty: the caller knows
 * which field it is keying and sets it.
 *
 * Thread-safety: every function may be called from any number of threads at
 * once. They keep no state of their own. The key functions use ICU's NFKC
 * normaliser: unorm2_getNFKCInstance() returns an ICU-owned singleton that
 * ICU documents as unmodifiable/immutable (normalizer2.h: "All instances of
 * this class are unmodifiable/immutable"), loaded once under ICU's own
 * once-only initialisation, and unorm2_normalize() only reads it.
 *
 * Cost: no allocation for inputs of up to KANA_MAX_CHARS characters unless
 * NFKC expands them past KANA_STACK_UNITS UTF-16 units (only compatibility
 * characters such as ligatures do; then one heap buffer for the call). The
 * figure measured for a typical reading is in docs/search.md.
 */
#ifndef KYODO_ENGINE_KANA_H
#define KYODO_ENGINE_KANA_H

#include "base/err.h"

#include <stddef.h>

/* The longest input, and the longest key, in code points. The longest name or
 * reading field of the standard migration layout is 200 characters (氏名_優先,
 * ../shared/domain/migration-layouts.md §5). */
#define KANA_MAX_CHARS 256

/* The longest result in bytes, without the NUL: KANA_MAX_CHARS code points of
 * at most 4 bytes each. `char key[KANA_KEY_MAX + 1]` always suffices. */
#define KANA_KEY_MAX (4 * KANA_MAX_CHARS)

/* UTF-16 units kept on the stack for the NFKC result before falling back to
 * the heap (2 KiB). */
#define KANA_STACK_UNITS 1024

/*
 * The key under which a reading (フリガナ) is indexed and searched, so that
 * "ｽｽﾞｷ ｲﾁﾛｳ", "すずき いちろう", "スズキイチロウ" and "ススキ　イチロウ" all
 * give "ススキイチロウ". The steps, in order:
 *
 *  1. Reject invalid UTF-8 and more than KANA_MAX_CHARS code points.
 *  2. The spacing marks ゛ ゜ (U+309B/C) become the combining ones (U+3099/A),
 *     so that "ウ゛" (old data's spelling of ヴ) composes like "ｳﾞ" does, and
 *     hiragana become katakana (ゝ ゞ → ヽ ヾ), so that marks compose as they
 *     do on katakana: わ゙ has no precomposed form, ヷ has.
 *  3. NFKC (ICU): half-width katakana become full-width and ﾞ ﾟ combine with
 *     them (ｶﾞ → ガ), full-width latin and digits become ASCII, the
 *     ideographic space becomes a space, ㌀ becomes アパート, and so on.
 *  4. Fold, one character at a time:
 *     - hiragana that NFKC produced (🈀 → ほか) → katakana;
 *     - small kana → full size: ァィゥェォッャュョヮヵヶ → アイウエオツヤユヨワカケ,
 *       ㇰ–ㇿ (U+31F0–31FF) → クシストヌハヒフヘホムラリルレロ, and the small
 *       kana of the Kana Extended/Small Kana Extension blocks;
 *     - voiced and semi-voiced kana lose the mark: ガ → カ, パ → ハ (so that
 *       連濁 spellings meet: ヤマサキ = ヤマザキ); the combining marks
 *       U+3099/U+309A left after NFKC are removed;
 *     - ヴ: ヴァ ヴィ ヴ ヴェ ヴォ (and ヷ ヸ ヹ ヺ) are バ ビ ブ ベ ボ, the
 *       equivalence of 外来語の表記 (平成3年内閣告示第2号), then lose the mark:
 *       ヴィクター = ビクター = ヒクター. ヴ therefore does NOT meet ウ.
 *     - ヂ ヅ are ジ ズ (現代仮名遣い, 昭和61年内閣告示第1号: the sounds are
 *       the same), then lose the mark: ツヅキ = ツズキ = ツスキ. So ヂ does not
 *       meet チ.
 *     - ヰ ヱ ヲ are イ エ オ (historical spellings of the same sounds);
 *     - the iteration marks ヽ ヾ repeat the kana before them (イスヾ =
 *       イスズ); at the start, or after anything but a kana letter, ヽ stays;
 *     - spaces and other white space (ASCII, U+3000 …), control characters
 *       and default-ignorable characters (variation selectors, ZWSP, BOM …)
 *       are removed;
 *     - name separators are removed: 中黒 ・ (and ･ ·), ゠ and = (＝);
 *     - the long-vowel mark ー is KEPT: it is a mora of its own, readings
 *       spell it consistently (foreign names: ジョージ; Japanese names use
 *       ウ/オ/イ: サトウ), and dropping it would merge different names
 *       (ルーカス / ルカス). Dash look-alikes that follow a kana (-, ‐, –, —,
 *       ―, −, －: legacy data and half-width input use them for ー) become
 *       ー; anywhere else they are removed like a separator (JEAN-PIERRE =
 *       JEAN PIERRE);
 *     - ASCII letters are upper-cased (foreign names in latin letters).
 *       Other letters keep their case (é is not É).
 *  5. If removing characters in 4 left a sequence that is not in NFKC (a
 *     combining mark now after a different base), NFKC again.
 *  6. Reject a key of more than KANA_MAX_CHARS code points; write it as
 *     UTF-8.
 *
 * Properties (fuzz/fuzz_kana.c): the key is valid UTF-8, in NFKC, and
 * idempotent: kana_search_key(key) == key. Kanji and other characters pass
 * through NFKC unchanged by the fold.
 */
int kana_search_key(const char *in, size_t len, char *out, size_t cap, size_t *out_len,
                    struct kd_err *err);

/*
 * The key for searching a name written in kanji (or latin letters, or kana,
 * as a name may be): NFKC, white space, control and default-ignorable
 * characters removed, the name separators of kana_search_key (・ ･ · ゠ ＝ =)
 * removed, ASCII letters upper-cased. Nothing else is folded: kana stay kana
 * (a hiragana name is not its katakana twin) and variant kanji (髙/高,
 * 𠮷/吉) stay distinct, as no rule short of an MJ 縮退 map can say which
 * variants are "the same".
 *
 * Variation selectors are DROPPED in the key, both the ideographic ones
 * (IVS, U+E0100–E01EF, which is how MJ glyphs are written) and U+FE00–FE0F:
 * 邊 with a selector and 邊 without give the same key, so a clerk finds the
 * person without typing the variant. The stored name keeps its selector;
 * this key is a search key only and is never stored as the name.
 *
 * Same bounds, errors and properties (valid UTF-8, NFKC, idempotent) as
 * kana_search_key.
 */
int name_search_key(const char *in, size_t len, char *out, size_t cap, size_t *out_len,
                    struct kd_err *err);

/*
 * The spelling in which a reading is stored: what the clerk typed, with only
 * these changes, so that the register holds full-width katakana:
 *   - half-width katakana → full-width (ｶ → カ, ｰ → ー, ･ → ・, ｡｢｣､ → 。「」、);
 *   - hiragana → katakana (ゝ ゞ → ヽ ヾ);
 *   - a kana followed by a voiced or semi-voiced mark (combining U+3099/A,
 *     half-width ﾞ ﾟ, or spacing ゛ ゜) becomes the precomposed kana:
 *     ｶﾞ → ガ, ｳﾞ → ヴ, か゛ → ガ. A mark that composes with nothing stays
 *     (as the combining mark), for kana_check_reading to refuse;
 *   - the ASCII and the ideographic space become U+3000; leading and
 *     trailing spaces are removed and a run of spaces becomes one.
 * No other character is changed (no NFKC, not even NFC): the marks are never
 * removed, small kana stay small, ー stays. Anything that is not a reading
 * passes through for kana_check_reading to refuse.
 *
 * Fails only on invalid UTF-8, an input over KANA_MAX_CHARS code points, or
 * a buffer too small (see the top of this file). The result has at most as
 * many code points as the input (an ASCII space becomes 3 bytes, U+3000).
 */
int kana_normalise_reading(const char *in, size_t len, char *out, size_t cap, size_t *out_len,
                           struct kd_err *err);

/*
 * Checks a reading as stored (the output of kana_normalise_reading): one or
 * more of full-width katakana (U+30A1–30FA, small ones included), ・ (U+30FB),
 * ー (U+30FC), ヽ ヾ (U+30FD–30FE), the small katakana ㇰ–ㇿ (U+31F0–31FF), and
 * single ideographic spaces (U+3000) between them (not at the start or the
 * end, not two in a row). Combining marks, half-width kana, hiragana, ASCII
 * spaces and everything else are refused.
 *
 * Returns 0, or -1 with err set and naming `field`: KD_INVALID_UTF8 (byte
 * offset), KD_TOO_LONG (over KANA_MAX_CHARS code points; the caller applies
 * its field's own, smaller limit), KD_INVALID_VALUE for an empty reading or
 * the first character not allowed, named by its position ("character 4", 1 =
 * the first code point), never by its value.
 */
int kana_check_reading(const char *s, size_t len, const char *field, struct kd_err *err);

#endif
