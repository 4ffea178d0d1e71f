/*
 * The measuring loop and row assembly (see run.h).
 */
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "counters.h"
#include "kmsg.h"
#include "profiling.h"
#include "slots.h"

uint64_t gb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool use_tsc;          /* gb_ticks() reads the TSC */
static double tick_ns = 1.0;  /* ns per tick */

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

static bool kernel_uses_tsc(void)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return !strcmp(buf, "tsc\n");
}

static uint64_t read_tsc(void)
{
	return __rdtsc();
}
#else
static bool kernel_uses_tsc(void)
{
	return false;
}

static uint64_t read_tsc(void)
{
	return 0;
}
#endif

uint64_t gb_ticks(void)
{
	return use_tsc ? read_tsc() : gb_now_ns();
}

double gb_tick_ns(void)
{
	return tick_ns;
}

void gb_timer_init(void)
{
	uint64_t n0, t0, n1, t1;

	use_tsc = false;
	tick_ns = 1.0;
	if (!kernel_uses_tsc())
		return;
	/* Calibrate over ~20 ms against CLOCK_MONOTONIC (itself TSC-based here). */
	n0 = gb_now_ns();
	t0 = read_tsc();
	do
		n1 = gb_now_ns();
	while (n1 - n0 < 20000000u);
	t1 = read_tsc();
	if (t1 <= t0)
		return;
	tick_ns = (double)(n1 - n0) / (double)(t1 - t0);
	use_tsc = true;
}

json_t *gb_timer_describe(void)
{
	return json_pack("{s:s, s:f}", "clock",
			 use_tsc ? "TSC (the kernel's clocksource), calibrated against CLOCK_MONOTONIC" :
				   "CLOCK_MONOTONIC",
			 "ns_per_tick", tick_ns);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double gb_timer_cost_ns(void)
{
	enum { RUNS = 9, CALLS = 10000 };
	double per[RUNS];

	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = gb_now_ns(), t1;

		for (int i = 0; i < CALLS; i++)
			(void)gb_ticks();
		t1 = gb_now_ns();
		per[r] = (double)(t1 - t0) / CALLS;
	}
	qsort(per, RUNS, sizeof(per[0]), cmp_double);
	return per[RUNS / 2];
}

double gb_mean(const double *v, unsigned n)
{
	double s = 0;

	if (!n)
		return 0;
	for (unsigned i = 0; i < n; i++)
		s += v[i];
	return s / n;
}

void gb_fail_what(struct gb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->fail_what, sizeof(ctx->fail_what), fmt, ap);
	va_end(ap);
}

int gb_op_create(struct gb_ctx *ctx, uint64_t size, struct gb_bo *bo)
{
	struct gb_dev *dev = ctx->dev;
	int err = dev->ops->bo_create(dev, size, bo);

	if (err)
		gb_fail_what(ctx, "%s: create %llu bytes", dev->driver, (unsigned long long)size);
	return err;
}

int gb_op_destroy(struct gb_ctx *ctx, struct gb_bo *bo, int err)
{
	struct gb_dev *dev = ctx->dev;
	int err2 = dev->ops->bo_destroy(dev, bo);

	if (!err && err2) {
		gb_fail_what(ctx, "%s: destroy", dev->driver);
		err = err2;
	}
	return err;
}

void gb_row_init(struct gb_row *row, const char *workload, const char *variant, uint64_t size)
{
	memset(row, 0, sizeof(*row));
	row->workload = workload;
	row->variant = variant;
	row->size = size;
	row->bytes_per_op = size;
	row->extra = json_object();
	row->kernel_log = json_array();
	gb_hist_init(&row->hist);
	row->counters_row = json_object();
}

void gb_row_free(struct gb_row *row)
{
	json_decref(row->extra);
	json_decref(row->kernel_log);
	json_decref(row->counters_row);
	json_decref(row->profile);
	memset(row, 0, sizeof(*row));
}

static bool is_fatal(struct gb_ctx *ctx, int err)
{
	struct gb_dev *devs[2] = { ctx->dev, ctx->imp };

	for (int i = 0; i < 2; i++)
		if (devs[i] && devs[i]->ops->fatal && devs[i]->ops->fatal(devs[i], err))
			return true;
	return false;
}

void gb_row_fail(struct gb_ctx *ctx, struct gb_row *row, int err)
{
	row->failed_ops++;
	if (!row->first_errno) {
		row->first_errno = -err;
		snprintf(row->first_error, sizeof(row->first_error), "%s: %s",
			 ctx->fail_what[0] ? ctx->fail_what : row->workload, strerror(-err));
	}
	if (is_fatal(ctx, err) && !row->fatal) {
		row->fatal = true;
		snprintf(row->fatal_why, sizeof(row->fatal_why), "%s: %s (device can do no more work)",
			 ctx->fail_what[0] ? ctx->fail_what : row->workload, strerror(-err));
	}
}

