/*
 * senkyo_output.c — the 選挙人名簿 as CSV (UTF-8 or CP932) and as printed
 * documents (senkyo.h; docs/senkyo.md).
 */
#include "residents/senkyo.h"

#include "base/clock.h"
#include "engine/wareki.h"
#include "report/report.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a bounded output buffer ------------------------------------------------------ */

#define FILE_MAX ((size_t)256 << 20)

struct sbuf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void put(struct sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (n > FILE_MAX - b->len) {
        b->failed = true;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64 << 10;
        while (cap < b->len + n)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* ---- CSV with an encoding ------------------------------------------------------------ */

struct csv {
    struct sbuf b;
    enum senkyo_encoding enc;
    enum senkyo_unmappable um;
    iconv_t cd;
    int row;            /* 1 = the header */
    const char *const *head;
    int col;
    const char *atena;  /* of the row being written, for the error */
    int unmapped;
    /* The first character with no CP932 code. */
    int bad_row;
    const char *bad_col;
    char bad_atena[16];
};

/* The length of the UTF-8 sequence starting with byte c (1 for a stray byte:
 * the texts come from the database and are valid UTF-8). */
static size_t u8len(unsigned char c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* A variation selector (U+FE00..FE0F, U+E0100..E01EF) at s. */
static bool is_vs(const unsigned char *s, size_t n)
{
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xB8 && s[2] >= 0x80 && s[2] <= 0x8F)
        return true;
    return n >= 4 && s[0] == 0xF3 && s[1] == 0xA0 && s[2] >= 0x84 && s[2] <= 0x87;
}

static void unmappable(struct csv *c)
{
    if (c->unmapped++ == 0) {
        c->bad_row = c->row;
        c->bad_col = c->head ? c->head[c->col] : "";
        snprintf(c->bad_atena, sizeof c->bad_atena, "%s", c->atena ? c->atena : "");
    }
    put(&c->b, "\x81\xAC", 2); /* 〓 (U+3013) in CP932 */
}

/* Writes text in the output's encoding. */
static void put_text(struct csv *c, const char *s, size_t n)
{
    if (c->enc == SENKYO_UTF8) {
        put(&c->b, s, n);
        return;
    }
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t k = u8len(*p);
        if (k > (size_t)(end - p))
            k = (size_t)(end - p);
        /* A character with its variation selectors is one unit: the variant
         * is the legal character, and CP932 has no way to say it. */
        size_t unit = k;
        bool variant = false;
        while (p + unit < end && is_vs(p + unit, (size_t)(end - p) - unit)) {
            unit += u8len(p[unit]);
            variant = true;
        }
        if (p + unit > end)
            unit = (size_t)(end - p);
        if (*p < 0x80 && !variant) {
            put(&c->b, (const char *)p, 1);
        } else if (variant) {
            unmappable(c);
        } else {
            char in[4], outb[8];
            memcpy(in, p, k);
            char *ip = in, *op = outb;
            size_t il = k, ol = sizeof outb;
            iconv(c->cd, NULL, NULL, NULL, NULL);
            if (iconv(c->cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0)
                unmappable(c);
            else
                put(&c->b, outb, sizeof outb - ol);
        }
        p += unit;
    }
}

static void field(struct csv *c, const char *s)
{
    if (c->col > 0)
        put(&c->b, ",", 1);
    put(&c->b, "\"", 1);
    /* Only '"' is special inside a quoted field; it is doubled. Texts are one
     * line (the register refuses control characters). */
    const char *from = s;
    for (const char *q = s; *q; q++) {
        if (*q != '"')
            continue;
        put_text(c, from, (size_t)(q - from) + 1);
        put(&c->b, "\"", 1);
        from = q + 1;
    }
    put_text(c, from, strlen(from));
    put(&c->b, "\"", 1);
    c->col++;
}

static void end_row(struct csv *c)
{
    put(&c->b, "\r\n", 2);
    c->row++;
    c->col = 0;
}

static int csv_begin(struct csv *c, enum senkyo_encoding enc, enum senkyo_unmappable um,
                     struct kd_err *err)
{
    memset(c, 0, sizeof *c);
    c->enc = enc;
    c->um = um;
    c->row = 1;
    c->cd = (iconv_t)-1;
    if (enc == SENKYO_CP932) {
        c->cd = iconv_open("CP932", "UTF-8");
        if (c->cd == (iconv_t)-1)
            return kd_fail(err, KD_INTERNAL, NULL, "iconv has no CP932: %s", strerror(errno));
    } else {
        put(&c->b, "\xEF\xBB\xBF", 3);
    }
    return 0;
}

static int csv_end(struct csv *c, struct senkyo_file *out, struct kd_err *err)
{
    if (c->cd != (iconv_t)-1)
        iconv_close(c->cd);
    if (c->b.failed) {
        free(c->b.p);
        return kd_fail(err, KD_INTERNAL, NULL, "the file is too large or memory ran out");
    }
    if (c->unmapped && c->um == SENKYO_UNMAPPABLE_FAIL) {
        free(c->b.p);
        return kd_fail(err, KD_CONFLICT, "encoding",
                       "%d characters have no CP932 code (the first in row %d, %s%s%s); export "
                       "as UTF-8, or with unmappable=geta to write 〓 for them",
                       c->unmapped, c->bad_row, c->bad_col, c->bad_atena[0] ? ", 宛名番号 " : "",
                       c->bad_atena);
    }
    out->data = c->b.p;
    out->len = c->b.len;
    out->unmapped = c->unmapped;
    return 0;
}

static const char *sex_label(int64_t sex)
{
    return sex == 1 ? "男" : sex == 2 ? "女" : sex == 9 ? "適用不能" : "不明";
}

static const char *const roll_head[] = {
    "投票区コード", "投票区",  "番号",     "宛名番号",   "世帯番号", "氏名",
    "フリガナ",     "生年月日", "生年月日（和暦）", "性別コード", "性別",   "郵便番号",
    "住所",         "方書",     "登録区分", "転出日",     NULL};

int senkyo_roll_csv(const struct senkyo_roll *r, int first, int count, enum senkyo_encoding enc,
                    enum senkyo_unmappable um, struct senkyo_file *out, struct kd_err *err)
{
    struct csv c;
    if (csv_begin(&c, enc, um, err) < 0)
        return -1;
    c.head = roll_head;
    for (int i = 0; roll_head[i]; i++)
        field(&c, roll_head[i]);
    end_row(&c);
    struct arena a;
    arena_init(&a, NULL, 0, (size_t)16 << 20);
    for (int i = first; i < first + count && i < r->count && !c.b.failed; i++) {
        const struct senkyo_elector *e = &r->e[i];
        const struct senkyo_district *d = e->district >= 0 ? &r->districts.d[e->district] : NULL;
        char num[16], sex[8];
        snprintf(num, sizeof num, "%d", e->number);
        snprintf(sex, sizeof sex, "%lld", (long long)e->sex);
        const char *wareki = senkyo_wareki(&a, e->birth, e->birth_text);
        c.atena = e->atena;
        const char *cells[] = {d ? d->code : "", d ? d->name : "", num, e->atena, e->setai,
                               e->shimei, e->shimei_kana, e->birth, wareki ? wareki : "", sex,
                               sex_label(e->sex), e->postcode, e->address, e->katagaki,
                               senkyo_reason_label(e->reason), e->moved_out};
        for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++)
            field(&c, cells[k]);
        end_row(&c);
        if (i % 512 == 511) { /* the 和暦 texts are scratch */
            arena_release(&a);
            arena_init(&a, NULL, 0, (size_t)16 << 20);
        }
    }
    arena_release(&a);
    return csv_end(&c, out, err);
}

static const char *const summary_head[] = {"投票区コード", "投票区", "男", "女", "その他",
                                           "計", "うち転出表示", NULL};

static void summary_row(struct csv *c, const char *code, const char *name,
                        const struct senkyo_count *n)
{
    char v[5][16];
    const int x[5] = {n->male, n->female, n->other, n->total, n->moved_out};
    field(c, code);
    field(c, name);
    for (int i = 0; i < 5; i++) {
        snprintf(v[i], sizeof v[i], "%d", x[i]);
        field(c, v[i]);
    }
    end_row(c);
}

int senkyo_summary_csv(const struct senkyo_roll *r, enum senkyo_encoding enc,
                       enum senkyo_unmappable um, struct senkyo_file *out, struct kd_err *err)
{
    struct csv c;
    if (csv_begin(&c, enc, um, err) < 0)
        return -1;
    c.head = summary_head;
    for (int i = 0; summary_head[i]; i++)
        field(&c, summary_head[i]);
    end_row(&c);
    for (int i = 0; i < r->districts.count; i++)
        summary_row(&c, r->districts.d[i].code, r->districts.d[i].name, &r->by_district[i]);
    if (r->by_district && r->by_district[r->districts.count].total)
        summary_row(&c, "", "（投票区未設定）", &r->by_district[r->districts.count]);
    summary_row(&c, "", "合計", &r->all);
    return csv_end(&c, out, err);
}

/* ---- printed documents ------------------------------------------------------------------ */

const char *senkyo_wareki(struct arena *a, const char *iso, const char *fuzzy_text)
{
    if (fuzzy_text && fuzzy_text[0])
        return arena_strndup(a, fuzzy_text, strlen(fuzzy_text));
    if (!iso || !iso[0])
        return "";
    struct date d;
    struct kd_err err;
    char buf[WAREKI_TEXT_CAP];
    if (date_parse_iso(iso, strlen(iso), "date", &d, &err) < 0 ||
        wareki_format_kanji(d, 0, buf, sizeof buf, &err) < 0)
        return arena_strndup(a, iso, strlen(iso));
    return arena_strndup(a, buf, strlen(buf));
}

/* "1,234" */
static const char *number(struct arena *a, int n)
{
    char digits[16], out[24];
    snprintf(digits, sizeof digits, "%d", n);
    size_t len = strlen(digits), k = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0 && digits[i - 1] != '-')
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
    return arena_strndup(a, out, k);
}

