/*
 * The workload registration table (see workload.h).
 */
#include <string.h>

#include "workload.h"

extern const struct gb_workload gb_workload_create;
extern const struct gb_workload gb_workload_populate;
extern const struct gb_workload gb_workload_mmap;
extern const struct gb_workload gb_workload_export;
extern const struct gb_workload gb_workload_import;
extern const struct gb_workload gb_workload_sync;
extern const struct gb_workload gb_workload_integrity;
extern const struct gb_workload gb_workload_occupancy;
extern const struct gb_workload gb_workload_bind;
extern const struct gb_workload gb_workload_pread;
extern const struct gb_workload gb_workload_userptr;
extern const struct gb_workload gb_workload_userptr_scattered;

const struct gb_workload *const gb_workloads[] = {
	&gb_workload_create, &gb_workload_populate, &gb_workload_mmap,
	&gb_workload_export, &gb_workload_import,   &gb_workload_sync,
	&gb_workload_integrity, &gb_workload_occupancy, &gb_workload_bind,
	&gb_workload_pread, &gb_workload_userptr, &gb_workload_userptr_scattered, NULL,
};

const struct gb_workload *gb_workload_find(const char *name)
{
	for (size_t i = 0; gb_workloads[i]; i++)
		if (!strcmp(gb_workloads[i]->name, name))
			return gb_workloads[i];
	return NULL;
}
