/*
 * The bare create loop (see bareloop.h). Deliberately written without the
 * backend layer so that nothing gembench adds is in it.
 */
#include "bareloop.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "drmdev.h"
#include "log.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int gb_bare_loop(const char *spec, uint64_t size, uint64_t iterations, uint64_t reps, FILE *out)
{
	char node[256];
	int fd = -1, err;

	err = bl_drm_open(spec, false, &fd, node, sizeof(node));
	if (err) {
		bl_err("bare loop: open %s: %s", spec ? spec : "(any)", strerror(-err));
		return err;
	}
	fprintf(out, "{\"bare_loop\":\"create\",\"node\":\"%s\",\"size\":%llu,\"iterations\":%llu,"
		     "\"ops_per_sec\":[",
		node, (unsigned long long)size, (unsigned long long)iterations);
	/* r < 0: an untimed warm-up pass, as gembench has (--warmup). */
	for (int64_t r = -1; r < (int64_t)reps; r++) {
		uint64_t n = r < 0 ? 200 : iterations;
		uint64_t t0 = now_ns(), t1;

		for (uint64_t i = 0; i < n; i++) {
			struct drm_mode_create_dumb c = {
				.width = 1024, .height = (uint32_t)(size / 4096), .bpp = 32,
			};
			struct drm_gem_close cl = { 0 };

			if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c)) {
				err = -errno;
				bl_err("bare loop: MODE_CREATE_DUMB: %s", strerror(errno));
				goto out;
			}
			cl.handle = c.handle;
			if (drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &cl)) {
				err = -errno;
				bl_err("bare loop: GEM_CLOSE: %s", strerror(errno));
				goto out;
			}
		}
		t1 = now_ns();
		if (r >= 0)
			fprintf(out, "%s%.3f", r ? "," : "", (double)n * 1e9 / (double)(t1 - t0));
	}
out:
	fprintf(out, "]}\n");
	fflush(out);
	close(fd);
	return err;
}