/* "令和7年9月2日 10時05分" (Japan time) of an instant. */
static const char *instant_wareki(struct arena *a, int64_t ms)
{
    struct date d = date_today_japan(ms);
    char iso[DATE_ISO_LEN];
    date_format_iso(d, iso);
    int64_t minute = ((ms + 9 * 3600000LL) / 60000) % (24 * 60);
    if (minute < 0)
        minute += 24 * 60;
    return arena_printf(a, "%s %02lld時%02lld分", senkyo_wareki(a, iso, NULL),
                        (long long)(minute / 60), (long long)(minute % 60));
}

/* The lines that say what the document is: registration, dates, source. */
static int describe_basis(struct report *rep, struct arena *a, const struct senkyo_doc *doc,
                          struct kd_err *err)
{
    struct date kijun;
    if (date_parse_iso(doc->kijun, strlen(doc->kijun), "kijun_date", &kijun, err) < 0)
        return -1;
    const char *label = senkyo_registration_label(kijun, doc->senkyo_date != NULL);
    const char *line =
        doc->senkyo_date
            ? arena_printf(a, "%s　基準日 %s　選挙期日 %s（年齢は選挙期日現在）", label,
                           senkyo_wareki(a, doc->kijun, NULL),
                           senkyo_wareki(a, doc->senkyo_date, NULL))
            : arena_printf(a, "%s　基準日 %s（年齢・住所は基準日現在）", label,
                           senkyo_wareki(a, doc->kijun, NULL));
    const char *source = arena_printf(
        a, "%s　作成 %s（住民基本台帳 %s 現在の記録による）", doc->town_name,
        senkyo_wareki(a, doc->made_on, NULL), instant_wareki(a, doc->known_ms));
    if (!line || !source)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    return report_paragraph(rep, line, REPORT_GOTHIC, 10, err) < 0 ||
                   report_paragraph(rep, source, REPORT_GOTHIC, 9, err) < 0
               ? -1
               : 0;
}

