/*
 * Unsafe characters of displayed text found and escaped (see textsafe.h).
 * UTF-8 is taken as bytes: only the sequences listed here are unsafe,
 * everything else (accents, CJK, a malformed byte) passes unchanged.
 */
#include "textsafe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

size_t bl_unsafe_len(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[0] < 0x20 || u[0] == 0x7f)
		return 1; /* C0 controls: CR, ESC, ...; and DEL */
	if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
		return 2; /* C1 controls (U+0080..U+009F): CSI among them */
	if (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0x8e || u[2] == 0x8f || (u[2] >= 0xaa && u[2] <= 0xae)))
		return 3; /* LRM, RLM, U+202A..U+202E (embeddings and overrides) */
	if (u[0] == 0xe2 && u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9)
		return 3; /* U+2066..U+2069 (isolates) */
	return 0;
}

/* The escape of the unsafe character at @p (@n bytes). */
static void escape_of(const unsigned char *p, size_t n, char *buf, size_t len)
{
	if (n == 1)
		snprintf(buf, len, "\\x%02x", p[0]);
	else if (n == 2)
		snprintf(buf, len, "\\u%04x", (unsigned)(((p[0] & 0x1f) << 6) | (p[1] & 0x3f)));
	else
		snprintf(buf, len, "\\u%04x", (unsigned)(((p[0] & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f)));
}

char *bl_text_safe(const char *in, char *out, size_t len, const char *with)
{
	size_t off = 0;

	if (!len)
		return out;
	for (const char *p = in ? in : ""; *p;) {
		size_t n = bl_unsafe_len(p), add;
		char esc[16];
		const char *piece;

		if (n) {
			escape_of((const unsigned char *)p, n, esc, sizeof(esc));
			piece = with ? with : esc;
			add = strlen(piece);
		} else {
			piece = p;
			add = 1;
		}
		if (off + add >= len)
			break;
		memcpy(out + off, piece, add);
		off += add;
		p += n ? n : 1;
	}
	out[off] = '\0';
	return out;
}

int bl_write_text_safe(FILE *f, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *run = text;

	while (p < end) {
		/* text[len] is a NUL: bl_unsafe_len's look-ahead stops there. */
		size_t n = *p == '\n' ? 0 : !*p ? 1 : bl_unsafe_len(p);
		char esc[16];

		if (!n) {
			p++;
			continue;
		}
		if (p > run && fwrite(run, 1, (size_t)(p - run), f) != (size_t)(p - run))
			return -EIO;
		escape_of((const unsigned char *)p, n, esc, sizeof(esc)); /* a NUL: \x00 */
		if (fputs(esc, f) < 0)
			return -EIO;
		p += n;
		run = p;
	}
	if (p > run && fwrite(run, 1, (size_t)(p - run), f) != (size_t)(p - run))
		return -EIO;
	return 0;
}
