/*
 * perm.h — roles, and the one table that decides every permission.
 *
 * A permission is (role, module, action). Route handlers, menus and batch
 * jobs ask perm_allows(); nothing else decides. An unknown module or action
 * is denied (fail closed), and a unit test checks that every route names a
 * pair the table knows.
 */
#ifndef KYODO_ENGINE_PERM_H
#define KYODO_ENGINE_PERM_H

#include <stdbool.h>
#include <stddef.h>

enum role {
    ROLE_ADMIN,     /* town administrator: the town's users and settings */
    ROLE_RESIDENTS, /* residents clerk (住民課) */
    ROLE_TAX,       /* tax clerk (税務課) */
    ROLE_WELFARE,   /* welfare clerk (福祉課) */
    ROLE_AUDITOR,   /* reads the audit log, nothing else */
    ROLE_OPERATOR,  /* consortium operator: tenants, backups, migrations; no personal data */
    ROLE_CONSORTIUM, /* the consortium's secretariat (協議会事務局): its own sheets, no town data */
    ROLE_RESIDENTS_SUPERVISOR, /* 住民記録責任者: the residents clerk's work, and the persons
                                  under a support measure (抑止, DV等支援措置) */
    ROLE_COUNT
};

/* "admin", "residents_clerk", ... as stored and sent in JSON. */
const char *role_name(enum role r);
/* The Japanese label shown to clerks (町村管理者 …). */
const char *role_label(enum role r);
/* Parses a role name; false if unknown. */
bool role_parse(const char *s, size_t len, enum role *out);

/* The decision. module and action are lower-case names, e.g. ("users",
 * "write"). */
bool perm_allows(enum role r, const char *module, const char *action);

/* True if (module, action) is a row of the table (even one no role has). */
bool perm_known(const char *module, const char *action);

/* Iterates the table (for documentation and tests): returns false past the
 * end. */
bool perm_entry(size_t i, const char **module, const char **action, unsigned *role_mask);

#endif
