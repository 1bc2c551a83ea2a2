/*
 * mig_example.h — the example migration layout of tests/data/layouts/example
 * as text, for the migration fuzz targets (which must not depend on files),
 * and an in-memory source for the layout loader. Keep in step with the
 * folder (the unit tests load the folder; fuzz_mig_layout's seeds are these
 * texts).
 */
#ifndef KYODO_FUZZ_MIG_EXAMPLE_H
#define KYODO_FUZZ_MIG_EXAMPLE_H

#include "migration/codec_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const mig_ex_names[] = {
    "layout.tsv",      "files.tsv",       "relations.tsv", "items/SETAI.tsv",
    "items/KOJIN.tsv", "code_tables.tsv", "codes.tsv",
};

static const char *const mig_ex_texts[] = {
    "キー\t値\nname\texample\ntitle\t例（世帯と個人）\nversion\tkyodo-1\n",
    "ファイルID\tファイル名\t物理ファイル名\tキー項目\t説明\n"
    "SETAI\t世帯情報\tSETAI.csv\t世帯番号\t\nKOJIN\t個人情報\tKOJIN.csv\t宛名番号\t\n",
    "ファイルID\t親ファイルID\t参照項目\t親キー項目\nKOJIN\tSETAI\t世帯番号\t\n",
    "項番\t項目名\t型\t桁数\t固定\t必須\tコード表\t検査\tkyodo名\t説明\n"
    "1\t世帯番号\t数字\t10\t○\t○\t\t宛名番号\tsetai_no\t\n"
    "2\t住所_市区町村コード\t数字\t6\t○\t○\t\t団体コード\tlg_code\t\n"
    "3\t世帯主氏名\t文字\t100\t\t\t\t\tnushi\t\n"
    "4\t世帯員数\t数値\t3\t\t○\t\t\tmembers\t\n",
    "項番\t項目名\t型\t桁数\t固定\t必須\tコード表\t検査\tkyodo名\t説明\n"
    "1\t宛名番号\t数字\t10\t○\t○\t\t宛名番号\tatena\t\n"
    "2\t世帯番号\t数字\t10\t○\t○\t\t宛名番号\tsetai_no\t\n"
    "3\t氏名\t文字\t100\t\t○\t\t\tshimei\t\n"
    "4\t氏名_フリガナ\tカナ\t100\t\t\t\t\tshimei_kana\t\n"
    "5\t性別\tコード\t\t\t○\tSEX\t\tsex\t\n"
    "6\t生年月日\t日付\t\t\t○\t\t不詳可\tbirth\t\n"
    "7\t続柄コード1\tコード\t\t\t○\tZOKU\t\tzoku1\t\n"
    "8\t異動年月日\t日付\t\t\t\t\t\tido_date\t\n"
    "9\t個人番号\t数字\t12\t○\t\t\t個人番号\tkojin_bango\t\n"
    "10\t住民票コード\t数字\t11\t○\t\t\t住民票コード\tjumin_code\t\n"
    "11\t法人番号\t数字\t13\t○\t\t\t法人番号\thoujin\t\n"
    "12\t備考\t文章\t200\t\t\t\t\tbiko\t\n"
    "13\t予備\t文字\t20\t\t\t\t\t\t\n",
    "コード表ID\tコード表名\t桁数\t説明\nSEX\t性別\t1\t\nZOKU\t続柄\t2\t\n",
    "コード表ID\tコード\t名称\nSEX\t1\t男\nSEX\t2\t女\nZOKU\t02\t世帯主\nZOKU\t03\t妻\n"
    "ZOKU\t04\t夫\nZOKU\t10\t子\n",
};

/* A layout's files in memory: names[i] holds texts[i] (lens[i] bytes). */
struct mig_mem {
    int n;
    const char *names[32];
    const char *texts[32];
    size_t lens[32];
};

static inline int mig_mem_read(void *ctx, const char *rel, char **data, size_t *len,
                               struct kd_err *e)
{
    (void)e;
    const struct mig_mem *m = ctx;
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->names[i], rel) == 0) {
            *data = malloc(m->lens[i] + 1);
            if (!*data)
                return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
            memcpy(*data, m->texts[i], m->lens[i]);
            *len = m->lens[i];
            return 0;
        }
    return 1;
}

static inline int mig_mem_list(void *ctx, char ***names, int *n, struct kd_err *e)
{
    (void)e;
    const struct mig_mem *m = ctx;
    *names = calloc(32, sizeof **names);
    *n = 0;
    if (!*names)
        return kd_fail(e, KD_INTERNAL, NULL, "out of memory");
    for (int i = 0; i < m->n; i++)
        if (strncmp(m->names[i], "items/", 6) == 0)
            (*names)[(*n)++] = strdup(m->names[i] + 6);
    return 0;
}

static inline struct mig_layout *mig_example_layout(void)
{
    struct mig_mem m = {.n = 7};
    for (int i = 0; i < 7; i++) {
        m.names[i] = mig_ex_names[i];
        m.texts[i] = mig_ex_texts[i];
        m.lens[i] = strlen(mig_ex_texts[i]);
    }
    struct mig_src src = {.read = mig_mem_read, .list_items = mig_mem_list, .ctx = &m};
    struct mig_layout *l = NULL;
    struct kd_err e;
    if (mig_layout_parse("example", &src, &l, &e) < 0)
        return NULL;
    return l;
}

#endif
