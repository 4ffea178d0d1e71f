/*
 * Where bouncelabd's configuration is when --config does not say: the
 * user's own ($XDG_CONFIG_HOME/bouncelab/bouncelabd.ini, else
 * ~/.config/bouncelab/bouncelabd.ini), then the system's
 * (SYSCONFDIR/bouncelab/bouncelabd.ini: /etc/bouncelab/ for the Debian
 * package). The first that exists is the one; none is fine (defaults).
 * A file that exists but cannot be read or parsed is an error, reported
 * by bld_config_load() with its path and line, never skipped for the next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "daemon_config.h"
#include "installdirs.h"

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

const char *bld_config_find(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && *xdg && (size_t)snprintf(buf, len, "%s/bouncelab/bouncelabd.ini", xdg) < len &&
	    exists(buf))
		return buf;
	if ((!xdg || !*xdg) && home && *home &&
	    (size_t)snprintf(buf, len, "%s/.config/bouncelab/bouncelabd.ini", home) < len && exists(buf))
		return buf;
	if ((size_t)snprintf(buf, len, "%s/bouncelab/bouncelabd.ini", bl_sysconfdir) < len && exists(buf))
		return buf;
	return NULL;
}
