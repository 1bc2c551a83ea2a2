/*
 * senkyo.c — 選挙人名簿: the rules, 投票区 matching, the order of the roll,
 * and deriving the roll from the register (senkyo.h; docs/senkyo.md).
 */
#include "residents/senkyo.h"

#include "base/clock.h"
#include "base/text.h"
#include "residents/residents.h"
#include "residents/zokugara.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- periods ------------------------------------------------------------------ */

int senkyo_period_end(struct date from, int months, struct date *out, struct kd_err *err)
{
    struct date first, corr;
    /* 民法第140条: the period starts on the next day. */
    if (date_add_days(from, 1, &first, err) < 0 ||
        date_add_months(first, months, &corr, err) < 0)
        return -1;
    /* 第143条第2項: it ends the day before the corresponding day, or on the
     * last day of the month that has none (date_add_months clamped it). */
    if (corr.d != first.d) {
        *out = corr;
        return 0;
    }
    return date_add_days(corr, -1, out, err);
}

/* ---- reasons ---------------------------------------------------------------------- */

static const struct {
    const char *code, *label;
} reasons[SENKYO_REASON_COUNT] = {
    [SENKYO_REGISTERED] = {"registered", "登録"},
    [SENKYO_MOVED_OUT] = {"moved_out", "転出表示"},
    [SENKYO_FOREIGN] = {"foreign", "外国人住民"},
    [SENKYO_BIRTH_UNKNOWN] = {"birth_unknown", "生年月日不詳"},
    [SENKYO_UNDER_AGE] = {"under_age", "年齢満18年未満"},
    [SENKYO_SHORT] = {"short", "住民基本台帳への記録3箇月未満"},
    [SENKYO_SHIKKEN] = {"shikken", "選挙権を有しない者（失権）"},
    [SENKYO_REMOVED] = {"removed", "除票"},
};

const char *senkyo_reason_code(enum senkyo_reason r)
{
    return (unsigned)r < SENKYO_REASON_COUNT ? reasons[r].code : "";
}

const char *senkyo_reason_label(enum senkyo_reason r)
{
    return (unsigned)r < SENKYO_REASON_COUNT ? reasons[r].label : "";
}

/* ---- the judgement ------------------------------------------------------------------ */

/* True when the `months` counted from `from` have passed on `on` (their last
 * day is on or before it). False when the end is outside the date range. */
static bool passed(struct date from, int months, struct date on)
{
    struct kd_err ignored;
    struct date end;
    if (senkyo_period_end(from, months, &end, &ignored) < 0)
        return false;
    return date_cmp(end, on) <= 0;
}

enum senkyo_reason senkyo_judge(const struct senkyo_person *p, const struct senkyo_dates *d)
{
    bool moved = false;
    if (!p->resident) {
        /* 第21条第2項: moved to another municipality, the four months not
         * yet passed on the 基準日. Every other removal (死亡, 国外転出,
         * 職権消除 …) ends the registration (docs/senkyo.md). */
        if (!p->moved_out || date_cmp(p->removal_date, d->kijun) > 0 ||
            passed(p->removal_date, SENKYO_MOVED_MONTHS, d->kijun))
            return SENKYO_REMOVED;
        moved = true;
    }
    if (p->foreign)
        return SENKYO_FOREIGN;
    if (!p->has_birth)
        return SENKYO_BIRTH_UNKNOWN;
    if (!date_has_reached_age(p->birth, SENKYO_AGE, d->age_date))
        return SENKYO_UNDER_AGE;
    /* Three months on the 基準日, or (転出表示) on the day of the move. */
    if (!passed(p->start, SENKYO_MONTHS, moved ? p->removal_date : d->kijun))
        return SENKYO_SHORT;
    if (p->shikken)
        return SENKYO_SHIKKEN;
    return moved ? SENKYO_MOVED_OUT : SENKYO_REGISTERED;
}

