/*
 * gembench row profiles with linux-perf (see profiling.h). perf runs as a
 * separate process attached to ours (-p getpid()), started before the
 * first timed operation (perf needs 0.1-0.3 s to attach, longer under TCG)
 * and stopped after the last one, so its start-up is not in any timing;
 * its sampling (999 Hz) is, which is why profiled runs are labelled in
 * job.params.profile and compare keeps them apart.
 */
#include "profiling.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "run.h"

/* utime + stime of @pid in clock ticks, or -1 when it is gone. */
static long long cpu_ticks(pid_t pid, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold spaces, so start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", state,
			 &ut, &st) != 3)
		return -1;
	return (long long)(ut + st);
}

/*
 * Only for a perf without --control (bl_profile_rec.acked false): there
 * bl_profile_start waits for perf's file header, which perf writes BEFORE
 * it synthesizes the existing threads, maps and kernel modules and only
 * then enables the events of an attached (-p) process. Under TCG that
 * synthesis takes seconds: the testbed's first rows had no sample at all.
 * So wait until perf is idle (sleeping, and no CPU time used over three
 * 20 ms looks): it has then enabled the events and waits for samples.
 * At most @max_ms. 0, or -ETIMEDOUT / -ESRCH.
 */
static int wait_perf_idle(pid_t pid, unsigned max_ms)
{
	long long prev = -1, now;
	unsigned quiet = 0;
	char state = '?';

	for (unsigned waited = 0; waited < max_ms; waited += 20) {
		now = cpu_ticks(pid, &state);
		if (now < 0)
			return -ESRCH;
		quiet = (now == prev && state == 'S') ? quiet + 1 : 0;
		if (quiet >= 3)
			return 0;
		prev = now;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	return -ETIMEDOUT;
}

void gb_prof_init(struct gb_prof *p)
{
	memset(p, 0, sizeof(*p));
	p->can = 1;
	p->rec.perf_pid = -1;
}

static void row_why(struct gb_row *row, const char *why)
{
	row->profile_asked = true;
	json_decref(row->profile);
	row->profile = NULL;
	snprintf(row->profile_why, sizeof(row->profile_why), "%s",
		 why && *why ? why : "perf: unknown failure");
}

void gb_prof_row_begin(struct gb_prof *p, const struct gb_job *job, struct gb_row *row)
{
	char path[4096], why[256] = "";
	const char *tmp = getenv("TMPDIR");

	if (!job->profile)
		return;
	row->profile_asked = true;
	if (!p) {
		row_why(row, "profiling was not set up by this caller");
		return;
	}
	if (p->can == 1) {
		p->can = bl_profile_check(p->why, sizeof(p->why));
		if (p->can)
			bl_warn("%s: rows are measured unprofiled", p->why);
		else if (p->why[0])
			bl_info("%s", p->why);
	}
	if (p->can) {
		row_why(row, p->why);
		return;
	}
	snprintf(path, sizeof(path), "%s/gembench-%d-%u.perf.data", tmp && *tmp ? tmp : "/tmp",
		 (int)getpid(), p->seq++);
	if (bl_profile_start(&p->rec, getpid(), path, 0, why, sizeof(why))) {
		bl_warn("%s: row measured unprofiled", why);
		row_why(row, why);
		return;
	}
	p->recording = true;
	/* acked: perf said its events are on; nothing to guess */
	if (!p->rec.acked && wait_perf_idle(p->rec.perf_pid, 60000))
		bl_warn("perf: still busy starting after 60 s: the row's first samples may be lost");
}

void gb_prof_row_end(struct gb_prof *p, struct gb_row *row)
{
	struct bl_profile prof;
	char why[256] = "";
	int err;

	if (!p || !p->recording)
		return;
	p->recording = false;
	err = bl_profile_stop(&p->rec);
	if (err) {
		snprintf(why, sizeof(why), "perf: record did not finish cleanly: %s",
			 strerror(-err));
	} else if (bl_profile_collect(p->rec.data_path, &prof, why, sizeof(why)) == 0) {
		json_t *j = bl_profile_to_json(&prof, GB_PROF_TOP_SYMBOLS, GB_PROF_STACKS);

		bl_profile_free(&prof);
		if (j) {
			/* A limit known up front (no kernel frames) travels with the profile. */
			if (p->why[0])
				json_object_set_new(j, "limits", json_string(p->why));
			json_decref(row->profile);
			row->profile = j;
			row->profile_why[0] = '\0';
		} else {
			snprintf(why, sizeof(why), "perf: profile: out of memory");
		}
	}
	unlink(p->rec.data_path);
	if (!row->profile)
		row_why(row, why);
}
