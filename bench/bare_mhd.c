/*
 * bare_mhd.c — the baseline for `make bench`: libmicrohttpd with the same
 * daemon flags and thread pool as kyodo, answering every request with a
 * fixed JSON body of about the size of kyodo's GET /api/v1/me. The response
 * is queued on the second call of the access handler, as kyodo does.
 *
 * usage: bare_mhd PORT THREADS
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char body[512];
static size_t body_len;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload_data;
    static int first;
    if (*req_cls == NULL) {
        *req_cls = &first;
        return MHD_YES;
    }
    *upload_data_size = 0;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bare_mhd PORT THREADS\n");
        return 2;
    }
    /* A body like kyodo's /me answer for a town administrator. */
    body_len = (size_t)snprintf(
        body, sizeof body,
        "{\"user\":{\"id\":1,\"login\":\"admin\",\"name\":\"町村管理者（デモ）\",\"role\":"
        "\"admin\",\"role_label\":\"町村管理者\"},\"tenant\":{\"code\":\"104213\",\"name\":"
        "\"中之条町\"},\"menu\":[{\"id\":\"admin\",\"label\":\"管理\",\"items\":[{\"id\":"
        "\"admin.users\",\"label\":\"利用者管理\",\"available\":true}]}],\"csrf_token\":"
        "\"ZiWLnBdH0JbYsWCKf93mYFxQ1KDcNnQg_MSxJdu93qk\",\"session\":{\"expires_at\":"
        "\"2026-11-28T01:09:33.938Z\",\"idle_timeout\":1800}}");
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, (uint16_t)atoi(argv[1]),
        NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[2]),
        MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        /* kyodo's default max_header_bytes: libmicrohttpd zeroes this pool on
         * every request, so both servers pay the same for it. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bare_mhd: cannot listen on %s\n", argv[1]);
        return 1;
    }
    fprintf(stderr, "bare_mhd: listening on %s\n", argv[1]);
    int sig;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    return 0;
}