int senkyo_start(const char *kisai_kind, const char *idou_date, const char *todoke,
                 const char *became_resident, bool kika_continuity, struct date *out,
                 enum senkyo_start_basis *basis, struct kd_err *err)
{
    struct date d, br;
    if (!idou_date || date_parse_iso(idou_date, strlen(idou_date), "start", &d, err) < 0)
        return kd_fail(err, KD_INVALID_VALUE, "start", "the 記載 has no 異動日");
    /* 帰化等: the person was in the register as a 外国人住民 before; their
     * 住民となった年月日 carries that time over (setting, docs/senkyo.md). */
    if (kika_continuity && kisai_kind && strcmp(kisai_kind, "shokken_kisai_kika") == 0 &&
        became_resident && became_resident[0] &&
        date_parse_iso(became_resident, strlen(became_resident), "start", &br, err) == 0 &&
        date_cmp(br, d) < 0) {
        *out = br;
        *basis = SENKYO_START_BECAME_RESIDENT;
        return 0;
    }
    /* 第21条第1項: the day the 住民票 was made — for a 転入, the day of the
     * 転入届. The 届出日 is that day for every 記載 made on a 届出. */
    if (todoke && todoke[0] && date_parse_iso(todoke, strlen(todoke), "start", out, err) == 0) {
        *basis = SENKYO_START_TODOKE;
        return 0;
    }
    /* No 届出日 (職権記載, or not recorded): the 異動日. */
    *out = d;
    *basis = SENKYO_START_IDOU;
    return 0;
}

static bool quarter_first(struct date d)
{
    return d.d == 1 && (d.m == 3 || d.m == 6 || d.m == 9 || d.m == 12);
}

const char *senkyo_registration_label(struct date kijun, bool has_senkyo_date)
{
    return has_senkyo_date ? "選挙時登録" : quarter_first(kijun) ? "定時登録" : "基準日現在";
}

const char *senkyo_registration_code(struct date kijun, bool has_senkyo_date)
{
    return has_senkyo_date ? "senkyo" : quarter_first(kijun) ? "teiji" : "zuiji";
}

/* ---- 投票区 -------------------------------------------------------------------------- */

/* The text after a leading 大字 or 字. */
static const char *without_aza(const char *s)
{
    if (strncmp(s, "大字", strlen("大字")) == 0)
        return s + strlen("大字");
    if (strncmp(s, "字", strlen("字")) == 0)
        return s + strlen("字");
    return s;
}

const char *senkyo_local_address(const char *address, const char *town_name)
{
    if (!town_name || !town_name[0])
        return without_aza(address);
    const char *at = strstr(address, town_name);
    if (!at)
        return without_aza(address);
    return without_aza(at + strlen(town_name));
}

static bool code_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           c == '-';
}

