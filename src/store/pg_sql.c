/*
 * pg_sql.c — the module SQL dialect turned into PostgreSQL's (pg_sql.h).
 *
 * The text is cut into tokens (words, parameters, literals, quoted names,
 * comments, space, punctuation), then each statement (up to a `;`) is
 * written out token by token with the rules of pg_sql.h applied.
 */
#include "store/pg_sql.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tk { T_SPACE, T_COMMENT, T_STRING, T_QIDENT, T_WORD, T_PARAM, T_PUNCT };

struct tok {
    enum tk kind;
    const char *p;
    size_t n;
    int param; /* T_PARAM: its number */
};

struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

enum { MAX_PARAMS = 32767 };

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static bool is_word_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (unsigned char)c >= 0x80;
}

static bool is_word_char(char c)
{
    return is_word_start(c) || (c >= '0' && c <= '9');
}

/* Cuts sql into tokens; numbers the parameters the way SQLite does. */
static int lex(const char *sql, struct tok **out, size_t *count, int *max_param,
               struct kd_err *err)
{
    size_t cap = 64, n = 0;
    struct tok *t = malloc(cap * sizeof *t);
    if (!t)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    int max = 0;
    const char *s = sql;
    while (*s) {
        if (n == cap) {
            cap *= 2;
            struct tok *g = realloc(t, cap * sizeof *t);
            if (!g) {
                free(t);
                return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
            }
            t = g;
        }
        struct tok k = {.p = s};
        const char *e = s + 1;
        char c = *s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            k.kind = T_SPACE;
            while (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r')
                e++;
        } else if (c == '-' && s[1] == '-') {
            k.kind = T_COMMENT;
            while (*e && *e != '\n')
                e++;
        } else if (c == '/' && s[1] == '*') {
            k.kind = T_COMMENT;
            const char *end = strstr(s + 2, "*/");
            e = end ? end + 2 : s + strlen(s);
        } else if (c == '\'' || c == '"') {
            k.kind = c == '\'' ? T_STRING : T_QIDENT;
            for (;;) {
                if (!*e) {
                    free(t);
                    return kd_fail(err, KD_INTERNAL, NULL, "SQL: unterminated %s",
                                   c == '\'' ? "string" : "quoted name");
                }
                if (*e == c && e[1] == c) {
                    e += 2;
                    continue;
                }
                if (*e++ == c)
                    break;
            }
        } else if (c == '?') {
            k.kind = T_PARAM;
            if (*e >= '0' && *e <= '9') {
                long v = 0;
                while (*e >= '0' && *e <= '9') {
                    v = v * 10 + (*e++ - '0');
                    if (v > MAX_PARAMS)
                        break;
                }
                if (v < 1 || v > MAX_PARAMS) {
                    free(t);
                    return kd_fail(err, KD_INTERNAL, NULL, "SQL: parameter number out of range");
                }
                k.param = (int)v;
            } else {
                k.param = max + 1;
            }
            if (k.param > max)
                max = k.param;
            if (max > MAX_PARAMS) {
                free(t);
                return kd_fail(err, KD_INTERNAL, NULL, "SQL: too many parameters");
            }
        } else if (c == '$') {
            free(t);
            return kd_fail(err, KD_INTERNAL, NULL, "SQL: '$' is not in the dialect (use ?)");
        } else if (is_word_start(c) || (c >= '0' && c <= '9')) {
            k.kind = T_WORD;
            while (is_word_char(*e))
                e++;
        } else {
            k.kind = T_PUNCT;
        }
        k.n = (size_t)(e - s);
        t[n++] = k;
        s = e;
    }
    *out = t;
    *count = n;
    *max_param = max;
    return 0;
}

static bool word_is(const struct tok *t, const char *w)
{
    return t->kind == T_WORD && t->n == strlen(w) && strncasecmp(t->p, w, t->n) == 0;
}

static bool punct_is(const struct tok *t, char c)
{
    return t->kind == T_PUNCT && t->p[0] == c;
}

static bool significant(const struct tok *t)
{
    return t->kind != T_SPACE && t->kind != T_COMMENT;
}

/* What to do with each token of a statement. */
struct plan {
    const char **repl;  /* replacement text, or NULL to copy */
    bool *drop;         /* left out */
    const char **before; /* written before the token */
};

static const char *type_of(const struct tok *t)
{
    if (word_is(t, "INTEGER"))
        return "BIGINT";
    if (word_is(t, "TEXT"))
        return "TEXT COLLATE \"C\"";
    if (word_is(t, "BLOB"))
        return "BYTEA";
    if (word_is(t, "REAL"))
        return "DOUBLE PRECISION";
    return NULL;
}

/* The index of the next significant token after i within [i, end), or end. */
static size_t next_sig(const struct tok *t, size_t i, size_t end)
{
    for (i++; i < end && !significant(&t[i]); i++)
        ;
    return i;
}

