/*
 * backup_pg.h — the PostgreSQL half of backup.h (backup_pg.c), called by
 * backup_sqlite.c's functions when the catalog is PostgreSQL or the file is a
 * pg_dump archive. Not for other modules: they call backup.h.
 */
#ifndef KYODO_STORE_BACKUP_PG_H
#define KYODO_STORE_BACKUP_PG_H

#include "store/catalog.h"

#include <stdbool.h>

/* True if the file at path starts as a pg_dump custom-format archive. */
bool backup_pg_is_archive(const char *path);

int backup_pg_copy(struct catalog *cat, const char *code, const char *dest, struct kd_err *err);
int backup_pg_check(const char *path, struct kd_err *err);
struct store *backup_pg_open(const char *path, struct kd_err *err);

/* For fuzz/fuzz_pg_archive.c: text (len bytes, changed in place; a NUL at
 * text[len] is not needed) read line by line as backup_pg_check reads
 * pg_restore --list and backup_pg_open reads pg_restore's COPY data, the
 * rows going into s (a writable SQLite database). */
int backup_pg_read_text(struct store *s, char *text, size_t len, struct kd_err *err);

#endif