int senkyo_districts_check(struct senkyo_districts *t, struct kd_err *err)
{
    if (t->count < 1 || t->count > SENKYO_MAX_DISTRICTS)
        return kd_fail(err, KD_INVALID_VALUE, "districts", "districts must have 1 to %d 投票区",
                       SENKYO_MAX_DISTRICTS);
    int defaults = 0, prefixes = 0;
    char field[KD_FIELD_MAX];
    for (int i = 0; i < t->count; i++) {
        struct senkyo_district *d = &t->d[i];
        snprintf(field, sizeof field, "districts[%d].code", i);
        size_t n = strlen(d->code);
        if (n < 1 || n > SENKYO_CODE_MAX)
            return kd_fail(err, KD_INVALID_VALUE, field, "%s must be 1 to %d characters", field,
                           SENKYO_CODE_MAX);
        for (size_t k = 0; k < n; k++)
            if (!code_char(d->code[k]))
                return kd_fail(err, KD_INVALID_VALUE, field,
                               "%s may hold digits, letters and '-' only", field);
        for (int j = 0; j < i; j++)
            if (strcmp(t->d[j].code, d->code) == 0)
                return kd_fail(err, KD_INVALID_VALUE, field, "%s repeats districts[%d].code",
                               field, j);
        snprintf(field, sizeof field, "districts[%d].name", i);
        if (text_check_line(d->name, strlen(d->name), 1, SENKYO_NAME_MAX, field, err) < 0)
            return -1;
        snprintf(field, sizeof field, "districts[%d].place", i);
        if (text_check_line(d->place, strlen(d->place), 0, SENKYO_PLACE_MAX, field, err) < 0)
            return -1;
        defaults += d->is_default;
        for (int p = 0; p < d->nprefix; p++) {
            snprintf(field, sizeof field, "districts[%d].prefixes[%d]", i, p);
            if (text_check_line(d->prefix[p], strlen(d->prefix[p]), 1, SENKYO_PREFIX_MAX,
                                field, err) < 0)
                return -1;
            d->prefix[p] = without_aza(d->prefix[p]);
            if (!d->prefix[p][0])
                return kd_fail(err, KD_INVALID_VALUE, field,
                               "%s is only 大字 or 字: name the 大字 itself", field);
            if (++prefixes > SENKYO_MAX_PREFIXES)
                return kd_fail(err, KD_INVALID_VALUE, field,
                               "the table has more than %d prefixes", SENKYO_MAX_PREFIXES);
            for (int j = 0; j <= i; j++)
                for (int q = 0; q < (j == i ? p : t->d[j].nprefix); q++)
                    if (strcmp(t->d[j].prefix[q], d->prefix[p]) == 0)
                        return kd_fail(err, KD_INVALID_VALUE, field,
                                       "%s repeats districts[%d].prefixes[%d]", field, j, q);
        }
    }
    if (defaults != 1)
        return kd_fail(err, KD_INVALID_VALUE, "districts",
                       "exactly one 投票区 is the default (%d are): addresses that match no "
                       "prefix go there",
                       defaults);
    return 0;
}

int senkyo_district_of(const struct senkyo_districts *t, const char *address,
                       const char *town_name, bool *by_default)
{
    *by_default = false;
    if (t->count == 0)
        return -1;
    const char *local = senkyo_local_address(address, town_name);
    int best = -1, fallback = 0;
    size_t best_len = 0;
    for (int i = 0; i < t->count; i++) {
        if (t->d[i].is_default)
            fallback = i;
        for (int p = 0; p < t->d[i].nprefix; p++) {
            size_t n = strlen(t->d[i].prefix[p]);
            if (n > best_len && strncmp(local, t->d[i].prefix[p], n) == 0) {
                best = i;
                best_len = n;
            }
        }
    }
    if (best >= 0)
        return best;
    *by_default = true;
    return fallback;
}

const char *senkyo_district_label(struct arena *a, const struct senkyo_district *d)
{
    return arena_printf(a, "第%s投票区 %s", d->code, d->name);
}

/* ---- order -------------------------------------------------------------------------- */

/* The digit at s (ASCII or full-width ０-９), or -1; *n its length in bytes. */
static int digit_at(const unsigned char *s, int *n)
{
    if (*s >= '0' && *s <= '9') {
        *n = 1;
        return *s - '0';
    }
    if (s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99) {
        *n = 3;
        return s[2] - 0x90;
    }
    return -1;
}

/* Reads a run of digits: its significant digits into buf (no leading
 * zeros, at most cap - 1 kept; more compare as larger), returns the bytes
 * consumed. */
static size_t digit_run(const unsigned char *s, char *buf, size_t cap, size_t *ndig)
{
    size_t used = 0, k = 0, sig = 0;
    int n, v;
    while ((v = digit_at(s + used, &n)) >= 0) {
        used += (size_t)n;
        if (v == 0 && sig == 0)
            continue;
        sig++;
        if (k + 1 < cap)
            buf[k++] = (char)('0' + v);
    }
    buf[k] = '\0';
    *ndig = sig;
    return used;
}

