/*
 * certificate.c — the items, dates, sheets and layout of resident
 * certificates (see certificate.h; rules in docs/certificates.md).
 */
#include "residents/certificate.h"

#include "base/clock.h"
#include "base/date.h"
#include "engine/wareki.h"
#include "residents/residents.h"

#include <stdio.h>
#include <string.h>

/* resident-registry.md §11.1 (住基法12条; 宝塚市, 倉敷市, 小田原市): shown by
 * default, on request only, never to a third party. The 外国人住民's 30条45
 * items on request is kyodo's reading (docs/certificates.md). */
const struct cert_item_info cert_items[] = {
    {"shimei", "氏名", CI_SHIMEI, true, false, false},
    {"birth", "生年月日", CI_BIRTH, true, false, false},
    {"sex", "性別", CI_SEX, true, false, false},
    {"address", "住所", CI_ADDRESS, true, false, false},
    {"became_resident", "住民となった年月日", CI_BECAME_RESIDENT, true, false, false},
    {"address_fixed", "住所を定めた年月日", CI_ADDRESS_FIXED, true, false, false},
    {"prev_address", "転入前住所", CI_PREV_ADDRESS, true, false, false},
    {"nationality", "国籍・地域", CI_NATIONALITY, true, false, false},
    {"setainushi", "世帯主・続柄", CI_SETAINUSHI, false, true, false},
    {"honseki", "本籍・筆頭者", CI_HONSEKI, false, true, false},
    {"kojin_bango", "個人番号", CI_KOJIN_BANGO, false, true, true},
    {"jumin_code", "住民票コード", CI_JUMIN_CODE, false, true, true},
    {"zairyu", "在留資格等（法第30条の45）", CI_ZAIRYU, false, true, false},
    {"removal", "消除事由・転出先", CI_REMOVAL, false, false, false},
};
const int cert_item_count = sizeof cert_items / sizeof cert_items[0];

const struct cert_item_info *cert_item_find(const char *code)
{
    for (int i = 0; i < cert_item_count; i++)
        if (strcmp(cert_items[i].code, code) == 0)
            return &cert_items[i];
    return NULL;
}

static const struct {
    const char *code, *label;
} kinds[] = {{"juminhyo", "住民票の写し"}, {"johyo", "除票の写し"},
             {"kisai_jiko", "住民票記載事項証明書"}},
  forms[] = {{"setai", "世帯連記式"}, {"kojin", "個人票"}},
  requesters[] = {{"honnin", "本人・同一世帯"}, {"daisansha", "第三者"}, {"koyo", "公用"}};

#define PARSE(table, s, out, type)                                                             \
    do {                                                                                       \
        for (size_t i_ = 0; i_ < sizeof table / sizeof table[0]; i_++)                         \
            if (strcmp(table[i_].code, s) == 0) {                                              \
                *(out) = (type)i_;                                                             \
                return true;                                                                   \
            }                                                                                  \
        return false;                                                                          \
    } while (0)

bool cert_kind_parse(const char *s, enum cert_kind *out) { PARSE(kinds, s, out, enum cert_kind); }
bool cert_form_parse(const char *s, enum cert_form *out) { PARSE(forms, s, out, enum cert_form); }
bool cert_requester_parse(const char *s, enum cert_requester *out)
{
    PARSE(requesters, s, out, enum cert_requester);
}

const char *cert_kind_code(enum cert_kind k) { return kinds[k].code; }
const char *cert_kind_label(enum cert_kind k) { return kinds[k].label; }
const char *cert_form_code(enum cert_form f) { return forms[f].code; }
const char *cert_form_label(enum cert_form f) { return forms[f].label; }
const char *cert_requester_code(enum cert_requester r) { return requesters[r].code; }
const char *cert_requester_label(enum cert_requester r) { return requesters[r].label; }

