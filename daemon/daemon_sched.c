/*
 * The scheduler (see daemon_sched.h).
 *
 * Life of a run: bld_sched_tick() takes the due schedule that fell due
 * first (bld_sched_order: fair, an always-due one cannot starve the
 * others), records
 * its start in the store (bl_store_schedule_begin: from then on a restart
 * will not run this slot again), builds the argument vector, and starts it
 * with lib/subprocess.h (bl_spawn_start, then bl_spawn_detach: the daemon
 * reaps): its own process group, killed if the daemon dies
 * (PR_SET_PDEATHSIG), stdin from /dev/null; a command that cannot be
 * exec'd is a failed run there and then. The daemon reads stdout (bounded,
 * like an HTTP body) and the tail of stderr through libevent read events,
 * and arms the timeout.
 * SIGCHLD (a libevent signal event in bouncelabd.c) ends the run: reap,
 * kill what is left of the group, read the pipes dry, store the documents
 * the command printed (or a document saying why there is none: timeout,
 * failed, skipped), close the schedule record, log one summary line.
 */
#include "daemon_sched.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <ini.h>
#include <jansson.h>

#include "analysis.h"
#include "daemon_campaign.h"
#include "daemon_newkernel.h"
#include "daemon.h"
#include "docwrite.h"
#include "fsutil.h"
#include "log.h"
#include "paths.h"
#include "resultdoc.h"
#include "stats.h"
#include "store.h"
#include "subprocess.h"

#define STDERR_TAIL 2048 /* bytes of stderr kept for the record */

struct child {
	pid_t pid;			/* also the process group id; 0 = none */
	size_t sched_idx;		/* into ctx->cfg.schedules */
	char name[BLD_NAME_MAX];	/* copy: a reload may change the table */
	char *job;			/* copy of the job file path, or NULL */
	char *baseline;			/* copy of the schedule's baseline selector, or NULL */
	char *prog;			/* argv[0] as run */
	char *outdir;			/* a lab campaign's folder (its documents); NULL for a command */
	int64_t record_id;		/* bl_store_schedule_begin() id */
	time_t started;			/* CLOCK_REALTIME */
	int64_t started_ns;		/* monotonic */
	int out_fd, err_fd;		/* pipes; -1 when closed */
	struct event *out_ev, *err_ev, *timeout_ev;
	struct evbuffer *out;		/* stdout, at most cfg.max_body bytes */
	bool out_truncated;
	char err_tail[STDERR_TAIL + 1]; /* last bytes of stderr, NUL-terminated */
	size_t err_len;
	bool timed_out;
	int status;			/* from waitpid */
};

struct bld_sched {
	struct bld_ctx *ctx;
	struct child run;		/* run.pid == 0: idle */
	int64_t last[BLD_SCHEDULE_MAX]; /* planned slot of the last start; -1 = not read yet */
	struct bld_newkernel *nk;	/* on = new-kernel schedules: polls and versions */
	struct bl_complain c_store;
};

int bld_sched_due(const struct bld_schedule *sc, int64_t last, time_t now, time_t started, int64_t *planned)
{
	if (sc->when == BLD_WHEN_NEW_KERNEL)
		return 0; /* not by the clock: daemon_newkernel.c says when */
	if (sc->when == BLD_WHEN_EVERY) {
		if (last > 0 && now < last + sc->every_s)
			return 0;
		*planned = now;
		return 1;
	} else {
		struct tm tm;
		time_t occ;

		localtime_r(&now, &tm);
		tm.tm_hour = sc->at_minute / 60;
		tm.tm_min = sc->at_minute % 60;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		occ = mktime(&tm);
		if (occ > now) { /* today's is still ahead: the latest was yesterday's */
			localtime_r(&now, &tm);
			tm.tm_mday -= 1;
			tm.tm_hour = sc->at_minute / 60;
			tm.tm_min = sc->at_minute % 60;
			tm.tm_sec = 0;
			tm.tm_isdst = -1;
			occ = mktime(&tm);
		}
		if (occ <= last)
			return 0;
		if (last <= 0 && occ < started)
			return 0; /* a new schedule did not miss anything */
		*planned = occ;
		return 1;
	}
}

