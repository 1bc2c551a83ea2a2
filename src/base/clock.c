/*
 * clock.c — UTC instants. The civil-date arithmetic is Howard Hinnant's
 * days_from_civil / civil_from_days, which is exact for the proleptic
 * Gregorian calendar and needs no time-zone database.
 */
#include "base/clock.h"

#include <string.h>
#include <time.h>

int64_t clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void clock_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

bool clock_valid_civil(int64_t y, unsigned m, unsigned d)
{
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    unsigned max = mdays[m - 1] + (m == 2 && leap);
    return d <= max;
}

static void put_digits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void clock_format_iso(int64_t ms, char buf[CLOCK_ISO_LEN])
{
    /* Floor division without subtracting first, which would overflow near
     * INT64_MIN (found by fuzz/fuzz_clock.c). */
    int64_t secs = ms / 1000, frac = ms % 1000;
    if (frac < 0) {
        secs--;
        frac += 1000;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        days--;
        rem += 86400;
    }
    int64_t y;
    unsigned m, d;
    clock_civil_from_days(days, &y, &m, &d);
    /* Outside 0000..9999 the text form has no room: clamp to its ends. */
    if (y < 0) {
        memcpy(buf, "0000-01-01T00:00:00.000Z", CLOCK_ISO_LEN);
        return;
    }
    if (y > 9999) {
        memcpy(buf, "9999-12-31T23:59:59.999Z", CLOCK_ISO_LEN);
        return;
    }
    memcpy(buf, "0000-00-00T00:00:00.000Z", CLOCK_ISO_LEN);
    put_digits(buf, (unsigned)y, 4);
    put_digits(buf + 5, m, 2);
    put_digits(buf + 8, d, 2);
    put_digits(buf + 11, (unsigned)(rem / 3600), 2);
    put_digits(buf + 14, (unsigned)(rem / 60 % 60), 2);
    put_digits(buf + 17, (unsigned)(rem % 60), 2);
    put_digits(buf + 20, (unsigned)frac, 3);
}

/* Reads exactly n decimal digits. */
static bool digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

bool clock_parse_iso(const char *s, size_t len, int64_t *ms_out)
{
    unsigned y, mo, d, h = 0, mi = 0, se = 0, ms = 0;
    if (len < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return false;
    if (!clock_valid_civil(y, mo, d))
        return false;
    if (len == 10)
        goto done;
    if (len != 20 && len != 24)
        return false;
    if (s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
        s[16] != ':' || !digits(s + 17, 2, &se))
        return false;
    if (h > 23 || mi > 59 || se > 59)
        return false;
    if (len == 24) {
        if (s[19] != '.' || !digits(s + 20, 3, &ms) || s[23] != 'Z')
            return false;
    } else if (s[19] != 'Z') {
        return false;
    }
done:;
    int64_t days = clock_days_from_civil(y, mo, d);
    *ms_out = ((days * 86400) + h * 3600 + mi * 60 + se) * 1000 + ms;
    return true;
}
