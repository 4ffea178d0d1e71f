/*
 * The kernels a testbed run boots when none are named: configs/kernels,
 * one series (or exact version) a line, '#' starts a comment. Read by the
 * lab itself and by `bouncelab nightly`, which names the kernels it
 * calibrates and compares, so that the two never disagree.
 */
#ifndef LAB_KERNELS_FILE_H
#define LAB_KERNELS_FILE_H

#include <stddef.h>

/*
 * The list in LAB_DEFAULT_KERNELS_FILE of the source tree (installed:
 * share/bouncelab/kernels; paths.h, bl_shipped_path), comma-separated into
 * @list; LAB_DEFAULT_KERNELS when the file does not exist. 0, or -EINVAL
 * with the reason in @err (a file too large, naming nothing, or a list
 * longer than @len).
 */
int lab_kernels_file_list(char *list, size_t len, char *err, size_t errlen);

#endif