static bool is_constraint_word(const struct tok *t)
{
    return word_is(t, "PRIMARY") || word_is(t, "UNIQUE") || word_is(t, "CHECK") ||
           word_is(t, "FOREIGN") || word_is(t, "CONSTRAINT");
}

/* Maps a column's type token at i (INTEGER PRIMARY KEY of a rowid table
 * becomes an identity column). */
static void map_type(const struct tok *t, size_t i, size_t end, bool rowid, struct plan *pl)
{
    const char *ty = type_of(&t[i]);
    if (!ty)
        return;
    /* TEXT right before a quoted name or literal: a space, or the "C" of
     * the collation would run into it. */
    if (word_is(&t[i], "TEXT") && i + 1 < end &&
        (t[i + 1].kind == T_QIDENT || t[i + 1].kind == T_STRING))
        ty = "TEXT COLLATE \"C\" ";
    pl->repl[i] = ty;
    if (rowid && word_is(&t[i], "INTEGER")) {
        size_t j = next_sig(t, i, end);
        if (j < end && word_is(&t[j], "PRIMARY")) {
            size_t k = next_sig(t, j, end);
            if (k < end && word_is(&t[k], "KEY"))
                pl->repl[i] = "BIGINT GENERATED BY DEFAULT AS IDENTITY";
        }
    }
}

/* `table` is the index of the word TABLE. */
static void plan_create_table(const struct tok *t, size_t table, size_t end, struct plan *pl)
{
    /* CREATE TABLE [IF NOT EXISTS] name ( …: only a column list is planned. */
    size_t name = next_sig(t, table, end);
    if (name < end && word_is(&t[name], "IF")) {
        size_t not = next_sig(t, name, end), exists = next_sig(t, not, end);
        if (exists >= end || !word_is(&t[not], "NOT") || !word_is(&t[exists], "EXISTS"))
            return;
        name = next_sig(t, exists, end);
    }
    if (name >= end || (t[name].kind != T_WORD && t[name].kind != T_QIDENT))
        return;
    size_t start = next_sig(t, name, end);
    if (start >= end || !punct_is(&t[start], '('))
        return;
    /* Is it a rowid table? (WITHOUT ROWID after the column list.) */
    int depth = 0;
    bool opened = false, rowid = true;
    for (size_t i = start; i < end; i++) {
        if (!significant(&t[i]))
            continue;
        if (punct_is(&t[i], '(')) {
            depth++;
            opened = true;
        } else if (punct_is(&t[i], ')')) {
            depth--;
        } else if (opened && depth == 0 && word_is(&t[i], "WITHOUT")) {
            rowid = false;
        }
    }
    depth = 0;
    opened = false;
    bool col_start = false, want_type = false, closed = false;
    for (size_t i = start; i < end; i++) {
        const struct tok *k = &t[i];
        if (!significant(k))
            continue;
        if (closed) {
            /* Table options: STRICT, WITHOUT ROWID and their commas, each
             * left as a space (so that nothing around them is glued). */
            if (word_is(k, "STRICT") || word_is(k, "WITHOUT") || word_is(k, "ROWID") ||
                punct_is(k, ','))
                pl->repl[i] = " ";
            continue;
        }
        if (punct_is(k, '(')) {
            depth++;
            if (depth == 1 && !opened) {
                opened = true;
                col_start = true;
            }
            want_type = false;
            continue;
        }
        if (punct_is(k, ')')) {
            depth--;
            if (opened && depth == 0)
                closed = true;
            continue;
        }
        if (depth != 1)
            continue;
        if (punct_is(k, ',')) {
            col_start = true;
            want_type = false;
            continue;
        }
        if (col_start) {
            col_start = false;
            want_type = (k->kind == T_WORD && !is_constraint_word(k)) || k->kind == T_QIDENT;
            continue;
        }
        if (want_type) {
            want_type = false;
            map_type(t, i, end, rowid, pl);
        }
    }
}

static void plan_alter_table(const struct tok *t, size_t start, size_t end, struct plan *pl)
{
    size_t i = start;
    while (i < end && !word_is(&t[i], "ADD"))
        i++;
    if (i == end)
        return;
    i = next_sig(t, i, end);
    if (i < end && word_is(&t[i], "COLUMN"))
        i = next_sig(t, i, end);
    if (i < end)
        i = next_sig(t, i, end); /* past the name */
    if (i < end)
        map_type(t, i, end, false, pl);
}

