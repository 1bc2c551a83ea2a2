/*
 * static_files.h — serving the clerk UI from a directory.
 *
 * Only plain files under the web directory are served, by a path made of
 * segments of [A-Za-z0-9._-] that are not "." or ".."; anything else
 * (traversal, encoded slashes, backslashes, NUL, hidden files) is refused
 * with a 400 naming the path, before the file system is touched. Symbolic
 * links are not followed.
 */
#ifndef KYODO_HTTP_STATIC_FILES_H
#define KYODO_HTTP_STATIC_FILES_H

#include "base/err.h"
#include "http/server.h"

#include <stddef.h>

/* Checks a request path and maps "/" to "/index.html". Writes the relative
 * path (without the leading slash) to out. */
int static_path_check(const char *path, char *out, size_t cap, struct kd_err *err);

/* The Content-Type for a file name, by extension. */
const char *static_content_type(const char *name);

/* Opens the file for path under web_dir and fills resp (200, or an error).
 * Returns 0 when resp holds the file, -1 with err set otherwise. */
int static_serve(const char *web_dir, const char *path, struct http_response *resp,
                 struct kd_err *err);

#endif
