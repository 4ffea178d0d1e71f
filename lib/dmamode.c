/*
 * Kernel command line -> DMA mode (see dmamode.h). Follows the kernel's own
 * parsers: swiotlb= is "[<slabs>][,<slabs>][,force|noforce]"
 * (kernel/dma/swiotlb.c setup_io_tlb_npages); the last occurrence of a
 * parameter wins, as it does in the kernel. Quoted values are not used by
 * any of these options, so words split on blanks.
 */
#include "dmamode.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void parse_swiotlb(const char *v, struct bl_dma_cmdline *out)
{
	const char *p = v;

	if (isdigit((unsigned char)*p)) {
		char *end;
		long long n = strtoll(p, &end, 0);

		out->swiotlb_slabs = n;
		p = end;
		if (*p == ',')
			p++;
		/* An optional second number: the number of areas. */
		if (isdigit((unsigned char)*p)) {
			strtoll(p, &end, 0);
			p = end;
			if (*p == ',')
				p++;
		}
	}
	if (!strncmp(p, "force", 5) && (p[5] == '\0' || p[5] == ','))
		out->swiotlb = BL_SWIOTLB_FORCE;
	else if (!strncmp(p, "noforce", 7) && (p[7] == '\0' || p[7] == ','))
		out->swiotlb = BL_SWIOTLB_NOFORCE;
}

static void parse_iommu(const char *v, struct bl_dma_cmdline *out)
{
	char buf[128];
	char *save = NULL, *opt;

	snprintf(buf, sizeof(buf), "%s", v);
	for (opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		if (!strcmp(opt, "pt"))
			out->passthrough = true;
		else if (!strcmp(opt, "nopt"))
			out->passthrough = false;
		else if (!strcmp(opt, "off"))
			out->generic = BL_IOMMU_REQ_OFF;
		else if (!strcmp(opt, "on") || !strcmp(opt, "force"))
			out->generic = BL_IOMMU_REQ_ON;
	}
}

static void parse_intel(const char *v, struct bl_dma_cmdline *out)
{
	char buf[128];
	char *save = NULL, *opt;

	snprintf(buf, sizeof(buf), "%s", v);
	for (opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		if (!strcmp(opt, "on"))
			out->intel = BL_IOMMU_REQ_ON;
		else if (!strcmp(opt, "off"))
			out->intel = BL_IOMMU_REQ_OFF;
	}
}

static void parse_word(const char *w, struct bl_dma_cmdline *out)
{
	const char *eq = strchr(w, '=');
	char key[64];
	size_t klen;
	const char *v;

	if (!eq)
		return;
	klen = (size_t)(eq - w);
	if (klen >= sizeof(key))
		return;
	memcpy(key, w, klen);
	key[klen] = '\0';
	v = eq + 1;
	if (!strcmp(key, "swiotlb"))
		parse_swiotlb(v, out);
	else if (!strcmp(key, "iommu"))
		parse_iommu(v, out);
	else if (!strcmp(key, "intel_iommu"))
		parse_intel(v, out);
	else if (!strcmp(key, "amd_iommu"))
		out->amd = !strcmp(v, "off") ? BL_IOMMU_REQ_OFF : BL_IOMMU_REQ_ON;
	else if (!strcmp(key, "iommu.passthrough"))
		out->passthrough = !strcmp(v, "1") || !strcmp(v, "y") || !strcmp(v, "on");
	else if (!strcmp(key, "iommu.strict")) {
		out->strict_given = true;
		out->strict = !strcmp(v, "1") || !strcmp(v, "y") || !strcmp(v, "on");
	}
}

void bl_dma_parse_cmdline(const char *cmdline, struct bl_dma_cmdline *out)
{
	const char *p = cmdline ? cmdline : "";

	memset(out, 0, sizeof(*out));
	out->swiotlb = BL_SWIOTLB_DEFAULT;
	out->swiotlb_slabs = -1;
	while (*p) {
		char word[512];
		size_t n = 0;

		while (isspace((unsigned char)*p))
			p++;
		/* Everything after "--" belongs to init, not the kernel. */
		if (p[0] == '-' && p[1] == '-' && (p[2] == '\0' || isspace((unsigned char)p[2])))
			break;
		while (*p && !isspace((unsigned char)*p)) {
			if (n < sizeof(word) - 1)
				word[n++] = *p;
			p++;
		}
		word[n] = '\0';
		if (n)
			parse_word(word, out);
	}
}

const char *bl_swiotlb_mode_name(enum bl_swiotlb_mode mode)
{
	switch (mode) {
	case BL_SWIOTLB_FORCE: return "force";
	case BL_SWIOTLB_NOFORCE: return "noforce";
	default: return "default";
	}
}

const char *bl_dma_iommu_mode(const struct bl_dma_cmdline *c, bool have_groups)
{
	if (!have_groups || c->generic == BL_IOMMU_REQ_OFF)
		return "off";
	if (c->passthrough)
		return "pt";
	return "on";
}

/* --- the mode table ---------------------------------------------------------------- */

/*
 * The Xen rows: dom0 keeps dma.swiotlb what its command line says (the
 * document stays truthful about the option); that every device goes
 * through xen-swiotlb is the environment's fact (dma.swiotlb_impl).
 */
