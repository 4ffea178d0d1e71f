/*
 * The store: bouncelab's SQLite database. The ONLY module that contains
 * SQL. Every statement is prepared once per handle and cached.
 *
 * Opening applies the compiled-in migrations (schema/NNNN_name.sql, see
 * schema_sql.h) in one transaction and stamps PRAGMA user_version; a
 * database stamped by a newer bouncelab is refused (-EPROTO) rather than
 * written. Journal mode WAL, foreign_keys ON, a busy timeout, so the
 * daemon and `bouncelab ingest` can share one file.
 *
 * Threading: a struct bl_store is used by one thread at a time (the
 * daemon's event loop); separate processes/handles may share the file.
 *
 * Errors: functions return 0 or -errno; the handle keeps a message naming
 * what failed ("store: insert run <uuid>: database is locked"), read it
 * with bl_store_errmsg().
 *
 * The API only grows: new functions are added, existing ones keep their
 * signature and meaning.
 */
#ifndef BL_STORE_H
#define BL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resultdoc.h"

struct bl_store;

/* Options for bl_store_open(); zero-initialise and set what you need. */
struct bl_store_opts {
	int busy_timeout_ms; /* 0 = 5000 */
	bool read_only;	     /* open without creating or migrating */
	bool no_mkdir;	     /* do not create the database's parent folder */
	bool sync_full;	     /* synchronous=FULL: fsync every commit (survives power
				loss); default NORMAL survives a killed process */
	bool quick_check;    /* PRAGMA quick_check before use: refuse a damaged file
				(-EIO); reads every page, so for a daemon's start */
	bool bg_checkpoint;  /* copy the WAL back into the database on a helper
				thread (its own connection) instead of inside the
				commit that crossed the threshold: for a writer that
				commits often (the daemon); ignored when read-only */
};

/*
 * Opens (creating it and its parent folder when missing) and migrates the
 * database at @path. @opts may be NULL. On failure *@out stays NULL and
 * @err says why: -EPROTO for a database newer than this binary, -ESTALE
 * for an older one opened read-only (a read-only handle never migrates:
 * open it read-write once), -ENOTSUP for a file that is not a bouncelab
 * database, else -errno / -EIO.
 */
int bl_store_open(const char *path, const struct bl_store_opts *opts, struct bl_store **out,
		  char *err, size_t errlen);
void bl_store_close(struct bl_store *s);

struct bl_migration;
/*
 * bl_store_open() with an explicit migration list instead of the compiled-in
 * one (tests: a failing migration must roll back, a newer database is refused).
 */
int bl_store_open_migrations(const char *path, const struct bl_store_opts *opts,
			     const struct bl_migration *migs, size_t n, struct bl_store **out,
			     char *err, size_t errlen);

/*
 * A cheap check that the store can serve: reads its schema and the newest
 * run. 0, or -errno with @err saying why (a damaged or vanished file).
 */
int bl_store_probe(struct bl_store *s, char *err, size_t errlen);

/* The last error message on this handle ("" if none). */
const char *bl_store_errmsg(const struct bl_store *s);
/* The highest migration compiled into this binary. */
int bl_store_schema_latest(void);

/* --- ingest ------------------------------------------------------------ */

enum bl_put_outcome {
	BL_PUT_INSERTED,	   /* new run, committed */
	BL_PUT_DUPLICATE,	   /* this UUID was already stored (same document) */
	BL_PUT_DUPLICATE_CHANGED, /* UUID already stored with a DIFFERENT document;
				      the stored one is kept, the new one dropped */
};
extern const char *const bl_put_outcome_names[]; /* "inserted", "duplicate", "duplicate-changed" */

/*
 * Stores one validated run: host, kernel, boot, devices, the run, its
 * result rows, every repetition value, counters (null kept as NULL with
 * their `unavailable` reasons; a reason for a name that is not a counter,
 * e.g. "bounce_rate", is kept as a counters row with a NULL value), latency
 * and failures, and the whole document as JSON text (byte for byte as
 * received when it came through bl_resultdoc_parse()). One transaction
 * (BEGIN IMMEDIATE): returns 0 only after COMMIT succeeded, so a caller may
 * acknowledge. A UUID already present (compared in lower case) is not
 * written again: *@outcome is BL_PUT_DUPLICATE when the documents are equal
 * as JSON, BL_PUT_DUPLICATE_CHANGED when they differ. -EBUSY when the
 * database stayed locked past the busy timeout, -EIO/-ENOSPC otherwise;
 * nothing of the run is kept on failure.
 */
