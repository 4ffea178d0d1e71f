/*
 * Mode specs, lists, kernel command lines and QEMU argument vectors for
 * `bouncelab lab` (see lab_spec.h). Nothing here touches the system. The
 * modes themselves (names, command line words, whether they need an IOMMU)
 * are lib/dmamode.h's table; what is spelled here is QEMU's.
 *
 * Every mode boots the same machine (q35, one virtio-gpu with
 * iommu_platform=on so it uses the DMA API) and differs only in what the
 * mode is about: the swiotlb= option, or an emulated Intel IOMMU. Keeping the
 * machine type the same across modes keeps their numbers comparable. The
 * guest clock (icount or wall) changes only -accel and -icount. A Xen mode
 * boots the same machine with Xen in front of the kernel (-kernel xen,
 * dom0 and the initramfs as multiboot modules) and the CPU model Xen PV
 * survives under TCG.
 */
#include "lab_spec.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* The console and what every boot shares: quiet keeps the serial console
 * short, panic=-1 with QEMU's -no-reboot turns a panic into an exit, and
 * LAB_CMDLINE_SAME_LAYOUT. */
#define LAB_CMDLINE_BASE "console=ttyS0 quiet panic=-1 " LAB_CMDLINE_SAME_LAYOUT

const char *lab_clock_name(enum lab_clock clock)
{
	switch (clock) {
	case LAB_CLOCK_ICOUNT:
		return "icount";
	case LAB_CLOCK_WALL:
		return "wall";
	case LAB_CLOCK_AUTO:
		break;
	}
	return "auto";
}

int lab_clock_parse(const char *s, enum lab_clock *clock)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "icount"))
		*clock = LAB_CLOCK_ICOUNT;
	else if (!strcmp(s, "wall"))
		*clock = LAB_CLOCK_WALL;
	else
		return -EINVAL;
	return 0;
}

/*
 * spec = NAME[:pool=SIZE][:balloon=SIZE], slug = NAME[-poolSIZE]
 * [-balloonSIZE]: one boot, one folder
 */
static void mode_name(struct lab_mode *m)
{
	const char *name = bl_modes[m->id].name;
	char pool[24] = "", balloon[24] = "", areas[16] = "";

	if (m->pool_bytes)
		bl_size_short(m->pool_bytes, pool, sizeof(pool));
	if (m->balloon_bytes)
		bl_size_short(m->balloon_bytes, balloon, sizeof(balloon));
	if (m->areas)
		snprintf(areas, sizeof(areas), "%u", m->areas);
	snprintf(m->spec, sizeof(m->spec), "%s%s%s%s%s%s%s", name, *pool ? ":pool=" : "", pool,
		 *areas ? ":areas=" : "", areas, *balloon ? ":balloon=" : "", balloon);
	snprintf(m->slug, sizeof(m->slug), "%s%s%s%s%s%s%s", name, *pool ? "-pool" : "", pool,
		 *areas ? "-areas" : "", areas, *balloon ? "-balloon" : "", balloon);
}

void lab_mode_init(struct lab_mode *m, enum bl_mode_id id)
{
	memset(m, 0, sizeof(*m));
	m->id = id;
	mode_name(m);
}

