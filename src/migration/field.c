/*
 * field.c — one value against its item: the date forms (ISO, YYYYMMDD,
 * 年号コード + YYMMDD, 不詳) and every check of docs/layouts.md §1.5, §2.3,
 * §3. Reasons are Japanese, for the import's report (report.txt is read by
 * the town's clerks); they may quote the value's parts (the report is
 * personal data and stays in the import's folder).
 */
#include "migration/codec_internal.h"

#include "base/date.h"
#include "base/text.h"
#include "engine/ident.h"
#include "engine/kana.h"
#include "engine/wareki.h"

#include <stdarg.h>
#include <string.h>

static int why(char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int why(char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, MIG_REASON_CAP, fmt, ap);
    va_end(ap);
    return -1;
}

static bool digits_at(const char *s, size_t from, size_t n)
{
    for (size_t i = from; i < from + n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* "令和元年" / "平成31年" */
static void era_year(const struct wareki_era *era, int y, char *buf, size_t cap)
{
    if (y == 1)
        snprintf(buf, cap, "%s元年", era->name);
    else
        snprintf(buf, cap, "%s%d年", era->name, y);
}

static const char *form_name(enum mig_date_form f)
{
    return f == MIG_DATE_ISO        ? "YYYY-MM-DD"
           : f == MIG_DATE_YYYYMMDD ? "YYYYMMDD"
                                    : "年号コード2桁+YYMMDD";
}

static int before_1873(char *reason)
{
    return why(reason, "1873年（明治6年）1月1日より前の日付は扱えません（太陰暦の時代です）");
}

/* The era's limits as text: "（平成は2019年4月30日まで）" or "（令和は2019年5月1日から）". */
static int out_of_era(char *reason, const char *what, const struct wareki_era *era, bool after)
{
    const struct date *b = after ? &era->last : &era->first;
    return why(reason, "%sは%sの期間外です（%sは%d年%d月%d日%s）", what, era->name, era->name,
               (int)b->y, b->m, b->d, after ? "まで" : "から");
}

/* A partly known date: year y (Gregorian), month m (0: unknown). era is set
 * for the era form (y then is the era's year). */
static int partial(const struct mig_profile *p, bool unknown_ok, const struct wareki_era *era,
                   int y, int m, int d, char out[11], char *reason)
{
    if (!p->unknown_partial)
        return why(reason, "月または日が0です（この形式では一部不詳の日付は使えません）");
    if (m == 0 && d != 0)
        return why(reason, "月が0（不詳）で日だけがあります");
    if (m > 12)
        return why(reason, "月が%dです（1〜12）", m);
    if (!unknown_ok)
        return why(reason, "不詳日はこの項目には使えません");
    int g = y;
    if (era) {
        char ey[48];
        era_year(era, y, ey, sizeof ey);
        if (y == 0)
            return why(reason, "和暦の年が0です");
        g = era->first.y + y - 1;
        if (g < DATE_YEAR_MIN)
            return before_1873(reason);
        int first_m = m ? m : 1, last_m = m ? m : 12;
        struct date a = {g, (uint8_t)first_m, 1};
        struct date z = {g, (uint8_t)last_m, (uint8_t)date_days_in_month(g, last_m)};
        if (era->last.y && date_cmp(a, era->last) > 0) {
            char what[64];
            if (m)
                snprintf(what, sizeof what, "%s%d月", ey, m);
            else
                snprintf(what, sizeof what, "%s", ey);
            return out_of_era(reason, what, era, true);
        }
        if (date_cmp(z, era->first) < 0) {
            char what[64];
            snprintf(what, sizeof what, "%s%d月", ey, m);
            return out_of_era(reason, what, era, false);
        }
    } else {
        if (g == 0)
            return why(reason, "年が0で月があります");
        if (g < DATE_YEAR_MIN)
            return before_1873(reason);
    }
    snprintf(out, 11, "%04d-%02d-00", g, m);
    return 0;
}

int mig_date_read(const struct mig_profile *p, bool unknown_ok, const char *s, size_t len,
                  char out[11], char *reason)
{
    if (len == p->unknown_date_len && memcmp(s, p->unknown_date, len) == 0) {
        if (!unknown_ok)
            return why(reason, "不詳日はこの項目には使えません");
        memcpy(out, "0000-00-00", 11);
        return 0;
    }
    if (len == 0)
        return why(reason, "日付が空です");
    int y, m, d, code = 0;
    switch (p->date) {
    case MIG_DATE_ISO:
        if (len != 10 || s[4] != '-' || s[7] != '-' || !digits_at(s, 0, 4) || !digits_at(s, 5, 2) ||
            !digits_at(s, 8, 2))
            return why(reason, "日付の形（%s）ではありません", form_name(p->date));
        y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
        break;
    case MIG_DATE_YYYYMMDD:
        if (len != 8 || !digits_at(s, 0, 8))
            return why(reason, "日付の形（%s）ではありません", form_name(p->date));
        y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
        break;
    case MIG_DATE_ERA:
    default:
        if (len != 8 || !digits_at(s, 0, 8))
            return why(reason, "日付の形（%s）ではありません", form_name(p->date));
        code = num(s, 2), y = num(s + 2, 2), m = num(s + 4, 2), d = num(s + 6, 2);
        break;
    }
    const struct wareki_era *era = NULL;
    if (p->date == MIG_DATE_ERA) {
        if (code == 0 && y == 0 && m == 0 && d == 0) {
            if (!p->unknown_partial)
                return why(reason, "日付がすべて0です（この形式の不詳日は「%s」です）",
                           p->unknown_date);
            if (!unknown_ok)
                return why(reason, "不詳日はこの項目には使えません");
            memcpy(out, "0000-00-00", 11);
            return 0;
        }
        era = wareki_era_by_code(code);
        if (!era)
            return why(reason, "年号コード「%02d」はありません", code);
        if (y == 0)
            return why(reason, "和暦の年が0です");
    } else if (y == 0 && m == 0 && d == 0) {
        if (!p->unknown_partial)
            return why(reason, "日付がすべて0です（この形式の不詳日は「%s」です）",
                       p->unknown_date);
        if (!unknown_ok)
            return why(reason, "不詳日はこの項目には使えません");
        memcpy(out, "0000-00-00", 11);
        return 0;
    }
    if (m == 0 || d == 0)
        return partial(p, unknown_ok, era, y, m, d, out, reason);
    if (m > 12)
        return why(reason, "月が%dです（1〜12）", m);
    if (era) {
        char ey[48];
        era_year(era, y, ey, sizeof ey);
        int g = era->first.y + y - 1;
        if (g < DATE_YEAR_MIN)
            return before_1873(reason);
        if (d > date_days_in_month(g, m))
            return why(reason, "%s%d月%d日はありません（%d年%d月は%d日まで）", ey, m, d, g, m,
                       date_days_in_month(g, m));
        struct date dt;
        struct kd_err e;
        if (wareki_to_date(code, y, m, d, &dt, &e) < 0) {
            struct date gd = {g, (uint8_t)m, (uint8_t)d};
            char what[64];
            snprintf(what, sizeof what, "%s%d月%d日", ey, m, d);
            return out_of_era(reason, what, era, date_cmp(gd, era->first) >= 0);
        }
        snprintf(out, 11, "%04d-%02d-%02d", (int)dt.y, dt.m, dt.d);
        return 0;
    }
    if (y < DATE_YEAR_MIN)
        return before_1873(reason);
    if (d > date_days_in_month(y, m))
        return why(reason, "%d年%d月%d日はありません（%d月は%d日まで）", y, m, d, m,
                   date_days_in_month(y, m));
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    return 0;
}

int mig_date_write(const struct mig_profile *p, bool unknown_ok, const char *s, size_t len,
                   char out[32], size_t *out_len, char *reason)
{
    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits_at(s, 0, 4) || !digits_at(s, 5, 2) ||
        !digits_at(s, 8, 2))
        return why(reason, "日付がYYYY-MM-DDではありません");
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    if (y == 0 && m == 0 && d == 0) {
        if (!unknown_ok)
            return why(reason, "不詳日はこの項目には使えません");
        memcpy(out, p->unknown_date, p->unknown_date_len + 1);
        *out_len = p->unknown_date_len;
        return 0;
    }
    if (m == 0 || d == 0) {
        if (!unknown_ok)
            return why(reason, "不詳日はこの項目には使えません");
        if (!p->unknown_partial)
            return why(reason, "この形式では一部不詳の日付を書けません");
        if (d != 0 || m > 12 || y < DATE_YEAR_MIN)
            return why(reason, "一部不詳の日付が正しくありません");
        switch (p->date) {
        case MIG_DATE_ISO:
            snprintf(out, 32, "%04d-%02d-00", y, m);
            break;
        case MIG_DATE_YYYYMMDD:
            snprintf(out, 32, "%04d%02d00", y, m);
            break;
        case MIG_DATE_ERA:
        default: {
            struct date first = {y, (uint8_t)(m ? m : 1), 1};
            const struct wareki_era *era;
            int ey;
            struct kd_err e;
            if (wareki_from_date(first, &era, &ey, &e) < 0)
                return why(reason, "和暦にできない日付です");
            if (era->code > 99 || ey > 99)
                return why(reason, "和暦の年が2桁を超えます");
            snprintf(out, 32, "%02d%02d%02d00", era->code, ey, m);
            break;
        }
        }
        *out_len = strlen(out);
        return 0;
    }
    if (y < DATE_YEAR_MIN)
        return before_1873(reason);
    if (m > 12 || d > date_days_in_month(y, m))
        return why(reason, "暦にない日付です");
    struct date dt = {y, (uint8_t)m, (uint8_t)d};
    switch (p->date) {
    case MIG_DATE_ISO:
        memcpy(out, s, 10);
        out[10] = '\0';
        break;
    case MIG_DATE_YYYYMMDD:
        date_format_compact(dt, out);
        break;
    case MIG_DATE_ERA:
    default: {
        struct kd_err e;
        char buf[WAREKI_LAYOUT_LEN];
        if (wareki_format_layout(dt, buf, &e) < 0)
            return why(reason, "和暦（年号コード2桁+YYMMDD）で書けない日付です");
        memcpy(out, buf, sizeof buf);
        break;
    }
    }
    *out_len = strlen(out);
    return 0;
}

/* ---- one value -------------------------------------------------------------------- */

struct scan {
    size_t chars;  /* 桁数 as counted (variation selectors not counted) */
    bool control;  /* a control character (LF allowed when note) */
    bool newline;  /* an LF */
    uint32_t pua;  /* the first private-use character, or 0 */
    size_t pua_at; /* its position (characters, from 1) */
};

static void scan_value(const char *s, size_t len, struct scan *sc)
{
    memset(sc, 0, sizeof *sc);
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            if (c == '\n')
                sc->newline = true;
            else if (c < 0x20 || c == 0x7F)
                sc->control = true;
            sc->chars++;
            p++;
            continue;
        }
        size_t k;
        uint32_t cp = mig_utf8_next(p, (size_t)(end - p), &k);
        /* C1 controls, and U+FEFF (a byte order mark inside a value would be
         * taken for the file's own at the start of a file) */
        if ((cp >= 0x80 && cp <= 0x9F) || cp == 0xFEFF)
            sc->control = true;
        if (!mig_is_vs(cp))
            sc->chars++;
        if (mig_is_pua(cp) && !sc->pua) {
            sc->pua = cp;
            sc->pua_at = sc->chars;
        }
        p += k;
    }
}

