/*
 * certificate.h — 住民票の写し, 除票の写し and 住民票記載事項証明書 as printed
 * documents: which items a certificate shows, how its dates are written, how
 * its persons fall on sheets, and the document itself (report/report.h).
 *
 * Everything here is pure: it takes records already read and describes a
 * document; reading the register, numbering, recording the issuance (交付履歴)
 * and auditing are the API's (api_certificates.c, certificate_store.c).
 * Rules and sources: docs/certificates.md, resident-registry.md §11.
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef KYODO_RESIDENTS_CERTIFICATE_H
#define KYODO_RESIDENTS_CERTIFICATE_H

#include "base/arena.h"
#include "base/err.h"
#include "report/report.h"
#include "residents/record.h"

#include <stdbool.h>
#include <stddef.h>

enum cert_kind {
    CERT_JUMINHYO, /* 住民票の写し */
    CERT_JOHYO,    /* 除票の写し (always 個人票) */
    CERT_KISAI,    /* 住民票記載事項証明書 (chosen items) */
};

enum cert_form {
    CERT_FORM_SETAI, /* 世帯連記式: one household, at most 4 persons per sheet */
    CERT_FORM_KOJIN, /* 個人票: one person per sheet, A4 portrait */
};

enum cert_requester {
    CERT_HONNIN,    /* 本人又は同一世帯の者 (住基法12条) */
    CERT_DAISANSHA, /* 第三者 (12条の3: 正当な理由のある者) */
    CERT_KOYO,      /* 国又は地方公共団体の機関 (12条の2: 公用請求) */
};

/* The items a certificate may show, as bits. */
enum cert_item {
    CI_SHIMEI = 1u << 0,          /* 氏名 (+ フリガナ, 旧氏, 通称, ローマ字) */
    CI_BIRTH = 1u << 1,           /* 生年月日 */
    CI_SEX = 1u << 2,             /* 性別 */
    CI_ADDRESS = 1u << 3,         /* 住所 (+ 方書) */
    CI_BECAME_RESIDENT = 1u << 4, /* 住民となった年月日 */
    CI_ADDRESS_FIXED = 1u << 5,   /* 住所を定めた年月日 (+ 届出の年月日) */
    CI_PREV_ADDRESS = 1u << 6,    /* 転入前住所 */
    CI_NATIONALITY = 1u << 7,     /* 国籍・地域 (外国人住民) */
    CI_SETAINUSHI = 1u << 8,      /* 世帯主・続柄: on request */
    CI_HONSEKI = 1u << 9,         /* 本籍・筆頭者: on request (日本人住民) */
    CI_KOJIN_BANGO = 1u << 10,    /* 個人番号: on request, never to a third party */
    CI_JUMIN_CODE = 1u << 11,     /* 住民票コード: on request, never to a third party */
    CI_ZAIRYU = 1u << 12,         /* 法30条の45の区分, 在留資格, 在留期間, 満了日, 在留カード等の番号: on request */
    CI_REMOVAL = 1u << 13,        /* 除票: 消除事由, 消除の年月日, 転出先住所 */
};

struct cert_item_info {
    const char *code;  /* in the API: "setainushi" */
    const char *label; /* on the form and in the 交付履歴: "世帯主・続柄" */
    unsigned bit;
    bool by_default;       /* shown on a 写し unless ... (§11.1) */
    bool on_request;       /* an option of a 写し (§11.1) */
    bool never_third_party; /* 個人番号, 住民票コード (§11.1, 12条の3) */
};
extern const struct cert_item_info cert_items[];
extern const int cert_item_count;

/* The item of an API code, or NULL. */
const struct cert_item_info *cert_item_find(const char *code);

/* Codes and labels of the enums ("juminhyo" / "住民票の写し", "setai" /
 * "世帯連記式", "honnin" / "本人・同一世帯"); parse returns false for an
 * unknown code. */
