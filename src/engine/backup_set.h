/*
 * backup_set.h — backup sets: making one while the server runs, verifying
 * one, and restoring one town (or a whole deployment, on a standby) from one.
 *
 * A set is a folder (mode 0700) with one copy per database (store/backup.h,
 * files 0600) and manifest.json (backup_manifest.h). It is built in a hidden
 * folder beside its destination and renamed into place once complete, so
 * the destination holds a complete set or nothing, whenever the process is
 * killed. Each town in the set gets a "backup.create" entry in its audit log
 * before the set is complete (a copy of personal data is a read of it),
 * naming the set and the chain's head the copy ends with.
 *
 * Restoring a town checks everything before changing anything: the set's
 * engine, that the set holds that town, the file's size and SHA-256, the
 * copy's integrity, that no scope of its schema is newer than this program,
 * and that its audit chain verifies for that town code and ends where the
 * manifest says. Then a working database is made from the copy, migrated to
 * this program's schemas, sealed with a "backup.restore" audit entry linked
 * after the restored chain, and installed in one step (backup_install): the
 * town is as it was, or restored, never in between. Other towns are not
 * touched. A town that has no registry entry (it was dropped) gets one
 * again, disabled: its accounts went with it, and the operator decides when
 * it opens again.
 *
 * Thread-safety: each call uses the calling thread's catalog connections.
 */
#ifndef KYODO_ENGINE_BACKUP_SET_H
#define KYODO_ENGINE_BACKUP_SET_H

#include "engine/audit.h"
#include "engine/backup_manifest.h"
#include "store/catalog.h"

/* Who acts, for the audit entries the job writes. */
struct backup_actor {
    const char *login; /* "cli", or "system" for the server's own backups */
    const char *role;
    const char *purpose;
    const char *request_id;
};

/* Brings a working database to this program's schemas (the composition
 * root's migrations, with any step made in C). */
typedef int (*backup_migrate_fn)(struct store *db, struct kd_err *err);

/* What a restore needs to know of this program (the composition root). */
struct backup_program {
    const struct catalog_schemas *schemas; /* to refuse a copy newer than them */
    backup_migrate_fn migrate_control;
    backup_migrate_fn migrate_town;
};

struct backup_request {
    const char *out_dir; /* the set's folder: must not exist, or be empty */
    const char *tenant;  /* one town; NULL with all */
    bool all;            /* every registered town (and the control database) */
    bool control;        /* the control database too */
    const char *origin;  /* "command" or "scheduled" */
    const struct backup_actor *actor;
};

/* Called after each database is copied, with its entry and the copy's time. */
typedef void (*backup_progress_fn)(void *ctx, const struct manifest_db *d, int64_t us);

/* Makes a set; fills out (manifest_free it). KD_CONFLICT if out_dir exists
 * and is not empty, KD_NOT_FOUND for an unknown town. A town whose audit
 * chain is broken is still copied (a backup is never refused for damage it
 * would preserve); *broken counts them, and the manifest records the head of
 * the part that verifies. */
int backup_set_make(struct catalog *cat, const struct backup_request *rq, struct manifest *out,
                    int *broken, backup_progress_fn progress, void *ctx, struct kd_err *err);

/* One database's verdict in backup_set_verify(): problem is NULL when the
 * copy is intact. */
typedef void (*backup_verdict_fn)(void *ctx, const struct manifest_db *d,
                                  const struct kd_err *problem);

/* Checks a set: each file's size and SHA-256, the copy's integrity, its
 * schema versions against the manifest, and for a town its audit chain
 * (verified for the town's code, ending at the manifest's head). Returns
 * the number of databases with a problem, or -1 if the set cannot be
 * checked at all (no or bad manifest: err says why). m receives the
 * manifest. */
int backup_set_verify(const char *dir, struct manifest *m, backup_verdict_fn each, void *ctx,
                      struct kd_err *err);

struct backup_restore_result {
    struct manifest_db db; /* the copy restored */
    char set_dir[4096];
    char aside[4096]; /* where the replaced contents are kept; "" if none */
    bool registered;  /* the registry entry was made again (disabled) */
    bool active;      /* the town's status after the restore */
    int64_t entries;  /* audit entries after the restore, its own included */
};

/* Restores town `code` from `from`: a set's folder, its manifest.json, or a
 * town file inside a set. Refusals are KD_INVALID_VALUE (field "tenant" for
 * a set of another town, "file" for a damaged or changed copy, "schema" for
 * a newer schema, "engine") or KD_NOT_FOUND. */
int backup_restore_town(struct catalog *cat, const struct backup_program *prog, const char *from,
                        const char *code, const struct backup_actor *actor,
                        struct backup_restore_result *res, struct kd_err *err);

/* Restores a whole deployment from a set made with --all into the catalog
 * of a fresh data directory (a standby taking over; no server may run on
 * it): the control database (its sessions dropped: everyone signs in again)
 * and then every town of the set, each checked before the first is put in
 * place. progress is called after each database is in place. */
int backup_restore_all(struct catalog *cat, const struct backup_program *prog, const char *from,
                       const struct backup_actor *actor, backup_progress_fn progress, void *ctx,
                       struct kd_err *err);

/* Removes the sets in dir beyond the newest `keep` complete ones (folders
 * named by backup_set_name()), and any unfinished set left by a killed job.
 * Returns the number removed. */
int backup_set_prune(const char *dir, int keep, struct kd_err *err);

/* The name of a scheduled set made at ms: "20261127T030405Z". */
void backup_set_name(int64_t ms, char out[20]);

#endif