/* pool=SIZE of mode @info, into m->pool_bytes; 0 or -EINVAL with err. */
static int parse_pool(const char *s, const struct bl_mode_info *info, const char *v, struct lab_mode *m, char *err,
		      size_t errlen)
{
	int ret = bl_parse_size(v, &m->pool_bytes);

	/* Digits that do not fit 64 bits are a size all the same: too large, as below. */
	if (ret == -ERANGE) {
		snprintf(err, errlen, "mode '%s': pool size '%s' is too large", s, v);
		return -EINVAL;
	}
	if (ret || !m->pool_bytes) {
		snprintf(err, errlen, "mode '%s': malformed pool size '%s' (expected a size like 16M, 1G, 512K)", s,
			 v);
		return -EINVAL;
	}
	if (m->pool_bytes % LAB_SEGMENT_BYTES) {
		snprintf(err, errlen,
			 "mode '%s': pool size '%s' is not a multiple of 256K (the kernel allocates SWIOTLB in "
			 "segments of 128 slots x 2 KiB)",
			 s, v);
		return -EINVAL;
	}
	if (m->pool_bytes / LAB_SLOT_BYTES > UINT32_MAX) {
		snprintf(err, errlen, "mode '%s': pool size '%s' is too large", s, v);
		return -EINVAL;
	}
	/* The document's swiotlb name says what the mode does to the pool. */
	if (!strcmp(info->swiotlb, "noforce")) {
		snprintf(err, errlen, "mode '%s': %s allocates no SWIOTLB pool, so pool= means nothing", s,
			 info->name);
		return -EINVAL;
	}
	/* xen-swiotlb sizes its pool itself; whether swiotlb=N reaches it is not measured. */
	if (info->hypervisor) {
		snprintf(err, errlen,
			 "mode '%s': pool=%s is not supported on %s (whether xen-swiotlb honours swiotlb=N is "
			 "not measured)",
			 s, v, info->name);
		return -EINVAL;
	}
	return 0;
}

/* areas=N into m->areas; 0 or -EINVAL with err. */
static int parse_areas(const char *s, const char *v, struct lab_mode *m, char *err, size_t errlen)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*end || end == v || n < 1 || n > (long)LAB_AREAS_MAX) {
		snprintf(err, errlen, "mode '%s': areas '%s': expected 1 to %u", s, v, LAB_AREAS_MAX);
		return -EINVAL;
	}
	m->areas = (unsigned)n;
	return 0;
}

/* balloon=SIZE of mode @info, into m->balloon_bytes; 0 or -EINVAL with err. */
static int parse_balloon(const char *s, const struct bl_mode_info *info, const char *v, struct lab_mode *m,
			 char *err, size_t errlen)
{
	int ret;

	if (!info->hypervisor) {
		snprintf(err, errlen, "mode '%s': balloon=%s needs a Xen mode (xen-pv, xen-pv-force); %s boots "
			 "no hypervisor", s, v, info->name);
		return -EINVAL;
	}
	ret = bl_parse_size(v, &m->balloon_bytes);
	if (ret == -ERANGE) {
		snprintf(err, errlen, "mode '%s': balloon size '%s' is too large", s, v);
		return -EINVAL;
	}
	if (ret) {
		snprintf(err, errlen, "mode '%s': malformed balloon size '%s' (expected a size like 1536M, 1G)", s,
			 v);
		return -EINVAL;
	}
	if (!m->balloon_bytes) {
		snprintf(err, errlen, "mode '%s': balloon=%s gives nothing back to Xen (leave balloon= out for "
			 "no balloon)", s, v);
		return -EINVAL;
	}
	if (m->balloon_bytes % LAB_BALLOON_ALIGN) {
		snprintf(err, errlen, "mode '%s': balloon size '%s' is not a multiple of 4K (the balloon driver "
			 "works in pages)", s, v);
		return -EINVAL;
	}
	/* More than any guest may have (1 TiB, lab_config.h's LAB_MEM_MAX); the real limit, dom0's memory, is lab_config_check's. */
	if (m->balloon_bytes > (1ull << 40)) {
		snprintf(err, errlen, "mode '%s': balloon size '%s' is too large", s, v);
		return -EINVAL;
	}
	return 0;
}

