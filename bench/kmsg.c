/*
 * /dev/kmsg reader (see kmsg.h). Records are "prio,seq,usec,flags;message"
 * followed by continuation lines starting with a space (key=value device
 * info), which we drop. A read returns exactly one record; EAGAIN means no
 * more; EPIPE means records were overwritten before we read them, and the
 * next read continues with the oldest one still there.
 */
#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gb_kmsg {
	int fd;
};

int gb_kmsg_open(struct gb_kmsg **out)
{
	struct gb_kmsg *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0) {
		int err = -errno;

		free(k);
		return err;
	}
	gb_kmsg_skip(k);
	*out = k;
	return 0;
}

void gb_kmsg_close(struct gb_kmsg *k)
{
	if (!k)
		return;
	if (k->fd >= 0)
		close(k->fd);
	free(k);
}

void gb_kmsg_skip(struct gb_kmsg *k)
{
	if (k)
		lseek(k->fd, 0, SEEK_END);
}

const char *gb_kmsg_text(const char *record, size_t *len)
{
	const char *semi = strchr(record, ';');
	const char *end;

	if (!semi) {
		*len = 0;
		return record;
	}
	semi++;
	end = strchr(semi, '\n');
	*len = end ? (size_t)(end - semi) : strlen(semi);
	return semi;
}

int gb_kmsg_collect(struct gb_kmsg *k, json_t *lines, size_t max)
{
	char buf[8192];
	int total = 0;

	if (!k)
		return 0;
	for (;;) {
		ssize_t n = read(k->fd, buf, sizeof(buf) - 1);
		const char *text;
		size_t len;

		if (n < 0) {
			if (errno == EINTR || errno == EPIPE)
				continue;
			break; /* EAGAIN: nothing more */
		}
		if (n == 0)
			break;
		buf[n] = '\0';
		text = gb_kmsg_text(buf, &len);
		total++;
		if (json_array_size(lines) < max)
			json_array_append_new(lines, json_stringn(text, len));
	}
	return total;
}
