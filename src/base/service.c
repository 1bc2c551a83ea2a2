/*
 * service.c — sd_notify() messages (service.h).
 */
#include "base/service.h"

#include <systemd/sd-daemon.h>
#include <time.h>

void service_ready(const char *status)
{
    sd_notifyf(0, "READY=1\nSTATUS=%s", status ? status : "");
}

void service_reloading(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
               (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
}

void service_stopping(void)
{
    sd_notify(0, "STOPPING=1\nSTATUS=stopping: finishing the requests in flight");
}
