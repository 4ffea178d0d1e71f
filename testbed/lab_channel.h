/*
 * The testbed's result channel: what the guest wrote to /dev/ttyS1, which
 * QEMU stores in a host file. The guest frames its JSON Lines as
 *
 *   BOUNCELAB-RESULTS-BEGIN
 *   {one result document}        (any number of lines)
 *   BOUNCELAB-RESULTS-END rc=<exit code of the guest command>
 *
 * A missing END line means the guest died (panic, hang killed at the
 * timeout) before its command finished; documents before it still count.
 *
 * Before BEGIN the guest's init writes what it found out about the machine,
 * one JSON object a line behind a tag (testbed/guest-balloon.sh's output):
 *
 *   BOUNCELAB-BALLOON {"balloon_kb":...,"reached_low":true,...}
 *   BOUNCELAB-HYPERVISOR {"type":"xen","version":"4.17.7",...}
 *
 * Other lines before BEGIN are ignored (an older host ignores these too).
 */
#ifndef BL_LAB_CHANNEL_H
#define BL_LAB_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define LAB_CHANNEL_BEGIN "BOUNCELAB-RESULTS-BEGIN"
#define LAB_CHANNEL_END	  "BOUNCELAB-RESULTS-END rc="
#define LAB_CHANNEL_BALLOON    "BOUNCELAB-BALLOON "
#define LAB_CHANNEL_HYPERVISOR "BOUNCELAB-HYPERVISOR "

struct lab_channel {
	json_t **docs;	  /* the JSON objects between BEGIN and END, owned */
	size_t ndocs;
	bool begin;	  /* the BEGIN line was seen */
	bool end;	  /* the END line was seen */
	int rc;		  /* the guest command's exit code (valid when end) */
	json_t *balloon;    /* the BOUNCELAB-BALLOON object, owned; NULL when none came */
	json_t *hypervisor; /* the BOUNCELAB-HYPERVISOR object, owned; NULL when none came */
	size_t bad_lines; /* lines between BEGIN and END that are not JSON objects, and
			     tagged lines before BEGIN that are not (or come twice) */
	char error[256];  /* the first bad line, described; "" when none */
};

/*
 * Parses @len bytes of channel text (need not be NUL-terminated). Stray
 * carriage returns (a tty not set raw) are tolerated. 0 or -ENOMEM; a
 * malformed channel is not an error of this function: see the fields.
 */
int lab_channel_parse(const char *text, size_t len, struct lab_channel *ch);
void lab_channel_free(struct lab_channel *ch);

#endif
