/*
 * The xe backend's device facts: DRM_IOCTL_XE_DEVICE_QUERY's CONFIG (device
 * id, revision, VRAM flag, alignment, VA bits) and MEM_REGIONS (the system
 * region every object but VRAM ones goes to, the first VRAM region), both
 * required, then GT_LIST (graphics IP version, from 6.11) and ENGINES
 * (which exist; the render, else copy, engine the exec variant submits
 * to), whose refusal only leaves those facts unknown. Everything lands in
 * struct xe_priv for probe() and describe().
 */
#include "xe_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XE_PAGE 4096u

static int query_config(struct gb_dev *dev, struct xe_priv *p)
{
	struct drm_xe_query_config *c;
	uint32_t len;
	int err;

	err = xe_device_query(dev->fd, DRM_XE_DEVICE_QUERY_CONFIG, (void **)&c, &len);
	if (err)
		return err;
	if (len < sizeof(*c) + (DRM_XE_QUERY_CONFIG_VA_BITS + 1) * sizeof(c->info[0]) ||
	    c->num_params <= DRM_XE_QUERY_CONFIG_VA_BITS) {
		free(c);
		return -EPROTO;
	}
	p->device_id = c->info[DRM_XE_QUERY_CONFIG_REV_AND_DEVICE_ID] & 0xffff;
	p->revision = (c->info[DRM_XE_QUERY_CONFIG_REV_AND_DEVICE_ID] >> 16) & 0xff;
	p->config_flags = c->info[DRM_XE_QUERY_CONFIG_FLAGS];
	p->discrete = p->config_flags & DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM;
	p->min_alignment = c->info[DRM_XE_QUERY_CONFIG_MIN_ALIGNMENT];
	p->va_bits = (uint32_t)c->info[DRM_XE_QUERY_CONFIG_VA_BITS];
	free(c);
	return 0;
}

static int query_regions(struct gb_dev *dev, struct xe_priv *p)
{
	struct drm_xe_query_mem_regions *m;
	uint32_t len;
	int err;

	err = xe_device_query(dev->fd, DRM_XE_DEVICE_QUERY_MEM_REGIONS, (void **)&m, &len);
	if (err)
		return err;
	if (len < sizeof(*m) || len < sizeof(*m) + m->num_mem_regions * sizeof(m->mem_regions[0])) {
		free(m);
		return -EPROTO;
	}
	for (uint32_t i = 0; i < m->num_mem_regions; i++) {
		const struct drm_xe_mem_region *r = &m->mem_regions[i];
		struct xe_region *dst = r->mem_class == DRM_XE_MEM_REGION_CLASS_VRAM ? &p->vram
										       : &p->sys;

		p->n_vram += r->mem_class == DRM_XE_MEM_REGION_CLASS_VRAM;
		if (dst->present || r->instance >= 32)
			continue;
		*dst = (struct xe_region){
			.present = true,
			.instance = r->instance,
			.min_page_size = r->min_page_size ? r->min_page_size : XE_PAGE,
			.total_size = r->total_size,
			.cpu_visible_size = r->cpu_visible_size,
		};
	}
	free(m);
	return p->sys.present ? 0 : -EPROTO;
}

/* The GT list (graphics IP version) is a fact for the document, not a requirement. */
static void query_gts(struct gb_dev *dev, struct xe_priv *p)
{
	struct drm_xe_query_gt_list *g;
	uint32_t len;
	int err;

	err = xe_device_query(dev->fd, DRM_XE_DEVICE_QUERY_GT_LIST, (void **)&g, &len);
	if (!err && (len < sizeof(*g) || len < sizeof(*g) + g->num_gt * sizeof(g->gt_list[0]))) {
		free(g);
		err = -EPROTO;
	}
	xe_set_why(&p->gt_probe, err, "DEVICE_QUERY GT_LIST");
	if (err)
		return;
	p->n_gt = g->num_gt;
	for (uint32_t i = 0; i < g->num_gt; i++) {
		if (g->gt_list[i].type != DRM_XE_QUERY_GT_TYPE_MAIN)
			continue;
		p->ip_major = g->gt_list[i].ip_ver_major;
		p->ip_minor = g->gt_list[i].ip_ver_minor;
		p->ip_rev = g->gt_list[i].ip_ver_rev;
		break;
	}
	free(g);
}

/* The engines: which exist, and the one the exec variant submits to (render, else copy). */
static void query_engines(struct gb_dev *dev, struct xe_priv *p)
{
	struct drm_xe_query_engines *e;
	uint32_t len;
	int err;

	err = xe_device_query(dev->fd, DRM_XE_DEVICE_QUERY_ENGINES, (void **)&e, &len);
	if (!err &&
	    (len < sizeof(*e) || len < sizeof(*e) + e->num_engines * sizeof(e->engines[0]))) {
		free(e);
		err = -EPROTO;
	}
	xe_set_why(&p->engines_probe, err, "DEVICE_QUERY ENGINES");
	if (err)
		return;
	for (int want = DRM_XE_ENGINE_CLASS_COPY; want >= DRM_XE_ENGINE_CLASS_RENDER; want--) {
		for (uint32_t i = 0; i < e->num_engines; i++) {
			if (e->engines[i].instance.engine_class != want)
				continue;
			p->exec_engine = e->engines[i].instance;
			p->have_exec_engine = true;
			break;
		}
	}
	for (uint32_t i = 0; i < e->num_engines; i++)
		if (e->engines[i].instance.engine_class <= DRM_XE_ENGINE_CLASS_VM_BIND)
			p->engines[e->engines[i].instance.engine_class]++;
	free(e);
}

int xe_query_device(struct gb_dev *dev, struct xe_priv *p)
{
	int err;

	err = query_config(dev, p);
	if (err) {
		snprintf(dev->why, sizeof(dev->why), "xe: DEVICE_QUERY CONFIG on %.120s: %s",
			 dev->node, strerror(-err));
		return err;
	}
	err = query_regions(dev, p);
	if (err) {
		snprintf(dev->why, sizeof(dev->why), "xe: DEVICE_QUERY MEM_REGIONS on %.120s: %s",
			 dev->node, strerror(-err));
		return err;
	}
	query_gts(dev, p);
	query_engines(dev, p);
	return 0;
}
