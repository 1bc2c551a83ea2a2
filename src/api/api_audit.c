/*
 * api_audit.c — the auditor's view of the town's audit log.
 *
 * Reading the log is itself recorded (action audit.read, with the filter), as
 * the log names whose data was touched.
 */
#include "api/api.h"

#include "base/clock.h"
#include "base/text.h"
#include "engine/audit.h"

#include <stdio.h>
#include <string.h>

enum { PAGE_DEFAULT = 50, PAGE_MAX = 500 };

static const struct jfield list_spec[] = {
    {"user", JT_STRING, false, USER_LOGIN_MAX, false, 0, 0},
    {"subject", JT_STRING, false, 32, false, 0, 0},
    {"action", JT_STRING, false, 64, false, 0, 0},
    {"from", JT_STRING, false, 24, false, 0, 0},
    {"to", JT_STRING, false, 24, false, 0, 0},
    {"before", JT_STRING, false, 19, false, 0, 0},
    {"limit", JT_STRING, false, 3, false, 0, 0},
};

struct list_ctx {
    struct jw *w;
    int count;
    int64_t last_seq;
};

static int write_entry(void *ctx, const struct audit_entry *e,
                       const unsigned char hash[AUDIT_HASH_LEN])
{
    struct list_ctx *c = ctx;
    struct jw *w = c->w;
    char hex[AUDIT_HASH_LEN * 2 + 1];
    text_hex(hash, AUDIT_HASH_LEN, hex);
    jw_obj(w);
    jw_kint(w, "seq", e->seq);
    jw_key(w, "at");
    api_instant(w, e->at_ms);
    jw_kint(w, "user_id", e->user_id);
    jw_kstr(w, "user", e->user_login);
    jw_kstr(w, "role", e->role);
    jw_kstr(w, "action", e->action);
    jw_kstr(w, "outcome", e->outcome);
    jw_kstr(w, "subject", e->subject);
    jw_kstr(w, "purpose", e->purpose);
    jw_kstr(w, "request_id", e->request_id);
    jw_kstr(w, "detail", e->detail);
    jw_kstr(w, "hash", hex);
    jw_obj_end(w);
    c->count++;
    c->last_seq = e->seq;
    return 0;
}

/* "from"/"to": a date (a whole day in Japan, as clerks mean it) or an ISO
 * instant in UTC. "to" as a date means the end of that day. */
static int parse_time(const struct jvalue *v, const char *field, bool end_of_day, bool *has,
                      int64_t *ms, struct kd_err *err)
{
    if (!v->present)
        return 0;
    if (!clock_parse_iso(v->s, v->len, ms))
        return kd_fail(err, KD_INVALID_VALUE, field,
                       "%s must be a date (YYYY-MM-DD) or an instant (YYYY-MM-DDTHH:MM:SSZ)",
                       field);
    if (v->len == 10) {
        *ms -= 9 * 3600000; /* Japan Standard Time, UTC+9, has no daylight saving */
        if (end_of_day)
            *ms += 86400000;
    }
    *has = true;
    return 0;
}

int api_audit_list(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct jvalue v[7];
    if (api_query(req, list_spec, 7, v, err) < 0)
        return -1;
    struct audit_filter f = {.limit = PAGE_DEFAULT};
    f.user_login = v[0].present ? v[0].s : NULL;
    f.subject = v[1].present ? v[1].s : NULL;
    f.action = v[2].present ? v[2].s : NULL;
    if (parse_time(&v[3], "from", false, &f.has_from, &f.from_ms, err) < 0 ||
        parse_time(&v[4], "to", true, &f.has_to, &f.to_ms, err) < 0)
        return -1;
    if (f.has_from && f.has_to && f.from_ms >= f.to_ms)
        return kd_fail(err, KD_INVALID_VALUE, "to", "to must be after from");
    if (v[5].present && !text_parse_i64(v[5].s, v[5].len, 1, INT64_MAX, &f.before_seq))
        return kd_fail(err, KD_INVALID_VALUE, "before", "before must be a positive entry number");
    int64_t limit;
    if (v[6].present) {
        if (!text_parse_i64(v[6].s, v[6].len, 1, PAGE_MAX, &limit))
            return kd_fail(err, KD_INVALID_VALUE, "limit", "limit must be from 1 to %d",
                           PAGE_MAX);
        f.limit = (int)limit;
    }

    /* Record the read; like every read's, the entry is committed before the
     * answer leaves, after the page has been read: it is not in this page. */
    char detail[200];
    snprintf(detail, sizeof detail, "filter:%s%s%s%s%s%s%s%s%s%s", f.user_login ? " user=" : "",
             f.user_login ? f.user_login : "", f.subject ? " subject=" : "",
             f.subject ? f.subject : "", f.action ? " action=" : "", f.action ? f.action : "",
             v[3].present ? " from=" : "", v[3].present ? v[3].s : "", v[4].present ? " to=" : "",
             v[4].present ? v[4].s : "");
    if (api_audit(req, "audit.read", "ok", NULL, detail, err) < 0)
        return -1;

    struct list_ctx c = {api_reply(out, 200), 0, 0};
    jw_obj(c.w);
    jw_key(c.w, "items");
    jw_arr(c.w);
    if (audit_list(req->town, &f, write_entry, &c, err) < 0)
        return -1;
    jw_arr_end(c.w);
    /* A full page may have more behind it. */
    api_next_before(c.w, f.limit, c.count, c.last_seq);
    jw_obj_end(c.w);
    return 0;
}

int api_audit_verify(struct api_req *req, struct api_out *out, struct kd_err *err)
{
    struct audit_verdict v;
    if (audit_verify(req->town, req->who->tenant, NULL, &v, err) < 0)
        return -1;
    char head[AUDIT_HASH_LEN * 2 + 1];
    text_hex(v.head, AUDIT_HASH_LEN, head);
    if (api_audit(req, "audit.verify", v.ok ? "ok" : "failed", NULL, v.ok ? "" : v.reason, err) <
        0)
        return -1;
    struct jw *w = api_reply(out, 200);
    jw_obj(w);
    jw_kbool(w, "ok", v.ok);
    jw_kint(w, "entries", v.entries);
    jw_kstr(w, "head", head);
    if (!v.ok) {
        jw_kint(w, "first_bad", v.first_bad);
        jw_kstr(w, "reason", v.reason);
    }
    jw_obj_end(w);
    return 0;
}
