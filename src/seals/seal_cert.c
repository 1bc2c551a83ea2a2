/*
 * seal_cert.c — the 印鑑登録証明書 page (seal_cert.h; docs/seals.md).
 *
 * What it shows (resident-registry.md §12, as municipalities publish the
 * 要領's items): the 印影 at its real size, 氏名 (with 旧氏 or 通称 when the
 * register holds one), 生年月日, 男女の別 (a town setting: some towns have
 * dropped it), 住所; then the 認証文, the date of issue in 和暦, the
 * certifier and the 証明書番号. Dates follow the 住民票の写し: 和暦, and 西暦
 * for a 外国人住民's 生年月日 (residents/certificate.h).
 */
#include "seals/seal_cert.h"

#include "residents/certificate.h"

#include <stdlib.h>
#include <string.h>

struct ctx {
    struct arena *a;
    struct kd_err *err;
    bool failed;
};

static const char *fmt(struct ctx *c, const char *f, const char *x, const char *y)
{
    const char *s = arena_printf(c->a, f, x, y);
    if (!s && !c->failed) {
        kd_fail(c->err, KD_INTERNAL, NULL, "out of memory describing the certificate");
        c->failed = true;
    }
    return s ? s : "";
}

static const char *date_of(struct ctx *c, const char *iso, const char *fuzzy, bool gregorian)
{
    char buf[CERT_DATE_CAP];
    if (cert_date_text(iso, fuzzy, gregorian, buf, sizeof buf, c->err) < 0) {
        c->failed = true;
        return "";
    }
    return fmt(c, "%s%s", buf, "");
}

static int row(struct report *rep, const char *label, const char *value, struct kd_err *err)
{
    const char *cells[2] = {label, value};
    return report_row(rep, cells, 0, err);
}

struct report *seal_cert_describe(struct arena *a, const struct seal_cert_doc *d,
                                  struct kd_err *err)
{
    struct ctx c = {a, err, false};
    const struct record *p = d->person;
    bool foreign = strcmp(p->kind, "foreign") == 0;
    static const char title[] = "印鑑登録証明書";
    struct report *rep = report_new(a, REPORT_PORTRAIT, title);
    if (!rep) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory describing the certificate");
        return NULL;
    }
    report_set_header_right(rep, fmt(&c, "証明書番号　%s%s", d->number, ""));
    report_set_footer_left(rep, fmt(&c, "%s　%s", d->town_name, title));
    static const double w[2] = {40, 140};
    if (report_title(rep, title, err) < 0 ||
        report_image(rep, &d->pic, "印影", w[0], d->box_mm, d->box_mm, err) < 0 ||
        report_table(rep, 2, w, NULL, err) < 0)
        return NULL;

    const char *name = p->shimei;
    if (foreign && p->alpha_name[0] && strcmp(p->alpha_name, p->shimei) != 0)
        name = fmt(&c, "%s\n%s", p->shimei, p->alpha_name);
    if (row(rep, "氏名", name, err) < 0)
        return NULL;
    if (p->kyuuji[0] && row(rep, "旧氏", p->kyuuji, err) < 0)
        return NULL;
    if (p->tsusho[0] && row(rep, "通称", p->tsusho, err) < 0)
        return NULL;
    if (row(rep, "生年月日", date_of(&c, p->birth, p->birth_text, foreign), err) < 0)
        return NULL;
    if (d->show_sex && row(rep, "男女の別", p->sex == 1 ? "男" : p->sex == 2 ? "女" : "", err) < 0)
        return NULL;
    const char *addr = p->katagaki[0] ? fmt(&c, "%s\n%s", p->address, p->katagaki) : p->address;
    if (row(rep, "住所", addr, err) < 0)
        return NULL;

    const char *issued = date_of(&c, d->issue_date, "", false);
    const char *certifier = cert_certifier(a, d->town_name);
    if (!certifier) {
        kd_fail(err, KD_INTERNAL, NULL, "out of memory describing the certificate");
        return NULL;
    }
    const char *sign = fmt(&c, "%s　%s", certifier, d->mayor ? d->mayor : "");
    if (c.failed)
        return NULL;
    if (report_paragraph(rep, "以下余白", REPORT_MINCHO, 9, err) < 0 ||
        report_paragraph(rep, d->wording, REPORT_MINCHO, 11, err) < 0 ||
        report_paragraph(rep, fmt(&c, "　　　　%s%s", issued, ""), REPORT_MINCHO, 11, err) < 0 ||
        report_paragraph(rep, fmt(&c, "　　　　　　　　　　　　　　　　%s%s", sign, ""),
                         REPORT_MINCHO, 13, err) < 0 ||
        report_paragraph(rep, fmt(&c, "証明書番号　%s%s", d->number, ""), REPORT_GOTHIC, 9,
                         err) < 0)
        return NULL;
    return c.failed ? NULL : rep;
}

int seal_cert_picture(const struct seal_image *img, struct seal_box box, int64_t ppm_x,
                      int64_t ppm_y, struct report_picture *pic, struct kd_err *err)
{
    memset(pic, 0, sizeof *pic);
    if (!img->rgba || ppm_x <= 0 || ppm_y <= 0 || box.w < 1 || box.h < 1 || box.x < 0 ||
        box.y < 0 || box.x + box.w > img->width || box.y + box.h > img->height)
        return kd_fail(err, KD_INTERNAL, NULL, "the registered impression does not fit its picture");
    int mx = (int)((ppm_x + 500) / 1000), my = (int)((ppm_y + 500) / 1000); /* 1 mm */
    int x0 = box.x - mx < 0 ? 0 : box.x - mx;
    int y0 = box.y - my < 0 ? 0 : box.y - my;
    int x1 = box.x + box.w + mx > img->width ? img->width : box.x + box.w + mx;
    int y1 = box.y + box.h + my > img->height ? img->height : box.y + box.h + my;
    int w = x1 - x0, h = y1 - y0;
    unsigned char *px = malloc((size_t)w * (size_t)h * 4);
    if (!px)
        return kd_fail(err, KD_INTERNAL, NULL, "out of memory cutting out the impression");
    for (int y = 0; y < h; y++)
        memcpy(px + (size_t)y * (size_t)w * 4,
               img->rgba + ((size_t)(y0 + y) * (size_t)img->width + (size_t)x0) * 4,
               (size_t)w * 4);
    pic->rgba = px;
    pic->width = w;
    pic->height = h;
    pic->width_mm = (double)w * 1000.0 / (double)ppm_x;
    pic->height_mm = (double)h * 1000.0 / (double)ppm_y;
    return 0;
}
