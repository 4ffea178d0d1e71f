/*
 * Text from documents made safe to show: control characters (C0, DEL,
 * C1) and the Unicode formatting characters that reorder or hide text
 * (bidirectional overrides and isolates such as U+202E, LRM/RLM) are
 * stored as sent, but a terminal, a metric label or a Markdown table must
 * not act on them: a CR rewrites a line, ESC drives the terminal, U+202E
 * shows a name backwards.
 */
#ifndef BL_TEXTSAFE_H
#define BL_TEXTSAFE_H

#include <stddef.h>
#include <stdio.h>

/* Bytes of the unsafe character starting at @p, or 0 when it is safe to show. */
size_t bl_unsafe_len(const char *p);

/*
 * @in into @out (@len bytes, always NUL-terminated, truncated when it is
 * full): each unsafe character as @with when @with is not NULL, else
 * as its escape (\x1b, \u202e). Returns @out.
 */
char *bl_text_safe(const char *in, char *out, size_t len, const char *with);

/*
 * Writes @len bytes of @text (NUL-terminated at @len, as open_memstream
 * leaves it) to @f with every unsafe character but the newline as its
 * escape: for a whole document written elsewhere (the Markdown report),
 * where a line break is the format's own. 0 or -EIO.
 */
int bl_write_text_safe(FILE *f, const char *text, size_t len);

#endif