int bl_store_put_run(struct bl_store *s, const struct bl_resultdoc *doc,
		     enum bl_put_outcome *outcome);

/*
 * Several runs in ONE transaction (bulk ingest, benchmarks). outcomes[i]
 * per document; all or nothing on error.
 */
int bl_store_put_runs(struct bl_store *s, struct bl_resultdoc *const *docs, size_t n,
		      enum bl_put_outcome *outcomes);

/* --- queries ----------------------------------------------------------- */

/*
 * Which runs a query returns. Zero-initialise; every member left NULL/0 is
 * "any". Members combine with AND.
 */
struct bl_run_filter {
	const char *kernel;   /* a release ("6.12.117+deb12-amd64"), a series prefix
				 ("6.12" matches 6.12.x but not 6.1.x), or a Debian
				 package version ("6.1.119-1"), same prefix rule */
	const char *swiotlb;  /* force|noforce|default */
	const char *iommu;    /* off|on|pt */
	const char *device;   /* driver name ("vgem") or node ("/dev/dri/card0") */
	const char *importer; /* importer driver name or node */
	const char *backend;
	const char *workload; /* the job's workload */
	const char *job;      /* job name */
	const char *status;   /* ok|failed|skipped|timeout */
	const char *host;     /* hostname */
	const char *run_id;   /* one UUID */
	const char *clock;    /* testbed guest clock: icount|wall */
	const char *versions; /* newest (NULL) | all: which Debian package versions of one kernel
				 series or release to keep; applied by analysis/ (kversion.h), not the SQL */
	const char *hypervisor; /* "xen-pv" (bl_hypervisor_key); "" = runs without a hypervisor */
	int64_t balloon;      /* the testbed's Xen balloon in bytes; -1 = runs without one; 0 = any */
	int boot;	      /* testbed boot index + 1 (lab --boots): 1 = boot 0; 0 = any */
	int64_t pool_slabs;   /* the boot's SWIOTLB pool in 2 KiB slots (dma.swiotlb_slabs,
				 io_tlb_nslabs: pool=16M is 8192); 0 = any */
	int64_t since;	      /* started_at >= since (unix s); 0 = no bound */
	int64_t until;	      /* started_at <  until (unix s); 0 = no bound */
	int limit;	      /* the first N runs in the order below; 0 = all */
	bool oldest_first;    /* default: newest (by started_at) first */
};

/* One run as stored. Strings may be NULL (unknown); valid during the callback only. */
struct bl_run_row {
	int64_t id;		/* store's run id, for bl_store_query_results() */
	const char *run_id;	/* UUID */
	const char *status, *error;
	const char *started_at, *finished_at;
	int64_t started_unix;
	struct bl_opt_i64 finished_unix;
	const char *stored_at;	/* when the store committed it (UTC, RFC 3339) */
	const char *tool_name, *tool_version;
	const char *job, *backend, *workload;
	const char *params_json; /* job.params as JSON text, or NULL */
	const char *hostname, *cpu;
	struct bl_opt_i64 mem_bytes;
	const char *kernel_release, *kernel_version, *package_version, *kernel_package;
	const char *kernel_boot_id; /* the boot's /proc/sys/kernel/random/boot_id, or NULL */
	const char *testbed_clock;  /* icount|wall under the testbed, NULL elsewhere */
	struct bl_opt_i64 testbed_boot_index; /* which repeated boot of its configuration */
	const char *hypervisor;	    /* "xen-pv", NULL without one (bl_hypervisor_key) */
	struct bl_opt_i64 balloon_bytes; /* the testbed's Xen balloon; unset when none */
	const char *cmdline, *swiotlb, *iommu;
	struct bl_opt_i64 swiotlb_slabs;
	const char *dev_driver, *dev_node, *dev_driver_version, *dev_pci_id;
	const char *imp_driver, *imp_node, *imp_driver_version, *imp_pci_id;
	int n_results;
};

