/*
 * record.h — one person's 住民票 (resident record) as of one 異動.
 *
 * The fields are listed once, in RECORD_FIELDS; the schema, the code that
 * reads and writes rows, the JSON answers and the event bodies all expand
 * that list, so a field is added in one place. Item names are those of the
 * 住民記録システム標準仕様書 (resident-registry.md §2): see docs/residents.md
 * for each field's meaning and source.
 *
 * A record is a full snapshot (the standard's storage model: one row holds
 * every item; key 宛名番号 + 履歴番号). Text fields are "" when empty, never
 * NULL. Dates are ISO "YYYY-MM-DD" civil dates in Japan. Strings point into
 * the arena the record was read into.
 */
#ifndef KYODO_RESIDENTS_RECORD_H
#define KYODO_RESIDENTS_RECORD_H

#include "base/arena.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * X(name, kind, max_chars, who) — kind: T text, D date (ISO), I integer.
 * who: 'a' any resident, 'j' Japanese only, 'f' foreign only, 'r' set by the
 * register itself (not writable in event bodies).
 */
#define RECORD_FIELDS(X)                                                                        \
    X(status, T, 16, 'r')          /* resident | removed (除票) */                              \
    X(removal, T, 40, 'r')         /* the 消除 event kind, when removed */                      \
    X(removal_date, D, 10, 'r')    /* 消除の異動年月日 */                                       \
    X(kind, T, 16, 'r')            /* 住民種別: japanese | foreign */                           \
    X(shimei, T, 100, 'a')         /* 氏名 (as given: variants kept) */                         \
    X(shimei_kana, T, 100, 'a')    /* 氏名_フリガナ */                                          \
    X(kyuuji, T, 50, 'a')          /* 旧氏 */                                                   \
    X(kyuuji_kana, T, 50, 'a')     /* 旧氏_フリガナ */                                          \
    X(tsusho, T, 100, 'f')         /* 通称 */                                                   \
    X(tsusho_kana, T, 100, 'f')    /* 通称_フリガナ */                                          \
    X(alpha_name, T, 100, 'f')     /* 氏名_外国人ローマ字 */                                    \
    X(birth, D, 10, 'a')           /* 生年月日 (internal date; see birth_text) */               \
    X(birth_text, T, 72, 'a')      /* 生年月日_不詳表記: "" when the date is exact */            \
    X(sex, I, 1, 'a')              /* 性別: JIS X 0303, 1 男 2 女 (0 不明, 9 適用不能) */        \
    X(setai, T, 15, 'r')           /* 世帯番号 */                                               \
    X(zokugara, T, 20, 'a')        /* 続柄 (世帯主, 妻, 子, 子の子 …) */                         \
    X(honseki, T, 200, 'j')        /* 本籍 */                                                   \
    X(hittousha, T, 100, 'j')      /* 筆頭者 */                                                 \
    X(postcode, T, 7, 'a')         /* 住所_郵便番号 */                                          \
    X(address, T, 200, 'a')        /* 住所 (都道府県から番地まで) */                             \
    X(katagaki, T, 300, 'a')       /* 住所_方書 */                                              \
    X(became_resident, D, 10, 'a') /* 住民となった年月日 / 外国人住民となった年月日 */          \
    X(address_fixed, D, 10, 'a')   /* 住所を定めた年月日 */                                     \
    X(todoke, D, 10, 'r')          /* 届出の年月日 (of the event that made this record) */      \
    X(prev_postcode, T, 7, 'a')    /* 転入前住所_郵便番号 */                                    \
    X(prev_address, T, 300, 'a')   /* 転入前住所 (国外: 国名と住所) */                           \
    X(dest_postcode, T, 7, 'a')    /* 転出先住所_郵便番号 */                                    \
    X(dest_address, T, 300, 'a')   /* 転出先住所 */                                             \
    X(dest_confirmed, I, 1, 'r')   /* 1: 転出先住所（確定）, 0: （予定） */                      \
    X(kojin_bango, T, 12, 'a')     /* 個人番号: masked unless role and purpose allow */          \
    X(jumin_code, T, 11, 'a')      /* 住民票コード */                                           \
    X(nationality, T, 200, 'f')    /* 国籍・地域 */                                             \
    X(zairyu_kubun, T, 20, 'f')    /* 法第30条の45の区分 */                                     \
    X(zairyu_shikaku, T, 40, 'f')  /* 在留資格 */                                               \
    X(zairyu_kikan, T, 20, 'f')    /* 在留期間 */                                               \
    X(zairyu_expiry, D, 10, 'f')   /* 在留期間の満了の日 (西暦) */                               \
    X(zairyu_card, T, 12, 'f')     /* 在留カード等の番号 */

#define RECORD_MEMBER_T(name) const char *name;
#define RECORD_MEMBER_D(name) const char *name;
#define RECORD_MEMBER_I(name) int64_t name;
#define RECORD_MEMBER(name, kind, max, who) RECORD_MEMBER_##kind(name)

struct record {
    /* Where this snapshot sits in the register's history. */
    const char *atena;      /* 宛名番号 */
    int64_t rireki;         /* 履歴番号: 1, 2, 3 … per person, never reused */
    int64_t idou_id;        /* the 異動 that made it */
    const char *valid_from; /* 異動日: true from this date */
    const char *recorded_at; /* 処理日時 (UTC instant) */
    RECORD_FIELDS(RECORD_MEMBER)
};

/* The number of RECORD_FIELDS. */
extern const int record_field_count;

/* Each field's name, kind ('T', 'D' or 'I'), limit and who may set it. */
struct record_field {
    const char *name;
    char kind;
    int max_chars;
    char who;
};
extern const struct record_field record_fields[];

/* "" for every text, 0 for every number. */
void record_clear(struct record *r);

/* Field i's text value (T, D) or NULL for an integer field. */
const char *record_text(const struct record *r, int i);
void record_set_text(struct record *r, int i, const char *v);
int64_t record_int(const struct record *r, int i);
void record_set_int(struct record *r, int i, int64_t v);

/* Index of a field by name, or -1. */
int record_field_index(const char *name);

/* SQL fragments: the field columns in order ("status, removal, …"), as many
 * "?" placeholders, and the column definitions for CREATE TABLE. Each begins
 * with ", " so it follows other columns directly. */
#define RECORD_SQL_COL(name, kind, max, who) ", " #name
#define RECORD_SQL_PARAM(name, kind, max, who) ", ?"
#define RECORD_DDL_T "TEXT NOT NULL DEFAULT ''"
#define RECORD_DDL_D "TEXT NOT NULL DEFAULT ''"
#define RECORD_DDL_I "INTEGER NOT NULL DEFAULT 0"
#define RECORD_SQL_DDL(name, kind, max, who) ", " #name " " RECORD_DDL_##kind
#define RECORD_COLUMNS_SQL RECORD_FIELDS(RECORD_SQL_COL)
/* The same, qualified by the table alias v (for joins). */
#define RECORD_SQL_VCOL(name, kind, max, who) ", v." #name
#define RECORD_VCOLUMNS_SQL RECORD_FIELDS(RECORD_SQL_VCOL)
#define RECORD_PARAMS_SQL RECORD_FIELDS(RECORD_SQL_PARAM)
#define RECORD_DDL_SQL RECORD_FIELDS(RECORD_SQL_DDL)

/* Binds the fields to st from parameter `first` on; returns the next index. */
int record_bind(struct store_stmt *st, int first, const struct record *r);
/* Reads the fields from st's columns from `first` on, copying text into a. */
int record_read(struct store_stmt *st, int first, struct record *r, struct arena *a);

#endif
