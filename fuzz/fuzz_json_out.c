/*
 * fuzz_json_out.c — differential: json_out() against jansson's own dumper.
 *
 * The input is parsed with json_loadb() (any value at the top, NUL allowed in
 * strings); when it parses, json_out(v) must be byte for byte what
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) gives, as json_out.h
 * promises. json_out() may refuse only a value nested deeper than 64 levels.
 * On a mismatch both outputs are printed and the target aborts.
 */
#include "http/json_out.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int depth(const json_t *v)
{
    int d = 0;
    if (json_is_object(v)) {
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)v, key, item) {
            int k = depth(item);
            if (k > d)
                d = k;
        }
        return d + 1;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            int k = depth(json_array_get(v, i));
            if (k > d)
                d = k;
        }
        return d + 1;
    }
    return 0;
}

static void print_bytes(const char *label, const char *s, size_t n)
{
    fprintf(stderr, "%s (%zu bytes): ", label, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f)
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fputc('\n', stderr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 << 10)
        return 0;
    json_error_t jerr;
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!v)
        return 0;
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t got_len = 0;
    char *got = json_out(v, &got_len);
    if (!got) {
        /* The only refusal allowed here: nesting over 64 levels (inputs are
         * far below the 256 MiB ceiling). */
        if (depth(v) <= 64) {
            print_bytes("input", (const char *)data, size);
            fprintf(stderr, "fuzz_json_out: json_out failed on a value %d levels deep\n",
                    depth(v));
            abort();
        }
    } else if (!want || strlen(want) != got_len || memcmp(want, got, got_len) != 0 ||
               got[got_len] != '\0') {
        print_bytes("input", (const char *)data, size);
        print_bytes("json_dumps", want ? want : "(null)", want ? strlen(want) : 6);
        print_bytes("json_out  ", got, got_len);
        fprintf(stderr, "fuzz_json_out: json_out differs from json_dumps\n");
        abort();
    }
    free(got);
    free(want);
    json_decref(v);
    return 0;
}