static const char *counts_text(struct arena *a, const struct senkyo_count *n)
{
    const char *text = arena_printf(a, "登録者数 %s人（男 %s人・女 %s人%s%s%s）",
                                    number(a, n->total), number(a, n->male),
                                    number(a, n->female), n->other ? "・その他 " : "",
                                    n->other ? number(a, n->other) : "", n->other ? "人" : "");
    if (text && n->moved_out)
        text = arena_printf(a, "%s　うち転出表示 %s人", text, number(a, n->moved_out));
    /* Persons under a support measure whom the reader may not see. */
    if (text && n->withheld)
        text = arena_printf(a, "%s　（支援措置の対象 %s人はこの名簿に表示していません）", text,
                            number(a, n->withheld));
    return text;
}

/* The local part of an address, with its 方書 on a second line. */
static const char *address_cell(struct arena *a, const struct senkyo_elector *e,
                                const char *town_name)
{
    const char *at = strstr(e->address, town_name);
    const char *local = at ? at + strlen(town_name) : e->address;
    if (!local[0])
        local = e->address;
    return e->katagaki[0] ? arena_printf(a, "%s\n%s", local, e->katagaki)
                          : arena_strndup(a, local, strlen(local));
}

static int district_section(struct report *rep, struct arena *a, const struct senkyo_roll *r,
                            int d, const struct senkyo_doc *doc, struct kd_err *err)
{
    const struct senkyo_district *dist = d >= 0 && d < r->districts.count ? &r->districts.d[d]
                                                                          : NULL;
    const struct senkyo_count *n = &r->by_district[dist ? d : r->districts.count];
    const char *heading =
        dist ? (dist->place[0] ? arena_printf(a, "%s（投票所 %s）",
                                              senkyo_district_label(a, dist), dist->place)
                               : senkyo_district_label(a, dist))
             : "投票区未設定";
    const char *counts = counts_text(a, n);
    if (!heading || !counts)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (report_heading(rep, heading, err) < 0 ||
        report_paragraph(rep, counts, REPORT_GOTHIC, 9, err) < 0)
        return -1;
    static const double widths[] = {10, 50, 30, 30, 26, 8, 26};
    static const enum report_align align[] = {REPORT_RIGHT, REPORT_LEFT,   REPORT_LEFT,
                                              REPORT_LEFT,  REPORT_LEFT,   REPORT_CENTER,
                                              REPORT_LEFT};
    static const char *const head[] = {"番号", "住所・方書", "氏名", "フリガナ",
                                       "生年月日", "性別", "備考"};
    if (report_table(rep, 7, widths, align, err) < 0 ||
        report_row(rep, head, REPORT_ROW_HEADER, err) < 0)
        return -1;
    int first, count;
    senkyo_roll_range(r, dist ? d : -1, &first, &count);
    for (int i = first; i < first + count; i++) {
        const struct senkyo_elector *e = &r->e[i];
        /* TODO(抑止): a 閲覧用抄本 (公職選挙法第28条の2) must leave out the
         * address of every person a measure refusing 閲覧 covers
         * (supp_refuses(…, SUPP_B_ETSURAN)); this roll is the election
         * office's own, and persons the reader's role may not see are
         * already withheld from it (docs/senkyo.md). */
        const char *cells[7] = {
            number(a, e->number),
            address_cell(a, e, doc->town_name),
            e->shimei,
            e->shimei_kana,
            senkyo_wareki(a, e->birth, e->birth_text),
            e->sex == 1 ? "男" : e->sex == 2 ? "女" : "",
            e->reason == SENKYO_MOVED_OUT
                ? arena_printf(a, "転出\n%s", senkyo_wareki(a, e->moved_out, NULL))
                : "",
        };
        for (int k = 0; k < 7; k++)
            if (!cells[k])
                return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        if (report_row(rep, cells, 0, err) < 0)
            return -1;
    }
    return 0;
}