int cert_items_shown(const struct cert_request *q, unsigned *shown, struct kd_err *err)
{
    const char *where = q->kind == CERT_KISAI ? "items" : "options";
    unsigned asked = q->kind == CERT_KISAI ? q->chosen : q->options;
    unsigned items = 0;
    char field[KD_FIELD_MAX];
    for (int i = 0; i < cert_item_count; i++) {
        const struct cert_item_info *it = &cert_items[i];
        if (!(asked & it->bit))
            continue;
        snprintf(field, sizeof field, "%s.%s", where, it->code);
        if (q->kind != CERT_KISAI && !it->on_request)
            return kd_fail(err, KD_INVALID_VALUE, field,
                           "%s is shown on every 写し; options are the items shown only on "
                           "request (世帯主・続柄, 本籍・筆頭者, 個人番号, 住民票コード, 在留資格等)",
                           it->label);
        if (q->kind == CERT_KISAI && it->bit == CI_REMOVAL)
            return kd_fail(err, KD_INVALID_VALUE, field,
                           "a 記載事項証明書 is of a resident's record; 消除事由 is on the 除票の写し");
        if (it->never_third_party && q->requester == CERT_DAISANSHA)
            return kd_fail(err, KD_FORBIDDEN, field,
                           "a third party (第三者請求, 住民基本台帳法第12条の3) may never be "
                           "given the %s",
                           it->label);
    }
    if (q->kind == CERT_KISAI) {
        if (!asked)
            return kd_fail(err, KD_MISSING_FIELD, "items",
                           "a 記載事項証明書 needs the items to certify");
        items = asked | CI_SHIMEI;
    } else {
        for (int i = 0; i < cert_item_count; i++)
            if (cert_items[i].by_default)
                items |= cert_items[i].bit;
        items |= asked;
        if (q->kind == CERT_JOHYO)
            items |= CI_REMOVAL;
    }
    *shown = items;
    return 0;
}

int cert_per_sheet(enum cert_form f)
{
    return f == CERT_FORM_SETAI ? 4 : 1;
}

int cert_sheets(enum cert_form f, int persons)
{
    int per = cert_per_sheet(f);
    return persons <= 0 ? 0 : (persons + per - 1) / per;
}

int cert_date_text(const char *iso, const char *fuzzy_text, bool gregorian, char *buf, size_t cap,
                   struct kd_err *err)
{
    if (cap < WAREKI_TEXT_CAP)
        return kd_fail(err, KD_INTERNAL, NULL, "date buffer too small");
    buf[0] = '\0';
    if (fuzzy_text && fuzzy_text[0]) {
        size_t n = strlen(fuzzy_text);
        if (n >= cap)
            return kd_fail(err, KD_INTERNAL, NULL, "date buffer too small");
        memcpy(buf, fuzzy_text, n + 1);
        return 0;
    }
    if (!iso || !iso[0])
        return 0;
    struct date d;
    if (date_parse_iso(iso, strlen(iso), "date", &d, err) < 0)
        return -1;
    return wareki_format_kanji(d, gregorian ? WAREKI_GREGORIAN : 0, buf, cap, err);
}

bool cert_johyo_retained(const char *removal_date, const char *earliest)
{
    return strcmp(removal_date, earliest) >= 0;
}

const char *cert_certifier(struct arena *a, const char *town_name)
{
    return arena_printf(a, "%s長", town_name);
}

const char *cert_title(enum cert_kind k, enum cert_form f)
{
    static const char *const t[3][2] = {
        {"住民票の写し（世帯連記式）", "住民票の写し（個人票）"},
        {"除票の写し（世帯連記式）", "除票の写し（個人票）"},
        {"住民票記載事項証明書（世帯連記式）", "住民票記載事項証明書（個人票）"},
    };
    return t[k][f];
}

/* ---- the document ------------------------------------------------------------ */

/* Label/value pairs of one person, laid out two per row. */
#define MAX_PAIRS 40

struct pairs {
    const char *cell[2 * MAX_PAIRS];
    int n; /* cells */
};

static void pair(struct pairs *p, const char *label, const char *value)
{
    if (p->n + 2 > 2 * MAX_PAIRS)
        return; /* cannot happen: fewer pairs exist than the bound */
    p->cell[p->n++] = label;
    p->cell[p->n++] = value ? value : "";
}

struct ctx {
    struct arena *a;
    struct kd_err *err;
    bool failed;
};

static void oom(struct ctx *c)
{
    if (!c->failed)
        kd_fail(c->err, KD_INTERNAL, NULL, "out of memory describing the certificate");
    c->failed = true;
}

/* A date of the form, in the arena ("" on no date). */
static const char *date_of(struct ctx *c, const char *iso, const char *fuzzy, bool gregorian)
{
    char buf[CERT_DATE_CAP];
    if (cert_date_text(iso, fuzzy, gregorian, buf, sizeof buf, c->err) < 0) {
        c->failed = true;
        return "";
    }
    const char *s = arena_strndup(c->a, buf, strlen(buf));
    if (!s)
        oom(c);
    return s ? s : "";
}