static void progress(struct gb_ctx *ctx, const struct gb_row *row, unsigned rep)
{
	char sz[32];

	if (!ctx->progress)
		return;
	gb_format_size(row->size, sz, sizeof(sz));
	fprintf(stderr, "\r\033[K[%s] %s%s%s %s rep %u/%u", ctx->job->name, row->workload,
		row->variant ? ":" : "", row->variant ? row->variant : "", sz, rep + 1,
		(unsigned)ctx->job->reps);
	fflush(stderr);
}

int gb_measure(struct gb_ctx *ctx, struct gb_row *row, const struct gb_op *op)
{
	const struct gb_job *job = ctx->job;
	/* options.c refuses more than GB_MAX_REPS; the cap only guards the arrays. */
	unsigned reps = job->reps > GB_MAX_REPS ? GB_MAX_REPS : (unsigned)job->reps;
	uint64_t duration_ticks = job->duration_ns ? (uint64_t)((double)job->duration_ns / tick_ns) : 0;
	uint64_t warmup_ticks = job->warmup_ns ? (uint64_t)((double)job->warmup_ns / tick_ns) : 0;
	uint64_t w0 = gb_ticks();
	int err;

	for (uint64_t i = 0; i < job->warmup || (warmup_ticks && gb_ticks() - w0 < warmup_ticks); i++) {
		ctx->fail_what[0] = '\0';
		err = op->op(ctx, op->state);
		if (err && is_fatal(ctx, err)) {
			gb_row_fail(ctx, row, err);
			return err;
		}
		if (op->after_op)
			op->after_op(ctx, op->state);
	}
	gb_kmsg_skip(ctx->kmsg);
	/* perf attaches before the first timed op (its start-up is not measured). */
	gb_prof_row_begin(ctx->prof, job, row);
	if (ctx->ctr) {
		/* The counters read io_tlb_used here and at the end: nothing closed may still hold slots. */
		gb_slots_settle(ctx, row);
		gb_counters_row_begin(ctx->ctr, ctx->scope, ctx->nscope, row->size);
	}

	for (unsigned rep = 0; rep < reps && !row->fatal; rep++) {
		uint64_t rep_ops = 0, rep_ns = 0, t0, prev, t;

		progress(ctx, row, rep);
		if (op->rep_begin)
			op->rep_begin(ctx, op->state, rep);
		if (ctx->ctr) {
			err = gb_counters_rep_begin(ctx->ctr);
			if (err) {
				row->fatal = true;
				snprintf(row->fatal_why, sizeof(row->fatal_why),
					 "counters: enable: %s", strerror(-err));
				gb_prof_row_end(ctx->prof, row);
				return err;
			}
		}
		gb_hist_init(&row->rep_hist);
		t0 = prev = t = gb_ticks();
		for (;;) {
			bool bookkeeping = false;

			ctx->fail_what[0] = '\0';
			err = op->op(ctx, op->state);
			t = gb_ticks();
			gb_hist_record(&row->hist, t - prev);
			gb_hist_record(&row->rep_hist, t - prev);
			rep_ops++;
			if (err) {
				gb_row_fail(ctx, row, err);
				if (row->fatal)
					break;
			}
			/*
			 * Untimed bookkeeping is left out of the latency (the clock
			 * restarts after it) but stays in the wall time, so ops/s
			 * is what the loop really achieved.
			 */
			if (op->after_op) {
				op->after_op(ctx, op->state);
				bookkeeping = true;
			}
			if (ctx->ctr && gb_counters_poll(ctx->ctr))
				bookkeeping = true;
			if (duration_ticks ? t - t0 >= duration_ticks : rep_ops >= job->iterations)
				break;
			prev = bookkeeping ? gb_ticks() : t;
		}
		rep_ns = (uint64_t)((double)(t - t0) * tick_ns);
		if (ctx->ctr) {
			err = gb_counters_rep_end(ctx->ctr);
			if (err) {
				row->fatal = true;
				snprintf(row->fatal_why, sizeof(row->fatal_why),
					 "counters: read: %s", strerror(-err));
			}
		}
		row->kernel_log_total +=
			gb_kmsg_collect(ctx->kmsg, row->kernel_log, GB_KMSG_MAX_LINES);
		if (op->rep_end)
			op->rep_end(ctx, op->state, rep, rep_ns, rep_ops);
		row->ops += rep_ops;
		row->rep_ops[row->nreps] = rep_ops;
		row->rep_p50[row->nreps] = gb_hist_quantile(&row->rep_hist, 0.50);
		row->rep_p99[row->nreps] = gb_hist_quantile(&row->rep_hist, 0.99);
		row->duration_ns += rep_ns;
		row->ops_per_sec[row->nreps] = rep_ns ? (double)rep_ops * 1e9 / (double)rep_ns : 0;
		row->bytes_per_sec[row->nreps] =
			row->ops_per_sec[row->nreps] * (double)row->bytes_per_op;
		row->nreps++;
	}
	gb_prof_row_end(ctx->prof, row);
	if (ctx->progress)
		fprintf(stderr, "\r\033[K");
	if (ctx->ctr) {
		gb_slots_settle(ctx, row);
		gb_counters_row_end(ctx->ctr, row->counters_row);
	}
	return row->fatal ? -EIO : 0;
}

