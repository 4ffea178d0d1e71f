/*
 * Default locations (see paths.h): an environment variable wins over the
 * compiled-in relative path, so a test can point every program at its own
 * scratch folder with one export.
 */
#include "paths.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "installdirs.h"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

/* Whether @dir looks like the top of a bouncelab source tree. */
static bool is_tree(const char *dir)
{
	char probe[PATH_MAX + 32];

	if ((size_t)snprintf(probe, sizeof(probe), "%s/testbed/fetch-kernel.sh", dir) >= sizeof(probe))
		return false;
	return access(probe, R_OK) == 0;
}

static bool in_source_tree(void)
{
	char root[PATH_MAX];

	return bl_source_root(root, sizeof(root)) == 0;
}

/*
 * Installed, the defaults are the system's (the paths the installed
 * systemd unit gives bouncelabd), so `bouncelab runs` reads what the
 * daemon stored; in a source tree they stay relative to the working folder.
 */
const char *bl_default_db_path(void)
{
	static char installed[PATH_MAX];

	if (in_source_tree() || (getenv("BOUNCELAB_DB") && *getenv("BOUNCELAB_DB")))
		return env_or("BOUNCELAB_DB", BL_DEFAULT_DB);
	snprintf(installed, sizeof(installed), "%s/lib/bouncelab/bouncelab.db", bl_localstatedir);
	return installed;
}

const char *bl_default_socket_path(void)
{
	static char installed[PATH_MAX];

	if (in_source_tree() || (getenv("BOUNCELAB_SOCKET") && *getenv("BOUNCELAB_SOCKET")))
		return env_or("BOUNCELAB_SOCKET", BL_DEFAULT_SOCKET);
	snprintf(installed, sizeof(installed), "%s/bouncelab/bouncelabd.sock", bl_runstatedir);
	return installed;
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

int bl_source_root(char *buf, size_t len)
{
	const char *env = getenv("BOUNCELAB_ROOT");
	char exe[PATH_MAX];

	if (env && *env)
		return (size_t)snprintf(buf, len, "%s", env) < len ? 0 : -ENAMETOOLONG;
	if (bl_self_dir(exe, sizeof(exe)) == 0) {
		/* build/bouncelab: the tree is the build folder's parent;
		 * build/tools/x, build/tests/x: its grandparent */
		for (int up = 0; up < 2; up++) {
			char *slash = strrchr(exe, '/');

			if (!slash)
				break;
			*slash = '\0';
			if (*exe && is_tree(exe))
				return (size_t)snprintf(buf, len, "%s", exe) < len ? 0 : -ENAMETOOLONG;
		}
	}
	/* a copy of a program run from the tree's top */
	if (is_tree("."))
		return (size_t)snprintf(buf, len, ".") < len ? 0 : -ENAMETOOLONG;
	return -ENOENT;
}

int bl_shipped_path(const char *tree_rel, enum bl_shipped where, const char *inst_rel, char *buf,
		    size_t len)
{
	char root[PATH_MAX];
	int n;

	if (bl_source_root(root, sizeof(root)) == 0)
		n = snprintf(buf, len, "%s/%s", root, tree_rel);
	else
		n = snprintf(buf, len, "%s/%s", where == BL_SHIPPED_LIB ? bl_pkglibdir : bl_pkgdatadir,
			     inst_rel);
	return n >= 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}
