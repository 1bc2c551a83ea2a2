/*
 * app.h — kyodo's composition root: the modules that make up the program and
 * the schemas of its databases. This is the only file that lists modules;
 * a new 業務 module adds its town schema (and later its routes) here.
 */
#ifndef KYODO_APP_H
#define KYODO_APP_H

#include "engine/config.h"
#include "engine/user.h"
#include "store/catalog.h"

extern const struct catalog_schemas app_schemas;

/* Opens the catalog of cfg->data_dir with every schema applied: the control
 * database, and each registered town's database. A town whose database is
 * missing is reported in the log and skipped (the others keep working). */
struct catalog *app_open(const struct config *cfg, struct kd_err *err);

/* Brings one database — a town's, or the control database — to this
 * program's schemas, with the steps made in C (a restore's working copy;
 * app_open does the same for every registered town). */
int app_migrate_town(struct store *db, struct kd_err *err);
int app_migrate_control(struct store *db, struct kd_err *err);

/* The session and lock-out policy from the configuration. */
struct auth_policy app_policy(const struct config *cfg);

#endif
