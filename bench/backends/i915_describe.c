/*
 * The i915 backend's describe hook: what open() probed (chipset, memory
 * regions, which create and mmap paths this kernel takes, the execbuf flags
 * it took, and every feature or variant it refused, with the reason) into
 * the result document's "device" object, so a row can be read knowing what
 * the kernel could do. Nothing here touches the device.
 */
#include "i915_priv.h"

#include <errno.h>
#include <stdio.h>

static json_t *int_or_null(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *regions_json(const struct i915_priv *p)
{
	json_t *arr;

	if (!p->regions)
		return json_null();
	arr = json_array();
	for (uint32_t i = 0; arr && i < p->regions->num_regions; i++) {
		const struct drm_i915_memory_region_info *r = &p->regions->regions[i];
		const char *cls =
			r->region.memory_class == I915_MEMORY_CLASS_DEVICE ? "device" : "system";

		json_array_append_new(arr, json_pack("{s:s, s:i, s:I, s:I}", "class", cls, "instance",
						     (int)r->region.memory_instance, "probed_size",
						     (json_int_t)r->probed_size, "unallocated_size",
						     (json_int_t)r->unallocated_size));
	}
	return arr;
}

static const char *map_path_name(enum map_path m)
{
	switch (m) {
	case MAP_OFFSET:
		return "mmap_offset";
	case MAP_LEGACY:
		return "gem_mmap";
	case MAP_LEGACY_GTT:
		return "mmap_gtt";
	case MAP_NONE:
		break;
	}
	return NULL;
}

int i915_describe(struct gb_dev *dev, json_t *device)
{
	static const char *const map_names[I915_MAP_COUNT] = { "wb", "wc", "gtt", "fixed" };
	const struct i915_priv *p = dev->priv;
	json_t *refused = json_object(), *paths = json_object();
	char chipset[16];

	if (!refused || !paths) {
		json_decref(refused);
		json_decref(paths);
		return -ENOMEM;
	}
	snprintf(chipset, sizeof(chipset), "0x%04x", p->chipset_id);
	gb_probe_answer_refused(refused, "query_memory_regions", &p->regions_probe);
	gb_probe_answer_refused(refused, "create_ext", &p->create_ext_probe);
	gb_probe_answers_refused(refused, &gb_backend_i915, &p->probes[0][0], I915_MAX_VARIANTS);
	for (unsigned v = 0; v < I915_MAP_COUNT; v++) {
		const char *name = map_path_name(p->map[v]);

		json_object_set_new(paths, map_names[v], name ? json_string(name) : json_null());
	}

	json_object_set_new(device, "chipset_id", json_string(chipset));
	json_object_set_new(device, "revision", int_or_null(p->revision));
	json_object_set_new(device, "kind", json_string(p->discrete ? "discrete" : "integrated"));
	json_object_set_new(device, "memory_regions", regions_json(p));
	json_object_set_new(device, "placement", json_string("system"));
	json_object_set_new(device, "mmap_version", int_or_null(p->mmap_version));
	json_object_set_new(device, "mmap_gtt_version", int_or_null(p->mmap_gtt_version));
	/* How populate (and a foreign import) get pages: discrete parts have no SET_DOMAIN. */
	json_object_set_new(device, "populate_path",
			    json_string(p->populate_by_bind ? "execbuf_bind" : "set_domain"));
	json_object_set_new(device, "has_userptr_probe",
			    p->userptr_probe < 0 ? json_null()
						 : json_boolean(p->userptr_probe > 0));
	json_object_set_new(device, "create", json_string(p->create_ext ? "create_ext" : "create"));
	json_object_set_new(device, "mmap_paths", paths);
	json_object_set_new(device, "exec_flags",
			    json_string(p->exec_flags ? "handle_lut|no_reloc" : "none"));
	json_object_set_new(device, "refused", refused);
	return 0;
}