int lab_mode_parse(const char *s, struct lab_mode *m, char *err, size_t errlen)
{
	const struct bl_mode_info *info;
	char name[32], known[160], opts[128];
	const char *colon = strchr(s, ':');
	size_t nlen = colon ? (size_t)(colon - s) : strlen(s);
	bool pool = false, balloon = false, areas = false;

	memset(m, 0, sizeof(*m));
	bl_mode_names(known, sizeof(known));
	if (nlen >= sizeof(name)) {
		snprintf(err, errlen, "mode '%s': unknown mode (known: %s)", s, known);
		return -EINVAL;
	}
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	info = bl_mode_find(name);
	if (!info) {
		snprintf(err, errlen, "mode '%s': unknown mode '%s' (known: %s)", s, name, known);
		return -EINVAL;
	}
	m->id = info->id;
	if (colon && strlen(colon + 1) >= sizeof(opts)) {
		snprintf(err, errlen, "mode '%s': options too long", s);
		return -EINVAL;
	}
	snprintf(opts, sizeof(opts), "%s", colon ? colon + 1 : "");
	/* strtok_r would skip an empty option ("force:", "xen-pv::balloon=1G"): refused */
	if (colon && (!*opts || opts[0] == ':' || opts[strlen(opts) - 1] == ':' || strstr(opts, "::"))) {
		snprintf(err, errlen, "mode '%s': empty option", s);
		return -EINVAL;
	}
	for (char *save = NULL, *o = colon ? strtok_r(opts, ":", &save) : NULL; o; o = strtok_r(NULL, ":", &save)) {
		bool *seen;
		int ret;

		if (!strncmp(o, "pool=", 5)) {
			seen = &pool;
			ret = parse_pool(s, info, o + 5, m, err, errlen);
		} else if (!strncmp(o, "balloon=", 8)) {
			seen = &balloon;
			ret = parse_balloon(s, info, o + 8, m, err, errlen);
		} else if (!strncmp(o, "areas=", 6)) {
			seen = &areas;
			ret = parse_areas(s, o + 6, m, err, errlen);
		} else {
			snprintf(err, errlen, "mode '%s': unknown option '%s' (the options are pool=SIZE, "
				 "areas=N with a pool and, on Xen modes, balloon=SIZE)", s, o);
			return -EINVAL;
		}
		if (*seen) {
			snprintf(err, errlen, "mode '%s': option '%s' given twice", s, o);
			return -EINVAL;
		}
		*seen = true;
		if (ret)
			return ret;
	}
	/* swiotlb=<slots>,<areas>: the areas need the slot count before them */
	if (areas && !pool) {
		snprintf(err, errlen, "mode '%s': areas= needs pool=SIZE (the kernel takes the areas after the "
			 "slot count)", s);
		return -EINVAL;
	}
	mode_name(m);
	return 0;
}

bool lab_mode_is_xen(const struct lab_mode *m)
{
	return bl_modes[m->id].hypervisor != NULL;
}

int lab_xen_cmdline(unsigned dom0_mib, char *buf, size_t len)
{
	int n = snprintf(buf, len, "console=com1 dom0_mem=%uM,max:%uM", dom0_mib, dom0_mib);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

bool lab_xen_path_ok(const char *path)
{
	return path && *path && !strpbrk(path, ", ");
}

int lab_mode_cmdline(const struct lab_mode *m, char *buf, size_t len)
{
	char words[128];
	uint64_t slots = m->pool_bytes / LAB_SLOT_BYTES;
	bool merged = false;
	size_t off;
	int n;

	/* dom0's console is Xen's hvc0; ttyS0 is Xen's own com1. */
	n = snprintf(buf, len, "%s", lab_mode_is_xen(m) ? LAB_XEN_CMDLINE_BASE : LAB_CMDLINE_BASE);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	off = (size_t)n;
	if ((size_t)snprintf(words, sizeof(words), "%s", bl_modes[m->id].cmdline) >= sizeof(words))
		return -ENOSPC;
	/*
	 * swiotlb=<slots>[,force]: the slot count comes first, in the mode's
	 * own swiotlb= word, or alone (and first) when the mode has none.
	 */
	if (slots && !strstr(words, "swiotlb=")) {
		n = m->areas ? snprintf(buf + off, len - off, " swiotlb=%" PRIu64 ",%u", slots, m->areas)
			     : snprintf(buf + off, len - off, " swiotlb=%" PRIu64, slots);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (slots && !merged && !strncmp(w, "swiotlb=", 8)) {
			n = m->areas ? snprintf(buf + off, len - off, " swiotlb=%" PRIu64 ",%u,%s", slots, m->areas, w + 8)
				     : snprintf(buf + off, len - off, " swiotlb=%" PRIu64 ",%s", slots, w + 8);
			merged = true;
		} else {
			n = snprintf(buf + off, len - off, " %s", w);
		}
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	/* The guest's init reads the balloon from here; the kernel ignores a dotted word it does not know. */
	if (m->balloon_bytes) {
		char sz[24];

		bl_size_short(m->balloon_bytes, sz, sizeof(sz));
		n = snprintf(buf + off, len - off, " %s%s", LAB_BALLOON_WORD, sz);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
	}
	return 0;
}

int lab_list_split(char *buf, char **items, size_t max, const char *what, char *err, size_t errlen)
{
	size_t n = 0;
	char *save = NULL, *tok, *p;

	/* strtok_r would silently skip empty items ("6.1,,6.12"); refuse them. */
	if (!*buf || buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,")) {
		snprintf(err, errlen, "%s '%s': empty item in the list", what, buf);
		return -EINVAL;
	}
	for (p = buf; (tok = strtok_r(p, ",", &save)); p = NULL) {
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(items[i], tok)) {
				snprintf(err, errlen, "%s: '%s' is listed twice", what, tok);
				return -EINVAL;
			}
		}
		if (n == max) {
			snprintf(err, errlen, "%s: more than %zu items", what, max);
			return -EINVAL;
		}
		items[n++] = tok;
	}
	return (int)n;
}