struct report *senkyo_roll_report(struct arena *a, const struct senkyo_roll *r, int d,
                                  const struct senkyo_doc *doc, struct kd_err *err)
{
    int first, count;
    senkyo_roll_range(r, d, &first, &count);
    if (count > SENKYO_PDF_MAX_ROWS) {
        kd_fail(err, KD_INVALID_VALUE, "district",
                "%d electors are more than one printed roll holds (%d): print one 投票区 at a "
                "time (district), or export CSV",
                count, SENKYO_PDF_MAX_ROWS);
        return NULL;
    }
    const struct senkyo_district *one = d >= 0 ? &r->districts.d[d] : NULL;
    const char *title = one ? arena_printf(a, "選挙人名簿（%s）", senkyo_district_label(a, one))
                            : "選挙人名簿";
    struct report *rep = title ? report_new(a, REPORT_PORTRAIT, title) : NULL;
    const char *committee = arena_printf(a, "%s選挙管理委員会", doc->town_name);
    const char *right = arena_printf(a, "基準日 %s", senkyo_wareki(a, doc->kijun, NULL));
    if (!rep || !committee || !right) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    report_set_header_right(rep, right);
    report_set_footer_left(rep, one ? arena_printf(a, "%s　%s", committee,
                                                   senkyo_district_label(a, one))
                                    : committee);
    if (report_title(rep, title, err) < 0 || describe_basis(rep, a, doc, err) < 0)
        return NULL;
    if (d >= 0 || d == -1)
        return district_section(rep, a, r, d, doc, err) < 0 ? NULL : rep;
    /* Every district, each from a new page; those without electors too (the
     * office sees that a district is empty, not that it is missing). */
    int sections = 0;
    for (int i = 0; i <= r->districts.count; i++) {
        bool none = i == r->districts.count;
        if (none && r->by_district[i].total == 0)
            continue;
        if (sections++ > 0 && report_page_break(rep, err) < 0)
            return NULL;
        if (district_section(rep, a, r, none ? -1 : i, doc, err) < 0)
            return NULL;
    }
    return rep;
}