/* One result row (per workload, variant, size) of a run. */
struct bl_result_view {
	int64_t run;		/* bl_run_row.id */
	int idx;		/* position in the document's results[] */
	const char *workload, *variant;
	int64_t size, reps, ops, duration_ns;
	struct bl_opt_f64 ops_per_sec_mean, bytes_per_sec_mean;
	const double *ops_per_sec_values;   /* one per repetition, in order */
	size_t n_ops_per_sec;
	const double *bytes_per_sec_values;
	size_t n_bytes_per_sec;
	struct bl_opt_i64 latency_ns[BL_LAT_COUNT];
	struct bl_opt_i64 counters[BL_COUNTER_COUNT]; /* set == false: NULL in the db */
	const char *unavailable[BL_COUNTER_COUNT];    /* the reason, or NULL */
	struct bl_opt_f64 bounce_rate;
	int64_t failed_ops;
	struct bl_opt_i64 failed_errno;
	const char *failed_error;
	const char *kernel_log_json; /* JSON array text, or NULL */
	const char *per_rep_json;    /* results[].per_rep as JSON object text, or NULL */
	const char *bounce_rate_unavailable; /* why bounce_rate is null, or NULL */
};

/* Callbacks return 0 to go on; anything else stops the query and is returned. */
typedef int (*bl_run_cb)(const struct bl_run_row *run, void *user);
typedef int (*bl_result_cb)(const struct bl_run_row *run, const struct bl_result_view *res,
			    void *user);

/* Runs matching @f (NULL = all), newest first unless f->oldest_first. */
int bl_store_query_runs(struct bl_store *s, const struct bl_run_filter *f, bl_run_cb cb,
			void *user);

/*
 * Every result row of every run matching @f, grouped by run (in the runs'
 * order), rows in document order. @run is the same for all rows of a run.
 * This is what compare/plots build on.
 */
int bl_store_query_results(struct bl_store *s, const struct bl_run_filter *f, bl_result_cb cb,
			   void *user);

/*
 * Both at once: for each run matching @f, @run_cb (may be NULL) and then
 * @res_cb (may be NULL) for each of its rows; runs without rows still get
 * their @run_cb.
 */
int bl_store_query(struct bl_store *s, const struct bl_run_filter *f, bl_run_cb run_cb,
		   bl_result_cb res_cb, void *user);

/* How many runs match @f. */
int bl_store_count_runs(struct bl_store *s, const struct bl_run_filter *f, int64_t *count);

/*
 * The stored document of run @uuid as JSON text (malloc'd, caller frees)
 * in *@json. -ENOENT when there is no such run.
 */
int bl_store_get_document(struct bl_store *s, const char *uuid, char **json);

struct bl_store_info {
	int schema_version;	   /* PRAGMA user_version */
	int64_t runs;		   /* runs stored */
	int64_t results;	   /* result rows stored */
	int64_t monitor_samples;
	char last_run_id[37];	   /* newest by started_at; "" when empty */
	char last_started_at[64];
	char last_status[16];
};
int bl_store_info(struct bl_store *s, struct bl_store_info *info);

/* --- monitor samples (bouncelabd's system-wide bounce monitor) ---------- */

struct bl_monitor_sample {
	int64_t at_ns;		       /* end of the interval, CLOCK_REALTIME ns */
	int64_t interval_ns;	       /* length of the interval */
	const char *device;	       /* dev_name from the tracepoint; "" = system-wide row */
	int64_t bounces;	       /* swiotlb_bounced events in the interval */
	int64_t bounced_bytes;	       /* sum of their sizes */
	struct bl_opt_i64 map_calls;   /* dma_map_* calls (dma:* tracepoints), or unknown */
	struct bl_opt_i64 map_segments;
	struct bl_opt_i64 slots_used;  /* debugfs io_tlb_used at the end, or unknown */
	struct bl_opt_i64 slots_total; /* io_tlb_nslabs */
	struct bl_opt_i64 slots_hiwater;
};

