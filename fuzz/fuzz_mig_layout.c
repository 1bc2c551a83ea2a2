/*
 * fuzz_mig_layout.c — the migration layout loader (src/migration/layout.c
 * and tsv.c) on arbitrary definition files.
 *
 * Input: sections "@@NAME\n" followed by a file's text, NAME one of
 * layout.tsv, files.tsv, relations.tsv, code_tables.tsv, codes.tsv or
 * items/ID.tsv. They replace or add to the example layout's files (a
 * section "@@NAME\n" that is empty removes the file). For any input the
 * loader either refuses with a message (valid UTF-8, not empty) or gives a
 * layout in which:
 *   - every file's parents come before it, and refer to files of the layout;
 *   - items are numbered by position, names and bindings are unique, a key
 *     or reference index is an item of its file, reference counts agree;
 *   - a コード item names a table that exists and each of its codes is
 *     found; 不詳可 is only on dates; a fixed item has a length.
 */
#include "base/text.h"
#include "mig_example.h"
#include "migration/codec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_mig_layout: check failed: %s (line %d)\n", #cond, __LINE__);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int file_index(const struct mig_layout *l, const char *id)
{
    for (int i = 0; i < l->n_files; i++)
        if (strcmp(l->files[i].id, id) == 0)
            return i;
    return -1;
}

static void check_layout(const struct mig_layout *l)
{
    CHECK(l->n_files >= 1);
    CHECK(strcmp(l->name, "example") == 0);
    CHECK(l->title[0] && l->version[0]);
    for (int i = 0; i < l->n_files; i++) {
        const struct mig_file *f = &l->files[i];
        CHECK(file_index(l, f->id) == i);
        CHECK(f->n_items >= 1 && f->n_keys >= 1);
        CHECK(f->path[0] && !strchr(f->path, '/') && f->path[0] != '.');
        for (int k = 0; k < f->n_keys; k++)
            CHECK(f->keys[k] >= 0 && f->keys[k] < f->n_items);
        CHECK((f->n_refs == 0) == (f->parent[0] == '\0'));
        for (int r = 0; r < f->n_refs; r++) {
            int p = file_index(l, f->refs[r].parent);
            CHECK(p >= 0 && p < i);
            CHECK(f->refs[r].n >= 1);
            for (int k = 0; k < f->refs[r].n; k++) {
                CHECK(f->refs[r].items[k] >= 0 && f->refs[r].items[k] < f->n_items);
                CHECK(f->refs[r].parent_items[k] >= 0 &&
                      f->refs[r].parent_items[k] < l->files[p].n_items);
            }
        }
        for (int k = 0; k < f->n_items; k++) {
            const struct mig_item *it = &f->items[k];
            CHECK(it->index == k);
            CHECK(it->name[0] && text_utf8_valid(it->name, strlen(it->name), NULL));
            CHECK(!it->unknown_ok || it->type == MIG_DATE);
            CHECK(!it->fixed || it->length > 0);
            CHECK(it->length >= 0);
            if (it->type == MIG_CODE) {
                CHECK(mig_code_table_name(l, it->code_table) != NULL);
            } else {
                CHECK(it->code_table[0] == '\0');
            }
            if (it->check != MIG_CHECK_NONE)
                CHECK(it->type == MIG_DIGITS);
            if (it->binding[0])
                CHECK(mig_file_item(f, it->binding) == it);
            for (int j = 0; j < k; j++)
                CHECK(strcmp(f->items[j].name, it->name) != 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    struct mig_mem m = {.n = 7};
    for (int i = 0; i < 7; i++) {
        m.names[i] = mig_ex_names[i];
        m.texts[i] = mig_ex_texts[i];
        m.lens[i] = strlen(mig_ex_texts[i]);
    }
    char names[16][48];
    int nn = 0;
    const char *p = (const char *)data, *end = p + size;
    while (p < end && nn < 16) {
        const char *at = memmem(p, (size_t)(end - p), "@@", 2);
        if (!at)
            break;
        const char *nl = memchr(at, '\n', (size_t)(end - at));
        if (!nl)
            break;
        size_t namelen = (size_t)(nl - at - 2);
        const char *body = nl + 1;
        const char *next = memmem(body, (size_t)(end - body), "\n@@", 3);
        const char *bend = next ? next + 1 : end;
        if (namelen > 0 && namelen < sizeof names[0]) {
            memcpy(names[nn], at + 2, namelen);
            names[nn][namelen] = '\0';
            int slot = -1;
            for (int i = 0; i < m.n; i++)
                if (strcmp(m.names[i], names[nn]) == 0)
                    slot = i;
            if (slot < 0 && m.n < 32)
                slot = m.n++;
            if (slot >= 0) {
                m.names[slot] = names[nn];
                m.texts[slot] = body;
                m.lens[slot] = (size_t)(bend - body);
                if (m.lens[slot] == 0) {
                    /* an empty section removes the file */
                    m.names[slot] = m.names[m.n - 1];
                    m.texts[slot] = m.texts[m.n - 1];
                    m.lens[slot] = m.lens[m.n - 1];
                    m.n--;
                }
            }
            nn++;
        }
        p = bend;
    }
    struct mig_src src = {.read = mig_mem_read, .list_items = mig_mem_list, .ctx = &m};
    struct mig_layout *l = NULL;
    struct kd_err e;
    if (mig_layout_parse("example", &src, &l, &e) < 0) {
        size_t n = strlen(e.message);
        if (!text_utf8_valid(e.message, n, NULL))
            fprintf(stderr, "message: %s\n", e.message);
        CHECK(n > 0 && text_utf8_valid(e.message, n, NULL));
        return 0;
    }
    check_layout(l);
    mig_layout_free(l);
    return 0;
}