const struct bl_mode_info bl_modes[BL_MODE_COUNT] = {
	[BL_MODE_DEFAULT] = { BL_MODE_DEFAULT, "default", "default", "off", "", false, NULL, NULL,
			      "no swiotlb= option (the pool exists when RAM needs it; only devices "
			      "that cannot reach a page bounce)" },
	[BL_MODE_FORCE] = { BL_MODE_FORCE, "force", "force", "off", "swiotlb=force", false, NULL, NULL,
			    "swiotlb=force (every streaming DMA mapping bounces)" },
	[BL_MODE_NOFORCE] = { BL_MODE_NOFORCE, "noforce", "noforce", "off", "swiotlb=noforce", false, NULL, NULL,
			      "swiotlb=noforce (no SWIOTLB pool; the baseline)" },
	[BL_MODE_IOMMU] = { BL_MODE_IOMMU, "iommu", "default", "on", "intel_iommu=on", true, NULL, NULL,
			    "an emulated Intel IOMMU translates (intel_iommu=on)" },
	[BL_MODE_IOMMU_PT] = { BL_MODE_IOMMU_PT, "iommu-pt", "default", "pt", "intel_iommu=on iommu=pt", true, NULL,
			       NULL, "the same IOMMU in passthrough (intel_iommu=on iommu=pt)" },
	[BL_MODE_XEN_PV] = { BL_MODE_XEN_PV, "xen-pv", "default", "off", "", false, "xen-pv", "xen-pv:balloon=1536M",
			     "the kernel is Xen's PV dom0, no swiotlb= option (xen-swiotlb bounces "
			     "segments that span machine-discontiguous frames)" },
	[BL_MODE_XEN_PV_FORCE] = { BL_MODE_XEN_PV_FORCE, "xen-pv-force", "force", "off", "swiotlb=force", false,
				   "xen-pv", NULL, "Xen PV dom0 with swiotlb=force (every mapping bounces)" },
};

const struct bl_mode_info *bl_mode_find(const char *name)
{
	for (size_t i = 0; name && i < BL_MODE_COUNT; i++) {
		assert(bl_modes[i].id == (enum bl_mode_id)i); /* the table is indexed by id */
		if (!strcmp(bl_modes[i].name, name))
			return &bl_modes[i];
	}
	return NULL;
}

const char *bl_mode_of(const char *swiotlb, const char *iommu, const char *hypervisor)
{
	if (hypervisor && *hypervisor) {
		/* only the hypervisor's own rows: a dom0 is never a bare `default` */
		for (size_t i = 0; swiotlb && i < BL_MODE_COUNT; i++)
			if (bl_modes[i].hypervisor && !strcmp(bl_modes[i].hypervisor, hypervisor) &&
			    !strcmp(bl_modes[i].swiotlb, swiotlb))
				return bl_modes[i].name;
		return "?";
	}
	if (iommu && !strcmp(iommu, "on"))
		return bl_modes[BL_MODE_IOMMU].name;
	if (iommu && !strcmp(iommu, "pt"))
		return bl_modes[BL_MODE_IOMMU_PT].name;
	if (!swiotlb)
		return "?";
	/* the swiotlb= names are mode names, and only the table's are returned */
	for (size_t i = 0; i < BL_MODE_COUNT; i++)
		if (!bl_modes[i].hypervisor && !strcmp(bl_modes[i].iommu, "off") &&
		    !strcmp(bl_modes[i].swiotlb, swiotlb))
			return bl_modes[i].name;
	return "?";
}

const char *bl_hypervisor_key(const char *type, const char *guest_type, char *buf, size_t len)
{
	size_t n;

	if (!type || !*type || !len)
		return NULL;
	if (guest_type && *guest_type)
		snprintf(buf, len, "%s-%s", type, guest_type);
	else
		snprintf(buf, len, "%s", type);
	for (n = 0; buf[n]; n++)
		buf[n] = (char)tolower((unsigned char)buf[n]);
	return buf;
}

void bl_size_short(uint64_t b, char *buf, size_t len)
{
	if (b && !(b % (1ull << 30)))
		snprintf(buf, len, "%" PRIu64 "G", b >> 30);
	else if (b && !(b % (1ull << 20)))
		snprintf(buf, len, "%" PRIu64 "M", b >> 20);
	else
		snprintf(buf, len, "%" PRIu64 "K", b >> 10);
}

const char *bl_mode_key(const char *swiotlb, const char *iommu, const char *hypervisor, int64_t balloon_bytes,
			char *buf, size_t len)
{
	const char *name = bl_mode_of(swiotlb, iommu, hypervisor);
	char sz[24];

	if (balloon_bytes > 0) {
		bl_size_short((uint64_t)balloon_bytes, sz, sizeof(sz));
		snprintf(buf, len, "%s:balloon=%s", name, sz);
	} else {
		snprintf(buf, len, "%s", name);
	}
	return buf;
}

size_t bl_mode_matrix(const char *out[BL_MODE_MATRIX_MAX])
{
	size_t n = 0;

	for (size_t i = 0; i < BL_MODE_COUNT; i++) {
		out[n++] = bl_modes[i].name;
		if (bl_modes[i].matrix_balloon)
			out[n++] = bl_modes[i].matrix_balloon;
	}
	return n;
}

int bl_mode_rank(const char *name)
{
	const struct bl_mode_info *m = bl_mode_find(name);

	return m ? (int)m->id : BL_MODE_COUNT;
}

void bl_mode_names(char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < BL_MODE_COUNT && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", bl_modes[i].name);
}