/* Inserts @n samples in one transaction. */
int bl_store_put_monitor_samples(struct bl_store *s, const struct bl_monitor_sample *samples,
				 size_t n);

typedef int (*bl_monitor_cb)(const struct bl_monitor_sample *sample, void *user);
/*
 * Samples of @device (NULL = all) with since_ns <= at_ns < until_ns (0 = no
 * bound), oldest first.
 */
int bl_store_query_monitor(struct bl_store *s, const char *device, int64_t since_ns,
			   int64_t until_ns, bl_monitor_cb cb, void *user);

/* --- scheduled runs (bouncelabd's scheduler) ---------------------------- */

/*
 * Records that schedule @name started its run planned for @planned_unix
 * (status "running"). *@id identifies it for bl_store_schedule_finish().
 */
int bl_store_schedule_begin(struct bl_store *s, const char *name, const char *job_file,
			    int64_t planned_unix, int64_t started_unix, int64_t *id);
/*
 * Closes scheduled run @id: @status is ok|failed|timeout|skipped, @run_id
 * the UUID of the stored result document (or NULL), @stderr_tail the last
 * lines of its stderr (or NULL), @summary the one-line summary (or NULL).
 */
int bl_store_schedule_finish(struct bl_store *s, int64_t id, const char *status, int exit_code,
			     const char *run_id, const char *stderr_tail, const char *summary,
			     int64_t finished_unix);
/*
 * The planned time of schedule @name's latest recorded run in *@planned_unix
 * (0 = never ran), so a restart neither repeats nor forgets a run.
 */
int bl_store_schedule_last(struct bl_store *s, const char *name, int64_t *planned_unix);

/*
 * Closes every scheduled run still marked "running" (the daemon stopped
 * while it ran) as "failed" with @summary, at @finished_unix; call it once
 * at start-up. *@count (may be NULL) says how many there were.
 */
int bl_store_schedule_abandon(struct bl_store *s, const char *summary, int64_t finished_unix,
			      int *count);

/*
 * The kernel version (apt's label, 6.12.118) schedule @name last started a
 * campaign for as a new version of @series, into @buf ("" when never):
 * bouncelabd's `on = new-kernel SERIES`. 0 or -errno.
 */
int bl_store_schedule_kernel_get(struct bl_store *s, const char *name, const char *series, char *buf,
				 size_t len);
/* Records that schedule @name started a campaign for @version of @series at @started_unix. */
int bl_store_schedule_kernel_set(struct bl_store *s, const char *name, const char *series, const char *version,
				 int64_t started_unix);

/* --- verdicts (compare / nightly) --------------------------------------- */

struct bl_verdict {
	const char *subject;	/* what was judged: a run UUID or a night label */
	const char *baseline;	/* what it was compared with (UUID, kernel, label) */
	const char *workload;
	const char *variant;	/* may be NULL */
	int64_t size;
	const char *metric;	/* "ops_per_sec", "swiotlb_bounced/op", ... */
	struct bl_opt_f64 baseline_value, value;
	struct bl_opt_f64 change;     /* relative change, (value - baseline) / baseline */
	struct bl_opt_f64 p_value;
	const char *verdict;	/* "same" | "better" | "worse" | "new" | "missing" | ... */
	const char *detail;	/* free text, may be NULL */
};
/* Stores @n verdicts made at @at_unix in one transaction. */
int bl_store_put_verdicts(struct bl_store *s, int64_t at_unix, const struct bl_verdict *v,
			  size_t n);
typedef int (*bl_verdict_cb)(const struct bl_verdict *v, int64_t at_unix, void *user);
/* Verdicts about @subject (NULL = all), newest first. */
int bl_store_query_verdicts(struct bl_store *s, const char *subject, bl_verdict_cb cb, void *user);

/* --- noise floors (bouncelab calibrate) --------------------------------------- */

/* How far apart A/A boots put one row's metric (schema/0005 says which spread). */
struct bl_noise_floor {
	const char *job, *workload;
	const char *variant;	/* "" or NULL when the workload has one variant */
	int64_t size;
	const char *metric;	/* a compare metric name ("ops_per_sec") */
	const char *clock;	/* icount|wall, "" or NULL outside the testbed */
	double floor;		/* >= 0: relative for times, absolute for counts */
	int boots;		/* A/A boots it was measured from, >= 2 */
	const char *kernel, *mode; /* where (may be NULL) */
	const char *runs_json;	/* JSON array of run UUIDs (may be NULL) */
	int64_t measured_unix;	/* when (set by the store on put) */
};

