/*
 * Default locations shared by every bouncelab program, so that `bouncelab`,
 * `bouncelabd` and the tests agree on where the database and the daemon's
 * socket live without repeating the rule in each main().
 */
#ifndef BL_PATHS_H
#define BL_PATHS_H

#define BL_DEFAULT_DB     "var/bouncelab.db"     /* relative to the working folder */
#define BL_DEFAULT_SOCKET "var/bouncelabd.sock"  /* relative to the working folder */

/* $BOUNCELAB_DB when set and non-empty, else BL_DEFAULT_DB. */
const char *bl_default_db_path(void);
/* $BOUNCELAB_SOCKET when set and non-empty, else BL_DEFAULT_SOCKET. */
const char *bl_default_socket_path(void);

#endif
