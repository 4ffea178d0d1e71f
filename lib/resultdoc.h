/*
 * Result documents (format 1, see DESIGN.md "Contracts between parts"):
 * parse and validate one JSON object against the contract and give the
 * store (and anyone else) a typed, validated view of it.
 *
 * Validation rules, so producers know what is refused:
 *  - Extra fields anywhere are accepted and kept (the stored copy is the
 *    whole document); contract fields of the wrong type are refused.
 *  - Always required: format (== 1), run_id (a UUID, 8-4-4-4-12 hex),
 *    status (ok|failed|skipped|timeout), tool.name, tool.version,
 *    started_at (RFC 3339), job.name, job.backend, job.workload, results
 *    (an array, possibly empty).
 *  - Required when status is "ok": host, kernel, dma and device objects
 *    (device with a driver or a node) and at least one results row. With
 *    another status they may be null or absent, and device may be an object
 *    of nulls (a run that timed out or found no device knows less).
 *  - error: null or a string; finished_at: null or RFC 3339.
 *  - A results row needs workload, size, reps, ops, duration_ns (integers
 *    >= 0), counters (an object whose members are integers >= 0 or null;
 *    a contract counter that is absent is recorded as null). Optional:
 *    variant (string; rows are unique per (workload, variant, size)),
 *    ops_per_sec / bytes_per_sec ({mean, values[]} numbers), latency_ns
 *    (p50 p90 p99 p999 max: integers or null), bounce_rate (number in
 *    [0, 1] or null), failures ({ops, errno, error, kernel_log[]}),
 *    unavailable (an object of strings: counter name -> reason), per_rep
 *    (an object of arrays, each with one integer >= 0 per repetition:
 *    "ops", and the counters exact per repetition, e.g. swiotlb_bounced).
 *  - Optional: kernel.boot_id (a UUID: /proc/sys/kernel/random/boot_id,
 *    the same for every run of one boot).
 *  - Optional testbed block: testbed.package_version and
 *    testbed.kernel_package (strings) name the exact Debian package;
 *    testbed.clock (icount|wall) the guest clock the times are on;
 *    testbed.boot_index (integer >= 0) which of the repeated boots;
 *    testbed.balloon_bytes (integer >= 1 or null) the balloon the Xen
 *    mode gave back to Xen before the job.
 *  - Optional hypervisor object: hypervisor.type and hypervisor.guest_type
 *    (strings or null; "xen", "PV") say what the kernel ran under.
 *
 * Errors name the field path and the problem, e.g.
 *   results[2].counters.swiotlb_bounced: expected an integer or null, got string
 *
 * Ownership: a struct bl_resultdoc holds a reference to the JSON tree; every
 * const char * in it points into that tree and lives as long as the doc.
 * Not thread-safe per document; separate documents are independent.
 */
#ifndef BL_RESULTDOC_H
#define BL_RESULTDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define BL_RESULTDOC_FORMAT 1
/* Largest document bouncelab accepts anywhere (files, stdin, HTTP bodies). */
#define BL_RESULTDOC_MAX_BYTES (16u << 20)

/* A value that may be JSON null (or absent): set == false means unknown. */
struct bl_opt_i64 {
	int64_t v; /* meaningful only when set */
	bool set;  /* false: null/absent, never read v as 0 */
};
struct bl_opt_f64 {
	double v;
	bool set;
};

enum bl_run_status {
	BL_STATUS_OK,
	BL_STATUS_FAILED,
	BL_STATUS_SKIPPED,
	BL_STATUS_TIMEOUT,
	BL_STATUS_COUNT,
};
/* "ok", "failed", "skipped", "timeout" */
extern const char *const bl_run_status_names[BL_STATUS_COUNT];

/* The contract's counters, in the order of DESIGN.md. */
enum bl_counter {
	BL_C_SWIOTLB_BOUNCED,
	BL_C_SWIOTLB_BOUNCED_BYTES,
	BL_C_DMA_MAP_SG,
	BL_C_DMA_MAP_PAGE,
	BL_C_DMA_MAP_SEGMENTS,
	BL_C_IO_TLB_NSLABS,
	BL_C_IO_TLB_USED_BEFORE,
	BL_C_IO_TLB_USED_PEAK,
	BL_C_IO_TLB_USED_AFTER,
	BL_C_DMA_SYNC_BYTES,	/* dma:dma_sync_sg_*: bytes synced (6.12+) */
	BL_COUNTER_COUNT,
};
/* "swiotlb_bounced", ... exactly the JSON member names. */
extern const char *const bl_counter_names[BL_COUNTER_COUNT];

/* Latency percentiles, in the order of the struct below. */
enum bl_latency {
	BL_LAT_P50,
	BL_LAT_P90,
	BL_LAT_P99,
	BL_LAT_P999,
	BL_LAT_MAX,
	BL_LAT_COUNT,
};
extern const char *const bl_latency_names[BL_LAT_COUNT]; /* "p50", ... "max" */

/* {"mean": x, "values": [...]}: one value per repetition. */
struct bl_series {
	struct bl_opt_f64 mean;
	const double *values; /* n_values numbers, owned by the doc; NULL if none */
	size_t n_values;
};

