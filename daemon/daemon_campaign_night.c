/*
 * A lab campaign's documents judged as one night (see daemon_campaign.h):
 * the scheduler hands over what it stored, analysis/night.h does the
 * judging (last night of the same configuration, the pinned baseline) and
 * stores the verdicts; this file records the night, logs one line and
 * writes the short note that ends the scheduled run's summary.
 */
#include "daemon_campaign.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "night.h"

int bld_campaign_judge(struct bl_store *store, const char *name, time_t started, const char *baseline,
		       const struct bld_campaign_result *res, char *note, size_t len)
{
	struct an_night night = { 0 };
	char source[96], base_part[256] = "";
	int64_t id = 0;
	int ret;

	note[0] = '\0';
	if (!res->stored)
		return 0; /* nothing to judge: the run's own document says why */
	snprintf(source, sizeof(source), "schedule:%s", name);
	ret = an_night_begin(store, NULL, source, started, &id);
	if (ret < 0) {
		bl_err("schedule %s: record the night: %s", name, strerror(-ret));
		return ret;
	}
	for (int i = 0; i < res->stored; i++) {
		ret = an_night_add_run(store, id, res->run_id[i]);
		if (ret < 0) {
			bl_err("schedule %s: night %lld: add run %s: %s", name, (long long)id, res->run_id[i],
			       strerror(-ret));
			return ret;
		}
	}
	ret = an_night_judge(store, id, baseline, NULL, time(NULL), &night);
	if (ret < 0) {
		bl_err("schedule %s: night %lld: judge: %s", name, (long long)id, strerror(-ret));
		return ret;
	}
	if (baseline)
		snprintf(base_part, sizeof(base_part), "; against baseline '%s': %zu worse, %zu better, %zu same, %zu unknown",
			 baseline, night.base.worse, night.base.better, night.base.same, night.base.unknown);
	bl_log(night.last.worse || night.base.worse ? BL_LOG_WARN : BL_LOG_INFO,
	       "schedule %s: night %lld judged: %zu run%s; against last night: %zu worse (%zu newly failing), "
	       "%zu better, %zu same, %zu unknown; %zu first night%s%s",
	       name, (long long)id, night.n_runs, night.n_runs == 1 ? "" : "s", night.last.worse,
	       night.last.failed_new, night.last.better, night.last.same, night.last.unknown, night.first_nights,
	       night.first_nights == 1 ? "" : "s", base_part);
	snprintf(note, len, ", night %lld: %zu worse", (long long)id, night.last.worse + night.base.worse);
	an_night_free(&night);
	return 0;
}