/* --- documents the daemon writes itself ------------------------------------ */

struct job_keys {
	char backend[64], workload[64];
};

static int job_key_cb(void *user, const char *section, const char *name, const char *value)
{
	struct job_keys *k = user;

	if (!strcmp(name, "backend") && !k->backend[0])
		snprintf(k->backend, sizeof(k->backend), "%s", value);
	else if (!strcmp(name, "workload") && !k->workload[0])
		snprintf(k->workload, sizeof(k->workload), "%s", value);
	return 1;
}

/*
 * Stores a run the command did not describe itself (timeout, crash, no
 * output): a contract document (lib/docwrite.h) with the schedule's job,
 * the status and the reason, and a "scheduler" object naming the schedule
 * and its job file. Returns 0 and the UUID in @run_id (set as soon as the
 * document exists, even when storing it then fails).
 */
static int store_own_doc(struct bld_sched *s, struct child *c, const char *status, const char *error,
			 char run_id[BL_UUID_LEN])
{
	struct job_keys k = { "", "" };
	struct bl_resultdoc *doc = NULL;
	enum bl_put_outcome outcome;
	char started[BL_RFC3339_LEN], err[256];
	json_t *root, *job;
	int ret;

	/* Best effort: unknown stays "unknown"; never a device or a huge file (it would not end). */
	if (c->job && !bl_check_text_file(c->job, BL_TEXT_FILE_MAX, err, sizeof(err)))
		ini_parse(c->job, job_key_cb, &k);
	bl_rfc3339_unix(c->started, started);
	root = bl_doc_bare_new(&(struct bl_doc_bare){
		.status = status,
		.error = error,
		.tool_name = c->prog,
		.tool_version = "unknown", /* the command's own, which the daemon cannot tell */
		.started_at = started,
		.finished_at = NULL, /* now */
		.job_name = c->name,
		.backend = k.backend, /* "" is "unknown" */
		.workload = k.workload,
	});
	if (!root)
		return -ENOMEM;
	job = json_object_get(root, "job");
	if ((c->job && json_object_set_new(job, "file", json_string(c->job))) ||
	    json_object_set_new(root, "scheduler",
				json_pack("{s:s, s:s*}", "schedule", c->name, "job_file", c->job))) {
		json_decref(root);
		return -ENOMEM;
	}
	snprintf(run_id, BL_UUID_LEN, "%s", json_string_value(json_object_get(root, "run_id")));
	ret = bl_resultdoc_from_json(root, &doc, err, sizeof(err));
	json_decref(root);
	if (ret < 0) {
		bl_err("schedule %s: own %s document refused: %s", c->name, status, err);
		return ret;
	}
	ret = bl_store_put_run(s->ctx->store, doc, &outcome);
	if (ret < 0)
		bl_err("schedule %s: store %s run: %s", c->name, status, bl_store_errmsg(s->ctx->store));
	bl_resultdoc_free(doc);
	return ret;
}

/*
 * Stores every document in the child's stdout (one, or several one after
 * another / JSON Lines). Counts them in *@stored; the first UUID and status
 * in @first_id / @first_status. -EINVAL with @why when stdout is not
 * documents.
 */
#define JUDGE_MAX 32
struct stored_ids {
	char id[JUDGE_MAX][BL_UUID_LEN]; /* documents stored with status ok, to judge */
	int n;
};

