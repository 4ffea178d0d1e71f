/*
 * The measuring loop. A workload hands gb_measure() one function that does
 * exactly one operation; gb_measure runs the warm-up (unmeasured), then
 * --reps repetitions of --iterations operations (or of --duration), times
 * every operation into a log-linear histogram, keeps each repetition's
 * throughput, counts failed operations with their errno, reads the kernel
 * log printed meanwhile, and wraps each repetition (only) in the kernel
 * counters. gb_row_finish() turns all that into one result-document row.
 *
 * Timing: one clock read per operation; an operation's latency is the time
 * between its own start stamp and the next one, so the loop's own cost is a
 * single clock read per op. The clock is the CPU's time-stamp counter when
 * the kernel itself uses it as its clocksource (x86, "tsc": then it is the
 * very counter CLOCK_MONOTONIC is built on, read without the vDSO's
 * conversion), calibrated against CLOCK_MONOTONIC at start-up; otherwise
 * clock_gettime(CLOCK_MONOTONIC). Its cost per read is measured at start-up
 * (gb_timer_cost_ns) and written into the document (gb_timer_describe).
 */
#ifndef GB_RUN_H
#define GB_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "backend.h"
#include "hist.h"
#include "options.h"
#include "workload.h"

#define GB_KMSG_MAX_LINES 20

struct gb_counters;
struct gb_kmsg;
struct gb_prof;

struct gb_ctx {
	const struct gb_job *job;
	const struct gb_workload *wl;
	struct gb_dev *dev;           /* the job's backend device (the exporter) */
	struct gb_dev *imp;           /* the importer, or NULL */
	bool same_device;             /* importer is the exporter's own device */
	struct gb_counters *ctr;      /* NULL: no counters */
	struct gb_kmsg *kmsg;         /* NULL: no kernel log */
	struct gb_prof *prof;         /* perf state for job->profile (profiling.h), or NULL */
	char scope[8][64];            /* device names the counters are scoped to */
	int nscope;
	bool progress;                /* print progress on stderr (a tty) */
	char fail_what[160];          /* what the current operation was doing */
};

struct gb_row {
	const char *workload;
	const char *variant;          /* NULL: the feature's only variant */
	uint64_t size;
	uint64_t bytes_per_op;        /* for bytes/s; defaults to size */
	json_t *extra;                /* workload-specific fields merged into the row */
	struct gb_hist hist;          /* in gb_ticks() units; converted by gb_row_finish */
	struct gb_hist rep_hist;      /* the current repetition's latencies (same units) */
	uint64_t rep_p50[GB_MAX_REPS];	/* each repetition's latency p50 and p99, in ticks: */
	uint64_t rep_p99[GB_MAX_REPS];	/* per-rep percentiles make latency comparable like throughput */
	uint64_t ops;                 /* measured operations, all reps */
	uint64_t duration_ns;         /* sum of the reps' measured time */
	double ops_per_sec[GB_MAX_REPS]; /* one per rep */
	uint64_t rep_ops[GB_MAX_REPS];	  /* operations of each rep */
	double bytes_per_sec[GB_MAX_REPS];
	unsigned nreps;
	uint64_t failed_ops;
	int first_errno;              /* positive errno; 0 = none */
	char first_error[320];
	json_t *kernel_log;           /* strings */
	int kernel_log_total;
	bool fatal;                   /* the job must stop */
	char fatal_why[320];
	json_t *counters_row;         /* filled by the counters at the end */
	bool profile_asked;           /* job->profile: the row carries "profile" */
	json_t *profile;              /* bl_profile_to_json(), or NULL */
	char profile_why[256];        /* why profile is null */
};

/* One measured operation: 0 or -errno (set ctx->fail_what before failing). */
typedef int (*gb_op_fn)(struct gb_ctx *ctx, void *state);

struct gb_op {
	gb_op_fn op;
	void *state;
	/* Optional: untimed, around each repetition and after each operation. */
	void (*rep_begin)(struct gb_ctx *ctx, void *state, unsigned rep);
	void (*rep_end)(struct gb_ctx *ctx, void *state, unsigned rep, uint64_t ns, uint64_t ops);
	void (*after_op)(struct gb_ctx *ctx, void *state);
};

uint64_t gb_now_ns(void);
/* Chooses and calibrates the loop's clock; call once before measuring. */
void gb_timer_init(void);
/* The loop's clock: ticks (TSC or nanoseconds), and ns per tick. */
uint64_t gb_ticks(void);
double gb_tick_ns(void);
/* Cost of one gb_ticks() read in ns, measured (median of several runs). */
double gb_timer_cost_ns(void);
/* {"clock": ..., "ns_per_tick": ...} for the document. */
json_t *gb_timer_describe(void);

void gb_row_init(struct gb_row *row, const char *workload, const char *variant, uint64_t size);
void gb_row_free(struct gb_row *row);

/*
 * Warm-up + reps into @row. 0 normally (failed operations are in the row);
 * -errno when the job must stop (row->fatal set).
 */
int gb_measure(struct gb_ctx *ctx, struct gb_row *row, const struct gb_op *op);

/* Records one failed operation (also used by workloads that run their own steps). */
void gb_row_fail(struct gb_ctx *ctx, struct gb_row *row, int err);

/* The finished row object (new reference). */
json_t *gb_row_finish(struct gb_row *row);

/* Sets ctx->fail_what. */
void gb_fail_what(struct gb_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The create and destroy steps every workload's operation starts and ends
 * with, naming a failure in ctx->fail_what. gb_op_create: 0 or -errno from
 * bo_create. gb_op_destroy: destroys @bo and returns @err, or the destroy's
 * own -errno when @err was 0 (the first failure is the one reported).
 */
int gb_op_create(struct gb_ctx *ctx, uint64_t size, struct gb_bo *bo);
int gb_op_destroy(struct gb_ctx *ctx, struct gb_bo *bo, int err);

/* Mean of @n values (0 when n is 0). */
double gb_mean(const double *v, unsigned n);

#endif
