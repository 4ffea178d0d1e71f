/*
 * Default locations (see paths.h): an environment variable wins over the
 * compiled-in relative path, so a test can point every program at its own
 * scratch folder with one export.
 */
#include "paths.h"

#include <stdlib.h>

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
