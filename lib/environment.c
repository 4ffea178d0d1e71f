/*
 * Environment capture (see environment.h). Every fact that cannot be read
 * is JSON null, never a made-up default.
 */
#include "environment.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
	char cmdline[4096], boot[37], proc_version[512];
	bool have_u = uname(&u) == 0;
	bool have_c = bl_env_cmdline(cmdline, sizeof(cmdline)) == 0;
	bool have_b = boot_id(boot) == 0;
	/* /proc/version: who built the kernel with which compiler (a local build's identity) */
	bool have_p = read_text("/proc/version", proc_version, sizeof(proc_version)) == 0;

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "release",
			 have_u ? json_string(u.release) : json_null(), "version",
			 have_u ? json_string(u.version) : json_null(), "cmdline",
			 have_c ? json_string(cmdline) : json_null(), "machine",
			 have_u ? json_string(u.machine) : json_null(), "boot_id",
			 have_b ? json_string(boot) : json_null(), "proc_version",
			 have_p ? json_string(proc_version) : json_null());
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

/* --- the hypervisor ------------------------------------------------------- */

/*
 * @key := the first line of @dir/@rel, or null with "@path: missing" under
 * @una. Returns the value's text in @buf ("" when missing).
 */
static void hv_text(json_t *hv, json_t *una, const char *dir, const char *rel, const char *key, const char *why,
		    char *buf, size_t len)
{
	char path[512], reason[640];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (read_text(path, buf, len) || !*buf) {
		buf[0] = '\0';
		snprintf(reason, sizeof(reason), "%s: %s", path, why);
		json_object_set_new(hv, key, json_null());
		json_object_set_new(una, key, json_string(reason));
		return;
	}
	buf[strcspn(buf, "\n")] = '\0';
	json_object_set_new(hv, key, json_string(buf));
}

/* A decimal (or with @hex, hexadecimal) field as an integer; null with a reason when it is none. */
static void hv_number(json_t *hv, json_t *una, const char *key, const char *text, const char *path, bool hex)
{
	char *end, reason[640];
	long long v;

	if (!*text)
		return; /* hv_text said why */
	errno = 0;
	v = strtoll(text, &end, hex ? 16 : 10);
	if (errno || *end || v < 0) {
		snprintf(reason, sizeof(reason), "%s: '%s' is not a %s number", path, text, hex ? "hex" : "decimal");
		json_object_set_new(hv, key, json_null());
		json_object_set_new(una, key, json_string(reason));
		return;
	}
	json_object_set_new(hv, key, json_integer(v));
}

json_t *bl_env_hypervisor_at(const char *sysfs, const char *caps_path)
{
	json_t *hv = json_object(), *una = json_object();
	char type[64], major[32], minor[32], extra[64], gtype[32], initdom[16], pagesize[32], changeset[128];
	char caps[256] = "", path[512], version[160];
	bool have_caps;

	if (!hv || !una) {
		json_decref(hv);
		json_decref(una);
		return NULL;
	}
	hv_text(hv, una, sysfs, "type", "type", "missing (no hypervisor, or no CONFIG_XEN_SYS_HYPERVISOR)", type,
		sizeof(type));
	hv_text(hv, una, sysfs, "version/major", "major", "missing", major, sizeof(major));
	hv_text(hv, una, sysfs, "version/minor", "minor", "missing", minor, sizeof(minor));
	hv_text(hv, una, sysfs, "version/extra", "extra", "missing", extra, sizeof(extra));
	snprintf(path, sizeof(path), "%s/version/major", sysfs);
	hv_number(hv, una, "major", major, path, false);
	snprintf(path, sizeof(path), "%s/version/minor", sysfs);
	hv_number(hv, una, "minor", minor, path, false);
	/* "4.17" + ".7": extra carries its own dot (and may be empty on a release) */
	if (*major && *minor) {
		snprintf(version, sizeof(version), "%s.%s%s", major, minor, extra);
		json_object_set_new(hv, "version", json_string(version));
	} else {
		json_object_set_new(hv, "version", json_null());
		json_object_set_new(una, "version", json_string("needs version/major and version/minor"));
	}
	hv_text(hv, una, sysfs, "guest_type", "guest_type", "missing (kernel older than 4.19, or not Xen)", gtype,
		sizeof(gtype));
	/* xenfs' capabilities: "control_d" in dom0 (needs the xenfs module, mounted on /proc/xen) */
	have_caps = !read_text(caps_path, caps, sizeof(caps));
	for (char *p = caps; *p; p++)
		if (*p == '\n')
			*p = ' ';
	json_object_set_new(hv, "capabilities", have_caps ? json_string(caps) : json_null());
	if (!have_caps) {
		snprintf(path, sizeof(path), "%s: missing (xenfs not loaded or not mounted)", caps_path);
		json_object_set_new(una, "capabilities", json_string(path));
	}
	/* dom0: the start_info flag SIF_INITDOMAIN (Linux 4.17+, PV), else the capabilities */
	snprintf(path, sizeof(path), "%s/start_flags/initdomain", sysfs);
	if (!read_text(path, initdom, sizeof(initdom)) && (!strcmp(initdom, "0") || !strcmp(initdom, "1"))) {
		json_object_set_new(hv, "dom0", json_boolean(initdom[0] == '1'));
		json_object_set_new(hv, "dom0_source", json_string(path));
	} else if (have_caps) {
		char padded[sizeof(caps) + 2];

		snprintf(padded, sizeof(padded), " %s ", caps);
		json_object_set_new(hv, "dom0", json_boolean(strstr(padded, " control_d ") != NULL));
		json_object_set_new(hv, "dom0_source", json_string(caps_path));
	} else {
		json_object_set_new(hv, "dom0", json_null());
		json_object_set_new(hv, "dom0_source", json_null());
		json_object_set_new(una, "dom0",
				    json_string(*type ? "neither start_flags/initdomain nor xenfs' capabilities"
						      : "no hypervisor"));
	}
	hv_text(hv, una, sysfs, "properties/changeset", "changeset", "missing or empty", changeset,
		sizeof(changeset));
	hv_text(hv, una, sysfs, "properties/pagesize", "pagesize", "missing", pagesize, sizeof(pagesize));
	snprintf(path, sizeof(path), "%s/properties/pagesize", sysfs);
	hv_number(hv, una, "pagesize", pagesize, path, true);
	if (json_object_set_new(hv, "unavailable", una)) {
		json_decref(hv);
		return NULL;
	}
	return hv;
}

json_t *bl_env_hypervisor(void)
{
	return bl_env_hypervisor_at("/sys/hypervisor", "/proc/xen/capabilities");
}

const char *bl_env_swiotlb_impl(const json_t *hv)
{
	const char *type = json_string_value(json_object_get(hv, "type"));
	const char *gtype = json_string_value(json_object_get(hv, "guest_type"));

	/* a PV guest's DMA goes through xen-swiotlb (machine frames, not pseudo-physical ones) */
	if (type && !strcmp(type, "xen") && gtype && !strcmp(gtype, "PV"))
		return "xen-swiotlb";
	return "swiotlb";
}
