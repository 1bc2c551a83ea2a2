/*
 * password.c — argon2id hashes under a concurrency cap.
 */
#include "engine/password.h"

#include <errno.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>

static sem_t turns;
static char burn_hash[PASSWORD_HASH_MAX];

enum { WAIT_SECONDS = 5 };

int password_init(int concurrency, struct kd_err *err)
{
    if (sodium_init() < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "libsodium failed to initialise");
    if (sem_init(&turns, 0, (unsigned)concurrency) != 0)
        return kd_fail(err, KD_INTERNAL, NULL, "sem_init: %s", strerror(errno));
    /* A real hash to verify against when the user does not exist. */
    static const char dummy[] = "kyodo-timing-equaliser";
    return password_hash(dummy, sizeof dummy - 1, burn_hash, err);
}

static int take_turn(struct kd_err *err)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_SECONDS;
    while (sem_timedwait(&turns, &until) != 0) {
        if (errno == EINTR)
            continue;
        return kd_fail(err, KD_TOO_MANY_REQUESTS, NULL,
                       "too many sign-ins at once; try again in a moment");
    }
    return 0;
}

int password_hash(const char *pw, size_t len, char out[PASSWORD_HASH_MAX], struct kd_err *err)
{
    if (take_turn(err) < 0)
        return -1;
    int rc = crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sem_post(&turns);
    if (rc != 0)
        return kd_fail(err, KD_UNAVAILABLE, NULL, "out of memory hashing a password");
    return 0;
}

int password_verify(const char *hash, const char *pw, size_t len, struct kd_err *err)
{
    if (take_turn(err) < 0)
        return -1;
    int rc = crypto_pwhash_str_verify(hash, pw, len);
    sem_post(&turns);
    return rc == 0 ? 1 : 0;
}

void password_burn(const char *pw, size_t len)
{
    struct kd_err ignored;
    (void)password_verify(burn_hash, pw, len, &ignored);
}

bool password_needs_rehash(const char *hash)
{
    return crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}
