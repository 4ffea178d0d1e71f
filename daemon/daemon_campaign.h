/*
 * Lab campaigns run by bouncelabd (issue 14): a [schedule NAME] with
 * `lab = kernels=6.12, modes=force, boots=1, job=configs/jobs/smoke.ini`
 * runs `bouncelab lab ... --out CAMPAIGNS/NAME/<UTC time>` as its child
 * (the scheduler's process group, timeout and no-double-run rules) and,
 * when the child is over, stores every result document the lab wrote in
 * that folder (daemon_campaign_store.c) and judges them as one night.
 *
 * This file holds the value of `lab =` (parsed and checked the cheap way
 * `bouncelab lab` checks its options: testbed/lab_config.h's own parsers,
 * so the daemon and the lab cannot disagree on a kernel list or a mode),
 * the child's argument vector and the campaign's output folder.
 */
#ifndef BLD_CAMPAIGN_H
#define BLD_CAMPAIGN_H

#include <stddef.h>
#include <time.h>

#include "docwrite.h"
#include "resultdoc.h"

struct bl_store;

/* The value of `lab = key=value, ...` (every string owned, NULL when not given). */
struct bld_lab {
	char *kernels;		 /* --kernels LIST; NULL: the `on = new-kernel` series, else the lab's default */
	char *modes;		 /* --modes LIST; NULL: the lab's default matrix */
	char *clock;		 /* --clock icount|wall; NULL: the lab's default (icount) */
	char *job;		 /* --job FILE (required; checked readable when the config is read) */
	unsigned boots;		 /* --boots N; 0: not given (the lab's default, 1) */
	unsigned boot_timeout_s; /* --timeout S of one boot; 0: the clock's default */
};

/*
 * Parses @value ("kernels=6.1,6.12, modes=force,noforce, boots=2,
 * job=FILE, clock=icount, timeout=10m"): items split at commas, an item
 * that does not start with "key=" continues the previous key's list (so
 * kernel and mode lists keep their commas). Every key is checked: unknown
 * keys, empty lists, kernels and modes by the lab's own parsers, boots in
 * 1..LAB_BOOTS_MAX, the boot timeout in the lab's range, the job file
 * readable. 0 and a new *@out, -EINVAL with @why naming the key and value,
 * or -ENOMEM.
 */
int bld_lab_parse(const char *value, struct bld_lab **out, char *why, size_t whylen);
void bld_lab_free(struct bld_lab *lab);

/*
 * The child's argument vector: @bouncelab (a resolved path) "lab" with the
 * options @lab gives, --kernels @kernels when @lab names none (the
 * new-kernel series; NULL: the lab's default), and --out @outdir.
 * NULL-terminated, every string malloc'd; NULL when out of memory.
 */
char **bld_lab_argv(const char *bouncelab, const struct bld_lab *lab, const char *kernels, const char *outdir);

/*
 * Makes the folder of a campaign of schedule @name started at @now:
 * @base/@name/<UTC time, 20261203T113210Z> (-2, -3 ... when it exists).
 * 0 with the path in @buf, or -errno.
 */
int bld_campaign_outdir(const char *base, const char *name, time_t now, char *buf, size_t len);

/* Where campaigns go: @campaigns when set, else "campaigns" beside the database @db. */
void bld_campaign_base(const char *campaigns, const char *db, char *buf, size_t len);

/* --- daemon_campaign_store.c ------------------------------------------------ */

/* What storing a campaign's folder did. */
struct bld_campaign_result {
	char (*run_id)[BL_UUID_LEN];	 /* the stored documents' UUIDs (malloc'd, @stored of them) */
	enum bl_run_status *status;	 /* and their statuses */
	int stored;			 /* documents stored */
	int refused;			 /* documents that failed validation or storing (logged) */
	int cap;			 /* room in run_id[] and status[] */
	char first_refusal[256];	 /* why the first refused one was refused */
};

/*
 * Stores every result document under @outdir (DIR/<boot folder>/<uuid>.json,
 * as `bouncelab lab` writes them) through the same validation as a POSTed
 * document (bl_resultdoc_parse), in folder and file name order. A document
 * that is refused is logged (naming schedule @name and the file) and
 * counted, never fatal. 0, or -errno when @outdir cannot be read (or
 * memory runs out: the documents stored so far are in @res). Free @res's
 * arrays with bld_campaign_result_free().
 */
int bld_campaign_store(struct bl_store *store, const char *name, const char *outdir, size_t max_bytes,
		       struct bld_campaign_result *res);
void bld_campaign_result_free(struct bld_campaign_result *res);
/* Notes one stored document in @res (the arrays grow). 0 or -ENOMEM. */
int bld_campaign_result_add(struct bld_campaign_result *res, const char *run_id, enum bl_run_status status);

/* --- daemon_campaign_night.c ------------------------------------------------ */

/*
 * Judges the documents @res stored by a run of schedule @name (a lab
 * campaign or a command; started at @started) as one night (analysis/night.h, source "schedule:NAME"): each
 * run against its last night of the same configuration and, with
 * @baseline (the schedule's `baseline =`), against that selector's runs;
 * the verdicts are stored and one line is logged (a warning when
 * something got worse). @note gets ", night N: W worse" for the run's
 * summary. 0 or -errno (logged).
 */
int bld_campaign_judge(struct bl_store *store, const char *name, time_t started, const char *baseline,
		       const struct bld_campaign_result *res, char *note, size_t len);

#endif
