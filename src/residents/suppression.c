/*
 * suppression.c — the codes, settings, body parsers and dates of 抑止
 * (DV等支援措置). Pure except supp_settings_load. See suppression.h and
 * docs/suppression.md for the sources.
 */
#include "residents/suppression.h"

#include "base/date.h"
#include "base/text.h"
#include "engine/settings.h"
#include "http/jreq.h"

#include <stdio.h>
#include <string.h>

/* 総務省「住民基本台帳事務におけるDV等支援措置」: the measure restricts 閲覧
 * (法第11条, 第11条の2), 住民票(除票を含む)の写し等の交付 (法第12条, 第12条の2,
 * 第12条の3) and 戸籍の附票(除票を含む)の写しの交付 (法第20条). */
const struct supp_code supp_blocks[] = {
    {"daisansha", "第三者からの請求", SUPP_B_DAISANSHA},
    {"koyo", "国・地方公共団体の機関の請求", SUPP_B_KOYO},
    {"honnin", "本人等の請求", SUPP_B_HONNIN},
    {"etsuran", "住民基本台帳の一部の写しの閲覧", SUPP_B_ETSURAN},
    {"fuhyo", "戸籍の附票の写しの交付", SUPP_B_FUHYO},
};
const int supp_block_count = sizeof supp_blocks / sizeof supp_blocks[0];

/* kyodo's catalogue (the sources name no list): the work for which staff
 * still look a protected person up. */
const struct supp_code supp_purposes[] = {
    {"shien", "支援措置事務", SUPP_P_SHIEN},
    {"honnin", "本人からの申出・請求", SUPP_P_HONNIN},
    {"idou", "住民異動届の処理", SUPP_P_IDOU},
    {"kankei", "関係機関からの照会", SUPP_P_KANKEI},
};
const int supp_purpose_count = sizeof supp_purposes / sizeof supp_purposes[0];

/* Who may ask (総務省; 半田市, 越谷市): victims of 配偶者からの暴力 (配偶者暴力
 * 防止法第1条第2項), ストーカー行為等 (ストーカー規制法), 児童虐待 (児童虐待
 * 防止法第2条), and those in a like position. */
const struct supp_code supp_categories[] = {
    {"dv", "配偶者からの暴力（DV）", 0},
    {"stalker", "ストーカー行為等", 0},
    {"child_abuse", "児童虐待", 0},
    {"other", "その他これらに準ずる行為", 0},
};
const int supp_category_count = sizeof supp_categories / sizeof supp_categories[0];

/* Who confirms the need for support (支援の必要性の確認): the 相談機関's
 * opinion on the 申出書, or a 保護命令 of a court. */
const struct supp_code supp_confirmers[] = {
    {"police", "警察", 0},
    {"soudan", "配偶者暴力相談支援センター等の相談機関", 0},
    {"jidou", "児童相談所", 0},
    {"court", "裁判所（保護命令）", 0},
    {"other", "その他の機関", 0},
};
const int supp_confirmer_count = sizeof supp_confirmers / sizeof supp_confirmers[0];

const struct supp_code *supp_code_find(const struct supp_code *t, int n, const char *code)
{
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].code, code) == 0)
            return &t[i];
    return NULL;
}

unsigned supp_codes_bits(const struct supp_code *t, int n, const char *text)
{
    unsigned bits = 0;
    const char *p = text;
    while (p && *p) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        for (int i = 0; i < n; i++)
            if (strlen(t[i].code) == len && memcmp(t[i].code, p, len) == 0)
                bits |= t[i].bit;
        p += len;
    }
    return bits;
}

static const char *join(struct arena *a, const struct supp_code *t, int n, unsigned bits,
                        bool labels)
{
    char buf[512];
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (!(bits & t[i].bit))
            continue;
        int w = snprintf(buf + used, sizeof buf - used, "%s%s", used ? (labels ? "・" : " ") : "",
                         labels ? t[i].label : t[i].code);
        if (w < 0 || (size_t)w >= sizeof buf - used)
            break;
        used += (size_t)w;
    }
    return arena_strndup(a, buf, used);
}

