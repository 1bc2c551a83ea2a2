/*
 * backup_pg.c — copies of a PostgreSQL schema (backup_pg.h, backup.h).
 *
 * A copy is a pg_dump archive in the custom format of one schema: a town's
 * `town_<code>` or the control data's `kyodo_control`. pg_dump (Debian's
 * postgresql-client) reads the whole schema in one REPEATABLE READ
 * transaction, i.e. one snapshot, while the server goes on writing; it takes
 * only ACCESS SHARE locks, which no writer of kyodo waits for. We run it as
 * a child process (posix_spawnp, no shell) with the connection's settings
 * in its environment (PGHOST, PGUSER, PGPASSWORD…, from the store URL), so a
 * password never appears on a command line.
 *
 * Without a server, a copy is checked with pg_restore: its table of contents
 * (one schema of kyodo's, each table with its data) and every data block
 * read through (a damaged block does not decompress). For the backup set's
 * description — schema versions, audit chain — backup_pg_open() loads the
 * two tables that hold them (schema_migrations and audit_log) from the
 * archive into an in-memory SQLite database, which audit_verify() and the
 * set's checks then read through the store interface as they read a SQLite
 * copy.
 */
#include "store/backup_pg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libpq-fe.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---- running pg_dump and pg_restore --------------------------------------------- */

struct tool {
    const char *name;
    pid_t pid;
    int errfd; /* an unlinked file receiving the tool's stderr */
};

/* The process's environment with the connection settings of url (libpq's
 * environment variables: PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD…)
 * put in front, so that they win. The strings of url's options are in the
 * single block *block. */
static char **tool_env(const char *url, char **block, struct kd_err *err)
{
    *block = NULL;
    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    PQconninfoOption *opts = NULL;
    size_t nopt = 0, bytes = 0;
    if (url) {
        char *msg = NULL;
        opts = PQconninfoParse(url, &msg);
        if (!opts) {
            PQfreemem(msg);
            return kd_fail(err, KD_INVALID_VALUE, "store", "the store URL cannot be read"), NULL;
        }
        for (PQconninfoOption *o = opts; o->keyword; o++)
            if (o->val && o->envvar) {
                nopt++;
                bytes += strlen(o->envvar) + strlen(o->val) + 2;
            }
    }
    char **env = calloc(nenv + nopt + 1, sizeof *env);
    char *buf = bytes ? malloc(bytes) : NULL;
    if (!env || (bytes && !buf)) {
        free(env);
        free(buf);
        PQconninfoFree(opts);
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory"), NULL;
    }
    size_t n = 0, off = 0;
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (o->val && o->envvar) {
            int len = snprintf(buf + off, bytes - off, "%s=%s", o->envvar, o->val);
            env[n++] = buf + off;
            off += (size_t)len + 1;
        }
    for (size_t i = 0; i < nenv; i++) {
        bool overridden = false;
        for (size_t j = 0; j < nopt && !overridden; j++) {
            size_t klen = (size_t)(strchr(env[j], '=') - env[j]) + 1;
            overridden = strncmp(environ[i], env[j], klen) == 0;
        }
        if (!overridden)
            env[n++] = environ[i];
    }
    env[n] = NULL;
    PQconninfoFree(opts);
    *block = buf;
    return env;
}

/* Starts the tool argv[0] with its stdout on out_fd and its stderr kept
 * for tool_finish. url, if not NULL, is the database it connects to. */
static int tool_start(struct tool *t, const char *const argv[], const char *url, int out_fd,
                      struct kd_err *err)
{
    t->name = argv[0];
    t->pid = -1;
    char tmpl[] = "/tmp/kyodo-pgtool-XXXXXX";
    t->errfd = mkostemp(tmpl, O_CLOEXEC);
    if (t->errfd < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot create a temporary file: %s",
                       strerror(errno));
    unlink(tmpl);
    char *block;
    char **env = tool_env(url, &block, err);
    if (!env) {
        close(t->errfd);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, t->errfd, 2);
    int rc = posix_spawnp(&t->pid, argv[0], &fa, NULL, (char *const *)argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env); /* its strings are environ's or block's */
    free(block);
    if (rc != 0) {
        close(t->errfd);
        t->pid = -1;
        return kd_fail(err, KD_INTERNAL, NULL,
                       "cannot run %s: %s (Debian package postgresql-client)", argv[0],
                       strerror(rc));
    }
    return 0;
}

/* Waits for the tool; if it failed, err gets its first line of complaint
 * (code and field as given). */
