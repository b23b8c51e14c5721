#include "mfa_qr.h"
#include "base/wipe.h"

#include <errno.h>
#include <qrencode.h>
#include <string.h>

#define QUIET_ZONE 2 /* modules of light border; scanners want some */

/* Is module (x, y) dark? Outside the symbol is the light quiet zone. */
static int dark(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[y * qr->width + x] & 1;
}

int mfa_qr_print(FILE *out, const char *text)
{
	/* Light modules are drawn as blocks in the foreground colour (white on black). */
	static const char *const cell[4] = {"\u2588", "\u2580", "\u2584", " "};
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);

	if (!qr)
		return errno ? -errno : -ENOMEM;
	for (int y = -QUIET_ZONE; y < qr->width + QUIET_ZONE; y += 2) {
		fputs("\033[97;40m", out);
		for (int x = -QUIET_ZONE; x < qr->width + QUIET_ZONE; x++) {
			int top = dark(qr, x, y), bottom = dark(qr, x, y + 1);
			fputs(cell[top * 2 + bottom], out);
		}
		fputs("\033[0m\n", out);
	}
	wipe_bytes(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return 0;
}
