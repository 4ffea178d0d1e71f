/* SPDX-License-Identifier: MIT */
/*
 * The subset of the xe driver's uAPI (Linux 6.12, include/uapi/drm/xe_drm.h,
 * Copyright (c) 2023 Intel Corporation, MIT licence) that the xe backend
 * uses, because Debian's libdrm-dev (2.4.114) and linux-libc-dev (6.1) ship
 * no xe_drm.h. Struct layouts, ioctl numbers and constants are the kernel's
 * ABI and must not change; the fake (tests/fakes/fake_xe.c) asserts every
 * size. Only what bouncelab calls is declared: no topology, HWCONFIG, engine
 * cycles, user fences or exec-queue properties other than BAN.
 */
#ifndef BL_UAPI_XE_DRM_H
#define BL_UAPI_XE_DRM_H

#include <drm.h>

#define DRM_XE_DEVICE_QUERY            0x00
#define DRM_XE_GEM_CREATE              0x01
#define DRM_XE_GEM_MMAP_OFFSET         0x02
#define DRM_XE_VM_CREATE               0x03
#define DRM_XE_VM_DESTROY              0x04
#define DRM_XE_VM_BIND                 0x05
#define DRM_XE_EXEC_QUEUE_CREATE       0x06
#define DRM_XE_EXEC_QUEUE_DESTROY      0x07
#define DRM_XE_EXEC_QUEUE_GET_PROPERTY 0x08
#define DRM_XE_EXEC                    0x09

#define DRM_IOCTL_XE_DEVICE_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_XE_DEVICE_QUERY, struct drm_xe_device_query)
#define DRM_IOCTL_XE_GEM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_XE_GEM_CREATE, struct drm_xe_gem_create)
#define DRM_IOCTL_XE_GEM_MMAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_XE_GEM_MMAP_OFFSET, struct drm_xe_gem_mmap_offset)
#define DRM_IOCTL_XE_VM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_XE_VM_CREATE, struct drm_xe_vm_create)
#define DRM_IOCTL_XE_VM_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_XE_VM_DESTROY, struct drm_xe_vm_destroy)
#define DRM_IOCTL_XE_VM_BIND DRM_IOW(DRM_COMMAND_BASE + DRM_XE_VM_BIND, struct drm_xe_vm_bind)
#define DRM_IOCTL_XE_EXEC_QUEUE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_XE_EXEC_QUEUE_CREATE, struct drm_xe_exec_queue_create)
#define DRM_IOCTL_XE_EXEC_QUEUE_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_XE_EXEC_QUEUE_DESTROY, struct drm_xe_exec_queue_destroy)
#define DRM_IOCTL_XE_EXEC_QUEUE_GET_PROPERTY                        \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_XE_EXEC_QUEUE_GET_PROPERTY, \
		 struct drm_xe_exec_queue_get_property)
#define DRM_IOCTL_XE_EXEC DRM_IOW(DRM_COMMAND_BASE + DRM_XE_EXEC, struct drm_xe_exec)

struct drm_xe_user_extension {
	__u64 next_extension;
	__u32 name;
	__u32 pad;
};

#define DRM_XE_ENGINE_CLASS_RENDER        0
#define DRM_XE_ENGINE_CLASS_COPY          1
#define DRM_XE_ENGINE_CLASS_VIDEO_DECODE  2
#define DRM_XE_ENGINE_CLASS_VIDEO_ENHANCE 3
#define DRM_XE_ENGINE_CLASS_COMPUTE       4
#define DRM_XE_ENGINE_CLASS_VM_BIND       5

struct drm_xe_engine_class_instance {
	__u16 engine_class;
	__u16 engine_instance;
	__u16 gt_id;
	__u16 pad;
};

struct drm_xe_engine {
	struct drm_xe_engine_class_instance instance;
	__u64 reserved[3];
};

struct drm_xe_query_engines {
	__u32 num_engines;
	__u32 pad;
	struct drm_xe_engine engines[];
};

#define DRM_XE_MEM_REGION_CLASS_SYSMEM 0
#define DRM_XE_MEM_REGION_CLASS_VRAM   1

struct drm_xe_mem_region {
	__u16 mem_class;
	__u16 instance; /* the bit in drm_xe_gem_create.placement */
	__u32 min_page_size;
	__u64 total_size;
	__u64 used;
	__u64 cpu_visible_size;
	__u64 cpu_visible_used;
	__u64 reserved[6];
};

struct drm_xe_query_mem_regions {
	__u32 num_mem_regions;
	__u32 pad;
	struct drm_xe_mem_region mem_regions[];
};

#define DRM_XE_QUERY_CONFIG_REV_AND_DEVICE_ID       0
#define DRM_XE_QUERY_CONFIG_FLAGS                   1
#define DRM_XE_QUERY_CONFIG_FLAG_HAS_VRAM           (1 << 0)
#define DRM_XE_QUERY_CONFIG_MIN_ALIGNMENT           2
#define DRM_XE_QUERY_CONFIG_VA_BITS                 3
#define DRM_XE_QUERY_CONFIG_MAX_EXEC_QUEUE_PRIORITY 4

struct drm_xe_query_config {
	__u32 num_params;
	__u32 pad;
	__u64 info[];
};

#define DRM_XE_QUERY_GT_TYPE_MAIN  0
#define DRM_XE_QUERY_GT_TYPE_MEDIA 1

