/*
 * Small file-system helpers every program needs (mkdir -p, the parent
 * folder of a file, a whole file into memory), in one place so that the
 * daemon, the lab, the store and the report do these the same way.
 */
#ifndef BL_FSUTIL_H
#define BL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Creates @path and every missing parent, like `mkdir -p`, with @mode
 * (before the umask). An existing folder is fine. 0 or -errno
 * (-ENAMETOOLONG when @path does not fit PATH_MAX).
 */
int bl_mkdir_p(const char *path, mode_t mode);

/*
 * bl_mkdir_p() of the folder @path is in ("var/db/x.db" -> "var/db"), so
 * that @path can then be created. A path without a folder ("x.db") or in
 * the root ("/x.db") needs nothing: 0. 0 or -errno, as bl_mkdir_p().
 */
int bl_make_parent(const char *path, mode_t mode);

/*
 * Reads the whole of @path into a malloc'd buffer, NUL-terminated (the NUL
 * is not counted in *@len; the text may contain other NULs). Reads to end
 * of file, not st_size, so /proc, /sys and tracefs files work. More than
 * @max bytes: -EFBIG and nothing is returned. On error *@buf is NULL.
 * @len may be NULL. 0 or -errno.
 */
int bl_read_file(const char *path, size_t max, char **buf, size_t *len);

/* bl_read_file() of an open descriptor (stdin, a pipe), read to its end; @fd stays open. */
int bl_read_fd(int fd, size_t max, char **buf, size_t *len);

/*
 * The number (from 1) of the first line of @path longer than @max
 * characters (the newline not counted) into *@lineno: 1 when there is one,
 * 0 when none, -errno when the file cannot be read. For INI files: inih
 * reads at most INI_MAX_LINE - 1 characters a line and parses the rest as
 * a line of its own, so a long value would be refused as a syntax error on
 * the wrong line, or half of it silently taken.
 */
int bl_first_long_line(const char *path, size_t max, int *lineno);

/*
 * A file a reader is about to parse line by line (a job or config file):
 * refused unless it is a regular file of at most @max bytes, so a device
 * (/dev/zero), a FIFO or a huge file cannot hang or exhaust the reader.
 * 0, or -errno with @err ("PATH: not a regular file (a character device)").
 */
int bl_check_text_file(const char *path, off_t max, char *err, size_t errlen);

/* The largest job or config file the readers take. */
#define BL_TEXT_FILE_MAX (1 << 20)

#endif
