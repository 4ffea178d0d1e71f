/*
 * fake_drm: what the ioctl-level TEST DOUBLES of i915 and xe (fake_i915.c,
 * fake_xe.c; unit tests only) share apart from their dma-buf table
 * (fake_dmabuf.h): the "device node", a memfd whose (st_dev, st_ino) tells
 * the double's file descriptors from any other; the refusal rules a test
 * injects per ioctl; and the leak scans over /proc/self. Nothing here is a
 * measurement.
 */
#ifndef BL_FAKE_DRM_H
#define BL_FAKE_DRM_H

#include <stdbool.h>
#include <sys/types.h>

#include "fake_dmabuf.h"

#define FAKE_DRM_MAX_RULES 16

/* The double's device node: opening fake_drm_node.path gives a file the double answers. */
struct fake_drm_node {
	int memfd;	/* the "device": object contents live here */
	dev_t dev;	/* its identity */
	ino_t ino;
	char path[64];	/* /proc/self/fd/<memfd> */
	const char *name; /* the memfd's name, as /proc/self/maps shows it */
};

/* Makes the node (memfd @name, which must outlive it). 0 or -errno. */
int fake_drm_node_open(struct fake_drm_node *n, const char *name);
void fake_drm_node_close(struct fake_drm_node *n);
/* Is @fd an open file of the node (not the memfd's own fd alone: any open of its path)? */
bool fake_drm_node_is_fd(const struct fake_drm_node *n, int fd);
/* Mappings of the node's memfd in this process (/proc/self/maps): what a test leaked. */
unsigned fake_drm_node_mappings(const struct fake_drm_node *n);
/* Open files of the node and dma-bufs of @bufs' own exports (not foreign ones), the memfd aside. */
unsigned fake_drm_node_open_fds(const struct fake_drm_node *n, const struct fake_dmabufs *bufs);

/* A refusal a test injected: the next @times calls of one ioctl (0 = every call) fail. */
struct fake_drm_rule {
	unsigned long request;
	int err;	/* a positive errno */
	unsigned skip;	/* calls still to let through */
	unsigned times; /* refusals left; 0 = forever */
	bool used_up;
};

struct fake_drm_rules {
	struct fake_drm_rule r[FAKE_DRM_MAX_RULES];
	unsigned n;
};

/* Adds a rule; more than FAKE_DRM_MAX_RULES aborts (a bug in the test). */
void fake_drm_rules_add(struct fake_drm_rules *t, unsigned long request, int err, unsigned skip,
			unsigned times);
/* -errno of the rule that refuses this call of @request (using it up), else 0. */
int fake_drm_rules_check(struct fake_drm_rules *t, unsigned long request);

#endif
