/*
 * perm.c — the permission table.
 *
 * Read it as a matrix: each row is a (module, action) and the roles that may
 * do it. Keep it the only place where roles are compared.
 */
#include "engine/perm.h"

#include <string.h>

#define R(x) (1u << (x))
/* The residents clerk and the 住民記録責任者. */
#define RS (R(ROLE_RESIDENTS) | R(ROLE_RESIDENTS_SUPERVISOR))

static const struct {
    const char *name, *label;
} roles[ROLE_COUNT] = {
    [ROLE_ADMIN] = {"admin", "町村管理者"},
    [ROLE_RESIDENTS] = {"residents_clerk", "住民記録担当"},
    [ROLE_TAX] = {"tax_clerk", "税務担当"},
    [ROLE_WELFARE] = {"welfare_clerk", "福祉担当"},
    [ROLE_AUDITOR] = {"auditor", "監査担当"},
    [ROLE_OPERATOR] = {"operator", "運用担当"},
    [ROLE_CONSORTIUM] = {"consortium_admin", "協議会事務局"},
    [ROLE_RESIDENTS_SUPERVISOR] = {"residents_supervisor", "住民記録責任者"},
};

static const struct {
    const char *module, *action;
    unsigned roles;
} table[] = {
    /* Every signed-in user: their own session and profile. */
    {"self", "read", R(ROLE_ADMIN) | R(ROLE_RESIDENTS) | R(ROLE_TAX) | R(ROLE_WELFARE) |
                         R(ROLE_AUDITOR) | R(ROLE_OPERATOR) |
                         R(ROLE_CONSORTIUM) | R(ROLE_RESIDENTS_SUPERVISOR)},
    {"self", "write", R(ROLE_ADMIN) | R(ROLE_RESIDENTS) | R(ROLE_TAX) | R(ROLE_WELFARE) |
                          R(ROLE_AUDITOR) | R(ROLE_OPERATOR) |
                          R(ROLE_CONSORTIUM) | R(ROLE_RESIDENTS_SUPERVISOR)},
    /* The town's own registry entry (name, code) is not personal data. */
    {"town", "read", R(ROLE_ADMIN) | R(ROLE_RESIDENTS) | R(ROLE_TAX) | R(ROLE_WELFARE) |
                         R(ROLE_AUDITOR) | R(ROLE_OPERATOR) |
                         R(ROLE_CONSORTIUM) | R(ROLE_RESIDENTS_SUPERVISOR)},
    /* The consortium's tenant registry: operators only. */
    {"tenants", "read", R(ROLE_OPERATOR)},
    {"tenants", "write", R(ROLE_OPERATOR)},
    /* Data migration (docs/migration-operations.md). The operator moves a
     * town's data without reading it: exports a layout and downloads the
     * zip, uploads an import set, runs the check and reads its counts, never
     * the values (move; the town is named as in the tenant registry). The
     * town's administrator sees the own town's jobs (read), reads the check's
     * full report, whose values are the rows' personal data (report), and
     * confirms the import, which commits it, or discards it (confirm): a
     * second person, as the operator uploaded. Nobody else: the auditor reads
     * the steps in the audit log. */
    {"migration", "move", R(ROLE_OPERATOR)},
    {"migration", "read", R(ROLE_ADMIN)},
    {"migration", "report", R(ROLE_ADMIN)},
    {"migration", "confirm", R(ROLE_ADMIN)},
    /* The town's staff accounts. */
    {"users", "read", R(ROLE_ADMIN)},
    {"users", "write", R(ROLE_ADMIN)},
    /* Operator accounts reach across towns (the tenant registry), so nobody
     * changes them through the API, not even the town's administrator: they
     * are created and maintained with the CLI by the consortium. */
    {"operator_accounts", "write", 0},
    /* The audit log: read and verify, never write (entries are appended by
     * the engine, not by a user). */
    {"audit", "read", R(ROLE_AUDITOR)},
    {"audit", "verify", R(ROLE_AUDITOR) | R(ROLE_OPERATOR)},
    /* The consortium's own sheets (proposal scoring, cost comparison, joint
     * procurement, cost allocation): its secretariat only. Not personal data,
     * and no town's data: they live in the control database. */
    {"consortium", "read", R(ROLE_CONSORTIUM)},
    {"consortium", "write", R(ROLE_CONSORTIUM)},
    /* 業務 modules. Their screens arrive with their issues; the menu already
     * follows these rows. */
    /* The 住民記録責任者 does all the residents clerk does (RS below). */
    {"residents", "read", RS},
    {"residents", "write", RS},
    /* Issuing 住民票の写し and the like (and their 交付履歴 row): a separate
     * action, so a window clerk's role can issue without changing records. */
    {"residents", "certificate", RS},
    /* 抑止 (DV等支援措置, docs/suppression.md). Seeing a protected person:
     * their address in lists (search, households), their record when the
     * request states one of the measure's protected purposes, and issuing
     * their certificates where the measure does not refuse the requester.
     * Other roles see the person listed with the address masked, and are
     * refused the record (403 suppressed, audited). Limited to the
     * 住民記録責任者, as towns limit the staff who handle 支援措置. */
    {"residents", "suppressed", R(ROLE_RESIDENTS_SUPERVISOR)},
    /* The measures: read and propose (申出 entry, 延長, 解除) by both; a
     * proposal takes effect only when another user who may approve decides
     * it (the proposer never approves their own). */
    {"suppression", "read", RS},
    {"suppression", "propose", RS},
    {"suppression", "approve", R(ROLE_RESIDENTS_SUPERVISOR)},
    /* 選挙人名簿 (docs/senkyo.md): the roll and its counts (read), the roll
     * as a file (export: many people at once), the 投票区 table (write),
     * and the 失権 entries, which come from criminal-record notices
     * (shikken). The residents clerk and the 住民記録責任者 for now (the
     * clerk does not see persons under a support measure in the roll); a
     * 選挙管理委員会 role would take these rows. */
    {"senkyo", "read", RS},
    {"senkyo", "export", RS},
    {"senkyo", "write", RS},
    {"senkyo", "shikken", RS},
    {"tax", "read", R(ROLE_TAX)},
    {"tax", "write", R(ROLE_TAX)},
    {"welfare", "read", R(ROLE_WELFARE)},
    {"welfare", "write", R(ROLE_WELFARE)},
    /* The register's event feed (who moved in, out, died …): the clerks whose
     * 業務 react to those events. */
    {"events", "read", RS | R(ROLE_TAX) | R(ROLE_WELFARE)},
    /* The addressee base (宛名, src/residents/addressee*.c): every clerk whose
     * 業務 deals with people or corporations finds them and reads their
     * basic items (a resident's through the register), and records the
     * non-residents (住登外者) and corporations (法人) of their 業務. */
    {"addressees", "read", RS | R(ROLE_TAX) | R(ROLE_WELFARE)},
    {"addressees", "write", RS | R(ROLE_TAX) | R(ROLE_WELFARE)},
    /* Merging two 宛名番号 (and undoing it) changes where every 業務's
     * references lead: the custodian of the addressee base only. */
    {"addressees", "merge", RS},
    /* 印鑑登録 (src/seals): its own rows, so that a window role can later
     * issue 印鑑登録証明書 (certificate) without registering seals. */
    {"seals", "read", RS},
    {"seals", "write", RS},
    {"seals", "certificate", RS},
    /* 個人番号 in clear, for a stated purpose (the request's X-Kyodo-Purpose);
     * otherwise it is masked. */
    {"mynumber", "read", RS},
};

