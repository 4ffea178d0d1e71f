/*
 * CPU profiles with linux-perf: record call graphs (`perf record -g`) of a
 * process while a measured region runs, turn `perf script` text into folded
 * stacks and the top kernel and user symbols with their share of the
 * samples, carry that in a result document (JSON), and say which symbols'
 * shares changed most between two profiles.
 *
 * perf is an external program: a missing binary or a refused permission
 * (perf_event_paranoid, no CAP_PERFMON) is reported by bl_profile_check()
 * with the reason so that the caller runs unprofiled and says so; it is
 * never an error of the measurement.
 *
 * How gembench uses it (see /work/brief/requests-backend.md):
 *
 *	struct bl_profile_rec rec;
 *	char why[256];
 *	if (bl_profile_check(why, sizeof why) == 0 &&
 *	    bl_profile_start(&rec, getpid(), "/tmp/gembench.perf.data", 0, why, sizeof why) == 0) {
 *		... the measured region ...
 *		bl_profile_stop(&rec);
 *		bl_profile_collect(rec.data_path, &prof, why, sizeof why);   (perf script + parse)
 *		json_object_set_new(row_or_doc, "profile", bl_profile_to_json(&prof, 20, 200));
 *	} else
 *		json_object_set_new(doc, "profile", json_pack("{s:n, s:s}", "samples", "unavailable", why));
 */
#ifndef BL_PROFILE_H
#define BL_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

/* --- recording ---------------------------------------------------------------- */

/*
 * Can this process profile? 0 when `perf` runs and perf events are
 * permitted; else -ENOENT (no perf binary) or -EACCES (paranoid setting
 * without privilege) with the reason in @why.
 */
int bl_profile_check(char *why, size_t whylen);

struct bl_profile_rec {
	pid_t perf_pid;       /* the `perf record` child, -1 when not running */
	char data_path[4096]; /* perf.data it writes */
	bool acked;	      /* events enabled and acknowledged through perf's control
				 FIFO; false: an old perf, start guessed from its file */
};

/*
 * Starts `perf record -g -F @freq_hz -p @target -o @data_path` (freq 0 =
 * 999 Hz) with its events disabled (--delay=-1), then enables them through
 * perf's control FIFO (--control=fifo:...) and waits for its "ack": when it
 * returns 0, everything @target runs from then on is sampled. The FIFOs
 * live in a private folder under $TMPDIR (or /tmp) that is gone again when
 * this returns. With an old perf (no --control or --delay=-1), or no place
 * for the FIFOs, perf is started the old way and this waits until its
 * output file is non-empty (its events may then still be off for a while):
 * rec->acked is false and @why says so; else @why is "". Waits at most
 * 60 s for the ack (perf synthesizes the target's maps first: seconds
 * under TCG), 5 s for the file. 0, or -errno with @why: -EPERM when perf
 * exited early (not permitted, or no such pid), -ETIMEDOUT, -EPROTO (an
 * answer that is not "ack"), -EINVAL, or a failed system call's; no perf
 * and no data file are left then.
 */
int bl_profile_start(struct bl_profile_rec *rec, pid_t target, const char *data_path,
		     unsigned freq_hz, char *why, size_t whylen);
/*
 * Stops recording (SIGINT, as perf expects) and waits for perf to write.
 * 0, -ECHILD when not recording, -EIO when perf failed, or -errno.
 */
int bl_profile_stop(struct bl_profile_rec *rec);

/* --- analysis ------------------------------------------------------------------- */

struct bl_profile_sym {
	char *name;	  /* symbol without +0x offset; "[unknown]" when perf could not tell */
	uint64_t samples; /* samples whose leaf frame is this symbol (self time) */
	double share;	  /* samples / total samples */
};

struct bl_profile_stack {
	char *folded;	  /* "comm;root;...;leaf", kernel frames suffixed "_[k]" */
	uint64_t samples;
};

struct bl_profile {
	uint64_t samples;		/* samples parsed */
	char *event;			/* "cpu-clock", "cycles", ... (first sample's) */
	struct bl_profile_sym *kernel;	/* sorted by samples, most first */
	size_t n_kernel;
	struct bl_profile_sym *user;
	size_t n_user;
	struct bl_profile_stack *stacks; /* sorted by samples, most first */
	size_t n_stacks;
};

/*
 * Parses `perf script` output (the default fields: a header line
 * "comm pid [cpu] time: period event:", then one frame per line
 * "addr symbol+off (dso)", a blank line between samples; lines starting
 * with '#' are ignored). 0, -EINVAL when the text holds no sample or a
 * malformed one (@err says which line), -ENOMEM.
 */
int bl_profile_parse_script(const char *text, size_t len, struct bl_profile *out, char *err,
			    size_t errlen);
/* Runs `perf script -i @data_path` and parses its output. 0 or -errno with @why. */
int bl_profile_collect(const char *data_path, struct bl_profile *out, char *why, size_t whylen);
void bl_profile_free(struct bl_profile *p);

/*
 * The profile as the result document carries it:
 * {"tool":"perf","event":..,"samples":N,"top_kernel":[{"symbol","samples","share"}...],
 *  "top_user":[...],"folded":["stack count", ...]} with at most @top symbols per side
 * and @stacks folded stacks (the heaviest). NULL when out of memory.
 */
json_t *bl_profile_to_json(const struct bl_profile *p, size_t top, size_t stacks);

struct bl_profile_change {
	char name[256];
	bool kernel;
	double base_share, new_share; /* 0 when absent from that profile's top list */
};

/*
 * The symbols whose share changed most between two profiles in their JSON
 * form (bl_profile_to_json), largest |new - base| first, at most @max into
 * @out. Returns how many, or -EINVAL when either is not a profile object.
 */
int bl_profile_diff(const json_t *base, const json_t *new_p, struct bl_profile_change *out,
		    size_t max);

#endif
