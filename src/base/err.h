/*
 * err.h — the one error value that travels from the store up to the JSON
 * response.
 *
 * A failing function fills a struct kd_err and returns a negative value (or
 * NULL). The code is machine-readable and fixes the HTTP status; the field
 * names the input that was wrong, when there is one; the message is one short
 * English sentence for a developer or an operator. The clerk UI maps codes to
 * Japanese text. Messages must never contain personal data: a value the client
 * sent may be named by its field, not echoed.
 */
#ifndef KYODO_BASE_ERR_H
#define KYODO_BASE_ERR_H

#include <stddef.h>

enum kd_code {
    KD_OK = 0,
    KD_BAD_REQUEST,          /* 400: request shape not otherwise classified */
    KD_MALFORMED_JSON,       /* 400 */
    KD_INVALID_UTF8,         /* 400 */
    KD_UNKNOWN_FIELD,        /* 400 */
    KD_MISSING_FIELD,        /* 400 */
    KD_WRONG_TYPE,           /* 400 */
    KD_TOO_LONG,             /* 400 */
    KD_INVALID_VALUE,        /* 400: well-typed but not acceptable */
    KD_UNAUTHENTICATED,      /* 401: no or expired session */
    KD_INVALID_CREDENTIALS,  /* 401 */
    KD_CSRF_FAILED,          /* 403 */
    KD_FORBIDDEN,            /* 403 */
    KD_NOT_FOUND,            /* 404 */
    KD_METHOD_NOT_ALLOWED,   /* 405 */
    KD_CONFLICT,             /* 409 */
    KD_PAYLOAD_TOO_LARGE,    /* 413 */
    KD_UNSUPPORTED_MEDIA,    /* 415 */
    KD_ACCOUNT_LOCKED,       /* 423 */
    KD_TOO_MANY_REQUESTS,    /* 429 */
    KD_INTERNAL,             /* 500: our fault, logged with the request id */
    KD_UNAVAILABLE,          /* 503: shutting down or overloaded */
    KD_SUPPRESSED,           /* 403: a support measure (抑止) protects the person */
    KD_SELF_APPROVAL,        /* 403: a second user must approve what one proposed */
    KD_CODE_COUNT
};

#define KD_FIELD_MAX 64
#define KD_MSG_MAX 240

struct kd_err {
    enum kd_code code;
    char field[KD_FIELD_MAX]; /* "" when the error is not about one input */
    char message[KD_MSG_MAX];
};

/* Sets err (if not NULL) and returns -1, so that `return kd_fail(...)` reads
 * naturally. field may be NULL. The field is cut at a UTF-8 boundary if it is
 * longer than KD_FIELD_MAX - 1 bytes. */
int kd_fail(struct kd_err *err, enum kd_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Resets err to KD_OK with empty field and message. */
void kd_err_clear(struct kd_err *err);

/* The stable snake_case name of a code ("missing_field"), used in JSON. */
const char *kd_code_name(enum kd_code code);

/* The HTTP status of a code. */
int kd_code_status(enum kd_code code);

/* Copies at most cap-1 bytes of s into dst, never splitting a UTF-8 sequence,
 * and NUL-terminates. Returns the number of bytes copied. */
size_t kd_copy_utf8(char *dst, size_t cap, const char *s, size_t len);

#endif