/* ip_ver_*: 6.11 and later; zero from older kernels (the field was reserved). */
struct drm_xe_gt {
	__u16 type;
	__u16 tile_id;
	__u16 gt_id;
	__u16 pad[3];
	__u32 reference_clock;
	__u64 near_mem_regions;
	__u64 far_mem_regions;
	__u16 ip_ver_major;
	__u16 ip_ver_minor;
	__u16 ip_ver_rev;
	__u16 pad2;
	__u64 reserved[7];
};

struct drm_xe_query_gt_list {
	__u32 num_gt;
	__u32 pad;
	struct drm_xe_gt gt_list[];
};

#define DRM_XE_DEVICE_QUERY_ENGINES     0
#define DRM_XE_DEVICE_QUERY_MEM_REGIONS 1
#define DRM_XE_DEVICE_QUERY_CONFIG      2
#define DRM_XE_DEVICE_QUERY_GT_LIST     3

struct drm_xe_device_query {
	__u64 extensions;
	__u32 query;
	__u32 size; /* 0: the kernel says how many bytes; else exactly that many */
	__u64 data;
	__u64 reserved[2];
};

#define DRM_XE_GEM_CREATE_FLAG_DEFER_BACKING     (1 << 0)
#define DRM_XE_GEM_CREATE_FLAG_SCANOUT           (1 << 1)
#define DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM (1 << 2)
#define DRM_XE_GEM_CPU_CACHING_WB 1
#define DRM_XE_GEM_CPU_CACHING_WC 2

struct drm_xe_gem_create {
	__u64 extensions;
	__u64 size;
	__u32 placement; /* mask of drm_xe_mem_region.instance bits */
	__u32 flags;
	__u32 vm_id;
	__u32 handle;
	__u16 cpu_caching;
	__u16 pad[3];
	__u64 reserved[2];
};

struct drm_xe_gem_mmap_offset {
	__u64 extensions;
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 reserved[2];
};

#define DRM_XE_VM_CREATE_FLAG_SCRATCH_PAGE (1 << 0)
#define DRM_XE_VM_CREATE_FLAG_LR_MODE      (1 << 1)
#define DRM_XE_VM_CREATE_FLAG_FAULT_MODE   (1 << 2)

struct drm_xe_vm_create {
	__u64 extensions;
	__u32 flags;
	__u32 vm_id;
	__u64 reserved[2];
};

struct drm_xe_vm_destroy {
	__u32 vm_id;
	__u32 pad;
	__u64 reserved[2];
};

#define DRM_XE_VM_BIND_OP_MAP         0x0
#define DRM_XE_VM_BIND_OP_UNMAP       0x1
#define DRM_XE_VM_BIND_OP_MAP_USERPTR 0x2
#define DRM_XE_VM_BIND_OP_UNMAP_ALL   0x3
#define DRM_XE_VM_BIND_OP_PREFETCH    0x4
#define DRM_XE_VM_BIND_FLAG_READONLY  (1 << 0)
#define DRM_XE_VM_BIND_FLAG_IMMEDIATE (1 << 1)
#define DRM_XE_VM_BIND_FLAG_NULL      (1 << 2)

struct drm_xe_vm_bind_op {
	__u64 extensions;
	__u32 obj;
	__u16 pat_index;
	__u16 pad;
	union {
		__u64 obj_offset;
		__u64 userptr;
	};
	__u64 range;
	__u64 addr;
	__u32 op;
	__u32 flags;
	__u32 prefetch_mem_region_instance;
	__u32 pad2;
	__u64 reserved[3];
};

struct drm_xe_vm_bind {
	__u64 extensions;
	__u32 vm_id;
	__u32 exec_queue_id;
	__u32 pad;
	__u32 num_binds;
	union {
		struct drm_xe_vm_bind_op bind;
		__u64 vector_of_binds;
	};
	__u32 pad2;
	__u32 num_syncs;
	__u64 syncs;
	__u64 reserved[2];
};

struct drm_xe_exec_queue_create {
	__u64 extensions;
	__u16 width;
	__u16 num_placements;
	__u32 vm_id;
	__u32 flags;
	__u32 exec_queue_id;
	__u64 instances;
	__u64 reserved[2];
};

struct drm_xe_exec_queue_destroy {
	__u32 exec_queue_id;
	__u32 pad;
	__u64 reserved[2];
};

#define DRM_XE_EXEC_QUEUE_GET_PROPERTY_BAN 0

struct drm_xe_exec_queue_get_property {
	__u64 extensions;
	__u32 exec_queue_id;
	__u32 property;
	__u64 value;
	__u64 reserved[2];
};

#define DRM_XE_SYNC_TYPE_SYNCOBJ          0x0
#define DRM_XE_SYNC_TYPE_TIMELINE_SYNCOBJ 0x1
#define DRM_XE_SYNC_TYPE_USER_FENCE       0x2
#define DRM_XE_SYNC_FLAG_SIGNAL           (1 << 0)

struct drm_xe_sync {
	__u64 extensions;
	__u32 type;
	__u32 flags;
	union {
		__u32 handle;
		__u64 addr;
	};
	__u64 timeline_value;
	__u64 reserved[2];
};

struct drm_xe_exec {
	__u64 extensions;
	__u32 exec_queue_id;
	__u32 num_syncs;
	__u64 syncs;
	__u64 address;
	__u16 num_batch_buffer;
	__u16 pad[3];
	__u64 reserved[2];
};

#endif