const char *supp_codes_text(struct arena *a, const struct supp_code *t, int n, unsigned bits)
{
    return join(a, t, n, bits, false);
}

const char *supp_codes_labels(struct arena *a, const struct supp_code *t, int n, unsigned bits)
{
    return join(a, t, n, bits, true);
}

/* s without leading and trailing ASCII and full-width (U+3000) blanks. */
static void trim(const char **s, size_t *len)
{
    const char *p = *s, *e = *s + *len;
    for (;;) {
        if (p < e && (*p == ' ' || *p == '\t'))
            p++;
        else if (e - p >= 3 && memcmp(p, "\u3000", 3) == 0)
            p += 3;
        else
            break;
    }
    for (;;) {
        if (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        else if (e - p >= 3 && memcmp(e - 3, "\u3000", 3) == 0)
            e -= 3;
        else
            break;
    }
    *s = p;
    *len = (size_t)(e - p);
}

unsigned supp_purpose_stated(const char *stated)
{
    if (!stated)
        return 0;
    size_t len = strlen(stated);
    trim(&stated, &len);
    for (int i = 0; i < supp_purpose_count; i++) {
        const struct supp_code *c = &supp_purposes[i];
        if ((strlen(c->code) == len && memcmp(c->code, stated, len) == 0) ||
            (strlen(c->label) == len && memcmp(c->label, stated, len) == 0))
            return c->bit;
    }
    return 0;
}

/* ---- settings ------------------------------------------------------------------------ */

#define SET_PERIOD "suppression.period_months"
#define SET_PENDING "suppression.pending_applies"
#define SET_BLOCKS "suppression.default_blocks"
#define SET_PURPOSES "suppression.default_purposes"

/* Every code of s known to t, at least one; *bits set. */
static bool codes_setting(const struct supp_code *t, int n, const char *s, unsigned *bits)
{
    *bits = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len == 0)
            break;
        bool known = false;
        for (int i = 0; i < n; i++)
            if (strlen(t[i].code) == len && memcmp(t[i].code, p, len) == 0) {
                *bits |= t[i].bit;
                known = true;
            }
        if (!known)
            return false;
        p += len;
    }
    return *bits != 0;
}

int supp_settings_load(struct store *town, struct supp_settings *out, struct arena *a,
                       struct kd_err *err)
{
    int64_t months;
    const char *pending, *blocks, *purposes;
    if (settings_get_int(town, SET_PERIOD, 12, 1, 60, &months, err) < 0)
        return err->code == KD_INVALID_VALUE
                   ? kd_fail(err, KD_INTERNAL, NULL,
                             "the town setting " SET_PERIOD " is not a number of months (1-60)")
                   : -1;
    if (settings_get(town, SET_PENDING, "yes", &pending, a, err) < 0 ||
        settings_get(town, SET_BLOCKS, "daisansha etsuran fuhyo", &blocks, a, err) < 0 ||
        settings_get(town, SET_PURPOSES, "shien honnin idou", &purposes, a, err) < 0)
        return -1;
    out->period_months = (int)months;
    if (strcmp(pending, "yes") == 0)
        out->pending_applies = true;
    else if (strcmp(pending, "no") == 0)
        out->pending_applies = false;
    else
        return kd_fail(err, KD_INTERNAL, NULL, "the town setting " SET_PENDING " is not yes or no");
    if (!codes_setting(supp_blocks, supp_block_count, blocks, &out->default_blocks))
        return kd_fail(err, KD_INTERNAL, NULL,
                       "the town setting " SET_BLOCKS " is not a list of known kinds");
    if (!codes_setting(supp_purposes, supp_purpose_count, purposes, &out->default_purposes))
        return kd_fail(err, KD_INTERNAL, NULL,
                       "the town setting " SET_PURPOSES " is not a list of known purposes");
    return 0;
}

/* ---- dates and states ------------------------------------------------------------------ */

/* A period of months counted from its first day ends the day before the day
 * that corresponds to it, or, when the last month has no such day, on that
 * month's last day (民法第140条 ただし書 (a period starting at the beginning
 * of a day counts it), 第143条第2項): 2026-04-01 + 12 months ends 2027-03-31,
 * 2024-02-29 + 12 months ends 2025-02-28. */
