/*
 * The backend registration table and the loader check (see backend.h).
 * Adding a backend: write bench/backends/NAME.c defining one
 * `const struct gb_backend_ops gb_backend_NAME`, declare it below and add
 * it to gb_backends[]. gembench runs gb_backend_check() on every entry at
 * start-up (and the unit test does too), so a backend missing a required
 * hook is refused before any job runs.
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

extern const struct gb_backend_ops gb_backend_dumb;
extern const struct gb_backend_ops gb_backend_udmabuf;
extern const struct gb_backend_ops gb_backend_dmaheap;
extern const struct gb_backend_ops gb_backend_i915;
extern const struct gb_backend_ops gb_backend_xe;

const struct gb_backend_ops *const gb_backends[] = {
	&gb_backend_dumb,
	&gb_backend_udmabuf,
	&gb_backend_dmaheap,
	&gb_backend_i915,
	&gb_backend_xe,
	NULL,
};

static const char *const feature_names[GB_FEAT_COUNT] = {
	[GB_FEAT_CREATE] = "create",   [GB_FEAT_POPULATE] = "populate",
	[GB_FEAT_MMAP] = "mmap",       [GB_FEAT_EXPORT] = "export",
	[GB_FEAT_IMPORT] = "import",   [GB_FEAT_USERPTR] = "userptr",
	[GB_FEAT_PREAD] = "pread",     [GB_FEAT_BIND] = "bind",
};

const char *gb_feature_name(enum gb_feature feat)
{
	if ((unsigned)feat >= GB_FEAT_COUNT)
		return "?";
	return feature_names[feat];
}

const struct gb_backend_ops *gb_backend_find(const char *name)
{
	for (size_t i = 0; gb_backends[i]; i++)
		if (!strcmp(gb_backends[i]->name, name))
			return gb_backends[i];
	return NULL;
}

bool gb_err_unsupported(int err)
{
	return err == -ENODEV || err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTTY;
}

const struct gb_variant *gb_backend_variants(const struct gb_backend_ops *ops,
					     enum gb_feature feat)
{
	if ((unsigned)feat >= GB_FEAT_COUNT)
		return NULL;
	return ops->variants[feat];
}

/* A capability and the hooks it claims. */
struct cap_hooks {
	unsigned cap;
	const char *cap_name;
	size_t off[2]; /* offsetof the hooks; 0 = unused slot */
	const char *hook_name[2];
};

#define HOOK(h) offsetof(struct gb_backend_ops, h)
static const struct cap_hooks cap_table[] = {
	{ GB_CAP_EXPORT, "EXPORT", { HOOK(bo_export), 0 }, { "bo_export", NULL } },
	{ GB_CAP_IMPORT, "IMPORT", { HOOK(bo_import), 0 }, { "bo_import", NULL } },
	{ GB_CAP_MMAP, "MMAP", { HOOK(bo_mmap), HOOK(bo_munmap) }, { "bo_mmap", "bo_munmap" } },
	{ GB_CAP_POPULATE, "POPULATE", { HOOK(bo_populate), 0 }, { "bo_populate", NULL } },
	{ GB_CAP_USERPTR, "USERPTR", { HOOK(bo_userptr), 0 }, { "bo_userptr", NULL } },
	{ GB_CAP_PREAD, "PREAD", { HOOK(bo_pread), HOOK(bo_pwrite) }, { "bo_pread", "bo_pwrite" } },
	{ GB_CAP_BIND, "BIND", { HOOK(bo_bind), 0 }, { "bo_bind", NULL } },
};

static bool hook_set(const struct gb_backend_ops *ops, size_t off)
{
	void (*fn)(void);

	/* Function pointers of different types share one representation here. */
	memcpy(&fn, (const char *)ops + off, sizeof(fn));
	return fn != NULL;
}

int gb_backend_check(const struct gb_backend_ops *ops, char *why, size_t why_len)
{
	const char *name;

	if (!ops) {
		snprintf(why, why_len, "backend: NULL ops table");
		return -EINVAL;
	}
	name = ops->name && ops->name[0] ? ops->name : "(unnamed)";
	if (!ops->name || !ops->name[0]) {
		snprintf(why, why_len, "backend: no name");
		return -EINVAL;
	}
	if (ops->abi != GB_BACKEND_ABI) {
		snprintf(why, why_len, "backend %s: ABI %d, gembench speaks %d", name, ops->abi,
			 GB_BACKEND_ABI);
		return -EINVAL;
	}
	if (!ops->open || !ops->close || !ops->bo_create || !ops->bo_destroy) {
		snprintf(why, why_len, "backend %s: required hook %s missing", name,
			 !ops->open ? "open" : !ops->close ? "close" :
			 !ops->bo_create ? "bo_create" : "bo_destroy");
		return -EINVAL;
	}
	if (!(ops->caps & (GB_CAP_GEM | GB_CAP_DMABUF_NATIVE))) {
		snprintf(why, why_len, "backend %s: neither GEM nor DMABUF_NATIVE capability", name);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(cap_table) / sizeof(cap_table[0]); i++) {
		const struct cap_hooks *c = &cap_table[i];

		for (int h = 0; h < 2; h++) {
			if (!c->hook_name[h])
				continue;
			bool set = hook_set(ops, c->off[h]);

			if ((ops->caps & c->cap) && !set) {
				snprintf(why, why_len, "backend %s: capability %s claimed but hook %s missing",
					 name, c->cap_name, c->hook_name[h]);
				return -EINVAL;
			}
			if (!(ops->caps & c->cap) && set) {
				snprintf(why, why_len, "backend %s: hook %s set without capability %s",
					 name, c->hook_name[h], c->cap_name);
				return -EINVAL;
			}
		}
	}
	for (int f = 0; f < GB_FEAT_COUNT; f++) {
		const struct gb_variant *v = ops->variants[f];

		if (v && !v[0].name) {
			snprintf(why, why_len, "backend %s: empty variant list for %s", name,
				 gb_feature_name(f));
			return -EINVAL;
		}
	}
	return 0;
}