static const char *cat(struct ctx *c, const char *fmt, const char *x, const char *y)
{
    const char *s = arena_printf(c->a, fmt, x, y);
    if (!s)
        oom(c);
    return s ? s : "";
}

static const char *sex_label(int64_t sex)
{
    return sex == 1 ? "男" : sex == 2 ? "女" : "";
}

static const char *name_cell(struct ctx *c, const struct record *r)
{
    const char *s = r->shimei_kana[0] ? cat(c, "%s\n%s", r->shimei_kana, r->shimei) : r->shimei;
    if (r->kyuuji[0])
        s = cat(c, "%s\n旧氏　%s", s, r->kyuuji);
    if (r->tsusho[0])
        s = cat(c, "%s\n通称　%s", s, r->tsusho);
    if (r->alpha_name[0])
        s = cat(c, "%s\n%s", s, r->alpha_name);
    return s;
}

static const char *address_cell(struct ctx *c, const struct record *r)
{
    return r->katagaki[0] ? cat(c, "%s\n%s", r->address, r->katagaki) : r->address;
}

static void person_pairs(struct ctx *c, const struct cert_doc *d, int i, struct pairs *p)
{
    const struct record *r = &d->persons[i];
    bool foreign = strcmp(r->kind, "foreign") == 0;
    unsigned it = d->items;
    p->n = 0;
    if (it & CI_SHIMEI)
        pair(p, "氏名", name_cell(c, r));
    if (it & CI_BIRTH)
        pair(p, "生年月日", date_of(c, r->birth, r->birth_text, foreign));
    if (it & CI_SEX)
        pair(p, "性別", sex_label(r->sex));
    if (it & CI_SETAINUSHI)
        pair(p, "続柄", r->zokugara);
    if (it & CI_BECAME_RESIDENT)
        pair(p, foreign ? "外国人住民となった年月日" : "住民となった年月日",
             date_of(c, r->became_resident, "", false));
    if (it & CI_ADDRESS_FIXED) {
        pair(p, "住所を定めた年月日", date_of(c, r->address_fixed, "", false));
        pair(p, "届出の年月日", date_of(c, r->todoke, "", false));
    }
    if (it & CI_PREV_ADDRESS)
        pair(p, "転入前住所", r->prev_address);
    if ((it & CI_HONSEKI) && !foreign) {
        pair(p, "本籍", r->honseki);
        pair(p, "筆頭者", r->hittousha);
    }
    if ((it & CI_NATIONALITY) && foreign)
        pair(p, "国籍・地域", r->nationality);
    if ((it & CI_ZAIRYU) && foreign) {
        pair(p, "法第30条の45の区分", r->zairyu_kubun);
        pair(p, "在留資格", r->zairyu_shikaku);
        pair(p, "在留期間", r->zairyu_kikan);
        pair(p, "在留期間の満了の日", date_of(c, r->zairyu_expiry, "", true));
        pair(p, "在留カード等の番号", r->zairyu_card);
    }
    if (it & CI_KOJIN_BANGO)
        pair(p, "個人番号", r->kojin_bango);
    if (it & CI_JUMIN_CODE)
        pair(p, "住民票コード", r->jumin_code);
    if (it & CI_REMOVAL) {
        const struct idou_kind *k = idou_kind_find(r->removal);
        pair(p, "消除事由", k ? k->label : r->removal);
        pair(p, "消除の年月日", date_of(c, r->removal_date, "", false));
        if (r->dest_address[0])
            pair(p, r->dest_confirmed ? "転出先住所（確定）" : "転出先住所（予定）",
                 r->dest_address);
    }
}

static int person_table(struct report *rep, struct ctx *c, const struct cert_doc *d, int i)
{
    /* A label column fits 12 characters (外国人住民となった年月日) on one line. */
    static const double w[4] = {40, 50, 40, 50};
    static const enum report_align al[4] = {REPORT_LEFT, REPORT_LEFT, REPORT_LEFT, REPORT_LEFT};
    struct pairs p;
    person_pairs(c, d, i, &p);
    if (c->failed)
        return -1;
    if (report_table(rep, 4, w, al, c->err) < 0)
        return -1;
    for (int k = 0; k < p.n; k += 4) {
        const char *row[4] = {p.cell[k], p.cell[k + 1], k + 2 < p.n ? p.cell[k + 2] : "",
                              k + 3 < p.n ? p.cell[k + 3] : ""};
        if (report_row(rep, row, 0, c->err) < 0)
            return -1;
    }
    return 0;
}

