/*
 * Environment capture (see environment.h). Every fact that cannot be read
 * is JSON null, never a made-up default.
 */
#include "environment.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dmamode.h"
#include "swiotlbfs.h"

/* A small /proc file's text without trailing newlines and blanks, into @buf. 0 or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int bl_env_cmdline(char *buf, size_t len)
{
	return read_text("/proc/cmdline", buf, len);
}

static json_t *cpu_model(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];
	json_t *model = NULL;

	if (!f)
		return json_null();
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || strncmp(line, "model name", 10))
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		model = json_string(colon);
		break;
	}
	fclose(f);
	return model ? model : json_null();
}

json_t *bl_env_host(void)
{
	char name[256];
	struct sysinfo si;

	if (gethostname(name, sizeof(name)))
		name[0] = '\0';
	name[sizeof(name) - 1] = '\0';
	return json_pack("{s:o, s:o, s:o}", "hostname", name[0] ? json_string(name) : json_null(),
			 "cpu", cpu_model(), "mem_bytes",
			 sysinfo(&si) == 0 ? json_integer((json_int_t)si.totalram * si.mem_unit) :
					     json_null());
}

/* /proc/sys/kernel/random/boot_id: a new UUID at every boot. 0 or -errno. */
static int boot_id(char out[37])
{
	char buf[64];
	int err = read_text("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));

	if (err)
		return err;
	if (strlen(buf) != 36)
		return -EIO;
	memcpy(out, buf, 37);
	return 0;
}

json_t *bl_env_kernel(void)
{
	struct utsname u;
	char cmdline[4096], boot[37];
	bool have_u = uname(&u) == 0;
	bool have_c = bl_env_cmdline(cmdline, sizeof(cmdline)) == 0;
	bool have_b = boot_id(boot) == 0;

	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "release",
			 have_u ? json_string(u.release) : json_null(), "version",
			 have_u ? json_string(u.version) : json_null(), "cmdline",
			 have_c ? json_string(cmdline) : json_null(), "machine",
			 have_u ? json_string(u.machine) : json_null(), "boot_id",
			 have_b ? json_string(boot) : json_null());
}

static int count_iommu_groups(void)
{
	DIR *d = opendir("/sys/kernel/iommu_groups");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static const char *req_name(enum bl_iommu_req r)
{
	return r == BL_IOMMU_REQ_ON ? "on" : r == BL_IOMMU_REQ_OFF ? "off" : NULL;
}

json_t *bl_env_dma_from(const char *cmdline, int nslabs_err, uint64_t nslabs, int iommu_groups)
{
	struct bl_dma_cmdline c;
	const char *intel, *amd;
	char why[256], full[400];
	json_t *dma;

	bl_dma_parse_cmdline(cmdline ? cmdline : "", &c);
	intel = req_name(c.intel);
	amd = req_name(c.amd);
	/*
	 * swiotlb_slabs is the pool the kernel really has (debugfs). What the
	 * command line asked for is only a request: a guest booted with
	 * swiotlb=524288 in 2 GiB may have no pool at all, so the request is
	 * kept apart (swiotlb_slabs_requested) and never stands in for it.
	 */
	dma = json_pack("{s:s, s:o, s:o, s:s, s:i, s:{s:s, s:o, s:o, s:o, s:b}}", "swiotlb",
			bl_swiotlb_mode_name(c.swiotlb), "swiotlb_slabs",
			nslabs_err ? json_null() : json_integer((json_int_t)nslabs),
			"swiotlb_slabs_requested",
			c.swiotlb_slabs >= 0 ? json_integer(c.swiotlb_slabs) : json_null(), "iommu",
			bl_dma_iommu_mode(&c, iommu_groups > 0), "iommu_groups", iommu_groups,
			"cmdline", "swiotlb", bl_swiotlb_mode_name(c.swiotlb), "swiotlb_slabs",
			c.swiotlb_slabs >= 0 ? json_integer(c.swiotlb_slabs) : json_null(),
			"intel_iommu", intel ? json_string(intel) : json_null(), "amd_iommu",
			amd ? json_string(amd) : json_null(), "passthrough", c.passthrough);
	if (dma && nslabs_err) {
		bl_swiotlb_why("io_tlb_nslabs", nslabs_err, why, sizeof(why));
		/*
		 * x86 sets up no pool without memory above 4 GiB unless
		 * swiotlb=force, whatever size swiotlb=<slabs> asked for.
		 */
		if (c.swiotlb_slabs >= 0 && nslabs_err == -ENOENT)
			snprintf(full, sizeof(full),
				 "%s; swiotlb=%lld asked for a pool the kernel did not set up "
				 "(x86 makes none without memory above 4 GiB unless swiotlb=force)",
				 why, (long long)c.swiotlb_slabs);
		else
			snprintf(full, sizeof(full), "%s", why);
		if (json_object_set_new(dma, "unavailable",
					json_pack("{s:s}", "swiotlb_slabs", full))) {
			json_decref(dma);
			return NULL;
		}
	}
	return dma;
}

json_t *bl_env_dma(void)
{
	char cmdline[4096] = "";
	uint64_t slabs = 0;
	int err;

	bl_env_cmdline(cmdline, sizeof(cmdline));
	err = bl_swiotlb_read("io_tlb_nslabs", &slabs);
	return bl_env_dma_from(cmdline, err, slabs, count_iommu_groups());
}