int senkyo_text_cmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *q) {
        int n1, n2;
        bool dp = digit_at(p, &n1) >= 0, dq = digit_at(q, &n2) >= 0;
        /* A number comes before any other character (a total order: the
         * texts compare as sequences of numbers and bytes). */
        if (dp != dq)
            return dp ? -1 : 1;
        if (dp) {
            char x[24], y[24];
            size_t dx, dy;
            p += digit_run(p, x, sizeof x, &dx);
            q += digit_run(q, y, sizeof y, &dy);
            if (dx != dy)
                return dx < dy ? -1 : 1;
            int c = strcmp(x, y);
            if (c)
                return c < 0 ? -1 : 1;
            continue;
        }
        if (*p != *q)
            return *p < *q ? -1 : 1; /* UTF-8 byte order is code point order */
        p++;
        q++;
    }
    if (*p || *q)
        return *p ? 1 : -1;
    /* Equal as sorted (０１ and 1): the bytes decide, for a total order. */
    int c = strcmp(a, b);
    return c < 0 ? -1 : c > 0;
}

/* ---- deriving the roll ---------------------------------------------------------------- */

/* Each person's last believed snapshot on the 基準日 as recorded by T: the
 * snapshot of timeline.c's as-of read, for everyone at once. */
static const char SQL_AS_OF[] =
    "SELECT v.atena, v.status, v.removal, v.removal_date, v.kind, v.shimei, v.shimei_kana,"
    " v.birth, v.birth_text, v.sex, v.setai, v.zokugara, v.postcode, v.address, v.katagaki,"
    " v.became_resident, v.jumin_code"
    " FROM resident_versions v"
    " WHERE v.valid_from <= ?1 AND v.recorded_at <= ?2"
    " AND NOT EXISTS (SELECT 1 FROM version_supersessions s"
    "                 WHERE s.atena = v.atena AND s.rireki = v.rireki AND s.superseded_at <= ?2)"
    " AND NOT EXISTS (SELECT 1 FROM resident_versions w"
    "   WHERE w.atena = v.atena AND w.valid_from <= ?1 AND w.recorded_at <= ?2"
    "   AND (w.valid_from, w.idou_id, w.rireki) > (v.valid_from, v.idou_id, v.rireki)"
    "   AND NOT EXISTS (SELECT 1 FROM version_supersessions s2"
    "                   WHERE s2.atena = w.atena AND s2.rireki = w.rireki"
    "                   AND s2.superseded_at <= ?2))"
    " ORDER BY v.atena";
enum { C_ATENA, C_STATUS, C_REMOVAL, C_REMOVAL_DATE, C_KIND, C_SHIMEI, C_KANA, C_BIRTH,
       C_BIRTH_TEXT, C_SEX, C_SETAI, C_ZOKUGARA, C_POSTCODE, C_ADDRESS, C_KATAGAKI,
       C_BECAME, C_JUMIN, C_COUNT };

/* The 記載 (the event that made the record) of each person, as recorded by
 * T and not cancelled by then. The kinds are filled in from idou_kinds. */
static const char SQL_KISAI_HEAD[] =
    "SELECT s.atena, i.kind, i.idou_date, i.todoke_date"
    " FROM idou_subjects s JOIN idou i ON i.id = s.idou_id"
    " WHERE i.recorded_at <= ?1"
    " AND NOT EXISTS (SELECT 1 FROM idou c WHERE c.target = i.id AND c.kind = 'torikeshi'"
    "                 AND c.recorded_at <= ?1)"
    " AND i.kind IN (";
static const char SQL_KISAI_TAIL[] = ") ORDER BY s.atena, i.idou_date, i.id";

struct kisai {
    const char *atena, *kind, *idou_date, *todoke;
};

static int kisai_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct kisai *)elem)->atena);
}

