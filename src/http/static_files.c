/*
 * static_files.c — a small, strict static file server.
 */
#include "http/static_files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { STATIC_PATH_MAX = 256 };

int static_path_check(const char *path, char *out, size_t cap, struct kd_err *err)
{
    size_t len = strlen(path);
    if (len == 0 || path[0] != '/')
        return kd_fail(err, KD_BAD_REQUEST, "path", "path must start with '/'");
    if (len > STATIC_PATH_MAX)
        return kd_fail(err, KD_TOO_LONG, "path", "path is too long");
    if (strcmp(path, "/") == 0)
        path = "/index.html", len = strlen(path);
    const char *seg = path + 1;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0)
            return kd_fail(err, KD_BAD_REQUEST, "path", "path has an empty segment");
        if (seg[0] == '.')
            return kd_fail(err, KD_BAD_REQUEST, "path",
                           "path segments must not start with '.' ('..' is not allowed)");
        for (size_t i = 0; i < n; i++) {
            char c = seg[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!ok)
                return kd_fail(err, KD_BAD_REQUEST, "path",
                               "path may use only letters, digits, '.', '_', '-' and '/'");
        }
        if (!end)
            break;
        seg = end + 1;
    }
    if (len >= cap)
        return kd_fail(err, KD_TOO_LONG, "path", "path is too long");
    memcpy(out, path + 1, len);
    return 0;
}

const char *static_content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

int static_serve(const char *web_dir, const char *path, struct http_response *resp,
                 struct kd_err *err)
{
    char rel[STATIC_PATH_MAX + 16];
    if (static_path_check(path, rel, sizeof rel, err) < 0)
        return -1;
    char full[PATH_MAX];
    if ((size_t)snprintf(full, sizeof full, "%s/%s", web_dir, rel) >= sizeof full)
        return kd_fail(err, KD_TOO_LONG, "path", "path is too long");
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return kd_fail(err, KD_NOT_FOUND, "path", "no such file");
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return kd_fail(err, KD_NOT_FOUND, "path", "no such file");
    }
    resp->status = 200;
    resp->fd = fd;
    resp->file_size = st.st_size;
    resp->content_type = static_content_type(rel);
    http_response_header(resp, "Cache-Control", "no-cache");
    /* The page's own protections (the API answers JSON and needs none).
     * frame-src blob: lets the page show a PDF it fetched itself (a
     * certificate and its preview are answers to POSTs, so no URL of ours
     * can be framed): a blob: URL can only be made by the page's own
     * scripts, which script-src ('self' through default-src) keeps to ours.
     * Nothing else may be framed, not even our own pages. */
    http_response_header(resp, "Content-Security-Policy",
                         "default-src 'self'; frame-src blob:; frame-ancestors 'none';"
                         " base-uri 'none'; form-action 'self'");
    http_response_header(resp, "X-Frame-Options", "DENY");
    http_response_header(resp, "Referrer-Policy", "no-referrer");
    return 0;
}
