/*
 * gembench --profile (job option `profile = true`): records each row's
 * measured region (the repetitions, warm-up excluded) with `perf record -g`
 * through lib/profile.h and puts the top kernel and user symbols with their
 * share, and the folded stacks, into the row as "profile". perf missing or
 * refused: the row is measured all the same, "profile" is null and
 * unavailable.profile says why. Checked once per process (perf --version,
 * perf_event_paranoid), then per row (perf may still refuse to attach).
 */
#ifndef GB_PROFILING_H
#define GB_PROFILING_H

#include <stdbool.h>

#include "profile.h"

struct gb_job;
struct gb_row;

/* Per-row profile limits: the heaviest symbols per side and folded stacks kept. */
#define GB_PROF_TOP_SYMBOLS 20
#define GB_PROF_STACKS 200

struct gb_prof {
	int can;		  /* bl_profile_check(): 1 = not asked yet, 0 = can, -errno */
	char why[256];		  /* why not, or a limit (no kernel frames) when can == 0 */
	unsigned seq;		  /* rows recorded: names the perf.data files */
	bool recording;
	struct bl_profile_rec rec;
};

void gb_prof_init(struct gb_prof *p);

/*
 * Before a row's measured region: when @job asks for a profile, starts perf
 * on this process (0) or notes in @row why not (the row goes on). @p NULL:
 * profiling was not set up (the row says so). 0 also when not asked.
 */
void gb_prof_row_begin(struct gb_prof *p, const struct gb_job *job, struct gb_row *row);

/* After the measured region: stops perf and sets row->profile, or the reason. */
void gb_prof_row_end(struct gb_prof *p, struct gb_row *row);

#endif
