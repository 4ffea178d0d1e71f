/*
 * What one `bouncelab pool` probe boot showed, read from the result
 * documents the lab wrote for it (a lab --out folder): which rows failed an
 * op, the first kernel line of the first failure, the peak slots in use,
 * the largest refused mapping and the largest mean bounced segment. The
 * search (poolsearch.h) judges the rows; this only reads them.
 */
#ifndef AN_POOLPROBE_H
#define AN_POOLPROBE_H

#include <stddef.h>

#include <jansson.h>

#include "poolsearch.h"

/*
 * Adds one result document (parsed JSON) to @o: its rows, failures and
 * counters. A document whose status is not "ok" and that has no rows is one
 * failed row keyed by its job name. 0 or -ENOMEM.
 */
int pp_add_doc(struct ps_obs *o, const json_t *doc);

/*
 * Reads every *.json in @dir and @dir/STAR/ into @o (boot_ok: at least one
 * document of the contract was found, and no boot died), then the boots'
 * console.log (pp_console_line). 0, or -errno when @dir is unreadable
 * or memory runs out; a file that is not a document is skipped.
 */
int pp_read_dir(struct ps_obs *o, const char *dir);

/*
 * One line of a boot's console.log: a kernel line ("[ 3.3] text"; the lab
 * boots quiet, so only errors reach the console) becomes a failed row
 * keyed "boot: text"; anything else (the guest's own output) is skipped.
 * pp_read_dir reads DIR/STAR/console.log this way when the boot went fine.
 * 0 or -ENOMEM.
 */
int pp_console_line(struct ps_obs *o, const char *line);

/* The N in the kernel's "swiotlb buffer is full (sz: N bytes)"; -1 when absent. */
long long pp_refused_bytes(const char *line);

#endif