int supp_period_end(const char *from, int months, char out[11], struct kd_err *err)
{
    struct date start, d;
    if (date_parse_iso(from, strlen(from), "from", &start, err) < 0 ||
        date_add_months(start, months, &d, err) < 0)
        return -1;
    if (d.d == start.d && date_add_days(d, -1, &d, err) < 0)
        return -1;
    date_format_iso(d, out);
    return 0;
}

const char *supp_state_on(const struct supp_measure *m, const char *date)
{
    if (strcmp(m->status, SUPP_REJECTED) == 0)
        return "rejected";
    if (strcmp(m->status, SUPP_LIFTED) == 0 && strcmp(date, m->lifted_on) >= 0)
        return "lifted";
    if (strcmp(date, m->date_to) > 0)
        return "expired";
    if (strcmp(m->status, SUPP_PENDING) == 0)
        return "pending";
    if (strcmp(date, m->date_from) < 0)
        return "scheduled";
    return "active";
}

const char *supp_state_label(const char *state)
{
    static const struct {
        const char *code, *label;
    } t[] = {
        {"pending", "承認待ち"}, {"scheduled", "開始前"}, {"active", "実施中"},
        {"expired", "期間満了"}, {"lifted", "解除"},     {"rejected", "却下"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].code, state) == 0)
            return t[i].label;
    return "";
}

bool supp_applies_on(const struct supp_measure *m, const char *date, bool pending_applies)
{
    if (strcmp(date, m->date_from) < 0 || strcmp(date, m->date_to) > 0)
        return false;
    if (strcmp(m->status, SUPP_ACTIVE) == 0)
        return true;
    if (strcmp(m->status, SUPP_PENDING) == 0)
        return pending_applies;
    if (strcmp(m->status, SUPP_LIFTED) == 0)
        return strcmp(date, m->lifted_on) < 0;
    return false;
}

/* ---- parsing ---------------------------------------------------------------------------- */

static bool blank(const char *s)
{
    size_t len = strlen(s);
    trim(&s, &len);
    return len == 0;
}

static int parse_date(const struct jvalue *v, const char *field, const char *today,
                      bool not_after_today, struct kd_err *err)
{
    struct date d;
    if (date_parse_iso(v->s, v->len, field, &d, err) < 0)
        return -1;
    if (not_after_today && strcmp(v->s, today) > 0)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s is after today", field);
    return 0;
}

static bool is_atena(const char *s, size_t len)
{
    return len >= 1 && len <= 15 && text_all_digits(s, len);
}

/* An array of codes of t, each once, at least one; *bits set. */
static int parse_codes(json_t *arr, const char *field, const struct supp_code *t, int n,
                       const char *what, unsigned *bits, struct kd_err *err)
{
    *bits = 0;
    if (json_array_size(arr) == 0)
        return kd_fail(err, KD_INVALID_VALUE, field, "%s needs at least one %s", field, what);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char f[48];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        json_t *e = json_array_get(arr, i);
        if (!json_is_string(e))
            return kd_fail(err, KD_WRONG_TYPE, f, "a %s is a string", what);
        const struct supp_code *c = supp_code_find(t, n, json_string_value(e));
        if (!c)
            return kd_fail(err, KD_INVALID_VALUE, f, "unknown %s (the OpenAPI document lists them)",
                           what);
        if (*bits & c->bit)
            return kd_fail(err, KD_INVALID_VALUE, f, "the same %s twice", what);
        *bits |= c->bit;
    }
    return 0;
}

