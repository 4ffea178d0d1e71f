/*
 * fake_drm: the device node, refusal rules and leak scans the i915 and xe
 * test doubles share (see fake_drm.h).
 */
#include "fake_drm.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int fake_drm_node_open(struct fake_drm_node *n, const char *name)
{
	struct stat st;

	n->name = name;
	n->memfd = memfd_create(name, MFD_CLOEXEC);
	if (n->memfd < 0)
		return -errno;
	if (fstat(n->memfd, &st)) {
		int err = -errno;

		close(n->memfd);
		n->memfd = -1;
		return err;
	}
	n->dev = st.st_dev;
	n->ino = st.st_ino;
	snprintf(n->path, sizeof(n->path), "/proc/self/fd/%d", n->memfd);
	return 0;
}

void fake_drm_node_close(struct fake_drm_node *n)
{
	if (n->memfd >= 0)
		close(n->memfd);
	n->memfd = -1;
}

bool fake_drm_node_is_fd(const struct fake_drm_node *n, int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st))
		return false;
	return st.st_dev == n->dev && st.st_ino == n->ino;
}

unsigned fake_drm_node_mappings(const struct fake_drm_node *n)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	char line[512], want[96];
	unsigned k = 0;

	if (!maps)
		return 0;
	snprintf(want, sizeof(want), "/memfd:%s ", n->name);
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, want))
			k++;
	fclose(maps);
	return k;
}

unsigned fake_drm_node_open_fds(const struct fake_drm_node *n, const struct fake_dmabufs *bufs)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	unsigned k = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		int fd = atoi(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.' || fd == dirfd(dir) || fd == n->memfd || fstat(fd, &st))
			continue;
		if ((st.st_dev == n->dev && st.st_ino == n->ino) || fake_dmabuf_is_export(bufs, &st))
			k++;
	}
	closedir(dir);
	return k;
}

void fake_drm_rules_add(struct fake_drm_rules *t, unsigned long request, int err, unsigned skip,
			unsigned times)
{
	if (t->n == FAKE_DRM_MAX_RULES)
		abort(); /* a test asking for more rules than the fake holds is a bug in the test */
	t->r[t->n++] = (struct fake_drm_rule){
		.request = request, .err = err, .skip = skip, .times = times,
	};
}

int fake_drm_rules_check(struct fake_drm_rules *t, unsigned long request)
{
	for (unsigned i = 0; i < t->n; i++) {
		struct fake_drm_rule *r = &t->r[i];

		if (r->request != request || r->used_up)
			continue;
		if (r->skip) {
			r->skip--;
			continue;
		}
		if (r->times && --r->times == 0)
			r->used_up = true;
		return -r->err;
	}
	return 0;
}