static json_t *series(const double *v, unsigned n)
{
	json_t *values = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(values, json_real(v[i]));
	return json_pack("{s:f, s:o}", "mean", gb_mean(v, n), "values", values);
}

json_t *gb_row_finish(struct gb_row *row)
{
	json_t *r, *failures, *u;
	const char *key;
	json_t *val;

	r = json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o}", "workload", row->workload,
		      "variant", row->variant ? json_string(row->variant) : json_null(), "size",
		      (json_int_t)row->size, "reps", (json_int_t)row->nreps, "ops",
		      (json_int_t)row->ops, "duration_ns", (json_int_t)row->duration_ns,
		      "ops_per_sec", series(row->ops_per_sec, row->nreps), "bytes_per_sec",
		      series(row->bytes_per_sec, row->nreps));
	/* The histogram holds ticks; the document holds nanoseconds. */
#define NS(x) ((json_int_t)((double)(x) * tick_ns + 0.5))
	json_object_set_new(r, "latency_ns",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "p50",
				      NS(gb_hist_quantile(&row->hist, 0.50)), "p90",
				      NS(gb_hist_quantile(&row->hist, 0.90)), "p99",
				      NS(gb_hist_quantile(&row->hist, 0.99)), "p999",
				      NS(gb_hist_quantile(&row->hist, 0.999)), "max",
				      NS(row->hist.max), "min", NS(row->hist.count ? row->hist.min : 0)));
	/* counters, bounce_rate, unavailable, counters_*, per_rep from the counters module */
	json_object_foreach(row->counters_row, key, val)
		json_object_set(r, key, val);
	/* per_rep.ops: each repetition's operations, next to its counts */
	u = json_object_get(r, "per_rep");
	if (!u) {
		u = json_object();
		json_object_set_new(r, "per_rep", u);
	}
	val = json_array();
	for (unsigned i = 0; i < row->nreps; i++)
		json_array_append_new(val, json_integer((json_int_t)row->rep_ops[i]));
	json_object_set_new(u, "ops", val);
	/* per_rep.latency_p50_ns / _p99_ns: each repetition's percentiles, so that
	 * compare has a sample of latencies per run, as it has of throughput */
	{
		json_t *p50 = json_array(), *p99 = json_array();

		for (unsigned i = 0; i < row->nreps; i++) {
			json_array_append_new(p50, json_integer(NS(row->rep_p50[i])));
			json_array_append_new(p99, json_integer(NS(row->rep_p99[i])));
		}
		json_object_set_new(u, "latency_p50_ns", p50);
		json_object_set_new(u, "latency_p99_ns", p99);
	}
	if (!json_object_get(r, "counters")) {
		/* No counters at all: every one is null with the reason. */
		json_t *c = json_object();
		static const char *const keys[] = {
			"swiotlb_bounced", "swiotlb_bounced_bytes", "dma_map_sg", "dma_map_page",
			"dma_map_segments", "io_tlb_nslabs", "io_tlb_used_before",
			"io_tlb_used_peak", "io_tlb_used_after", "dma_sync_bytes",
		};

		u = json_object();
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			json_object_set_new(c, keys[i], json_null());
			json_object_set_new(u, keys[i], json_string("counters not opened"));
		}
		json_object_set_new(r, "counters", c);
		json_object_set_new(r, "bounce_rate", json_null());
		json_object_set_new(u, "bounce_rate", json_string("counters not opened"));
		json_object_set_new(r, "unavailable", u);
	}
	failures = json_pack("{s:I, s:o, s:o, s:o, s:O, s:i}", "ops", (json_int_t)row->failed_ops,
			     "errno", row->first_errno ? json_integer(row->first_errno) : json_null(),
			     "errno_name",
			     row->first_errno ? json_string(strerrorname_np(row->first_errno) ?
							    strerrorname_np(row->first_errno) : "?") :
						json_null(),
			     "error", row->first_errno ? json_string(row->first_error) : json_null(),
			     "kernel_log", row->kernel_log, "kernel_log_total",
			     row->kernel_log_total);
	json_object_set_new(r, "failures", failures);
	if (row->profile_asked) {
		/* Asked for and not had: null, and the reason beside the counters'. */
		json_object_set(r, "profile", row->profile ? row->profile : json_null());
		if (!row->profile) {
			u = json_object_get(r, "unavailable");
			if (!u) {
				u = json_object();
				json_object_set_new(r, "unavailable", u);
			}
			json_object_set_new(u, "profile", json_string(row->profile_why[0] ?
									      row->profile_why :
									      "perf: no profile"));
		}
	}
	json_object_foreach(row->extra, key, val)
		json_object_set(r, key, val);
	return r;
}
#undef NS
