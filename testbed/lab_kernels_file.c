/*
 * configs/kernels read into a comma-separated list (lab_kernels_file.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "lab_config.h"
#include "lab_kernels_file.h"
#include "paths.h"

#define LAB_KERNELS_FILE_MAX (64u << 10) /* a few lines */

int lab_kernels_file_list(char *list, size_t len, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], *buf = NULL;
	size_t n, used = 0;
	int ret;

	bl_shipped_path(LAB_DEFAULT_KERNELS_FILE, BL_SHIPPED_DATA, "kernels", path, sizeof(path));
	ret = bl_read_file(path, LAB_KERNELS_FILE_MAX, &buf, &n);
	/* A list that large is not a list of series: refused, not cut or replaced. */
	if (ret == -EFBIG) {
		snprintf(err, errlen, "%s: larger than %u KiB: not a list of kernel series", path,
			 LAB_KERNELS_FILE_MAX >> 10);
		return -EINVAL;
	}
	if (ret) {
		if ((size_t)snprintf(list, len, "%s", LAB_DEFAULT_KERNELS) >= len)
			return -EINVAL;
		return 0;
	}
	*list = '\0';
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(l, '#');
		char word[64];
		int w;

		if (hash)
			*hash = '\0';
		if (sscanf(l, "%63s", word) != 1)
			continue;
		w = snprintf(list + used, len - used, "%s%s", used ? "," : "", word);
		if (w < 0 || (size_t)w >= len - used) {
			snprintf(err, errlen, "%s: the list is longer than %zu characters", path,
				 len - 1);
			free(buf);
			return -EINVAL;
		}
		used += (size_t)w;
	}
	free(buf);
	if (!used) {
		snprintf(err, errlen, "%s names no kernel series", path);
		return -EINVAL;
	}
	return 0;
}