bool lab_series_valid(const char *s)
{
	bool digit = false;

	if (!s || !*s || strlen(s) > 16)
		return false;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digit = true;
		else if (*s == '.' && digit)
			digit = false;
		else
			return false;
	}
	return digit;
}

int lab_argv_push(struct lab_argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n])
		return -ENOMEM;
	a->n++;
	a->v[a->n] = NULL;
	return 0;
}

void lab_argv_free(struct lab_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

/* Xen's part of the argv: the hypervisor as -kernel, dom0 and the initramfs as its modules. */
static int push_xen(const struct lab_qemu_cfg *cfg, const char *dom0_cmdline, struct lab_argv *out)
{
	char xen_cmdline[96], *modules = NULL;
	int ret;

	if ((ret = lab_xen_cmdline(cfg->mem_mib, xen_cmdline, sizeof(xen_cmdline))))
		return ret;
	/* multiboot modules: "<path> <its command line>,<path>" */
	if (asprintf(&modules, "%s %s,%s", cfg->kernel, dom0_cmdline, cfg->initrd) < 0)
		return -ENOMEM;
	if (!(ret = lab_argv_push(out, "-kernel")) && !(ret = lab_argv_push(out, cfg->xen)) &&
	    !(ret = lab_argv_push(out, "-append")) && !(ret = lab_argv_push(out, xen_cmdline)) &&
	    !(ret = lab_argv_push(out, "-initrd")))
		ret = lab_argv_push(out, modules);
	free(modules);
	return ret;
}

int lab_qemu_argv(const struct lab_qemu_cfg *cfg, struct lab_argv *out)
{
	char cmdline[256], mem[16], smp[16], serial[4200];
	bool iommu = bl_modes[cfg->mode->id].emulated_iommu;
	bool xen = lab_mode_is_xen(cfg->mode);
	/* AUTO: icount wherever it exists (TCG) */
	bool icount = !cfg->kvm && cfg->clock != LAB_CLOCK_WALL;
	const char *cpu = cfg->kvm ? "host" : xen ? LAB_XEN_CPU : "max";
	int ret;

	memset(out, 0, sizeof(*out));
	if (cfg->kvm && cfg->clock == LAB_CLOCK_ICOUNT)
		return -EINVAL;
	/* Xen is measured under TCG only, and its modules cannot be named by such paths. */
	if (xen && (cfg->kvm || !cfg->xen || !lab_xen_path_ok(cfg->kernel) || !lab_xen_path_ok(cfg->initrd)))
		return -EINVAL;
	ret = lab_mode_cmdline(cfg->mode, cmdline, sizeof(cmdline));
	if (ret)
		return ret;
	snprintf(mem, sizeof(mem), "%u", cfg->mem_mib + (xen ? LAB_XEN_HEADROOM_MIB : 0));
	snprintf(smp, sizeof(smp), "%u", cfg->smp ? cfg->smp : 1);
	if ((size_t)snprintf(serial, sizeof(serial), "file:%s", cfg->channel_path) >= sizeof(serial))
		return -ENAMETOOLONG;

	const char *const args[] = {
		cfg->qemu,
		/* No default NIC, VGA or serial ports: only what we add. */
		"-nodefaults", "-no-user-config",
		"-machine", LAB_QEMU_MACHINE,
		"-accel", cfg->kvm ? "kvm" : icount ? LAB_QEMU_ACCEL_ICOUNT : LAB_QEMU_ACCEL_WALL,
		"-cpu", cpu,
		"-m", mem,
		"-smp", smp,
		"-display", "none",
		"-monitor", "none",
		/* A panic (panic=-1) reboots, and -no-reboot makes that an exit. */
		"-no-reboot",
		/* ttyS0 = console on our stdout (Xen's com1 in Xen modes); ttyS1 = the result channel. */
		"-chardev", "stdio,id=con0,signal=off",
		"-serial", "chardev:con0",
		"-serial", serial,
		NULL,
	};
	for (size_t i = 0; args[i]; i++)
		if ((ret = lab_argv_push(out, args[i])))
			goto fail;
	/* The guest clock: 2^shift ns per instruction, idle time skipped. */
	if (icount && ((ret = lab_argv_push(out, "-icount")) || (ret = lab_argv_push(out, LAB_QEMU_ICOUNT))))
		goto fail;
	/* intel-iommu must come before the PCI devices it translates for. */
	if (iommu && ((ret = lab_argv_push(out, "-device")) || (ret = lab_argv_push(out, LAB_QEMU_IOMMU_DEVICE))))
		goto fail;
	if ((ret = lab_argv_push(out, "-device")) || (ret = lab_argv_push(out, LAB_QEMU_GPU_DEVICE)))
		goto fail;
	if (xen) {
		if ((ret = push_xen(cfg, cmdline, out)))
			goto fail;
		return 0;
	}
	if ((ret = lab_argv_push(out, "-kernel")) || (ret = lab_argv_push(out, cfg->kernel)) ||
	    (ret = lab_argv_push(out, "-initrd")) || (ret = lab_argv_push(out, cfg->initrd)) ||
	    (ret = lab_argv_push(out, "-append")) || (ret = lab_argv_push(out, cmdline)))
		goto fail;
	return 0;
fail:
	lab_argv_free(out);
	return ret;
}

int lab_qemu_version_parse(const char *text, char *buf, size_t len)
{
	static const char mark[] = "QEMU emulator version ";
	const char *p = text ? strstr(text, mark) : NULL;
	size_t n;

	if (len)
		buf[0] = '\0';
	if (!p)
		return -EINVAL;
	p += sizeof(mark) - 1;
	/* digits and dots: "7.2.22", not the "(Debian ...)" after it */
	n = strspn(p, "0123456789.");
	while (n && p[n - 1] == '.')
		n--;
	if (!n || !isdigit((unsigned char)*p) || n >= len)
		return -EINVAL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 0;
}

void lab_boot_order(size_t nkernels, size_t nmodes, unsigned boots, size_t i, size_t *ki, size_t *mi,
		    unsigned *round)
{
	size_t per_round = nkernels * nmodes; /* every configuration once */
	size_t in_round = i % per_round;

	assert(per_round && i < per_round * boots);
	*round = (unsigned)(i / per_round);
	*ki = in_round / nmodes;
	*mi = in_round % nmodes;
}

int lab_boot_dirname(const char *series, const struct lab_mode *m, unsigned round, unsigned boots, char *buf,
		     size_t len)
{
	int n;

	if (boots > 1)
		n = snprintf(buf, len, "%s-%s-boot%u", series, m->slug, round);
	else
		n = snprintf(buf, len, "%s-%s", series, m->slug);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
