/*
 * err.c — error values: codes, their names and HTTP statuses.
 */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int status;
} code_table[KD_CODE_COUNT] = {
    [KD_OK] = {"ok", 200},
    [KD_BAD_REQUEST] = {"bad_request", 400},
    [KD_MALFORMED_JSON] = {"malformed_json", 400},
    [KD_INVALID_UTF8] = {"invalid_utf8", 400},
    [KD_UNKNOWN_FIELD] = {"unknown_field", 400},
    [KD_MISSING_FIELD] = {"missing_field", 400},
    [KD_WRONG_TYPE] = {"wrong_type", 400},
    [KD_TOO_LONG] = {"too_long", 400},
    [KD_INVALID_VALUE] = {"invalid_value", 400},
    [KD_UNAUTHENTICATED] = {"unauthenticated", 401},
    [KD_INVALID_CREDENTIALS] = {"invalid_credentials", 401},
    [KD_CSRF_FAILED] = {"csrf_failed", 403},
    [KD_FORBIDDEN] = {"forbidden", 403},
    [KD_NOT_FOUND] = {"not_found", 404},
    [KD_METHOD_NOT_ALLOWED] = {"method_not_allowed", 405},
    [KD_CONFLICT] = {"conflict", 409},
    [KD_PAYLOAD_TOO_LARGE] = {"payload_too_large", 413},
    [KD_UNSUPPORTED_MEDIA] = {"unsupported_media_type", 415},
    [KD_ACCOUNT_LOCKED] = {"account_locked", 423},
    [KD_TOO_MANY_REQUESTS] = {"too_many_requests", 429},
    [KD_INTERNAL] = {"internal", 500},
    [KD_UNAVAILABLE] = {"unavailable", 503},
    [KD_SUPPRESSED] = {"suppressed", 403},
    [KD_SELF_APPROVAL] = {"self_approval", 403},
};

const char *kd_code_name(enum kd_code code)
{
    if ((unsigned)code >= KD_CODE_COUNT)
        return "internal";
    return code_table[code].name;
}

int kd_code_status(enum kd_code code)
{
    if ((unsigned)code >= KD_CODE_COUNT)
        return 500;
    return code_table[code].status;
}

size_t kd_copy_utf8(char *dst, size_t cap, const char *s, size_t len)
{
    if (cap == 0)
        return 0;
    size_t n = len < cap - 1 ? len : cap - 1;
    /* Back off continuation bytes so that no sequence is cut in half. */
    if (n < len) {
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
    return n;
}

int kd_fail(struct kd_err *err, enum kd_code code, const char *field, const char *fmt, ...)
{
    if (!err)
        return -1;
    err->code = code;
    if (field)
        kd_copy_utf8(err->field, sizeof err->field, field, strlen(field));
    else
        err->field[0] = '\0';
    /* Formatted with room to spare, then cut at a character boundary as
     * fields are: a long message never ends inside a Japanese character
     * (the JSON answer must be UTF-8). */
    char full[2 * KD_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(full, sizeof full, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof full ? (size_t)n : sizeof full - 1;
    kd_copy_utf8(err->message, sizeof err->message, full, len);
    return -1;
}

void kd_err_clear(struct kd_err *err)
{
    err->code = KD_OK;
    err->field[0] = '\0';
    err->message[0] = '\0';
}