static const struct jfield app_spec[] = {
    {"category", JT_STRING, true, 16, false, 0, 0},
    {"reason", JT_STRING, true, 400, true, 0, 0},
    {"applied_on", JT_STRING, false, 10, false, 0, 0},
    {"confirmer_kind", JT_STRING, true, 16, false, 0, 0},
    {"confirmer", JT_STRING, true, 100, false, 0, 0},
    {"confirmed_on", JT_STRING, true, 10, false, 0, 0},
    {"offender", JT_STRING, false, 200, false, 0, 0},
    {"applicant", JT_STRING, true, 15, false, 0, 0},
    {"joint", JT_ARRAY, false, SUPP_MAX_PERSONS - 1, false, 0, 0},
    {"from", JT_STRING, false, 10, false, 0, 0},
    {"to", JT_STRING, false, 10, false, 0, 0},
    {"blocks", JT_ARRAY, false, 8, false, 0, 0},
    {"purposes", JT_ARRAY, false, 8, false, 0, 0},
    {"note", JT_STRING, false, 400, true, 0, 0},
};
enum {
    A_CATEGORY, A_REASON, A_APPLIED, A_CKIND, A_CONFIRMER, A_CONFIRMED, A_OFFENDER, A_APPLICANT,
    A_JOINT, A_FROM, A_TO, A_BLOCKS, A_PURPOSES, A_NOTE, A_COUNT
};

int supp_parse_application(json_t *body, const struct supp_settings *s, const char *today,
                           struct supp_measure *out, const char **note, struct arena *a,
                           struct kd_err *err)
{
    struct jvalue v[A_COUNT];
    memset(out, 0, sizeof *out);
    if (!json_is_object(body))
        return kd_fail(err, KD_WRONG_TYPE, NULL, "the body is an object");
    if (jreq_fields(a, body, "", app_spec, A_COUNT, v, err) < 0)
        return -1;
    if (!supp_code_find(supp_categories, supp_category_count, v[A_CATEGORY].s))
        return kd_fail(err, KD_INVALID_VALUE, "category",
                       "category must be dv, stalker, child_abuse or other");
    out->category = v[A_CATEGORY].s;
    if (blank(v[A_REASON].s))
        return kd_fail(err, KD_MISSING_FIELD, "reason", "reason (申出の理由) is required");
    out->reason = v[A_REASON].s;
    out->applied_on = today;
    if (v[A_APPLIED].present) {
        if (parse_date(&v[A_APPLIED], "applied_on", today, true, err) < 0)
            return -1;
        out->applied_on = v[A_APPLIED].s;
    }
    if (!supp_code_find(supp_confirmers, supp_confirmer_count, v[A_CKIND].s))
        return kd_fail(err, KD_INVALID_VALUE, "confirmer_kind",
                       "confirmer_kind must be police, soudan, jidou, court or other");
    out->confirmer_kind = v[A_CKIND].s;
    if (blank(v[A_CONFIRMER].s))
        return kd_fail(err, KD_MISSING_FIELD, "confirmer",
                       "confirmer (the body that confirmed the need for support) is required");
    out->confirmer = v[A_CONFIRMER].s;
    if (parse_date(&v[A_CONFIRMED], "confirmed_on", today, true, err) < 0)
        return -1;
    out->confirmed_on = v[A_CONFIRMED].s;
    out->offender = v[A_OFFENDER].present ? v[A_OFFENDER].s : "";

    /* The persons: the 申出者, then those at the same address named with them. */
    if (!is_atena(v[A_APPLICANT].s, v[A_APPLICANT].len))
        return kd_fail(err, KD_INVALID_VALUE, "applicant", "applicant must be a 宛名番号 (digits)");
    out->atena[out->npersons++] = v[A_APPLICANT].s;
    if (v[A_JOINT].present) {
        json_t *arr = v[A_JOINT].json;
        for (size_t i = 0; i < json_array_size(arr); i++) {
            char f[32];
            snprintf(f, sizeof f, "joint[%zu]", i);
            json_t *e = json_array_get(arr, i);
            if (!json_is_string(e))
                return kd_fail(err, KD_WRONG_TYPE, f, "a 宛名番号 is a string of digits");
            const char *atena = json_string_value(e);
            if (!is_atena(atena, json_string_length(e)))
                return kd_fail(err, KD_INVALID_VALUE, f, "a 宛名番号 is digits only");
            for (int k = 0; k < out->npersons; k++)
                if (strcmp(out->atena[k], atena) == 0)
                    return kd_fail(err, KD_INVALID_VALUE, f,
                                   k == 0 ? "the applicant is not also a joint person"
                                          : "the same person twice");
            out->atena[out->npersons++] = atena;
        }
    }