static int str_cmp(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static const char *col(struct store_stmt *st, int c, struct arena *a)
{
    size_t n;
    const char *t = store_col_text(st, c, &n);
    return arena_strndup(a, t, n);
}

static int load_kisai(struct store *town, const char *known, struct kisai **out, int *count,
                      struct arena *a, struct kd_err *err)
{
    char sql[1024];
    int n = snprintf(sql, sizeof sql, "%s", SQL_KISAI_HEAD);
    bool first = true;
    for (int i = 0; i < idou_kind_count; i++) {
        if (idou_kinds[i].cls != IDOU_KISAI)
            continue;
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s'%s'", first ? "" : ", ",
                      idou_kinds[i].code);
        first = false;
    }
    n += snprintf(sql + n, sizeof sql - (size_t)n, "%s", SQL_KISAI_TAIL);
    if ((size_t)n >= sizeof sql)
        return kd_fail(err, KD_INTERNAL, NULL, "the 記載 query does not fit");
    struct store_stmt *st = store_prepare(town, sql, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, known);
    int cap = 1024, len = 0;
    struct kisai *k = arena_alloc(a, (size_t)cap * sizeof *k);
    enum store_step rc;
    while (k && (rc = store_step(st, err)) == STORE_ROW) {
        const char *atena = store_col_text(st, 0, NULL);
        if (len > 0 && strcmp(k[len - 1].atena, atena) == 0)
            continue; /* the first 記載 of a person is the one */
        if (len == cap) {
            struct kisai *grown = arena_alloc(a, (size_t)cap * 2 * sizeof *k);
            if (grown)
                memcpy(grown, k, (size_t)len * sizeof *k);
            k = grown;
            cap *= 2;
            if (!k)
                break;
        }
        struct kisai *e = &k[len++];
        e->atena = col(st, 0, a);
        e->kind = col(st, 1, a);
        e->idou_date = col(st, 2, a);
        e->todoke = col(st, 3, a);
        if (!e->atena || !e->kind || !e->idou_date || !e->todoke) {
            k = NULL;
            break;
        }
    }
    store_reset(st);
    if (!k)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory reading the 記載 of the register");
    if (rc != STORE_DONE)
        return -1;
    *out = k;
    *count = len;
    return 0;
}

static int elector_cmp(const void *pa, const void *pb)
{
    const struct senkyo_elector *a = pa, *b = pb;
    /* Electors without a district (no table) come after every district. */
    unsigned da = (unsigned)a->district, db = (unsigned)b->district;
    if (da != db)
        return da < db ? -1 : 1;
    int c = senkyo_text_cmp(a->address, b->address);
    if (!c)
        c = senkyo_text_cmp(a->katagaki, b->katagaki);
    if (!c)
        c = strcmp(a->setai, b->setai);
    if (c)
        return c;
    /* Within a household, the standard's order (世帯主, 配偶者, 子 …). */
    int ra = zokugara_rank(a->zokugara), rb = zokugara_rank(b->zokugara);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    c = strcmp(a->birth, b->birth);
    if (!c)
        c = strcmp(a->atena, b->atena);
    return c;
}