static int pua_reason(uint32_t cp, size_t at, char *reason)
{
    if (cp >= 0xE000 && cp <= 0xE757) {
        unsigned idx = cp - 0xE000, t = idx % 188;
        unsigned lead = 0xF0 + idx / 188, trail = t + 0x40 + (t >= 0x3F ? 1 : 0);
        return why(reason, "外字対応表にない外字です（%zu文字目、%02X%02X = U+%04X）", at, lead,
                   trail, (unsigned)cp);
    }
    return why(reason, "外字対応表にない外字です（%zu文字目、U+%04X）", at, (unsigned)cp);
}

static const char *check_name(enum mig_check c)
{
    switch (c) {
    case MIG_CHECK_ATENA:
        return "宛名番号";
    case MIG_CHECK_JUMIN_CODE:
        return "住民票コード";
    case MIG_CHECK_KOJIN_BANGO:
        return "個人番号";
    case MIG_CHECK_HOUJIN:
        return "法人番号";
    case MIG_CHECK_LG_CODE:
        return "全国地方公共団体コード";
    case MIG_CHECK_NONE:
        break;
    }
    return "";
}

static int check_digit(const struct mig_profile *p, enum mig_check c, const char *s, size_t len,
                       char *reason)
{
    bool ok = true;
    size_t need = 0;
    switch (c) {
    case MIG_CHECK_NONE:
        return 0;
    case MIG_CHECK_ATENA:
        if (!p->atena_check)
            return 0;
        if (len < 2)
            return why(reason, "宛名番号が短すぎます（番号と検査数字）");
        ok = ident_m11_check_digit(s, len - 1, IDENT_M11_R1_ZERO) == s[len - 1] - '0';
        break;
    case MIG_CHECK_JUMIN_CODE:
        need = 11;
        ok = ident_jumin_code_valid(s, len);
        break;
    case MIG_CHECK_KOJIN_BANGO:
        need = 12;
        ok = ident_mynumber_valid(s, len);
        break;
    case MIG_CHECK_HOUJIN:
        need = 13;
        ok = ident_corp_number_valid(s, len);
        break;
    case MIG_CHECK_LG_CODE:
        need = 6;
        ok = ident_lg_code_valid(s, len);
        break;
    }
    if (need && len != need)
        return why(reason, "%sは%zu桁です（%zu桁あります）", check_name(c), need, len);
    if (!ok)
        return why(reason, "%sの検査数字が合いません", check_name(c));
    return 0;
}