static int plan_statement(const struct tok *t, size_t start, size_t end, struct plan *pl,
                          struct kd_err *err)
{
    size_t w[3];
    size_t nw = 0;
    for (size_t i = start; i < end && nw < 3; i = next_sig(t, i, end))
        if (significant(&t[i]))
            w[nw++] = i;
    if (nw >= 2 && word_is(&t[w[0]], "CREATE") && word_is(&t[w[1]], "TABLE"))
        plan_create_table(t, w[1], end, pl);
    else if (nw >= 2 && word_is(&t[w[0]], "ALTER") && word_is(&t[w[1]], "TABLE"))
        plan_alter_table(t, start, end, pl);
    if (nw >= 1 && word_is(&t[w[0]], "REPLACE"))
        return kd_fail(err, KD_INTERNAL, NULL, "SQL: REPLACE INTO is not in the dialect");
    if (nw == 3 && word_is(&t[w[0]], "INSERT") && word_is(&t[w[1]], "OR")) {
        if (!word_is(&t[w[2]], "IGNORE"))
            return kd_fail(err, KD_INTERNAL, NULL,
                           "SQL: INSERT OR %.*s is not in the dialect (only OR IGNORE)",
                           (int)t[w[2]].n, t[w[2]].p);
        /* Drop OR, IGNORE and the spaces after them, then add the clause
         * before a top-level RETURNING or at the end. */
        for (int k = 1; k <= 2; k++) {
            pl->drop[w[k]] = true;
            if (w[k] + 1 < end && t[w[k] + 1].kind == T_SPACE)
                pl->drop[w[k] + 1] = true;
        }
        int depth = 0;
        size_t at = end;
        for (size_t i = w[2]; i < end; i++) {
            if (punct_is(&t[i], '('))
                depth++;
            else if (punct_is(&t[i], ')'))
                depth--;
            else if (depth == 0 && word_is(&t[i], "RETURNING")) {
                at = i;
                break;
            }
        }
        if (at < end) {
            pl->before[at] = "ON CONFLICT DO NOTHING ";
        } else {
            /* After the last significant token: not inside a trailing
             * comment. */
            size_t last = end;
            while (last > w[2] && !significant(&t[last - 1]))
                last--;
            pl->before[last] = " ON CONFLICT DO NOTHING";
        }
    }
    /* Function names. */
    for (size_t i = start; i < end; i++) {
        if (t[i].kind != T_WORD)
            continue;
        size_t j = next_sig(t, i, end);
        if (j >= end || !punct_is(&t[j], '('))
            continue;
        if (word_is(&t[i], "group_concat"))
            pl->repl[i] = "string_agg";
        else if (word_is(&t[i], "instr"))
            pl->repl[i] = "strpos";
        else if (word_is(&t[i], "ifnull"))
            pl->repl[i] = "coalesce";
    }
    return 0;
}

int pg_sql_translate(const char *sql, struct pg_sql *out, struct kd_err *err)
{
    memset(out, 0, sizeof *out);
    struct tok *t = NULL;
    size_t n = 0;
    int max = 0;
    if (lex(sql, &t, &n, &max, err) < 0)
        return -1;
    /* One slot more than the tokens: "before the end". */
    struct plan pl = {calloc(n + 1, sizeof *pl.repl), calloc(n + 1, sizeof *pl.drop),
                      calloc(n + 1, sizeof *pl.before)};
    bool *used = max ? calloc((size_t)max, sizeof *used) : NULL;
    struct buf b = {0};
    int rc = -1;
    if (!pl.repl || !pl.drop || !pl.before || (max && !used)) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        goto out;
    }
    /* Statements end at a ';' (which stays with the next one's plan as its
     * start) or at the end of the text. The clause added "at the end" of a
     * statement goes before its ';'. */
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || punct_is(&t[i], ';')) {
            if (plan_statement(t, start, i, &pl, err) < 0)
                goto out;
            start = i + 1;
        }
    }
    for (size_t i = 0; i <= n; i++) {
        if (pl.before[i])
            puts_(&b, pl.before[i]);
        if (i == n)
            break;
        if (pl.drop[i])
            continue;
        if (t[i].kind == T_PARAM) {
            char num[16];
            int len = 0;
            int v = t[i].param;
            char rev[16];
            do {
                rev[len++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            num[0] = '$';
            for (int k = 0; k < len; k++)
                num[k + 1] = rev[len - 1 - k];
            put(&b, num, (size_t)len + 1);
            used[t[i].param - 1] = true;
        } else if (pl.repl[i]) {
            puts_(&b, pl.repl[i]);
        } else {
            put(&b, t[i].p, t[i].n);
        }
    }
    if (!b.p)
        put(&b, "", 0);
    if (b.oom) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory");
        goto out;
    }
    out->text = b.p;
    out->nparams = max;
    out->used = used;
    b.p = NULL;
    used = NULL;
    rc = 0;
out:
    free(b.p);
    free(used);
    free(pl.repl);
    free(pl.drop);
    free(pl.before);
    free(t);
    return rc;
}

void pg_sql_free(struct pg_sql *p)
{
    if (!p)
        return;
    free(p->text);
    free(p->used);
    memset(p, 0, sizeof *p);
}
