/*
 * codec_internal.h — what the codec's files share and the fuzz targets and
 * unit tests reach: the profile's fields, the CP932 tables, the TSV and CSV
 * splitters, one field's checks and the date forms.
 *
 * Not for modules: they use codec.h only.
 */
#ifndef KYODO_MIGRATION_CODEC_INTERNAL_H
#define KYODO_MIGRATION_CODEC_INTERNAL_H

#include "base/arena.h"
#include "migration/codec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MIG_NAME_MAX 31       /* layout, profile and file ids */
#define MIG_ROW_MAX (1 << 20) /* bytes of one raw row */
#define MIG_FIELDS_MAX 10000  /* columns of one row */
#define MIG_REASON_CAP 256    /* bytes of one reason text */

/* ---- profiles ------------------------------------------------------------------- */

struct mig_gaiji {
    uint32_t pua;     /* U+E000..U+F8FF (CP932 F040.. = U+E000..) */
    const char *text; /* UTF-8: one character and its variation selectors */
    size_t len;
    int line;
};

struct mig_profile {
    char name[MIG_NAME_MAX + 1];
    char title[256];
    enum mig_encoding enc;
    bool bom;
    bool header;
    char sep;
    enum mig_quote quote;
    bool crlf;
    enum mig_date_form date;
    char unknown_date[16];
    size_t unknown_date_len;
    bool unknown_date_set; /* given in the file (else the form's zeros) */
    bool unknown_partial;
    bool trim;
    bool kana_widen;
    bool atena_check;
    char gaiji_file[64];
    int n_gaiji;
    struct mig_gaiji *gaiji;     /* sorted by pua */
    struct mig_gaiji *gaiji_rev; /* sorted by text (bytes), first line first among equals */
    struct arena arena;
};

/* Parses a profile's text (for tests and fuzzing: no file system). The 外字
 * table, when the profile names one, is read by `read_gaiji`. */
int mig_profile_parse(const char *name, const char *text, size_t len,
                      int (*read_gaiji)(void *ctx, const char *file, char **data, size_t *len,
                                        struct kd_err *e),
                      void *ctx, struct mig_profile **out, struct kd_err *e);
/* Parses a 外字 table into p (replacing none: p must have none yet). */
int mig_gaiji_parse(struct mig_profile *p, const char *file, const char *text, size_t len,
                    struct kd_err *e);
const struct mig_gaiji *mig_gaiji_by_pua(const struct mig_profile *p, uint32_t pua);
const struct mig_gaiji *mig_gaiji_by_text(const struct mig_profile *p, const char *s, size_t len);

/* ---- CP932 --------------------------------------------------------------------- */

/* Builds the tables from glibc's iconv once (thread-safe). */
int cp932_init(struct kd_err *e);
/* Single byte b: its code point, or -1 when b is a lead byte or not a character. */
int32_t cp932_single(unsigned char b);
bool cp932_is_lead(unsigned char b);
/* Two bytes: the code point, or 0 when they are not a character. */
uint32_t cp932_double(unsigned char lead, unsigned char trail);
/* The CP932 code of cp (1 or 2 bytes in out), 0 when CP932 cannot hold it so
 * that it decodes back to cp. */
int cp932_encode(uint32_t cp, unsigned char out[2]);

/* ---- UTF-8 helpers ------------------------------------------------------------- */

/* Decodes one code point of well-formed UTF-8 at s (n bytes left); its length in *k. */
uint32_t mig_utf8_next(const unsigned char *s, size_t n, size_t *k);
size_t mig_utf8_put(uint32_t cp, char out[4]);
bool mig_is_vs(uint32_t cp);
bool mig_is_pua(uint32_t cp);

/* ---- TSV (definition files) ------------------------------------------------------ */

struct tsv {
    const char *file; /* for messages */
    const char *p, *end;
    int line;
    int n_cols;
    const char *const *cols; /* the header's names */
    const char *cell[16];
    size_t cell_len[16];
    int n_cells;
};

/* Starts reading text; checks the header (first line not a comment) names
 * exactly `cols`. */
int tsv_open(struct tsv *t, const char *file, const char *text, size_t len, const char *const *cols,
             int n_cols, struct kd_err *e);
/* 1 and the cells of the next data line, 0 at the end, -1 on an error. */
int tsv_next(struct tsv *t, struct kd_err *e);

/* ---- CSV splitter -------------------------------------------------------------------- */

#define CSV_BAD_QUOTE 1u  /* a quote inside an unquoted field, or text after a closing one */
#define CSV_OPEN_QUOTE 2u /* the file ended inside a quoted field */
#define CSV_TOO_LONG 4u   /* the row is over MIG_ROW_MAX bytes (its fields are not kept) */
#define CSV_TOO_MANY 8u   /* more than MIG_FIELDS_MAX columns */

