/*
 * tenant.h — the consortium's towns (tenants), in the control database.
 *
 * A tenant is a town, identified by its 全国地方公共団体コード (six digits,
 * check digit verified), and has its own database (store/catalog.h). This
 * module keeps the registry: code, name, status. A disabled tenant cannot
 * sign in and its sessions end; its data stays.
 */
#ifndef KYODO_ENGINE_TENANT_H
#define KYODO_ENGINE_TENANT_H

#include "base/err.h"
#include "store/catalog.h"

#include <stdbool.h>

#define TENANT_NAME_CHARS 32

extern const struct store_schema tenant_schema;

struct tenant {
    char code[7];
    char name[TENANT_NAME_CHARS * 4 + 1];
    bool active;
    char created_at[25];
    char updated_at[25];
};

/* Checks a town code: six digits with a valid check digit (field "code"). */
int tenant_check_code(const char *s, size_t len, struct kd_err *err);
/* Checks a town name: 1..32 characters, one line (field "name"). */
int tenant_check_name(const char *s, size_t len, struct kd_err *err);

/* Work done while a new town is being registered: ctl is inside the
 * registration's write transaction, town is the new town's database (its
 * schemas applied). Returning -1 undoes the whole registration. */
typedef int (*tenant_init_fn)(void *ctx, const char *code, struct store *ctl,
                              struct store *town, struct kd_err *err);

/* Registers a town and creates its database, then runs init (may be NULL),
 * all or nothing: if anything fails, neither the registry row nor the
 * database remains. KD_CONFLICT if the code is taken. */
int tenant_add(struct catalog *cat, const char *code, const char *name, tenant_init_fn init,
               void *ctx, struct kd_err *err);

/* Registers a town whose database is already in place (a restore of a town
 * that was dropped), with the given status. KD_CONFLICT if the code is
 * registered. */
int tenant_register(struct store *ctl, const char *code, const char *name, bool active,
                    struct kd_err *err);

/* Removes a town from the registry, with its staff accounts and their
 * sessions, in one transaction (kyodo tenant drop; the caller has taken the
 * town's database out first). KD_NOT_FOUND if there is no such town. */
int tenant_remove(struct store *ctl, const char *code, struct kd_err *err);

/* KD_NOT_FOUND if there is no such town. */
int tenant_get(struct store *ctl, const char *code, struct tenant *out, struct kd_err *err);

typedef int (*tenant_each_fn)(void *ctx, const struct tenant *t);
/* Every town in code order; returns the count or -1. */
int tenant_list(struct store *ctl, tenant_each_fn each, void *ctx, struct kd_err *err);

/* Changes the name (when name != NULL) and/or status (active: 0 or 1, -1 to
 * keep). A disabled town's sessions stop working at once: session lookup
 * checks the town's status. */
int tenant_update(struct store *ctl, const char *code, const char *name, int active,
                  struct kd_err *err);

#endif
