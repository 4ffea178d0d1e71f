/*
 * Run UUIDs, timestamps and failed/skipped documents (see docwrite.h).
 * The UUID comes from getrandom(2): without GRND_NONBLOCK it only blocks
 * before the kernel's pool is initialised, never fails after, so a failure
 * is reported instead of faking an id from the clock.
 */
#include "docwrite.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include "resultdoc.h"
#include "version.h"

int bl_uuid4(char buf[BL_UUID_LEN])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(buf, BL_UUID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return 0;
}

void bl_rfc3339(const struct timespec *ts, char buf[BL_RFC3339_LEN])
{
	struct timespec now;
	struct tm tm;
	char base[24];

	if (!ts) {
		clock_gettime(CLOCK_REALTIME, &now);
		ts = &now;
	}
	gmtime_r(&ts->tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, BL_RFC3339_LEN, "%.20s.%03uZ", base, (unsigned)(ts->tv_nsec / 1000000) % 1000u);
}

void bl_rfc3339_unix(int64_t unix_s, char buf[BL_RFC3339_LEN])
{
	struct timespec ts = { .tv_sec = (time_t)unix_s };

	bl_rfc3339(&ts, buf);
}

static const char *or(const char *v, const char *dflt)
{
	return v && *v ? v : dflt;
}

json_t *bl_doc_bare_new(const struct bl_doc_bare *bare)
{
	char uuid[BL_UUID_LEN], now[BL_RFC3339_LEN];

	if (bl_uuid4(uuid))
		return NULL;
	bl_rfc3339(NULL, now);
	return json_pack("{s:i, s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:n, s:n, s:n, s:n,"
			 " s:{s:s, s:s, s:s, s:{}}, s:[]}",
			 "format", BL_RESULTDOC_FORMAT, "run_id", uuid, "status", bare->status,
			 "error", bare->error, "tool", "name", bare->tool_name, "version",
			 or(bare->tool_version, bl_version), "started_at",
			 or(bare->started_at, now), "finished_at", or(bare->finished_at, now), "host",
			 "kernel", "device", "importer", "job", "name", or(bare->job_name, "unknown"),
			 "backend", or(bare->backend, "unknown"), "workload",
			 or(bare->workload, "unknown"), "params", "results");
}
