/*
 * json_out.c — a jansson value as compact JSON, through the writer (jw.c).
 */
#include "http/json_out.h"

#include "http/jw.h"

char *json_out(const json_t *v, size_t *len)
{
    struct jw w;
    jw_init(&w);
    jw_json(&w, v);
    return jw_finish(&w, len);
}