struct mig_csv {
    FILE *fp;
    char sep;
    bool quotes; /* quote != none */
    unsigned char *in;
    size_t in_len, in_pos;
    bool eof, io_error;
    int64_t bytes;  /* consumed */
    int64_t line;   /* current physical line (1 = the first) */
    bool at_start;  /* nothing read yet: a BOM may come */
    bool strip_bom; /* skip a UTF-8 BOM at the start (set before the first row) */
    /* the row */
    char *row;
    size_t row_len, row_cap;
    size_t *start, *len;
    int n_fields, fields_cap;
    unsigned flags;
    int64_t row_line;
    /* empty lines met before a row, returned before it */
    int64_t pending_empty, pending_line;
    bool stashed;
    int saved_n;
    size_t saved_start0, saved_len0;
    unsigned saved_flags;
    int64_t saved_line;
    int64_t peak; /* the most bytes the buffers ever held */
};

int mig_csv_init(struct mig_csv *c, FILE *fp, char sep, bool quotes, struct kd_err *e);
void mig_csv_release(struct mig_csv *c);
/* 1 with the next row in c (fields c->row + c->start[i], c->len[i], not NUL
 * terminated; c->flags; c->row_line), 0 at the end, -1 on a read error. */
int mig_csv_next(struct mig_csv *c, struct kd_err *e);

/* ---- fields ---------------------------------------------------------------------- */

/* Physical date text -> canonical "YYYY-MM-DD" (or 不詳 "YYYY-MM-00" …) in
 * out[11]. Returns 0, or -1 with a Japanese reason in reason[MIG_REASON_CAP]. */
int mig_date_read(const struct mig_profile *p, bool unknown_ok, const char *s, size_t len,
                  char out[11], char *reason);
/* Canonical -> physical (at most 15 bytes + NUL in out[32]). Returns 0 or -1
 * with a Japanese reason. */
int mig_date_write(const struct mig_profile *p, bool unknown_ok, const char *s, size_t len,
                   char out[32], size_t *out_len, char *reason);

/*
 * Checks one value against its item (everything but decoding): control
 * characters, 外字 left, required, length, type, code table, check digit,
 * date.
 *   reading (canonical false): s is the decoded value (valid UTF-8). When the
 *     canonical value differs (dates, integers, a blank 不詳日), it is put in
 *     conv[32] and *conv_len set; otherwise *conv_len is (size_t)-1.
 *   writing (canonical true): s must be the canonical value (UTF-8 is checked
 *     too). For a date, conv[32] receives the physical form; for others
 *     *conv_len is (size_t)-1 and s is written as it is.
 * Returns 0, or -1 with a Japanese reason in reason[MIG_REASON_CAP].
 */
int mig_check_value(const struct mig_layout *l, const struct mig_item *it,
                    const struct mig_profile *p, const char *s, size_t len, bool canonical,
                    char conv[32], size_t *conv_len, char *reason);

/* Number of characters as 桁数 counts them (variation selectors not counted). */
size_t mig_char_count(const char *s, size_t len);

/* Whether mig_writer_close fsyncs the file (true; the fuzz target turns it
 * off to run faster). */
extern bool mig_writer_sync;

/* The most bytes a reader's buffers have held (tests: memory stays flat). */
int64_t mig_reader_buffer_bytes(const struct mig_reader *r);

/* ---- layouts ---------------------------------------------------------------------- */

/* Where the loader reads a layout's files from (tests and fuzzing: memory). */
struct mig_src {
    /* Reads relpath ("files.tsv", "items/KOJIN.tsv"): 0 with a malloc'd
     * buffer, 1 when the file does not exist, -1 on an error. */
    int (*read)(void *ctx, const char *relpath, char **data, size_t *len, struct kd_err *e);
    /* The names of the files under items/ (malloc'd array of malloc'd
     * strings), -1 on an error. */
    int (*list_items)(void *ctx, char ***names, int *n, struct kd_err *e);
    void *ctx;
};

int mig_layout_parse(const char *name, const struct mig_src *src, struct mig_layout **out,
                     struct kd_err *e);

/* The length of s[0..n) cut to at most max bytes without splitting a UTF-8
 * sequence (for "%.*s" in messages). */
int mig_cut(const char *s, size_t n, size_t max);

/* Name rules shared by layouts and profiles: [a-z0-9_-], 1..MIG_NAME_MAX. */
bool mig_name_ok(const char *s);

#endif