static int store_output(struct bld_sched *s, struct child *c, int *stored, char first_id[BL_UUID_LEN],
			char first_status[16], struct stored_ids *ok_ids, struct bld_campaign_result *night,
			char *why, size_t whylen)
{
	size_t len = evbuffer_get_length(c->out), off = 0;
	const char *text = len ? (const char *)evbuffer_pullup(c->out, -1) : "";
	int ret = 0;

	*stored = 0;
	while (off < len) {
		struct bl_resultdoc *doc = NULL;
		enum bl_put_outcome outcome;
		json_error_t jerr;
		json_t *root;
		char err[256];

		while (off < len && (text[off] == ' ' || text[off] == '\n' || text[off] == '\r' || text[off] == '\t'))
			off++;
		if (off == len)
			break;
		root = json_loadb(text + off, len - off, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
		if (!root) {
			snprintf(why, whylen, "stdout byte %zu: not a JSON document: %s", off, jerr.text);
			return -EINVAL;
		}
		off += jerr.position;
		ret = bl_resultdoc_from_json(root, &doc, err, sizeof(err));
		json_decref(root);
		if (ret < 0) {
			snprintf(why, whylen, "stdout document %d: %s", *stored + 1, err);
			return ret;
		}
		ret = bl_store_put_run(s->ctx->store, doc, &outcome);
		if (ret < 0) {
			snprintf(why, whylen, "store: %s", bl_store_errmsg(s->ctx->store));
			bl_resultdoc_free(doc);
			return ret;
		}
		if (!*stored) {
			snprintf(first_id, BL_UUID_LEN, "%s", doc->run_id);
			snprintf(first_status, 16, "%s", bl_run_status_names[doc->status]);
		}
		if (doc->status == BL_STATUS_OK && ok_ids->n < JUDGE_MAX)
			snprintf(ok_ids->id[ok_ids->n++], BL_UUID_LEN, "%s", doc->run_id);
		if (bld_campaign_result_add(night, doc->run_id, doc->status) < 0)
			bl_err("schedule %s: run %s: out of memory: not judged as part of the night", c->name,
			       doc->run_id);
		(*stored)++;
		bl_resultdoc_free(doc);
	}
	return 0;
}

/* --- the child ----------------------------------------------------------- */

static void read_pipe(struct child *c, bool is_err)
{
	int *fd = is_err ? &c->err_fd : &c->out_fd;
	char buf[16384];

	while (*fd >= 0) {
		ssize_t n = read(*fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) { /* EOF or error: this pipe is done */
			struct event **ev = is_err ? &c->err_ev : &c->out_ev;

			if (*ev)
				event_free(*ev);
			*ev = NULL;
			close(*fd);
			*fd = -1;
			return;
		}
		if (is_err) {
			/* Keep the last STDERR_TAIL bytes. */
			if ((size_t)n >= STDERR_TAIL) {
				memcpy(c->err_tail, buf + n - STDERR_TAIL, STDERR_TAIL);
				c->err_len = STDERR_TAIL;
			} else {
				size_t keep = c->err_len + (size_t)n > STDERR_TAIL ? STDERR_TAIL - (size_t)n : c->err_len;

				memmove(c->err_tail, c->err_tail + c->err_len - keep, keep);
				memcpy(c->err_tail + keep, buf, (size_t)n);
				c->err_len = keep + (size_t)n;
			}
			c->err_tail[c->err_len] = '\0';
		} else if (!c->out_truncated) {
			evbuffer_add(c->out, buf, (size_t)n);
		}
	}
}

static void out_ready(evutil_socket_t fd, short what, void *arg)
{
	struct bld_sched *s = arg;

	read_pipe(&s->run, false);
	if (evbuffer_get_length(s->run.out) > s->ctx->cfg.max_body && !s->run.out_truncated) {
		s->run.out_truncated = true; /* stored as failed; keep draining so the child is not blocked */
		evbuffer_drain(s->run.out, evbuffer_get_length(s->run.out));
	}
}

static void err_ready(evutil_socket_t fd, short what, void *arg)
{
	struct bld_sched *s = arg;

	read_pipe(&s->run, true);
}

static void timeout_fired(evutil_socket_t fd, short what, void *arg)
{
	struct bld_sched *s = arg;
	struct child *c = &s->run;

	if (!c->pid)
		return;
	c->timed_out = true;
	bl_warn("schedule %s: timeout after %.1f s: killing process group %d", c->name,
		(double)(bld_now_ns() - c->started_ns) / 1e9, (int)c->pid);
	kill(-c->pid, SIGKILL);
}

static void child_reset(struct child *c)
{
	if (c->out_ev)
		event_free(c->out_ev);
	if (c->err_ev)
		event_free(c->err_ev);
	if (c->timeout_ev)
		event_free(c->timeout_ev);
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	if (c->out)
		evbuffer_free(c->out);
	free(c->job);
	free(c->baseline);
	free(c->prog);
	free(c->outdir);
	memset(c, 0, sizeof(*c));
	c->out_fd = c->err_fd = -1;
}

static int spawn(struct bld_sched *s, size_t idx, int64_t planned, time_t now)
{
	struct bld_ctx *ctx = s->ctx;
	const struct bld_schedule *sc = &ctx->cfg.schedules[idx];
	struct child *c = &s->run;
	struct bl_spawn ch;
	const char *job = sc->lab ? sc->lab->job : sc->job;
	char why[256];
	char **argv = NULL;
	char *outdir = NULL;
	struct timeval tv;
	pid_t pid;
	int ret;

	assert(!c->pid); /* runs never overlap: bld_sched_tick checks */
	assert(idx < ctx->cfg.n_schedules); /* so also < BLD_SCHEDULE_MAX, s->last[] */
	if (sc->lab)
		argv = bld_build_lab_argv(&ctx->cfg, sc, sc->new_kernel, now, &outdir, why, sizeof(why));
	else
		argv = bld_build_argv(&ctx->cfg, sc, why, sizeof(why));
	ret = bl_store_schedule_begin(ctx->store, sc->name, job, planned, now, &c->record_id);
	if (ret < 0) {
		bl_complain_at(&s->c_store, bld_now_ns(), "schedule %s: record start: %s; not running it", sc->name,
			     bl_store_errmsg(ctx->store));
		if (outdir)
			rmdir(outdir); /* still empty: nothing ran */
		free(outdir);
		bld_free_vec(argv);
		return ret;
	}
	s->last[idx] = planned; /* from here on, this slot is spent */
	snprintf(c->name, sizeof(c->name), "%s", sc->name);
	c->sched_idx = idx;
	c->started = now;
	c->started_ns = bld_now_ns();
	c->job = job ? strdup(job) : NULL;
	c->baseline = sc->baseline ? strdup(sc->baseline) : NULL;
	c->outdir = outdir;
	if (!argv) {
		c->prog = strdup(sc->lab ? ctx->cfg.bouncelab : sc->argv ? sc->argv[0] : ctx->cfg.gembench);
		ret = -ENOENT;
		goto fail;
	}
	c->prog = strdup(argv[0]);
	c->out = evbuffer_new();
	if (!c->out) {
		ret = -ENOMEM;
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	/*
	 * stdin from /dev/null; stdout and stderr into pipes whose read ends
	 * come back non-blocking and close-on-exec (the command's write ends
	 * stay blocking). argv[0] is already resolved: no PATH search. An exec
	 * that fails (not executable, a missing interpreter) fails here, with
	 * its errno, instead of as an exit code 127.
	 */
	ret = bl_spawn_start(argv,
			     &(struct bl_spawn_opts){ .in = BL_SPAWN_NULL,
						      .out = BL_SPAWN_PIPE,
						      .err = BL_SPAWN_PIPE,
						      .new_pgroup = true,
						      .die_with_parent = true,
						      .no_path_search = true },
			     &ch);
	if (ret < 0) {
		snprintf(why, sizeof(why), "start %s: %s", argv[0], strerror(-ret));
		goto fail;
	}
	/* From here on the child is ours to reap (SIGCHLD: bld_sched_sigchld). */
	pid = bl_spawn_detach(&ch);
	c->pid = pid;
	c->out_fd = ch.out_fd;
	c->err_fd = ch.err_fd;
	c->out_ev = event_new(ctx->base, c->out_fd, EV_READ | EV_PERSIST, out_ready, s);
	c->err_ev = event_new(ctx->base, c->err_fd, EV_READ | EV_PERSIST, err_ready, s);
	c->timeout_ev = evtimer_new(ctx->base, timeout_fired, s);
	tv.tv_sec = sc->timeout_ms / 1000;
	tv.tv_usec = (sc->timeout_ms % 1000) * 1000;
	if (!c->out_ev || !c->err_ev || !c->timeout_ev || event_add(c->out_ev, NULL) < 0 ||
	    event_add(c->err_ev, NULL) < 0 || evtimer_add(c->timeout_ev, &tv) < 0) {
		/* Without events we cannot watch it: kill it now; SIGCHLD finishes the run. */
		bl_err("schedule %s: event set-up failed; killing the run", sc->name);
		kill(-pid, SIGKILL);
	}
	bl_info("schedule %s: started pid %d: %s%s%s%s%s%s", sc->name, (int)pid, argv[0], sc->lab ? " lab" : "",
		job ? " job " : "", job ? job : "", outdir ? " out " : "", outdir ? outdir : "");
	bld_free_vec(argv);
	return 0;
fail:
	/* Not started (not found, not executable, no pipe or fork): a failed run with the reason. */
	bl_err("schedule %s: %s", sc->name, why);
	{
		char run_id[BL_UUID_LEN] = "";
		char summary[512];

		store_own_doc(s, c, "failed", why, run_id);
		snprintf(summary, sizeof(summary), "schedule %s: not started: %s", sc->name, why);
		bl_store_schedule_finish(ctx->store, c->record_id, "failed", -1, run_id[0] ? run_id : NULL, NULL,
					 summary, time(NULL));
	}
	bld_free_vec(argv);
	child_reset(c);
	return ret;
}

/*
 * The nightly judgement (issue 7): each document the run stored with status
 * ok is compared with the runs the schedule's baseline selector picks
 * (an_judge_run stores the verdicts); one line per document is logged, a
 * warning when something got significantly worse. @out gets a short note
 * for the run's summary.
 */
static void judge(struct bld_sched *s, struct child *c, const struct stored_ids *ids, char *out, size_t outlen)
{
	struct bl_stats_opts opts;
	size_t worse_total = 0;
	int judged = 0;

	out[0] = '\0';
	if (!c->baseline || !ids->n)
		return;
	bl_stats_opts_default(&opts);
	for (int i = 0; i < ids->n; i++) {
		char summary[512] = "";
		size_t worse = 0;
		int ret = an_judge_run(s->ctx->store, ids->id[i], c->baseline, &opts, time(NULL), &worse, summary,
				       sizeof(summary));

		if (ret < 0) {
			bl_info("schedule %s: verdict: none: %s", c->name, summary[0] ? summary : strerror(-ret));
			continue;
		}
		judged++;
		worse_total += worse;
		bl_log(worse ? BL_LOG_WARN : BL_LOG_INFO, "schedule %s: verdict against '%s': %s", c->name, c->baseline,
		       summary);
	}
	if (judged)
		snprintf(out, outlen, ", verdict: %zu worse", worse_total);
}

/*
 * A lab campaign is over (reaped): store every document it wrote, even
 * after a timeout or a stop (the boots that finished wrote theirs); add
 * the daemon's own document when the lab's do not say why the run is not
 * ok (a timeout or a stop cut boots short, exit 2 refused the input before
 * anything booted); judge what was stored as one night; close the record
 * and log one line.
 */
static void finish_lab(struct bld_sched *s, struct child *c, const char *interrupted, int exit_code, double secs)
{
	struct bld_ctx *ctx = s->ctx;
	struct bld_campaign_result docs = { 0 }, *res = &docs;
	char status[16] = "ok", why[STDERR_TAIL + 640] = "", summary[1024], night[96] = "", run_id[BL_UUID_LEN] = "";
	bool own = false;
	int ret = bld_campaign_store(ctx->store, c->name, c->outdir, ctx->cfg.max_body, res);

	if (ret < 0)
		bl_err("schedule %s: campaign folder %s: %s", c->name, c->outdir, strerror(-ret));
	if (interrupted) {
		snprintf(status, sizeof(status), "failed");
		snprintf(why, sizeof(why), "%s; campaign %s; stderr: %s", interrupted, c->outdir, c->err_tail);
		own = true;
	} else if (c->timed_out) {
		snprintf(status, sizeof(status), "timeout");
		snprintf(why, sizeof(why), "campaign killed at its timeout after %.1f s (its process group, QEMU "
					   "included); campaign %s; stderr tail: %s",
			 secs, c->outdir, c->err_tail);
		own = true;
		ctx->stats.sched_timeouts++;
	} else if (!res->stored) {
		snprintf(status, sizeof(status), "%s", exit_code == 77 ? "skipped" : "failed");
		snprintf(why, sizeof(why), "bouncelab lab exit %d, no result document stored from %s%s%s; stderr: %s",
			 exit_code, c->outdir, res->refused ? " (refused: " : "",
			 res->refused ? res->first_refusal : "", c->err_tail);
		if (res->refused)
			strncat(why, ")", sizeof(why) - strlen(why) - 1);
		own = true;
	} else if (exit_code != 0 || res->refused || ret < 0) {
		/* The failed boots' documents say why; the record says that not everything went well. */
		snprintf(status, sizeof(status), "failed");
	}
	if (own)
		ret = store_own_doc(s, c, status, why, run_id);
	if (res->stored) {
		snprintf(run_id, sizeof(run_id), "%s", res->run_id[0]);
		bld_campaign_judge(ctx->store, c->name, c->started, c->baseline, res, night, sizeof(night));
	}
	snprintf(summary, sizeof(summary),
		 "schedule %s: campaign %s, exit %d, %.1f s, %d document%s stored, %d refused%s%s%s%s from %s",
		 c->name, status, exit_code, secs, res->stored, res->stored == 1 ? "" : "s", res->refused,
		 own ? (ret < 0 ? ", own document NOT stored" : ", own document stored") : "", night, run_id[0] ? ", first run " : "", run_id, c->outdir);
	bl_store_schedule_finish(ctx->store, c->record_id, status, exit_code, run_id[0] ? run_id : NULL,
				 c->err_len ? c->err_tail : NULL, summary, time(NULL));
	bl_log(strcmp(status, "ok") ? BL_LOG_WARN : BL_LOG_INFO, "%s", summary);
	ctx->stats.sched_runs++;
	bld_campaign_result_free(res);
	child_reset(c);
}

/* The run is over (reaped): store what it produced and log one line. */
static void finish(struct bld_sched *s, const char *interrupted)
{
	struct bld_ctx *ctx = s->ctx;
	struct child *c = &s->run;
	char run_id[BL_UUID_LEN] = "", status[16] = "", why[STDERR_TAIL + 640] = "", summary[768], verdict[64] = "";
	struct stored_ids ok_ids = { .n = 0 };
	struct bld_campaign_result night = { 0 };
	char night_note[96] = "";
	int exit_code = -1, stored = 0, ret = 0;
	double secs = (double)(bld_now_ns() - c->started_ns) / 1e9;

	read_pipe(c, false); /* the group was killed before the reap (bld_sched_sigchld) */
	read_pipe(c, true);
	if (WIFEXITED(c->status))
		exit_code = WEXITSTATUS(c->status);
	else if (WIFSIGNALED(c->status))
		exit_code = 128 + WTERMSIG(c->status);
	if (c->outdir) {
		finish_lab(s, c, interrupted, exit_code, secs);
		return;
	}

	if (interrupted) {
		snprintf(status, sizeof(status), "failed");
		snprintf(why, sizeof(why), "%s; stderr: %s", interrupted, c->err_tail);
		ret = store_own_doc(s, c, status, why, run_id);
	} else if (c->timed_out) {
		snprintf(status, sizeof(status), "timeout");
		snprintf(why, sizeof(why), "killed at its timeout after %.1f s; stderr tail: %s", secs, c->err_tail);
		ret = store_own_doc(s, c, status, why, run_id);
		ctx->stats.sched_timeouts++;
	} else if (c->out_truncated) {
		snprintf(status, sizeof(status), "failed");
		snprintf(why, sizeof(why), "stdout larger than max_body (%zu bytes); stderr: %s", ctx->cfg.max_body,
			 c->err_tail);
		ret = store_own_doc(s, c, status, why, run_id);
	} else {
		char swhy[300] = "";

		ret = store_output(s, c, &stored, run_id, status, &ok_ids, &night, swhy, sizeof(swhy));
		if (ret < 0 || stored == 0) {
			const char *st = exit_code == 77 ? "skipped" : "failed";

			snprintf(why, sizeof(why), "exit %d, %s; stderr: %s", exit_code,
				 ret < 0 ? swhy : "no result document on stdout", c->err_tail);
			snprintf(status, sizeof(status), "%s", st);
			ret = store_own_doc(s, c, st, why, run_id);
		}
	}
	if (!stored && ret == 0 && run_id[0])
		stored = 1; /* the daemon's own document for the run */
	judge(s, c, &ok_ids, verdict, sizeof(verdict));
	/*
	 * The documents the command printed are a night too, judged against
	 * their last night; the pinned baseline stays judge()'s (an_judge_run,
	 * as before nights existed), so it is not judged twice.
	 */
	bld_campaign_judge(ctx->store, c->name, c->started, NULL, &night, night_note, sizeof(night_note));
	bld_campaign_result_free(&night);
	snprintf(summary, sizeof(summary), "schedule %s: %s, exit %d, %.1f s, %d document%s stored%s%s%s%s%s", c->name,
		 status, exit_code, secs, stored, stored == 1 ? "" : "s",
		 run_id[0] ? ", run " : "", run_id, ret < 0 ? " (STORE FAILED)" : "", verdict, night_note);
	bl_store_schedule_finish(ctx->store, c->record_id, status, exit_code, run_id[0] ? run_id : NULL,
				 c->err_len ? c->err_tail : NULL, summary, time(NULL));
	bl_info("%s", summary);
	ctx->stats.sched_runs++;
	child_reset(c);
}

void bld_sched_sigchld(struct bld_sched *s)
{
	siginfo_t si = { 0 };
	int status = 0;

	if (s)
		bld_newkernel_sigchld(s->nk);
	if (!s || !s->run.pid)
		return;
	/*
	 * Look without reaping first: while the child is a zombie its PID (the
	 * process group id) cannot be reused, so killing what is left of the
	 * group cannot hit anybody else's processes.
	 */
	if (waitid(P_PID, (id_t)s->run.pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid != s->run.pid)
		return;
	kill(-s->run.pid, SIGKILL);
	if (waitpid(s->run.pid, &status, 0) != s->run.pid)
		return;
	s->run.status = status;
	finish(s, NULL);
}

size_t bld_sched_order(const struct bld_schedule *scs, size_t n, const int64_t *last, time_t now, time_t started,
		       size_t *order, int64_t *planned)
{
	int64_t due[BLD_SCHEDULE_MAX];
	size_t k = 0;

	for (size_t i = 0; i < n && i < BLD_SCHEDULE_MAX; i++) {
		int64_t slot;

		if (last[i] < 0 || !bld_sched_due(&scs[i], last[i], now, started, &slot))
			continue;
		/* When it fell due: an every-schedule one period after its last start. */
		if (scs[i].when == BLD_WHEN_EVERY)
			due[i] = last[i] > 0 ? last[i] + scs[i].every_s : started;
		else
			due[i] = slot;
		planned[i] = slot;
		/* Insertion by due time; the table's order among equals (k is a handful). */
		size_t j = k++;

		while (j > 0 && due[order[j - 1]] > due[i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	return k;
}

void bld_sched_tick(struct bld_sched *s, time_t now)
{
	struct bld_ctx *ctx = s->ctx;
	int64_t planned[BLD_SCHEDULE_MAX];
	size_t order[BLD_SCHEDULE_MAX], n;

	if (!ctx->stopping)
		bld_newkernel_tick(s->nk, now); /* polls apt's index while a campaign runs too */
	if (s->run.pid || ctx->stopping)
		return; /* runs never overlap */
	for (size_t i = 0; i < ctx->cfg.n_schedules; i++) {
		const struct bld_schedule *sc = &ctx->cfg.schedules[i];

		if (s->last[i] < 0) {
			int64_t last = 0;

			if (bl_store_schedule_last(ctx->store, sc->name, &last) < 0) {
				bl_complain_at(&s->c_store, bld_now_ns(), "schedule %s: read last run: %s", sc->name,
					     bl_store_errmsg(ctx->store));
				continue;
			}
			s->last[i] = last;
		}
	}
	/*
	 * Earliest due first, one start per tick: taking the first due one in
	 * table order let an always-due schedule (every = 1s, a fast command)
	 * starve every schedule after it.
	 */
	n = bld_sched_order(ctx->cfg.schedules, ctx->cfg.n_schedules, s->last, now, ctx->started, order, planned);
	for (size_t k = 0; k < n; k++)
		if (spawn(s, order[k], planned[order[k]], now) == 0)
			return;
	/* A new kernel in apt's index: its slot is the time it was started. */
	for (size_t i = 0; i < ctx->cfg.n_schedules; i++) {
		const char *version = bld_newkernel_due(s->nk, i);
		int ret;

		if (!version)
			continue;
		bl_info("schedule %s: campaign for %s %s", ctx->cfg.schedules[i].name, ctx->cfg.schedules[i].new_kernel,
			version);
		ret = spawn(s, i, now, now);
		if (s->last[i] == now)
			bld_newkernel_started(s->nk, i, now); /* the slot is spent, started or not: never twice */
		if (ret == 0)
			return;
	}
}

void bld_sched_reload(struct bld_sched *s)
{
	for (size_t i = 0; i < BLD_SCHEDULE_MAX; i++)
		s->last[i] = -1; /* names may have moved: read again from the store */
	if (s->nk)
		bld_newkernel_reload(s->nk);
}

int bld_sched_new(struct bld_ctx *ctx, struct bld_sched **out)
{
	struct bld_sched *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->run.out_fd = s->run.err_fd = -1;
	if (bld_newkernel_new(ctx, &s->nk) < 0) {
		free(s);
		return -ENOMEM;
	}
	bld_sched_reload(s);
	{
		/* Runs a previous daemon left "running" (it was killed meanwhile) are over. */
		int n = 0;

		if (bl_store_schedule_abandon(ctx->store, "failed: bouncelabd stopped while this run was running",
					      time(NULL), &n) < 0)
			bl_warn("scheduler: close abandoned runs: %s", bl_store_errmsg(ctx->store));
		else if (n)
			bl_info("scheduler: %d run%s left running by a previous daemon marked failed", n,
				n == 1 ? "" : "s");
	}
	*out = s;
	return 0;
}

void bld_sched_free(struct bld_sched *s)
{
	if (!s)
		return;
	if (s->run.pid) {
		int status = 0;

		kill(-s->run.pid, SIGKILL); /* not reaped yet: the group id is still ours */
		while (waitpid(s->run.pid, &status, 0) < 0 && errno == EINTR)
			;
		s->run.status = status;
		finish(s, "interrupted: the daemon stopped");
	}
	child_reset(&s->run);
	bld_newkernel_free(s->nk);
	free(s);
}
