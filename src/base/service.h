/*
 * service.h — telling the service manager (systemd, Type=notify) what the
 * server is doing: ready, reloading its configuration, stopping.
 *
 * Through libsystemd's sd_notify(): a datagram to the socket named by
 * $NOTIFY_SOCKET. Without that variable (not started by systemd, or
 * Type=exec) every call does nothing. Failures are ignored: the service
 * manager's view is a courtesy, never a reason to stop serving.
 *
 * Thread-safety: any thread.
 */
#ifndef KYODO_BASE_SERVICE_H
#define KYODO_BASE_SERVICE_H

/* READY=1 with a status line: the server accepts requests. Also sent after
 * a reload. */
void service_ready(const char *status);

/* RELOADING=1 (with MONOTONIC_USEC): a reload has begun; service_ready()
 * ends it. */
void service_reloading(void);

/* STOPPING=1: shutdown has begun (requests in flight are finishing). */
void service_stopping(void);

#endif
