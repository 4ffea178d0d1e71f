/*
 * Default locations (see paths.h): an environment variable wins over the
 * compiled-in relative path, so a test can point every program at its own
 * scratch folder with one export.
 */
#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

const char *bl_default_db_path(void)
{
	return env_or("BOUNCELAB_DB", BL_DEFAULT_DB);
}

const char *bl_default_socket_path(void)
{
	return env_or("BOUNCELAB_SOCKET", BL_DEFAULT_SOCKET);
}

void bl_default_out_dir(const char *what, char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "var/%s/%s", what, stamp);
}

int bl_self_dir(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s", exe) >= len)
		return -ENAMETOOLONG;
	return 0;
}