struct report *senkyo_summary_report(struct arena *a, const struct senkyo_roll *r,
                                     const struct senkyo_doc *doc, struct kd_err *err)
{
    struct report *rep = report_new(a, REPORT_PORTRAIT, "選挙人名簿登録者数");
    const char *committee = arena_printf(a, "%s選挙管理委員会", doc->town_name);
    const char *right = arena_printf(a, "基準日 %s", senkyo_wareki(a, doc->kijun, NULL));
    if (!rep || !committee || !right) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    report_set_header_right(rep, right);
    report_set_footer_left(rep, committee);
    if (report_title(rep, "選挙人名簿登録者数", err) < 0 || describe_basis(rep, a, doc, err) < 0)
        return NULL;
    bool other = r->all.other > 0;
    int ncols = other ? 6 : 5;
    const double widths5[] = {70, 25, 25, 25, 35}, widths6[] = {60, 22, 22, 22, 22, 32};
    static const enum report_align align[] = {REPORT_LEFT,  REPORT_RIGHT, REPORT_RIGHT,
                                              REPORT_RIGHT, REPORT_RIGHT, REPORT_RIGHT};
    const char *head5[] = {"投票区", "男", "女", "計", "うち転出表示"};
    const char *head6[] = {"投票区", "男", "女", "その他", "計", "うち転出表示"};
    if (report_table(rep, ncols, other ? widths6 : widths5, align, err) < 0 ||
        report_row(rep, other ? head6 : head5, REPORT_ROW_HEADER, err) < 0)
        return NULL;
    for (int i = 0; i <= r->districts.count; i++) {
        const struct senkyo_count *n = &r->by_district[i];
        bool none = i == r->districts.count;
        if (none && n->total == 0)
            continue;
        const char *name = none ? "投票区未設定" : senkyo_district_label(a, &r->districts.d[i]);
        const char *c5[] = {name, number(a, n->male), number(a, n->female), number(a, n->total),
                            number(a, n->moved_out)};
        const char *c6[] = {name, number(a, n->male), number(a, n->female), number(a, n->other),
                            number(a, n->total), number(a, n->moved_out)};
        if (report_row(rep, other ? c6 : c5, 0, err) < 0)
            return NULL;
    }
    const struct senkyo_count *n = &r->all;
    const char *t5[] = {"合計", number(a, n->male), number(a, n->female), number(a, n->total),
                        number(a, n->moved_out)};
    const char *t6[] = {"合計", number(a, n->male), number(a, n->female), number(a, n->other),
                        number(a, n->total), number(a, n->moved_out)};
    if (report_row(rep, other ? t6 : t5, REPORT_ROW_TOTAL, err) < 0)
        return NULL;
    if (report_paragraph(rep,
                         "転出表示: 他の市町村に住所を移して4箇月を経過しない者で、移した日に"
                         "引き続き3箇月以上記録されていたもの（公職選挙法第21条第2項）。",
                         REPORT_MINCHO, 8.5, err) < 0)
        return NULL;
    return rep;
}