const char *role_name(enum role r)
{
    return (unsigned)r < ROLE_COUNT ? roles[r].name : "unknown";
}

const char *role_label(enum role r)
{
    return (unsigned)r < ROLE_COUNT ? roles[r].label : "不明";
}

bool role_parse(const char *s, size_t len, enum role *out)
{
    for (int i = 0; i < ROLE_COUNT; i++) {
        if (strlen(roles[i].name) == len && memcmp(roles[i].name, s, len) == 0) {
            *out = (enum role)i;
            return true;
        }
    }
    return false;
}

static int find(const char *module, const char *action)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].module, module) == 0 && strcmp(table[i].action, action) == 0)
            return (int)i;
    return -1;
}

bool perm_allows(enum role r, const char *module, const char *action)
{
    if ((unsigned)r >= ROLE_COUNT)
        return false;
    int i = find(module, action);
    return i >= 0 && (table[i].roles & R(r)) != 0;
}

bool perm_known(const char *module, const char *action)
{
    return find(module, action) >= 0;
}

bool perm_entry(size_t i, const char **module, const char **action, unsigned *role_mask)
{
    if (i >= sizeof table / sizeof table[0])
        return false;
    *module = table[i].module;
    *action = table[i].action;
    *role_mask = table[i].roles;
    return true;
}
