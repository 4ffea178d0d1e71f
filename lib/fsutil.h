/*
 * Small file-system helpers every program needs (mkdir -p), in one place so
 * that the daemon, the lab and the report create folders the same way.
 */
#ifndef BL_FSUTIL_H
#define BL_FSUTIL_H

#include <sys/types.h>

/*
 * Creates @path and every missing parent, like `mkdir -p`, with @mode
 * (before the umask). An existing folder is fine. 0 or -errno
 * (-ENAMETOOLONG when @path does not fit PATH_MAX).
 */
int bl_mkdir_p(const char *path, mode_t mode);

#endif
