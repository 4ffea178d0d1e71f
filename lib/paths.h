/*
 * Default locations shared by every bouncelab program, so that `bouncelab`,
 * `bouncelabd` and the tests agree on where the database and the daemon's
 * socket live without repeating the rule in each main().
 */
#ifndef BL_PATHS_H
#define BL_PATHS_H

#include <stddef.h>

#define BL_DEFAULT_DB     "var/bouncelab.db"     /* relative to the working folder */
#define BL_DEFAULT_SOCKET "var/bouncelabd.sock"  /* relative to the working folder */

/* $BOUNCELAB_DB when set and non-empty, else BL_DEFAULT_DB. */
const char *bl_default_db_path(void);
/* $BOUNCELAB_SOCKET when set and non-empty, else BL_DEFAULT_SOCKET. */
const char *bl_default_socket_path(void);

/*
 * Where a run of @what (lab, nightly, calibrate) writes by default:
 * "var/@what/<UTC time>", the time as 20261203T113210Z (sorts by time, no
 * characters a shell or QEMU's -initrd would split on).
 */
void bl_default_out_dir(const char *what, char *buf, size_t len);

/*
 * The folder this program's executable is in (/proc/self/exe without its
 * last component): where gembench sits beside bouncelab, and what the source
 * tree is found from. 0, or -errno (-ENAMETOOLONG when @len is too small).
 */
int bl_self_dir(char *buf, size_t len);

#endif