struct bl_result_row {
	const char *workload;
	const char *variant; /* "" when the row has none */
	int64_t size;	     /* bytes */
	int64_t reps;
	int64_t ops;	     /* measured operations over all repetitions */
	int64_t duration_ns;
	struct bl_series ops_per_sec;
	struct bl_series bytes_per_sec;
	struct bl_opt_i64 latency_ns[BL_LAT_COUNT];
	struct bl_opt_i64 counters[BL_COUNTER_COUNT];
	json_t *counters_json;	  /* the whole counters object (extra counters too); borrowed */
	struct bl_opt_f64 bounce_rate;
	/* failures: all zero/unset/NULL when the row has no failures object */
	int64_t failed_ops;
	struct bl_opt_i64 failed_errno;
	const char *failed_error;  /* NULL when null */
	json_t *kernel_log;	   /* array of strings or NULL; borrowed */
	json_t *unavailable;	   /* object name -> reason, or NULL; borrowed */
	json_t *per_rep;	   /* object name -> [one integer per rep], or NULL; borrowed */
};

/* Where a field is null/absent the pointer is NULL (or opt.set false). */
struct bl_json_arena;

struct bl_resultdoc {
	json_t *root;		   /* a reference owned by this struct */
	struct bl_json_arena *arena; /* root's blocks (bl_resultdoc_parse), or NULL */
	int format;
	const char *run_id;	   /* lower-case canonical form (normalised) */
	enum bl_run_status status;
	const char *error;
	const char *tool_name, *tool_version;
	const char *started_at, *finished_at; /* as written (RFC 3339) */
	int64_t started_unix;		      /* seconds since the epoch, UTC */
	struct bl_opt_i64 finished_unix;

	const char *hostname, *cpu;
	struct bl_opt_i64 mem_bytes;

	const char *kernel_release, *kernel_version, *cmdline;
	const char *boot_id;		/* kernel.boot_id, lower case; NULL if absent */
	const char *package_version, *kernel_package; /* testbed.*; NULL if unknown */
	const char *testbed_clock;	/* testbed.clock: "icount"|"wall"; "wall" for a testbed
					   document from before the clock was recorded; NULL
					   outside the testbed */
	struct bl_opt_i64 testbed_boot_index; /* testbed.boot_index: which repeated boot */
	struct bl_opt_i64 balloon_bytes;      /* testbed.balloon_bytes: the Xen balloon, unset when none */
	const char *hypervisor;		      /* bl_hypervisor_key() of hypervisor.type/guest_type
						 ("xen-pv"); NULL: none, or the document does not say */

	const char *swiotlb;		/* force|noforce|default, NULL if unknown */
	struct bl_opt_i64 swiotlb_slabs;
	const char *iommu;		/* off|on|pt, NULL if unknown */

	/* device and importer: NULL members when the object is null/absent */
	const char *dev_node, *dev_driver, *dev_driver_version, *dev_pci_id;
	const char *imp_node, *imp_driver, *imp_driver_version, *imp_pci_id;
	bool has_device, has_importer;

	const char *job_name, *job_backend, *job_workload;
	json_t *job_params;		/* object or NULL; borrowed */

	struct bl_result_row *results;	/* n_results rows, owned */
	size_t n_results;
	char run_id_buf[37];		/* storage behind run_id */
	char boot_id_buf[37];		/* storage behind boot_id */
	char hypervisor_buf[48];	/* storage behind hypervisor */
	char *text;			/* the text as received (bl_resultdoc_parse; owned,
					   NUL-terminated), NULL from bl_resultdoc_from_json */
	size_t text_len;
	bool rewritten;			/* the tree was made canonical (run_id lower-cased):
					   stored from the tree, text NULL */
};

/*
 * Validates @root (a reference is taken; the caller keeps its own) and
 * returns a new view in *@out. 0, -EINVAL with a message in @err naming the
 * field and the problem, or -ENOMEM.
 */
int bl_resultdoc_from_json(json_t *root, struct bl_resultdoc **out, char *err, size_t errlen);

/*
 * Parses @len bytes of JSON text (one document; duplicate keys refused) and
 * validates it. -EINVAL with "line L column C: <jansson's reason>" for bad
 * JSON, -E2BIG over BL_RESULTDOC_MAX_BYTES, else as bl_resultdoc_from_json.
 */
int bl_resultdoc_parse(const char *text, size_t len, struct bl_resultdoc **out, char *err,
		       size_t errlen);

void bl_resultdoc_free(struct bl_resultdoc *doc);

/* 1 when @s is a UUID in 8-4-4-4-12 hex form (either case), else 0. */
int bl_uuid_valid(const char *s);

/*
 * RFC 3339 date-time ("2026-11-26T06:21:32Z", fractions and +hh:mm
 * offsets allowed) or a plain date "2026-11-26" (midnight UTC) to seconds
 * since the epoch. 0 or -EINVAL.
 */
int bl_parse_time(const char *s, int64_t *out_unix);

#endif
