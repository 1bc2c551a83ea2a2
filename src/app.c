/*
 * app.c — the modules of kyodo and how their databases are opened.
 */
#include "app.h"

#include "api/migration_jobs.h"
#include "base/log.h"
#include "consortium/sheets.h"
#include "engine/audit.h"
#include "engine/settings.h"
#include "engine/session.h"
#include "engine/tenant.h"
#include "residents/addressee.h"
#include "residents/certificate_store.h"
#include "residents/residents.h"
#include "residents/senkyo.h"
#include "residents/suppression.h"
#include "seals/seals.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct store_schema *const control[] = {&tenant_schema, &user_schema,
                                                      &session_schema, &consortium_schema};
static const struct store_schema *const town[] = {&audit_schema, &settings_schema,
                                                   &residents_schema, &certificates_schema,
                                                   &addressees_schema, &suppression_schema,
                                                   &seals_schema,
                                                   &senkyo_schema, &mig_jobs_schema};

const struct catalog_schemas app_schemas = {control, sizeof control / sizeof control[0], town,
                                            sizeof town / sizeof town[0]};

struct migrate_ctx {
    struct catalog *cat;
    int failed;
};

static int apply(struct store *db, const struct store_schema *const *list, size_t n,
                 struct kd_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (store_migrate(db, list[i], err) < 0)
            return -1;
    return 0;
}

int app_migrate_town(struct store *db, struct kd_err *err)
{
    int before = store_schema_version(db, "residents", err);
    int reindexed = 0;
    /* Version 3 of the register added address keys, made in C. */
    if (before < 0 || apply(db, town, sizeof town / sizeof town[0], err) < 0 ||
        (before > 0 && before < 3 && residents_reindex(db, &reindexed, err) < 0))
        return -1;
    return 0;
}

int app_migrate_control(struct store *db, struct kd_err *err)
{
    return apply(db, control, sizeof control / sizeof control[0], err);
}

static int migrate_town(void *p, const struct tenant *t)
{
    struct migrate_ctx *m = p;
    struct kd_err err;
    struct store *db = catalog_town(m->cat, t->code, &err);
    if (!db || app_migrate_town(db, &err) < 0) {
        struct logline l;
        logline_begin(&l, LOG_ERROR, "town database unavailable");
        logline_str(&l, "tenant", t->code);
        logline_text(&l, "detail", err.message);
        logline_end(&l);
        m->failed++;
    }
    return 0;
}

struct catalog *app_open(const struct config *cfg, struct kd_err *err)
{
    /* Modules that react to the register's 異動 subscribe before any
     * thread records one. */
    if (seals_init() < 0) {
        kd_fail(err, KD_INTERNAL, NULL, "the seal register cannot subscribe to 異動");
        return NULL;
    }
    /* A postgresql:// URL in [store] store puts every database there. */
    /* On PostgreSQL data_dir still holds the local files (demo logins,
     * uploads, backups). */
    if (cfg->store[0] && mkdir(cfg->data_dir, 0750) < 0 && errno != EEXIST) {
        kd_fail(err, KD_INTERNAL, "data_dir", "cannot create %s: %s", cfg->data_dir,
                strerror(errno));
        return NULL;
    }
    struct catalog *cat = catalog_open(cfg->store[0] ? cfg->store : cfg->data_dir, &app_schemas, err);
    if (!cat)
        return NULL;
    struct store *ctl = catalog_control(cat, err);
    struct migrate_ctx m = {cat, 0};
    if (!ctl || tenant_list(ctl, migrate_town, &m, err) < 0) {
        catalog_close(cat);
        return NULL;
    }
    return cat;
}

struct auth_policy app_policy(const struct config *cfg)
{
    struct auth_policy p = {
        .idle_ms = (int64_t)cfg->idle_timeout * 1000,
        .lifetime_ms = (int64_t)cfg->max_lifetime * 1000,
        .lockout_threshold = cfg->lockout_threshold,
        .lockout_ms = (int64_t)cfg->lockout_seconds * 1000,
        .password_min_chars = cfg->password_min_length,
    };
    /* Record last use at most every minute, or every tenth of the idle
     * timeout when that is shorter, so a read is rarely a write. */
    p.touch_ms = p.idle_ms / 10 < 60000 ? p.idle_ms / 10 : 60000;
    return p;
}