bool cert_kind_parse(const char *s, enum cert_kind *out);
bool cert_form_parse(const char *s, enum cert_form *out);
bool cert_requester_parse(const char *s, enum cert_requester *out);
const char *cert_kind_code(enum cert_kind k);
const char *cert_kind_label(enum cert_kind k);
const char *cert_form_code(enum cert_form f);
const char *cert_form_label(enum cert_form f);
const char *cert_requester_code(enum cert_requester r);
const char *cert_requester_label(enum cert_requester r);

/*
 * What a certificate shows, from the request:
 *   写し (juminhyo, johyo): the default items, plus `options` (bits of
 *     on-request items only; another bit is KD_INVALID_VALUE naming
 *     "options.<code>"); a 除票 also shows CI_REMOVAL.
 *   記載事項証明書 (kisai): CI_SHIMEI plus `chosen` (any items but
 *     CI_REMOVAL; none chosen is KD_MISSING_FIELD "items").
 * A third party (第三者請求) never gets 個人番号 or 住民票コード: asking is
 * KD_FORBIDDEN naming the option ("options.kojin_bango", or
 * "items.kojin_bango" for a 記載事項証明書). *shown is set on success only.
 */
struct cert_request {
    enum cert_kind kind;
    enum cert_form form;
    enum cert_requester requester;
    unsigned options; /* 写し */
    unsigned chosen;  /* 記載事項証明書 */
};
int cert_items_shown(const struct cert_request *q, unsigned *shown, struct kd_err *err);

/* Persons per sheet: 4 for 世帯連記式, 1 for 個人票. */
int cert_per_sheet(enum cert_form f);
/* Sheets for n persons (n >= 1): ceil(n / per sheet). */
int cert_sheets(enum cert_form f, int persons);

/*
 * A date as the form writes it: 和暦 ("昭和55年5月5日", 元年 for year 1),
 * or 西暦 in the same shape ("1990年1月2日") when gregorian is true — the
 * 生年月日 of a 外国人住民 and the 在留期間の満了の日 (resident-registry.md
 * §2.2). A 不詳 or non-calendar date (fuzzy_text not "") is written as
 * recorded. "" for no date. KD_INVALID_VALUE for a date that is not ISO or
 * not valid. buf holds at least WAREKI_FUZZY_TEXT_CAP bytes.
 */
#define CERT_DATE_CAP 300
int cert_date_text(const char *iso, const char *fuzzy_text, bool gregorian, char *buf, size_t cap,
                   struct kd_err *err);

/* 除票 retention (resident-registry.md §11.2, 住基法施行令 as amended in force
 * 2019-06-20): a 除票 is kept 150 years, which covers records removed on or
 * after the town's earliest covered date (default 2014-06-20); one removed
 * before it may have been destroyed after 5 years and is not issued (a
 * 廃棄証明 is issued instead). Both dates ISO. */
#define CERT_JOHYO_EARLIEST_DEFAULT "2014-06-20"
bool cert_johyo_retained(const char *removal_date, const char *earliest);

/* The certifier's title from the town's name: the name + 長 (中之条町長,
 * 嬬恋村長). Into a (NULL when the arena is full). */
const char *cert_certifier(struct arena *a, const char *town_name);

/*
 * The document. persons are in the order printed (for 世帯連記式, the
 * household's order). setainushi: the householder's name for each person
 * (same index; "" when the household has none), used when CI_SETAINUSHI is
 * shown. number: "第000123号", or NULL for a preview (marked 見本, without
 * number or certification). Returns the document in a, or NULL with err.
 */
struct cert_doc {
    enum cert_kind kind;
    enum cert_form form;
    unsigned items;
    const char *town_name;  /* the tenant's name */
    const char *mayor;      /* the 町村長's name, or "" */
    const char *wording;    /* 認証文 */
    const char *issue_date; /* ISO */
    const char *number;     /* NULL: preview */
    int count;
    const struct record *persons;
    const char *const *setainushi;
};
struct report *cert_describe(struct arena *a, const struct cert_doc *d, struct kd_err *err);

/* The document's title: 住民票の写し（世帯連記式）, 除票の写し（個人票） … */
const char *cert_title(enum cert_kind k, enum cert_form f);

#endif