/*
 * Stores @n floors measured at @at_unix in one transaction, each replacing
 * the floor of the same (job, workload, variant, size, metric, clock).
 * 0 or -errno (bl_store_errmsg says which).
 */
int bl_store_put_floors(struct bl_store *s, int64_t at_unix, const struct bl_noise_floor *f,
			size_t n);

typedef int (*bl_floor_cb)(const struct bl_noise_floor *f, void *user);
/* Every floor (of @clock when not NULL); strings valid during the callback only. */
int bl_store_query_floors(struct bl_store *s, const char *clock, bl_floor_cb cb, void *user);

/* --- nights (schema/0007: a campaign's runs, judged together; lib/store_night.c) --- */

/* One night as stored. Strings valid during the callback only. */
struct bl_night_row {
	int64_t id;
	const char *label, *source;
	const char *status;	    /* "open" | "judged" */
	const char *baseline;	    /* the pinned baseline selector, or NULL */
	int64_t started_unix;
	struct bl_opt_i64 finished_unix; /* unset while open */
	int64_t n_runs;
};
typedef int (*bl_night_cb)(const struct bl_night_row *night, void *user);

/* Records a night (status "open"); *@id identifies it. 0 or -errno. */
int bl_store_night_begin(struct bl_store *s, const char *label, const char *source,
			 int64_t started_unix, int64_t *id);
/*
 * Adds stored run @run_uuid to night @night_id; twice is once. -ENOENT when
 * the night or the run is not in the store (the message says which).
 */
int bl_store_night_add_run(struct bl_store *s, int64_t night_id, const char *run_uuid);
/*
 * Night @id (0 = the newest by started_unix, then id) through @cb.
 * -ENOENT when there is none.
 */
int bl_store_night_get(struct bl_store *s, int64_t id, bl_night_cb cb, void *user);
/* The night of the same source that started before night @id, in *@prev (0 = none). */
int bl_store_night_previous(struct bl_store *s, int64_t id, int64_t *prev);
/* The night run @run_uuid belongs to (the newest when several), in *@night_id (0 = none). */
int bl_store_night_of_run(struct bl_store *s, const char *run_uuid, int64_t *night_id);

/* One run of a night; strings valid during the callback only. */
struct bl_night_run {
	const char *run_uuid;
	const char *last_uuid;	  /* judged against as its last night; NULL none */
	const char *baseline_why; /* why not judged against the baseline; NULL */
};
typedef int (*bl_night_run_cb)(const struct bl_night_run *run, void *user);
/* The runs of night @night_id, oldest first (by the run's started_unix). */
int bl_store_night_runs(struct bl_store *s, int64_t night_id, bl_night_run_cb cb, void *user);

/* A verdict made judging a night: a verdict plus what its change had to exceed. */
struct bl_night_verdict {
	struct bl_verdict v;
	struct bl_opt_f64 threshold; /* relative for times, absolute for counts; unset: not judged */
	bool calibrated;	     /* a measured noise floor set the threshold */
};
typedef int (*bl_night_verdict_cb)(const struct bl_night_verdict *v, void *user);
/*
 * Stores the judgement of night @night_id in ONE transaction: the runs'
 * last nights and baseline reasons (@runs, @n_runs: each must be a run of
 * the night), the verdicts (replacing any earlier judgement of the night),
 * and the night's status "judged", @baseline and finished_unix = @at_unix.
 */
int bl_store_night_judged(struct bl_store *s, int64_t night_id, const char *baseline,
			  int64_t at_unix, const struct bl_night_run *runs, size_t n_runs,
			  const struct bl_night_verdict *v, size_t n);
/* The verdicts of night @night_id in the order they were stored. */
int bl_store_night_verdicts(struct bl_store *s, int64_t night_id, bl_night_verdict_cb cb,
			    void *user);

#endif
