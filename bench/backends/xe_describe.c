/*
 * The xe backend's describe hook: what open() queried and probed (device id,
 * integrated or discrete, VRAM, graphics IP version, engines, has_usm, the
 * job's placement and caching, and every feature or variant this kernel
 * refused, with the reason) into the result document's "device" object, so
 * a row can be read knowing what the device could do. Nothing here touches
 * the device.
 */
#include "xe_priv.h"

#include <errno.h>
#include <stdio.h>

static json_t *engines_json(const struct xe_priv *p)
{
	json_t *o;

	if (p->engines_probe.err)
		return json_null();
	o = json_object();
	for (uint16_t c = 0; o && c <= DRM_XE_ENGINE_CLASS_VM_BIND; c++)
		if (p->engines[c])
			json_object_set_new(o, xe_engine_class_name(c), json_integer(p->engines[c]));
	return o;
}

int xe_describe(struct gb_dev *dev, json_t *device)
{
	const struct xe_priv *p = dev->priv;
	json_t *refused = json_object();
	char id[16], ip[32];

	if (!refused)
		return -ENOMEM;
	gb_probe_answer_refused(refused, "device_query_gt_list", &p->gt_probe);
	gb_probe_answer_refused(refused, "device_query_engines", &p->engines_probe);
	gb_probe_answer_refused(refused, "vm", &p->vm_probe);
	gb_probe_answers_refused(refused, &gb_backend_xe, &p->probes[0][0], XE_MAX_VARIANTS);
	snprintf(id, sizeof(id), "0x%04x", p->device_id);
	snprintf(ip, sizeof(ip), "%u.%02u", p->ip_major, p->ip_minor);

	json_object_set_new(device, "device_id", json_string(id));
	json_object_set_new(device, "revision", json_integer(p->revision));
	json_object_set_new(device, "kind", json_string(p->discrete ? "discrete" : "integrated"));
	json_object_set_new(device, "vram_bytes",
			    p->vram.present ? json_integer((json_int_t)p->vram.total_size)
					    : json_null());
	json_object_set_new(device, "vram_cpu_visible_bytes",
			    p->vram.present ? json_integer((json_int_t)p->vram.cpu_visible_size)
					    : json_null());
	json_object_set_new(device, "vram_regions", json_integer(p->n_vram));
	json_object_set_new(device, "min_alignment", json_integer((json_int_t)p->min_alignment));
	json_object_set_new(device, "va_bits", json_integer(p->va_bits));
	/* before 6.11 the GT list has no IP version: null, never "0.00" */
	json_object_set_new(device, "graphics_ip",
			    p->ip_major ? json_string(ip) : json_null());
	json_object_set_new(device, "gt_count",
			    p->gt_probe.err ? json_null() : json_integer(p->n_gt));
	json_object_set_new(device, "engines", engines_json(p));
	json_object_set_new(device, "exec_engine",
			    p->have_exec_engine
				    ? json_string(xe_engine_class_name(p->exec_engine.engine_class))
				    : json_null());
	json_object_set_new(device, "has_usm",
			    p->has_usm < 0 ? json_null() : json_boolean(p->has_usm > 0));
	json_object_set_new(device, "pat_index",
			    p->vm_probe.err ? json_null() : json_integer(p->pat_index));
	json_object_set_new(device, "placement", json_string(xe_placement_name(p->placement)));
	json_object_set_new(device, "cpu_caching",
			    json_string(p->placement == XE_PLACE_SYS_WB ? "wb" : "wc"));
	json_object_set_new(device, "refused", refused);
	return 0;
}
