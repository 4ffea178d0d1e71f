/*
 * The search behind `bouncelab pool`: the smallest SWIOTLB pool (a multiple
 * of 256 KiB) with which a job runs with no refused mapping. Pure: it never
 * boots anything itself; a probe callback does ("boot with this pool, tell me
 * what failed"), so the unit tests drive it with a fake boot.
 *
 * The order of the probes:
 *   1. --max first. Rows that fail even there fail whatever the pool (a
 *      single mapping over 256 KiB): they are excluded from every later
 *      judgement and reported as "no pool size helps". If every row fails
 *      there, there is no size to find.
 *   2. The peak slots the --max boot used are a lower bound (a smaller pool
 *      cannot have held them all at once): probe there, then one step below
 *      it, galloping upwards when the hint was low.
 *   3. Bisect what is left between the largest failure and the smallest pass.
 *   4. Confirm the answer with one more boot. If the confirmation fails the
 *      answer was not reproducible (non-monotone): it becomes a failure and
 *      the search goes on above it while boots remain.
 * The boot budget includes every probe and the confirmation; when it runs
 * out the result is a bracket (largest failure, smallest pass), not a size.
 */
#ifndef AN_POOLSEARCH_H
#define AN_POOLSEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_STEP	       ((uint64_t)256 << 10) /* the kernel rounds pools to segments of 128 slots */
#define PS_SLOT	       ((uint64_t)2048)	     /* IO_TLB_SHIFT 11 */
#define PS_DEFAULT_MIN PS_STEP
#define PS_DEFAULT_MAX ((uint64_t)1 << 30)
#define PS_BOOTS_MAX   10 /* default budget: probes and the confirmation */

/* What one boot with one pool size showed. The probe callback fills it. */
struct ps_obs {
	uint64_t pool_bytes; /* the pool this boot was given */
	bool boot_ok;	     /* the boot produced its documents */
	size_t nrows;	     /* rows (job section x size) the boot ran */
	char **failed;	     /* keys of the rows with a failed op; malloc'd */
	size_t nfailed;
	int *row_ops;		 /* failed ops of each failed[] row; NULL: not known per row */
	char **row_line;	 /* "KEY: line" of each failed[] row; NULL: none */
	int64_t peak_slots;	 /* highest slots in use seen; -1 unknown */
	int64_t largest_refused; /* bytes of the largest refused mapping ("sz: N bytes"); -1 none */
	int64_t largest_bounce;	 /* the largest mean bounced segment of a row, bytes; -1 unknown */
	char *first_line;    /* the first kernel line (or error) of the first failure; NULL none */
	int failed_ops;	     /* failed ops over all rows */
	char *dir;	     /* where its documents are (callback's choice); NULL none */
	char *kernel;	     /* kernel release the boot ran; NULL unknown */
	int64_t ram_mib;     /* guest RAM; -1 unknown */
	int64_t alloc_slabs; /* the pool the kernel really allocated (io_tlb_nslabs): it may
				round the request up (6.12: to a power of 2); -1 unknown */
	/* set by the search */
	bool fails;		 /* a row not excluded failed, or the boot died */
	bool confirm;		 /* this boot was the confirmation */
	int judged_ops;		 /* failed ops of the rows not excluded (row_ops known) */
	size_t judged_rows;	 /* failed rows not excluded */
	const char *judged_line; /* the first failed row not excluded (row_line), else first_line
				    when the boot died; NULL none; borrowed */
};

/*
 * Boots the job with @pool_bytes and fills @out (zeroed by the caller;
 * peak_slots, largest_refused, largest_bounce, ram_mib and alloc_slabs preset to -1). 0, or
 * -errno when no probe could be made at all (the search stops with it).
 */
typedef int (*ps_probe_fn)(void *arg, uint64_t pool_bytes, struct ps_obs *out);

struct ps_params {
	uint64_t min, max; /* bytes, multiples of PS_STEP, min <= max */
	unsigned boots;	   /* budget, at least 2 (max and a confirmation) */
};

enum ps_verdict {
	PS_FOUND,      /* answer works and the step below failed (or answer == min), confirmed */
	PS_NONE_HELPS, /* every row fails even at max */
	PS_MAX_DIED,   /* the boot at max produced no documents: nothing to search */
	PS_BRACKET,    /* the budget ran out: between largest_failed and answer */
	PS_UNSTABLE,   /* the last confirmation failed and no boot was left */
};

struct ps_result {
	enum ps_verdict verdict;
	uint64_t answer;	 /* smallest pool seen to pass (PS_FOUND, PS_BRACKET); 0 none */
	uint64_t largest_failed; /* largest pool seen to fail; 0 none (min passes) */
	bool monotone;		 /* false: a size passed once and failed on its confirmation */
	char **excluded;	 /* rows failing at max: no pool helps them */
	size_t nexcluded;
	struct ps_obs *obs; /* every boot, in order */
	size_t nobs;
};

/* 0, or -EINVAL with @err naming the bad value. */
int ps_params_check(const struct ps_params *p, char *err, size_t errlen);

/* 0 with @out filled (free with ps_result_free), or -errno. */
int ps_search(const struct ps_params *p, ps_probe_fn probe, void *arg, struct ps_result *out);

void ps_obs_clear(struct ps_obs *o);
void ps_result_free(struct ps_result *r);

/* The confidential-VM default pool for @ram_bytes of guest RAM: 6 %, capped at 1 GiB. */
uint64_t ps_cvm_default(uint64_t ram_bytes);

const char *ps_verdict_name(enum ps_verdict v);

#endif
