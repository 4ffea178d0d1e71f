/*
 * gembench job options: one table (gb_options[]) declares every key with
 * its type, where its value goes in struct gb_job, its range or choices,
 * default and help; it drives the job-file parser, the command-line parser,
 * validation, setting the value and --help, as fio's option table does.
 * Job files are INI: a [global] section and one section per job; a job
 * inherits [global], and options given on the command line override both.
 */
#ifndef GB_OPTIONS_H
#define GB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GB_MAX_SIZES 64
#define GB_MAX_JOBS 64
#define GB_MAX_REPS 1000 /* repetitions kept per row */

enum gb_opt_type {
	GB_OPT_STR,      /* free text (names, paths) into a char array */
	GB_OPT_ENUM,     /* one of the names the option's choice() lists */
	GB_OPT_SIZES,    /* "4K,64K,1M" or "4K..16M" (powers of two) */
	GB_OPT_UINT,     /* a whole number in [min, max] */
	GB_OPT_DURATION, /* "2s", "500ms", "1m"; a bare number is seconds; stored in ns */
	GB_OPT_BOOL,     /* true/false (yes/no, on/off, 1/0); --KEY alone means true */
};

struct gb_job {
	char name[64];          /* section name */
	char workload[32];      /* create populate mmap export import sync integrity occupancy */
	char backend[32];       /* dumb udmabuf dmaheap i915 */
	char device[256];       /* driver name or path; "" = backend default */
	char importer[256];     /* driver name or path; "" = none */
	char variant[32];       /* restrict to one variant; "" = all */
	uint64_t sizes[GB_MAX_SIZES];
	unsigned nsizes;
	uint64_t iterations;    /* measured ops per rep (when duration is 0) */
	uint64_t duration_ns;   /* measured time per rep; 0 = use iterations */
	uint64_t reps;          /* repetitions per (workload, size) */
	uint64_t warmup;        /* unmeasured ops before the first rep */
	uint64_t warmup_ns;     /* ...and at least this long (warmup_time); 0 = ops only */
	uint64_t cycles;        /* occupancy: create/map/close cycles */
	uint64_t log_wait_ns;   /* after a row with logged failures, let the kernel's rate limit pass */
	bool compact;           /* compact memory before each row (compact.h) */
	bool profile;           /* perf record -g each row's measured region (profiling.h) */
	char source[300];       /* "file.ini:12" where the section started, or "command line" */
	uint32_t given;         /* bit i: gb_options[i] set by the job file or command line */
};

/*
 * One job key. The setter finds the key here and writes the value at
 * @offset in struct gb_job as @type says; nothing else knows a key's name
 * (the unit test checks @size against @type for every row).
 */
struct gb_option {
	const char *name;        /* key and --name */
	enum gb_opt_type type;
	size_t offset;           /* of the value in struct gb_job */
	size_t size;             /* sizeof that member (a string's capacity, NUL included) */
	size_t count_offset;     /* GB_OPT_SIZES: of the unsigned number of sizes */
	uint64_t min, max;       /* GB_OPT_UINT: the values allowed */
	const char *(*choice)(size_t i); /* GB_OPT_ENUM: the i-th allowed name, NULL after the last */
	const char *def;         /* default as text; NULL = empty */
	const char *help;
};

extern const struct gb_option gb_options[];

/* Where an error is reported: file, line and key. */
struct gb_opt_error {
	char msg[512];
};

/*
 * Sets @key=@value on @job as the table says, and marks @key given. @where
 * names the origin for messages ("jobs.ini:12 [a]" or "command line
 * --reps"). -EINVAL with @err naming @where and the key for an unknown key
 * or a bad value (job untouched for an unknown key).
 */
int gb_job_set(struct gb_job *job, const char *key, const char *value, const char *where,
	       struct gb_opt_error *err);

/* Fills @job with the table's defaults (no key counts as given). */
void gb_job_defaults(struct gb_job *job);

/* The table's row for @key, or NULL. */
const struct gb_option *gb_option_find(const char *key);

/* Whether @key was set on @job by a job file or the command line (not a default). */
bool gb_job_given(const struct gb_job *job, const char *key);

/* A key=value given on the command line (kept in order, applied last). */
struct gb_cli_opt {
	const char *key;
	const char *value;
};

/*
 * Reads job file @path: every section but [global] becomes a job with the
 * defaults, then [global], then its own keys, then @cli (n_cli pairs)
 * applied. With @path NULL, one job named "cli" is built from @cli alone;
 * when @cli names no workload, one job per workload the backend can do
 * ("cli-create", "cli-populate", ...; see gb_workload_fits). A job without
 * a 'backend' key whose device is a bare name that is also a backend name
 * ("i915") gets that backend; otherwise the backend is dumb. Checks each
 * job file section is complete (a workload, an importer where needed).
 * 0, or -EINVAL/-errno with the file, line and key in @err.
 */
int gb_jobs_load(const char *path, const struct gb_cli_opt *cli, size_t n_cli,
		 struct gb_job *jobs, size_t max_jobs, size_t *njobs, struct gb_opt_error *err);

struct gb_workload;

/*
 * Whether @job's backend (resolved) can run workload @w: its caps, an
 * importer where @w needs one, and @job's variant (if any) among the
 * backend's variants of @w's feature.
 */
bool gb_workload_fits(const struct gb_workload *w, const struct gb_job *job);

/* Parses a size list/range. -EINVAL with a reason in @why. */
int gb_parse_sizes(const char *text, uint64_t *sizes, unsigned max, unsigned *n, char *why,
		   size_t why_len);
/* Parses one size ("4K", "1M", "4096"). Must be > 0 and a multiple of 4 KiB. */
int gb_parse_size(const char *text, uint64_t *out, char *why, size_t why_len);
/* Parses a duration ("2s", "500ms"). */
int gb_parse_duration(const char *text, uint64_t *ns, char *why, size_t why_len);
/* "4K", "16M", or bytes: for tables. */
void gb_format_size(uint64_t size, char *buf, size_t len);

/* Prints every key of the table with its value's form, range or choices, and default (--help). */
void gb_options_help(FILE *out);
/*
 * The same keys as scdoc(5) markup (one paragraph each, key, form and the
 * --help text): what `gembench --help-jobs-scdoc` prints for make man, so
 * the bouncelab-jobs(5) page and --help come from the one table.
 */
void gb_options_scdoc(FILE *out);

#endif
