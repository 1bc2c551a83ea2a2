/*
 * record.c — the resident record's field list, expanded.
 */
#include "residents/record.h"

#include <stddef.h>
#include <string.h>

#define FIELD_ENTRY(name, kind, max, who) {#name, #kind[0], max, who},
const struct record_field record_fields[] = {RECORD_FIELDS(FIELD_ENTRY)};
const int record_field_count = (int)(sizeof record_fields / sizeof record_fields[0]);

#define FIELD_OFFSET(name, kind, max, who) offsetof(struct record, name),
static const size_t offsets[] = {RECORD_FIELDS(FIELD_OFFSET)};

static const char **text_at(const struct record *r, int i)
{
    return (const char **)((char *)r + offsets[i]);
}

static int64_t *int_at(const struct record *r, int i)
{
    return (int64_t *)((char *)r + offsets[i]);
}

void record_clear(struct record *r)
{
    memset(r, 0, sizeof *r);
    r->atena = r->valid_from = r->recorded_at = "";
    for (int i = 0; i < record_field_count; i++)
        if (record_fields[i].kind != 'I')
            *text_at(r, i) = "";
}

const char *record_text(const struct record *r, int i)
{
    return record_fields[i].kind == 'I' ? NULL : *text_at(r, i);
}

void record_set_text(struct record *r, int i, const char *v)
{
    if (record_fields[i].kind != 'I')
        *text_at(r, i) = v ? v : "";
}

int64_t record_int(const struct record *r, int i)
{
    return record_fields[i].kind == 'I' ? *int_at(r, i) : 0;
}

void record_set_int(struct record *r, int i, int64_t v)
{
    if (record_fields[i].kind == 'I')
        *int_at(r, i) = v;
}

int record_field_index(const char *name)
{
    for (int i = 0; i < record_field_count; i++)
        if (strcmp(record_fields[i].name, name) == 0)
            return i;
    return -1;
}

int record_bind(struct store_stmt *st, int first, const struct record *r)
{
    for (int i = 0; i < record_field_count; i++) {
        if (record_fields[i].kind == 'I')
            store_bind_i64(st, first + i, *int_at(r, i));
        else
            store_bind_str(st, first + i, *text_at(r, i));
    }
    return first + record_field_count;
}

int record_read(struct store_stmt *st, int first, struct record *r, struct arena *a)
{
    for (int i = 0; i < record_field_count; i++) {
        if (record_fields[i].kind == 'I') {
            *int_at(r, i) = store_col_i64(st, first + i);
        } else {
            size_t n;
            const char *t = store_col_text(st, first + i, &n);
            const char *copy = n ? arena_strndup(a, t, n) : "";
            if (!copy)
                return -1;
            *text_at(r, i) = copy;
        }
    }
    return first + record_field_count;
}
