/*
 * ident.c — check digits. Sources are cited in ident.h.
 */
#include "engine/ident.h"

#include "base/text.h"

int ident_lg_code_check_digit(const char five[5])
{
    static const int w[5] = {6, 5, 4, 3, 2};
    int sum = 0;
    for (int i = 0; i < 5; i++)
        sum += (five[i] - '0') * w[i];
    return (11 - sum % 11) % 10;
}

bool ident_lg_code_valid(const char *s, size_t len)
{
    if (len != 6 || !text_all_digits(s, len))
        return false;
    return ident_lg_code_check_digit(s) == s[5] - '0';
}

/* The mod-11 scheme shared by 個人番号 and 住民票コード: weights 2..7 then
 * 2..6 from the rightmost digit, remainder <= 1 -> 0. */
static int mod11_mynumber(const char *d, size_t n)
{
    int sum = 0;
    for (size_t k = 1; k <= n; k++) {
        int q = k <= 6 ? (int)k + 1 : (int)k - 5;
        sum += (d[n - k] - '0') * q;
    }
    int r = sum % 11;
    return r <= 1 ? 0 : 11 - r;
}

int ident_mynumber_check_digit(const char eleven[11])
{
    return mod11_mynumber(eleven, 11);
}

bool ident_mynumber_valid(const char *s, size_t len)
{
    if (len != 12 || !text_all_digits(s, len))
        return false;
    return mod11_mynumber(s, 11) == s[11] - '0';
}

bool ident_jumin_code_valid(const char *s, size_t len)
{
    if (len != 11 || !text_all_digits(s, len))
        return false;
    return mod11_mynumber(s, 10) == s[10] - '0';
}

bool ident_corp_number_valid(const char *s, size_t len)
{
    if (len != 13 || !text_all_digits(s, len))
        return false;
    int sum = 0;
    for (int n = 1; n <= 12; n++)
        sum += (s[13 - n] - '0') * (n % 2 ? 1 : 2);
    return 9 - sum % 9 == s[0] - '0';
}

int ident_m11_check_digit(const char *serial, size_t len, enum ident_m11_r1 rule)
{
    int sum = 0;
    for (size_t k = 0; k < len; k++)
        sum += (serial[len - 1 - k] - '0') * (int)(2 + k % 6);
    int r = sum % 11;
    if (r == 0)
        return 0;
    if (r == 1)
        return rule == IDENT_M11_R1_ZERO ? 0 : -1;
    return 11 - r;
}
