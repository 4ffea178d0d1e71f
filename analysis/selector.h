/*
 * Run selectors: the text that says which stored runs a command works on,
 * "kernel=6.1,mode=force,since=2026-11-01", parsed into the store's
 * struct bl_run_filter. One table of keys (selector.c) names every key,
 * what it sets and its help line; the parser, the error messages and the
 * help text of `bouncelab compare --help` / `runs --help` all come from it,
 * and so does the daemon's HTTP query (GET /api/v1/runs?run_id=...&limit=N:
 * run_id and limit are aliases of run and last).
 */
#ifndef BL_SELECTOR_H
#define BL_SELECTOR_H

#include <stddef.h>
#include <stdio.h>

#include "store.h"

/*
 * A parsed selector. Keys (comma separated key=value, each at most once;
 * bl_selector_help() prints the table):
 *   kernel   release, series prefix ("6.12") or Debian package version
 *   mode     a DMA mode of lib/dmamode.h's table (force, noforce, default,
 *            iommu, iommu-pt; pt = iommu-pt)
 *   swiotlb  force | noforce | default       iommu  off | on | pt
 *   device, importer, backend, workload, job, host, status (ok|failed|skipped|timeout)
 *   run      a run UUID                      (alias run_id)
 *   since, until   a date (2026-11-01) or RFC 3339 time; until is exclusive
 *   last     the newest N runs               (alias limit)
 *   pool     the boot's SWIOTLB pool size (16M = 8192 slots, as the store keeps it)
 * The empty string selects every run.
 */
struct bl_selector {
	struct bl_run_filter filter; /* points into buf */
	char *buf;		     /* owned copy of the text, split in place */
	char *text;		     /* owned copy of the original text, for labels */
};

/*
 * Parses @text into @sel. 0, or -EINVAL with a message in @err naming the
 * bad key or value ("selector 'mode=forc': mode: 'forc' is not one of ..."),
 * or -ENOMEM. @sel needs bl_selector_free() only after success.
 */
int bl_selector_parse(const char *text, struct bl_selector *sel, char *err, size_t errlen);
void bl_selector_free(struct bl_selector *sel);

/*
 * Appends the selector arguments @argv[0..@argc) to @text (which may hold
 * some already), joined with ','. -ENAMETOOLONG when they do not fit: a
 * cut selector would pick other runs.
 */
int bl_selector_join(char *text, size_t len, int argc, char *const *argv);
/*
 * Sets one key (or alias) as if it had been written in the text (used for
 * --kernel, and for options and query parameters named like keys). On
 * failure @sel is unchanged.
 */
int bl_selector_set(struct bl_selector *sel, const char *key, const char *value, char *err,
		    size_t errlen);

/*
 * Sets @f's swiotlb / iommu / hypervisor / balloon members for a DMA mode
 * name of the mode table, with ":balloon=SIZE" after a Xen mode (static
 * strings, replacing what was there): a bare mode matches only runs without
 * a hypervisor, a Xen mode only runs without a balloon unless one is named.
 * 0, or -EINVAL for an unknown mode or a malformed balloon.
 */
int bl_mode_filter(struct bl_run_filter *f, const char *mode);

/*
 * Writes the selector keys, one line each with its values and help, then
 * the aliases, every line starting with @indent: the help text of every
 * command that takes a selector.
 */
void bl_selector_help(FILE *out, const char *indent);

#endif
