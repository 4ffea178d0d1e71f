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

/*
 * $BOUNCELAB_DB when set and non-empty, else BL_DEFAULT_DB in a source
 * tree (bl_source_root), else, installed, LOCALSTATEDIR/lib/bouncelab/bouncelab.db
 * (/var/lib/bouncelab/bouncelab.db, where the installed unit keeps it).
 */
const char *bl_default_db_path(void);
/* The same for the socket: BL_DEFAULT_SOCKET, installed RUNSTATEDIR/bouncelab/bouncelabd.sock. */
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

/*
 * The source tree this program belongs to: $BOUNCELAB_ROOT when set, else
 * the parent of its folder when that holds testbed/fetch-kernel.sh
 * (build/bouncelab), else the working folder when it does. 0, or -ENOENT
 * when there is none: the program is installed (installdirs.h).
 */
int bl_source_root(char *buf, size_t len);

/* Where an installed file lives: architecture-dependent or data. */
enum bl_shipped { BL_SHIPPED_LIB, BL_SHIPPED_DATA };

/*
 * The path of a file bouncelab ships: @tree_rel ("configs/jobs/standard.ini")
 * under the source tree when the program has one, else @inst_rel
 * ("jobs/standard.ini") under the install prefix's lib/bouncelab
 * (BL_SHIPPED_LIB) or share/bouncelab (BL_SHIPPED_DATA). The source tree
 * wins so that an uninstalled build never picks up an older installed copy.
 * 0, or -ENAMETOOLONG.
 */
int bl_shipped_path(const char *tree_rel, enum bl_shipped where, const char *inst_rel, char *buf,
		    size_t len);

#endif