static int tool_finish(struct tool *t, enum kd_code code, const char *field, const char *what,
                       struct kd_err *err)
{
    int status = 0;
    pid_t w;
    while ((w = waitpid(t->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (w < 0) {
        int e = errno;
        close(t->errfd);
        return kd_fail(err, KD_INTERNAL, NULL, "%s: cannot wait for %s: %s", what, t->name,
                       strerror(e));
    }
    char msg[512] = "";
    ssize_t n = pread(t->errfd, msg, sizeof msg - 1, 0);
    close(t->errfd);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    msg[n > 0 ? n : 0] = '\0';
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = '\0';
    if (!msg[0])
        snprintf(msg, sizeof msg, "%s ended with status %d", t->name,
                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return kd_fail(err, code, field, "%s: %s", what, msg);
}

/* ---- making a copy --------------------------------------------------------------- */

bool backup_pg_is_archive(const char *path)
{
    char magic[5];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    return n == (ssize_t)sizeof magic && memcmp(magic, "PGDMP", sizeof magic) == 0;
}

int backup_pg_copy(struct catalog *cat, const char *code, const char *dest, struct kd_err *err)
{
    char buf[16], arg[40];
    const char *schema = catalog_pg_schema(code, buf);
    if (code && !catalog_town_exists(cat, code))
        return kd_fail(err, KD_NOT_FOUND, NULL, "town %s has no schema (%s)", code, schema);
    snprintf(arg, sizeof arg, "--schema=%s", schema);
    int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return kd_fail(err, errno == EEXIST ? KD_CONFLICT : KD_INTERNAL, NULL,
                       "cannot create %s: %s", dest, strerror(errno));
    /* One snapshot (pg_dump's REPEATABLE READ transaction); a lock that a
     * schema change holds is waited for 10 s at most. */
    const char *const argv[] = {"pg_dump",
                                "--format=custom",
                                "--no-password",
                                "--encoding=UTF8",
                                "--no-owner",
                                "--no-privileges",
                                "--lock-wait-timeout=10000",
                                arg,
                                NULL};
    struct tool t;
    char what[80];
    snprintf(what, sizeof what, "pg_dump of schema %s failed", schema);
    int rc = tool_start(&t, argv, catalog_pg_url(cat), fd, err);
    if (rc == 0)
        rc = tool_finish(&t, KD_UNAVAILABLE, NULL, what, err);
    if (rc == 0 && fsync(fd) != 0)
        rc = kd_fail(err, KD_INTERNAL, NULL, "cannot sync %s: %s", dest, strerror(errno));
    close(fd);
    if (rc < 0)
        unlink(dest);
    return rc;
}

/* ---- checking a copy ------------------------------------------------------------- */

/* Runs pg_restore with args on the archive at path, its output read line by
 * line by fn (which returns -1 to stop, err filled). */
static int restore_lines(const char *path, const char *const *args, size_t nargs,
                         int (*fn)(void *, char *, size_t, struct kd_err *), void *ctx,
                         struct kd_err *err)
{
    const char *argv[8];
    size_t n = 0;
    argv[n++] = "pg_restore";
    for (size_t i = 0; i < nargs && n < 6; i++)
        argv[n++] = args[i];
    argv[n++] = path;
    argv[n] = NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot make a pipe: %s", strerror(errno));
    struct tool t;
    if (tool_start(&t, argv, NULL, fds[1], err) < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    if (!in) {
        close(fds[0]);
        tool_finish(&t, KD_INVALID_VALUE, "file", "pg_restore", err);
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory");
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    struct kd_err fn_err;
    kd_err_clear(&fn_err);
    while (rc == 0 && (len = getline(&line, &cap, in)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        rc = fn(ctx, line, (size_t)len, &fn_err);
    }
    free(line);
    fclose(in); /* a tool stopped early ends on SIGPIPE */
    char what[PATH_MAX + 64];
    snprintf(what, sizeof what, "%s is damaged or not a pg_dump archive", path);
    int trc = tool_finish(&t, KD_INVALID_VALUE, "file", what, err);
    if (rc < 0) {
        *err = fn_err;
        return -1;
    }
    return trc;
}

/* What the archive's table of contents lists. */
struct toc {
    const char *path;
    int format_custom;
    int schemas;
    char schema[64];
    int tables, data;
    bool has_audit, has_migrations;
};

/* The word at *p (up to a space), copied into out; *p moves past it. */
static void word(const char **p, char *out, size_t cap)
{
    size_t n = 0;
    while (**p == ' ')
        (*p)++;
    while (**p && **p != ' ') {
        if (n + 1 < cap)
            out[n++] = **p;
        (*p)++;
    }
    out[n] = '\0';
}

static int toc_line(void *ctx, char *line, size_t len, struct kd_err *err)
{
    (void)len, (void)err;
    struct toc *c = ctx;
    if (line[0] == ';') {
        if (strstr(line, "Format: CUSTOM"))
            c->format_custom = 1;
        return 0;
    }
    /* "<id>; <tableoid> <oid> <TYPE> <schema> <name> <owner>" */
    const char *p = strchr(line, ';');
    if (!p)
        return 0;
    p++;
    char skip[32], sch[64], name[64];
    word(&p, skip, sizeof skip);
    word(&p, skip, sizeof skip);
    while (*p == ' ')
        p++;
    if (strncmp(p, "SCHEMA - ", 9) == 0) {
        p += 9;
        word(&p, sch, sizeof sch);
        c->schemas++;
        snprintf(c->schema, sizeof c->schema, "%s", sch);
    } else if (strncmp(p, "TABLE DATA ", 11) == 0) {
        c->data++;
    } else if (strncmp(p, "TABLE ", 6) == 0) {
        p += 6;
        word(&p, sch, sizeof sch);
        word(&p, name, sizeof name);
        c->tables++;
        c->has_audit |= strcmp(name, "audit_log") == 0;
        c->has_migrations |= strcmp(name, "schema_migrations") == 0;
    }
    return 0;
}

static int ignore_line(void *ctx, char *line, size_t len, struct kd_err *err)
{
    (void)ctx, (void)line, (void)len, (void)err;
    return 0;
}

static bool is_town_schema(const char *s)
{
    if (strncmp(s, "town_", 5) != 0 || strlen(s) != 11)
        return false;
    for (int i = 5; i < 11; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int backup_pg_check(const char *path, struct kd_err *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return kd_fail(err, KD_NOT_FOUND, "file", "%s: %s", path, strerror(errno));
    struct toc c = {.path = path};
    static const char *const list[] = {"--list"};
    if (restore_lines(path, list, 1, toc_line, &c, err) < 0)
        return -1;
    bool town = is_town_schema(c.schema);
    if (!c.format_custom || c.schemas != 1 || (!town && strcmp(c.schema, "kyodo_control") != 0))
        return kd_fail(err, KD_INVALID_VALUE, "file",
                       "%s is not a copy of one kyodo schema (its table of contents lists %d "
                       "schemas%s%s)",
                       path, c.schemas, c.schemas == 1 ? ": " : "", c.schemas == 1 ? c.schema : "");
    if (!c.has_migrations || (town && !c.has_audit))
        return kd_fail(err, KD_INVALID_VALUE, "file",
                       "%s: its table of contents lacks the table %s", path,
                       c.has_migrations ? "audit_log" : "schema_migrations");
    if (c.data != c.tables)
        return kd_fail(err, KD_INVALID_VALUE, "file",
                       "%s: its table of contents lists %d tables but the data of %d", path,
                       c.tables, c.data);
    /* Every block read and decompressed: a damaged one fails. */
    static const char *const all[] = {"--file=/dev/null"};
    return restore_lines(path, all, 1, ignore_line, NULL, err);
}

/* ---- reading a copy without a server ---------------------------------------------- */

enum col_kind { COL_TEXT, COL_INT, COL_BLOB };

static enum col_kind kind_of(const char *name)
{
    if (strcmp(name, "hash") == 0 || strcmp(name, "prev_hash") == 0)
        return COL_BLOB;
    if (strcmp(name, "seq") == 0 || strcmp(name, "user_id") == 0 || strcmp(name, "version") == 0)
        return COL_INT;
    return COL_TEXT;
}

enum { MAX_COLS = 32 };

struct loader {
    struct store *s;
    const char *path;
    struct store_stmt *insert; /* while in a COPY block */
    enum col_kind kinds[MAX_COLS];
    int ncols;
    long long rows;
};

/* Undoes COPY's text escapes in place; returns the new length. */
static size_t unescape(char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\' || i + 1 == len) {
            s[o++] = s[i];
            continue;
        }
        char c = s[++i];
        switch (c) {
        case 'b':
            s[o++] = '\b';
            break;
        case 'f':
            s[o++] = '\f';
            break;
        case 'n':
            s[o++] = '\n';
            break;
        case 'r':
            s[o++] = '\r';
            break;
        case 't':
            s[o++] = '\t';
            break;
        case 'v':
            s[o++] = '\v';
            break;
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0';
                for (int k = 0; k < 2 && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
                    v = v * 8 + (s[++i] - '0');
                s[o++] = (char)v;
            } else {
                s[o++] = c;
            }
        }
    }
    s[o] = '\0';
    return o;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A bytea in hex output ("\x0a1b…"), decoded in place. */
static bool unhex(char *s, size_t len, size_t *out)
{
    if (len < 2 || s[0] != '\\' || s[1] != 'x' || len % 2 != 0)
        return false;
    size_t o = 0;
    for (size_t i = 2; i < len; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        s[o++] = (char)(hi * 16 + lo);
    }
    *out = o;
    return true;
}

/* A name of lower-case letters, digits and _, at most 63 bytes (PostgreSQL's
 * limit), which also bounds the SQL copy_header writes. */
static bool plain_name(const char *s)
{
    if (!*s || strlen(s) > 63)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* "COPY town_104213.audit_log (seq, at, …) FROM stdin;": makes the table in
 * the in-memory database and prepares the insert of its rows. */
static int copy_header(struct loader *l, char *line, struct kd_err *err)
{
    char *open = strchr(line, '('), *close = strrchr(line, ')');
    char *sp = strchr(line + 5, ' ');
    if (!open || !close || !sp || close < open)
        return kd_fail(err, KD_INVALID_VALUE, "file",
                       "%s: a COPY line of a shape kyodo does "
                       "not read",
                       l->path);
    *sp = '\0';
    char *table = strrchr(line + 5, '.');
    table = table ? table + 1 : line + 5;
    if (!plain_name(table))
        return kd_fail(err, KD_INVALID_VALUE, "file", "%s: unexpected table %s", l->path, table);
    /* At most 32 names of 63 bytes: 2,400 bytes for create. */
    char create[4096], insert[512];
    int cn = snprintf(create, sizeof create, "CREATE TABLE %s (", table);
    int in = snprintf(insert, sizeof insert, "INSERT INTO %s VALUES (", table);
    *close = '\0';
    l->ncols = 0;
    for (char *col = open + 1; col;) {
        char *comma = strchr(col, ',');
        if (comma)
            *comma = '\0';
        while (*col == ' ' || *col == '"')
            col++;
        char *end = col + strlen(col);
        while (end > col && (end[-1] == ' ' || end[-1] == '"'))
            *--end = '\0';
        if (!plain_name(col) || l->ncols == MAX_COLS)
            return kd_fail(err, KD_INVALID_VALUE, "file", "%s: unexpected column in %s", l->path,
                           table);
        enum col_kind k = kind_of(col);
        l->kinds[l->ncols] = k;
        cn +=
            snprintf(create + cn, sizeof create - (size_t)cn, "%s%s %s", l->ncols ? ", " : "", col,
                     k == COL_BLOB  ? "BLOB"
                     : k == COL_INT ? "INTEGER"
                                    : "TEXT");
        in += snprintf(insert + in, sizeof insert - (size_t)in, "%s?", l->ncols ? ", " : "");
        l->ncols++;
        col = comma ? comma + 1 : NULL;
    }
    snprintf(create + cn, sizeof create - (size_t)cn, ")");
    snprintf(insert + in, sizeof insert - (size_t)in, ")");
    if (store_exec(l->s, create, err) < 0)
        return -1;
    return (l->insert = store_prepare(l->s, insert, err)) ? 0 : -1;
}

static int copy_row(struct loader *l, char *line, size_t len, struct kd_err *err)
{
    char *f = line;
    char *end = line + len;
    for (int i = 0; i < l->ncols; i++) {
        char *tab = memchr(f, '\t', (size_t)(end - f));
        if ((tab == NULL) != (i == l->ncols - 1))
            return kd_fail(err, KD_INVALID_VALUE, "file",
                           "%s: a row with the wrong number of "
                           "fields",
                           l->path);
        size_t flen = (size_t)((tab ? tab : end) - f);
        f[flen] = '\0';
        if (strcmp(f, "\\N") == 0) {
            store_bind_null(l->insert, i + 1);
        } else {
            size_t n = unescape(f, flen);
            if (l->kinds[i] == COL_BLOB) {
                if (!unhex(f, n, &n))
                    return kd_fail(err, KD_INVALID_VALUE, "file",
                                   "%s: a bytea that is not in "
                                   "hex",
                                   l->path);
                store_bind_blob(l->insert, i + 1, f, n);
            } else {
                store_bind_text(l->insert, i + 1, f, n);
            }
        }
        f = tab ? tab + 1 : end;
    }
    enum store_step rc = store_step(l->insert, err);
    store_reset(l->insert);
    if (rc != STORE_DONE)
        return rc == STORE_ERROR ? -1
                                 : kd_fail(err, KD_INVALID_VALUE, "file",
                                           "%s: a row "
                                           "refused",
                                           l->path);
    l->rows++;
    return 0;
}

/* Gives the insert of the COPY block back (a statement is in use from its
 * prepare to its reset; the cache keeps it). */
static void loader_end(struct loader *l)
{
    if (l->insert)
        store_reset(l->insert);
    l->insert = NULL;
}

static int load_line(void *ctx, char *line, size_t len, struct kd_err *err)
{
    struct loader *l = ctx;
    if (l->insert) {
        if (strcmp(line, "\\.") == 0) {
            loader_end(l);
            return 0;
        }
        return copy_row(l, line, len, err);
    }
    if (strncmp(line, "COPY ", 5) == 0)
        return copy_header(l, line, err);
    return 0;
}

struct store *backup_pg_open(const char *path, struct kd_err *err)
{
    struct store_options opt = {.create = true};
    struct store *s = store_open(":memory:", &opt, err);
    if (!s)
        return NULL;
    struct loader l = {.s = s, .path = path};
    static const char *const args[] = {"--data-only", "--table=schema_migrations",
                                       "--table=audit_log", "--file=-"};
    if (store_begin_write(s, err) < 0 ||
        restore_lines(path, args, sizeof args / sizeof *args, load_line, &l, err) < 0 ||
        (loader_end(&l), store_commit(s, err)) < 0) {
        loader_end(&l);
        store_close(s);
        return NULL;
    }
    return s;
}

/* ---- putting a copy back ------------------------------------------------------------ */

/* The database name of url (libpq's default: the user's name). */
static void url_dbname(const char *url, char *out, size_t cap)
{
    snprintf(out, cap, "postgres");
    PQconninfoOption *opts = PQconninfoParse(url, NULL);
    const char *user = NULL, *db = NULL;
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
    }
    if (db || user)
        snprintf(out, cap, "%s", db ? db : user);
    PQconninfoFree(opts);
}

int backup_pg_load(struct catalog *cat, const char *code, const char *path, struct kd_err *err)
{
    char buf[16];
    const char *schema = catalog_pg_schema(code, buf);
    struct toc c = {.path = path};
    static const char *const list[] = {"--list"};
    if (restore_lines(path, list, 1, toc_line, &c, err) < 0)
        return -1;
    if (c.schemas != 1 || strcmp(c.schema, schema) != 0)
        return kd_fail(err, KD_INVALID_VALUE, "from", "%s is a copy of the schema %s, not of %s",
                       path, c.schemas == 1 ? c.schema : "(none)", schema);
    if (catalog_town_exists(cat, code))
        return kd_fail(err, KD_CONFLICT, "tenant",
                       "town %s has a schema: on PostgreSQL kyodo restore puts back a dropped "
                       "town only (kyodo tenant drop keeps the current one aside; "
                       "docs/operations.md)",
                       code);
    char db[256], arg[300];
    url_dbname(catalog_pg_url(cat), db, sizeof db);
    snprintf(arg, sizeof arg, "--dbname=%s", db);
    /* One transaction: the schema appears whole, or not at all. */
    const char *const argv[] = {"pg_restore",
                                "--no-password",
                                "--no-owner",
                                "--no-privileges",
                                "--exit-on-error",
                                "--single-transaction",
                                arg,
                                path,
                                NULL};
    int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (out < 0)
        return kd_fail(err, KD_INTERNAL, NULL, "cannot open /dev/null: %s", strerror(errno));
    struct tool t;
    char what[80];
    snprintf(what, sizeof what, "pg_restore of schema %s failed", schema);
    int rc = tool_start(&t, argv, catalog_pg_url(cat), out, err);
    if (rc == 0)
        rc = tool_finish(&t, KD_UNAVAILABLE, NULL, what, err);
    close(out);
    return rc;
}

int backup_pg_read_text(struct store *s, char *text, size_t len, struct kd_err *err)
{
    struct toc c = {.path = "(text)"};
    struct loader l = {.s = s, .path = "(text)"};
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        size_t n = (size_t)(stop - p);
        if (toc_line(&c, p, n, err) < 0 || load_line(&l, p, n, err) < 0) {
            loader_end(&l);
            return -1;
        }
        p = stop + 1;
    }
    loader_end(&l);
    return 0;
}
