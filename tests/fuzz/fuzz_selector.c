/*
 * libFuzzer target over the selector parser (bl_selector_parse, what
 * `bouncelab compare/plot/report` take from the command line and the
 * daemon's baseline setting): any text must give 0 or -EINVAL/-ENOMEM with
 * a NUL-terminated message, never a crash, leak or sanitizer report; an
 * accepted selector must take one more key through bl_selector_set.
 *
 * Built by `make fuzz`; run by tests/integration/fuzz_parsers.sh.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bl_selector sel;
	char err[512], *text;
	int ret;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 'x', sizeof(err));
	ret = bl_selector_parse(text, &sel, err, sizeof(err));
	if (ret) {
		if (ret != -EINVAL && ret != -ENOMEM)
			abort();
		if (ret == -EINVAL && !memchr(err, '\0', sizeof(err)))
			abort(); /* a refusal says why, in a terminated message */
		free(text);
		return 0;
	}
	if (strcmp(sel.text, text))
		abort(); /* the label is the text as given */
	/* one more key: accepted, or refused with the selector left as it was */
	ret = bl_selector_set(&sel, "job", "nightly", err, sizeof(err));
	if (ret && ret != -EINVAL && ret != -ENOMEM)
		abort();
	bl_selector_free(&sel);
	free(text);
	return 0;
}
