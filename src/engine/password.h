/*
 * password.h — argon2id password hashes (libsodium crypto_pwhash_str).
 *
 * A hash costs about 0.1 s and 64 MiB (OPSLIMIT/MEMLIMIT_INTERACTIVE), so the
 * number of hashes computed at once is capped (password_init); a caller that
 * cannot get a turn within a few seconds gets KD_TOO_MANY_REQUESTS instead of
 * queueing without bound.
 */
#ifndef KYODO_ENGINE_PASSWORD_H
#define KYODO_ENGINE_PASSWORD_H

#include "base/err.h"

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX crypto_pwhash_STRBYTES
#define PASSWORD_MAX_BYTES 256

/* Initialises libsodium and the concurrency cap. Call once before any other
 * function, from one thread. */
int password_init(int concurrency, struct kd_err *err);

/* Hashes a password into out (NUL-terminated). */
int password_hash(const char *pw, size_t len, char out[PASSWORD_HASH_MAX], struct kd_err *err);

/* 1 if pw matches, 0 if not, -1 on error. */
int password_verify(const char *hash, const char *pw, size_t len, struct kd_err *err);

/* Spends the same time as a failed verify, so an unknown user name cannot be
 * told apart by timing. */
void password_burn(const char *pw, size_t len);

/* True if the stored hash uses weaker parameters than today's. */
bool password_needs_rehash(const char *hash);

#endif