int mig_check_value(const struct mig_layout *l, const struct mig_item *it,
                    const struct mig_profile *p, const char *s, size_t len, bool canonical,
                    char conv[32], size_t *conv_len, char *reason)
{
    *conv_len = (size_t)-1;
    reason[0] = '\0';
    if (canonical) {
        size_t bad;
        if (!text_utf8_valid(s, len, &bad))
            return why(reason, "UTF-8として正しくありません（%zuバイト目）", bad + 1);
    }
    struct scan sc;
    scan_value(s, len, &sc);
    if (sc.control)
        return why(reason, "制御文字があります");
    if (sc.newline && it->type != MIG_NOTE)
        return why(reason, "改行はこの項目には使えません");
    if (sc.pua)
        return pua_reason(sc.pua, sc.pua_at, reason);

    if (len == 0) {
        if (it->type == MIG_DATE && it->unknown_ok && p->unknown_date_len == 0 && !canonical) {
            memcpy(conv, "0000-00-00", 11);
            *conv_len = 10;
            return 0;
        }
        if (it->required && it->binding[0])
            return why(reason, "必須の項目が空です");
        return 0;
    }

    switch (it->type) {
    case MIG_TEXT:
    case MIG_NOTE:
        break;
    case MIG_KANA: {
        struct kd_err e;
        if (sc.chars > KANA_MAX_CHARS)
            break; /* the length check below says it */
        if (kana_check_reading(s, len, "kana", &e) < 0) {
            const char *at = strstr(e.message, "character ");
            int pos = 0;
            if (at)
                for (at += 10; *at >= '0' && *at <= '9' && pos < 100000; at++)
                    pos = pos * 10 + (*at - '0');
            if (pos > 0 && (strstr(e.message, "is a space") || strstr(e.message, "second space")))
                return why(reason, "フリガナの空白の位置が正しくありません（%d文字目）", pos);
            if (pos > 0)
                return why(reason, "フリガナ（全角カタカナ）に使えない文字があります（%d文字目）",
                           pos);
            return why(reason, "フリガナ（全角カタカナ）として正しくありません");
        }
        break;
    }
    case MIG_DIGITS:
        if (!text_all_digits(s, len))
            return why(reason, "数字（0〜9）以外の文字があります");
        break;
    case MIG_INTEGER: {
        size_t i = s[0] == '-' ? 1 : 0;
        if (i == len || !text_all_digits(s + i, len - i))
            return why(reason, "整数ではありません");
        size_t z = i;
        while (z + 1 < len && s[z] == '0')
            z++;
        size_t digits = len - z;
        if (it->length && digits > (size_t)it->length)
            return why(reason, "%zu桁で、桁数%dを超えています", digits, it->length);
        bool zero = digits == 1 && s[z] == '0';
        bool is_canon = z == i && !(i == 1 && zero);
        if (canonical) {
            if (!is_canon)
                return why(reason, "数値が正規の形（先頭の0なし）ではありません");
        } else if (!is_canon) {
            size_t w = 0;
            if (i == 1 && !zero)
                conv[w++] = '-';
            memcpy(conv + w, s + z, digits);
            w += digits;
            conv[w] = '\0';
            *conv_len = w;
        }
        return 0;
    }
    case MIG_DATE:
        if (canonical)
            return mig_date_write(p, it->unknown_ok, s, len, conv, conv_len, reason);
        if (mig_date_read(p, it->unknown_ok, s, len, conv, reason) < 0)
            return -1;
        *conv_len = 10;
        return 0;
    case MIG_CODE:
        break;
    }

    if (it->length && sc.chars > (size_t)it->length)
        return why(reason, "%zu文字で、桁数%dを超えています", sc.chars, it->length);
    if (it->fixed && sc.chars != (size_t)it->length)
        return why(reason, "%d桁ちょうどでなければなりません（%zu桁あります）", it->length,
                   sc.chars);
    if (it->type == MIG_KANA && sc.chars > KANA_MAX_CHARS)
        return why(reason, "フリガナが長すぎます（%zu文字）", sc.chars);
    if (it->type == MIG_CODE) {
        char code[101];
        if (len >= sizeof code)
            return why(reason, "コードが長すぎます");
        memcpy(code, s, len);
        code[len] = '\0';
        if (!mig_code_ok(l, it->code_table, code, NULL)) {
            const char *tn = mig_code_table_name(l, it->code_table);
            return why(reason, "コード表「%s」にないコードです", tn ? tn : it->code_table);
        }
    }
    if (it->type == MIG_DIGITS)
        return check_digit(p, it->check, s, len, reason);
    return 0;
}