    /* The period: from the 申出日 (or as given) for the town's period. */
    out->date_from = out->applied_on;
    if (v[A_FROM].present) {
        if (parse_date(&v[A_FROM], "from", today, false, err) < 0)
            return -1;
        out->date_from = v[A_FROM].s;
    }
    char *longest = arena_alloc(a, 11);
    if (!longest)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    if (supp_period_end(out->date_from, s->period_months, longest, err) < 0) {
        snprintf(err->field, sizeof err->field, "from");
        return -1;
    }
    out->date_to = longest;
    if (v[A_TO].present) {
        if (parse_date(&v[A_TO], "to", today, false, err) < 0)
            return -1;
        if (strcmp(v[A_TO].s, out->date_from) < 0)
            return kd_fail(err, KD_INVALID_VALUE, "to", "to must not be before from");
        if (strcmp(v[A_TO].s, longest) > 0)
            return kd_fail(err, KD_INVALID_VALUE, "to",
                           "a measure lasts at most %d months (to %s at the latest); it is "
                           "extended by a new request before it ends",
                           s->period_months, longest);
        out->date_to = v[A_TO].s;
    }

    out->blocks = s->default_blocks;
    if (v[A_BLOCKS].present && parse_codes(v[A_BLOCKS].json, "blocks", supp_blocks,
                                           supp_block_count, "kind of request", &out->blocks,
                                           err) < 0)
        return -1;
    out->purposes = s->default_purposes;
    if (v[A_PURPOSES].present && parse_codes(v[A_PURPOSES].json, "purposes", supp_purposes,
                                             supp_purpose_count, "purpose", &out->purposes,
                                             err) < 0)
        return -1;
    *note = v[A_NOTE].present ? v[A_NOTE].s : "";
    out->status = SUPP_PENDING;
    out->lifted_on = "";
    return 0;
}

static const struct jfield change_spec[] = {
    {"kind", JT_STRING, true, 8, false, 0, 0},
    {"to", JT_STRING, false, 10, false, 0, 0},
    {"on", JT_STRING, false, 10, false, 0, 0},
    {"note", JT_STRING, false, 400, true, 0, 0},
};

int supp_parse_change(json_t *body, const char *today, struct supp_change *out, struct arena *a,
                      struct kd_err *err)
{
    struct jvalue v[4];
    memset(out, 0, sizeof *out);
    if (!json_is_object(body))
        return kd_fail(err, KD_WRONG_TYPE, NULL, "the body is an object");
    if (jreq_fields(a, body, "", change_spec, 4, v, err) < 0)
        return -1;
    out->note = v[3].present ? v[3].s : "";
    if (strcmp(v[0].s, "extend") == 0) {
        out->kind = "extend";
        if (v[2].present)
            return kd_fail(err, KD_INVALID_VALUE, "on", "on is for a lift; an extension gives to");
        if (!v[1].present)
            return kd_fail(err, KD_MISSING_FIELD, "to", "an extension gives its new last day (to)");
        if (parse_date(&v[1], "to", today, false, err) < 0)
            return -1;
        out->to = v[1].s;
        return 0;
    }
    if (strcmp(v[0].s, "lift") == 0) {
        out->kind = "lift";
        if (v[1].present)
            return kd_fail(err, KD_INVALID_VALUE, "to", "to is for an extension; a lift gives on");
        out->on = today;
        if (v[2].present) {
            if (parse_date(&v[2], "on", today, false, err) < 0)
                return -1;
            if (strcmp(v[2].s, today) < 0)
                return kd_fail(err, KD_INVALID_VALUE, "on",
                               "on is before today: a measure is not lifted retroactively");
            out->on = v[2].s;
        }
        if (blank(out->note))
            return kd_fail(err, KD_MISSING_FIELD, "note", "a lift states its reason (note)");
        return 0;
    }
    return kd_fail(err, KD_INVALID_VALUE, "kind", "kind must be extend (延長) or lift (解除)");
}