static int jumin_cmp(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* A 転出表示 of someone who is back in the town with a new record (the same
 * 住民票コード) and registered there is the same person twice: the old
 * entry goes. */
static void drop_returned(struct senkyo_roll *r, struct arena *a)
{
    const char **codes = arena_alloc(a, (size_t)(r->count ? r->count : 1) * sizeof *codes);
    if (!codes)
        return; /* then nobody is dropped: a duplicate is not worth failing */
    int n = 0;
    for (int i = 0; i < r->count; i++)
        if (r->e[i].reason == SENKYO_REGISTERED && r->e[i].jumin_code[0])
            codes[n++] = r->e[i].jumin_code;
    qsort(codes, (size_t)n, sizeof *codes, jumin_cmp);
    int kept = 0;
    for (int i = 0; i < r->count; i++) {
        const struct senkyo_elector *e = &r->e[i];
        if (e->reason == SENKYO_MOVED_OUT && e->jumin_code[0] &&
            bsearch(e->jumin_code, codes, (size_t)n, sizeof *codes, str_cmp))
            continue;
        r->e[kept++] = *e;
    }
    r->count = kept;
}

static void count_in(struct senkyo_count *c, const struct senkyo_elector *e)
{
    c->total++;
    if (e->sex == 1)
        c->male++;
    else if (e->sex == 2)
        c->female++;
    else
        c->other++;
    if (e->reason == SENKYO_MOVED_OUT)
        c->moved_out++;
}

static int parse_date(const char *s, struct date *out)
{
    struct kd_err ignored;
    return s && s[0] ? date_parse_iso(s, strlen(s), "date", out, &ignored) : -1;
}

int senkyo_roll_build(struct store *town, const struct senkyo_query *q, struct senkyo_roll *out,
                      struct arena *a, struct kd_err *err)
{
    memset(out, 0, sizeof *out);
    char kijun[DATE_ISO_LEN], known[CLOCK_ISO_LEN];
    date_format_iso(q->dates.kijun, kijun);
    clock_format_iso(q->known_ms, known);

    struct senkyo_table_info info;
    if (senkyo_districts_load(town, q->known_ms, &out->districts, &info, a, err) < 0)
        return -1;
    out->districts_version = info.version;
    const char **shikken = NULL;
    int nshikken = 0;
    struct kisai *kisai = NULL;
    int nkisai = 0;
    if (senkyo_shikken_in_effect(town, kijun, q->known_ms, &shikken, &nshikken, a, err) < 0 ||
        load_kisai(town, known, &kisai, &nkisai, a, err) < 0)
        return -1;

    struct store_stmt *st = store_prepare(town, SQL_AS_OF, err);
    if (!st)
        return -1;
    store_bind_str(st, 1, kijun);
    store_bind_str(st, 2, known);
    int cap = 1024;
    out->e = arena_alloc(a, (size_t)cap * sizeof *out->e);
    enum store_step rc = STORE_DONE;
    int fail = out->e ? 0 : -1;
    while (fail == 0 && (rc = store_step(st, err)) == STORE_ROW) {
        const char *status = store_col_text(st, C_STATUS, NULL);
        const char *removal = store_col_text(st, C_REMOVAL, NULL);
        struct senkyo_person p = {0};
        p.resident = strcmp(status, "resident") == 0;
        p.moved_out = !p.resident && strcmp(removal, "kokunai_tenshutsu") == 0;
        /* Most 除票 are off at once: no more is read of them. */
        if (!p.resident && !p.moved_out)
            continue;
        const char *atena = store_col_text(st, C_ATENA, NULL);
        if (p.moved_out &&
            parse_date(store_col_text(st, C_REMOVAL_DATE, NULL), &p.removal_date) < 0) {
            fail = kd_fail(err, KD_INTERNAL, NULL, "the 除票 of %s has no removal date", atena);
            break;
        }
        p.foreign = strcmp(store_col_text(st, C_KIND, NULL), "foreign") == 0;
        p.has_birth = parse_date(store_col_text(st, C_BIRTH, NULL), &p.birth) == 0;
        const struct kisai *k =
            bsearch(atena, kisai, (size_t)nkisai, sizeof *kisai, kisai_cmp);
        if (!k) {
            fail = kd_fail(err, KD_INTERNAL, NULL,
                           "the register has no 記載 of %s, who has a record", atena);
            break;
        }
        enum senkyo_start_basis basis;
        if (senkyo_start(k->kind, k->idou_date, k->todoke, store_col_text(st, C_BECAME, NULL),
                         q->kika_continuity, &p.start, &basis, err) < 0) {
            char why[KD_MSG_MAX];
            snprintf(why, sizeof why, "%s", err->message);
            fail = kd_fail(err, KD_INTERNAL, NULL, "the 記載 of %s: %s", atena, why);
            break;
        }
        p.shikken = bsearch(atena, shikken, (size_t)nshikken, sizeof *shikken, str_cmp) != NULL;
        if (p.resident)
            out->residents++;
        enum senkyo_reason why = senkyo_judge(&p, &q->dates);
        if (why != SENKYO_REGISTERED && why != SENKYO_MOVED_OUT) {
            if (why != SENKYO_REMOVED)
                out->excluded[why]++;
            continue;
        }
        if (out->count == cap) {
            struct senkyo_elector *grown = arena_alloc(a, (size_t)cap * 2 * sizeof *grown);
            if (!grown) {
                fail = -1;
                break;
            }
            memcpy(grown, out->e, (size_t)cap * sizeof *grown);
            out->e = grown;
            cap *= 2;
        }
        struct senkyo_elector *e = &out->e[out->count];
        memset(e, 0, sizeof *e);
        const char **text[] = {&e->atena,    &e->setai,    &e->zokugara, &e->shimei,
                               &e->shimei_kana, &e->birth, &e->birth_text, &e->postcode,
                               &e->address,  &e->katagaki, &e->jumin_code};
        static const int cols[] = {C_ATENA, C_SETAI,    C_ZOKUGARA, C_SHIMEI,
                                   C_KANA,  C_BIRTH,    C_BIRTH_TEXT, C_POSTCODE,
                                   C_ADDRESS, C_KATAGAKI, C_JUMIN};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            if (!(*text[c] = col(st, cols[c], a)))
                fail = -1;
        e->sex = store_col_i64(st, C_SEX);
        e->reason = why;
        e->moved_out = why == SENKYO_MOVED_OUT ? col(st, C_REMOVAL_DATE, a) : "";
        char start[DATE_ISO_LEN];
        date_format_iso(p.start, start);
        e->start = arena_strndup(a, start, strlen(start));
        if (!e->moved_out || !e->start)
            fail = -1;
        e->basis = basis;
        out->count++;
    }
    store_reset(st);
    if (fail < 0 && err->code == KD_OK)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory deriving the 選挙人名簿");
    if (fail < 0 || rc == STORE_ERROR)
        return -1;

    drop_returned(out, a);
    for (int i = 0; i < out->count; i++) {
        struct senkyo_elector *e = &out->e[i];
        e->district = senkyo_district_of(&out->districts, e->address, q->town_name,
                                         &e->by_default);
        out->by_default += e->by_default;
        out->no_todoke += e->basis == SENKYO_START_IDOU;
    }
    qsort(out->e, (size_t)out->count, sizeof *out->e, elector_cmp);
    int nd = out->districts.count;
    out->by_district = arena_zalloc(a, (size_t)(nd + 1) * sizeof *out->by_district);
    if (!out->by_district)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    int number = 0;
    for (int i = 0; i < out->count; i++) {
        struct senkyo_elector *e = &out->e[i];
        if (i == 0 || e->district != out->e[i - 1].district)
            number = 0;
        e->number = ++number;
        count_in(&out->by_district[e->district < 0 ? nd : e->district], e);
        count_in(&out->all, e);
    }
    return 0;
}

int64_t senkyo_known_now(struct store *town, int64_t now_ms, struct kd_err *err)
{
    /* Event ids grow with their recorded time: the last one is the latest. */
    struct store_stmt *st =
        store_prepare(town, "SELECT recorded_at FROM idou ORDER BY id DESC LIMIT 1", err);
    if (!st)
        return -1;
    enum store_step rc = store_step(st, err);
    int64_t latest = 0;
    if (rc == STORE_ROW) {
        size_t n;
        const char *t = store_col_text(st, 0, &n);
        if (!clock_parse_iso(t, n, &latest))
            latest = 0;
    }
    store_reset(st);
    if (rc == STORE_ERROR)
        return -1;
    return latest > now_ms ? latest : now_ms;
}

void senkyo_roll_withhold(struct senkyo_roll *r, senkyo_hide_fn hide, void *ctx)
{
    int kept = 0, number = 0, nd = r->districts.count, prev = -2;
    for (int i = 0; i < r->count; i++) {
        struct senkyo_elector e = r->e[i];
        if (e.district != prev)
            number = 0;
        prev = e.district;
        if (hide(ctx, &e)) {
            r->by_district[e.district < 0 ? nd : e.district].withheld++;
            r->all.withheld++;
            continue;
        }
        e.number = ++number;
        r->e[kept++] = e;
    }
    r->count = kept;
}

void senkyo_roll_range(const struct senkyo_roll *r, int d, int *first, int *count)
{
    if (d == -2) {
        *first = 0;
        *count = r->count;
        return;
    }
    int i = 0;
    while (i < r->count && r->e[i].district != d)
        i++;
    int j = i;
    while (j < r->count && r->e[j].district == d)
        j++;
    *first = i;
    *count = j - i;
}