/* The address and the 世帯主 on full-width rows at the top of a sheet: of
 * the household (世帯連記式), or of person i (個人票). */
static int household_header(struct report *rep, struct ctx *c, const struct cert_doc *d, int i)
{
    static const double w[2] = {40, 140};
    const struct record *first = &d->persons[i];
    if (!(d->items & (CI_ADDRESS | CI_SETAINUSHI)))
        return 0;
    if (report_table(rep, 2, w, NULL, c->err) < 0)
        return -1;
    if (d->items & CI_ADDRESS) {
        const char *row[2] = {"住所", address_cell(c, first)};
        if (report_row(rep, row, 0, c->err) < 0)
            return -1;
    }
    if (d->items & CI_SETAINUSHI) {
        const char *row[2] = {"世帯主", d->setainushi ? d->setainushi[i] : ""};
        if (report_row(rep, row, 0, c->err) < 0)
            return -1;
    }
    return c->failed ? -1 : 0;
}

static int certification(struct report *rep, struct ctx *c, const struct cert_doc *d)
{
    if (report_paragraph(rep, "以下余白", REPORT_MINCHO, 9, c->err) < 0)
        return -1;
    if (!d->number)
        return report_paragraph(rep,
                                "見本　この書面は交付前の確認用で、証明書ではありません。",
                                REPORT_GOTHIC, 12, c->err);
    const char *issued = date_of(c, d->issue_date, "", false);
    const char *certifier = cert_certifier(c->a, d->town_name);
    const char *sign = certifier ? cat(c, "%s　%s", certifier, d->mayor ? d->mayor : "") : NULL;
    if (!certifier)
        oom(c);
    if (c->failed)
        return -1;
    if (report_paragraph(rep, d->wording, REPORT_MINCHO, 11, c->err) < 0 ||
        report_paragraph(rep, cat(c, "　　　　%s%s", issued, ""), REPORT_MINCHO, 11, c->err) < 0 ||
        report_paragraph(rep, cat(c, "　　　　　　　　　　　　　　　　%s%s", sign, ""),
                         REPORT_MINCHO, 13, c->err) < 0 ||
        report_paragraph(rep, cat(c, "証明書番号　%s%s", d->number, ""), REPORT_GOTHIC, 9,
                         c->err) < 0)
        return -1;
    return c->failed ? -1 : 0;
}

struct report *cert_describe(struct arena *a, const struct cert_doc *d, struct kd_err *err)
{
    struct ctx c = {a, err, false};
    if (d->count < 1) {
        kd_fail(err, KD_INTERNAL, NULL, "a certificate of nobody");
        return NULL;
    }
    const char *title = cert_title(d->kind, d->form);
    struct report *rep = report_new(a, REPORT_PORTRAIT, title);
    if (!rep) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory describing the certificate");
        return NULL;
    }
    report_set_header_right(rep, d->number ? cat(&c, "証明書番号　%s%s", d->number, "")
                                           : "見本（証明書ではありません）");
    report_set_footer_left(rep, cat(&c, "%s　%s", d->town_name, cert_kind_label(d->kind)));
    int per = cert_per_sheet(d->form);
    int sheets = cert_sheets(d->form, d->count);
    for (int s = 0; s < sheets; s++) {
        if (s > 0 && report_page_break(rep, err) < 0)
            return NULL;
        if (report_title(rep, title, err) < 0)
            return NULL;
        if (household_header(rep, &c, d, s * per) < 0)
            return NULL;
        for (int i = s * per; i < d->count && i < (s + 1) * per; i++)
            if (person_table(rep, &c, d, i) < 0)
                return NULL;
        if (s + 1 < sheets) {
            if (report_paragraph(rep, "（次葉に続く）", REPORT_MINCHO, 9, err) < 0)
                return NULL;
        } else if (certification(rep, &c, d) < 0) {
            return NULL;
        }
    }
    return c.failed ? NULL : rep;
}
