/*
 * new-kernel schedules (see daemon_newkernel.h): the poll child, its
 * answer, and what each schedule last ran.
 *
 * One poll at a time: `bouncelab lab --kernels SERIES --resolve` in its own
 * process group, stdout into a pipe the daemon reads only once the child is
 * over (the answer is one line, far below a pipe's capacity, so the child
 * never blocks on it), stderr to /dev/null (the exit code says whether apt
 * answered: 0 yes, 2 the series names no kernel, 1 apt could not be
 * asked). A poll that hangs past POLL_TIMEOUT_S is killed. A failed poll is
 * logged with back-off and tried again at the next poll time.
 */
#include "daemon_newkernel.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "daemon_sched.h"
#include "lab_kver.h"
#include "log.h"
#include "store.h"
#include "subprocess.h"

#define POLL_TIMEOUT_S 300    /* apt-cache over a slow disk takes seconds, never minutes */
#define ANSWER_MAX     4096   /* bytes of the poll's stdout read */
#define VERSION_MAX    64

struct poll_child {
	struct bl_spawn ch; /* ch.pid > 0 while it runs */
	bool running;
	size_t idx;	    /* the schedule it asks for */
	char series[VERSION_MAX]; /* and its series: a reload may have moved the table */
	time_t started;
};

struct bld_newkernel {
	struct bld_ctx *ctx;
	struct poll_child poll;
	time_t next_poll[BLD_SCHEDULE_MAX];		  /* 0: at the next tick */
	char last[BLD_SCHEDULE_MAX][VERSION_MAX];	  /* what it last ran ("" never) */
	bool last_read[BLD_SCHEDULE_MAX];		  /* last[] read from the store */
	char due[BLD_SCHEDULE_MAX][VERSION_MAX];	  /* a newer version found, not run yet ("" none) */
	struct bl_complain c_poll;
};

static int64_t poll_ms(const struct bld_schedule *sc)
{
	return sc->poll_ms > 0 ? sc->poll_ms : BLD_POLL_DEFAULT_MS;
}

/* "6.12.118" of "6.12.118:cloud": flavours do not order versions. */
static void plain_version(const char *label, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(label, ":"), label);
}

bool bld_newkernel_is_new(const char *found, const char *last)
{
	char a[VERSION_MAX], b[VERSION_MAX];

	if (!*found)
		return false;
	if (!*last)
		return true;
	plain_version(found, a, sizeof(a));
	plain_version(last, b, sizeof(b));
	return lab_kver_cmp(b, a) < 0;
}

int bld_newkernel_parse(const char *text, const char *series, char *label, size_t len)
{
	char head[128];
	const char *line = text;

	snprintf(head, sizeof(head), "lab: --kernels %s:", series);
	label[0] = '\0';
	while (line && *line) {
		const char *end = strchrnul(line, '\n');

		if ((size_t)(end - line) > strlen(head) && !strncmp(line, head, strlen(head))) {
			const char *p = line + strlen(head);
			size_t n;

			while (p < end && *p == ' ')
				p++;
			n = strcspn(p, " \n");
			/* A series resolves to one version: "6.12.118 (6.12.118-1~deb12u1)". */
			if (!n || !isdigit((unsigned char)*p) || n >= len)
				return -EINVAL;
			snprintf(label, len, "%.*s", (int)n, p);
			return 0;
		}
		line = *end ? end + 1 : NULL;
	}
	return -ENOENT;
}

int bld_newkernel_new(struct bld_ctx *ctx, struct bld_newkernel **out)
{
	struct bld_newkernel *nk = calloc(1, sizeof(*nk));

	if (!nk)
		return -ENOMEM;
	nk->ctx = ctx;
	nk->poll.ch.out_fd = nk->poll.ch.err_fd = nk->poll.ch.pidfd = -1;
	*out = nk;
	return 0;
}

static void poll_close(struct poll_child *p)
{
	if (p->ch.out_fd >= 0)
		close(p->ch.out_fd);
	if (p->ch.pidfd >= 0)
		close(p->ch.pidfd);
	p->ch.out_fd = p->ch.pidfd = -1;
	p->running = false;
}

void bld_newkernel_free(struct bld_newkernel *nk)
{
	if (!nk)
		return;
	if (nk->poll.running) {
		struct bl_spawn_result res = { 0 };

		bl_spawn_kill(&nk->poll.ch, SIGKILL);
		while (bl_spawn_try_wait(&nk->poll.ch, &res) == 0)
			usleep(10000); /* SIGKILL: gone within milliseconds */
		bl_spawn_result_free(&res);
		poll_close(&nk->poll);
	}
	free(nk);
}

void bld_newkernel_reload(struct bld_newkernel *nk)
{
	/* A running poll finishes; its answer is dropped if its schedule moved (sigchld checks the series). */
	memset(nk->next_poll, 0, sizeof(nk->next_poll));
	memset(nk->last_read, 0, sizeof(nk->last_read));
	memset(nk->due, 0, sizeof(nk->due));
}

const char *bld_newkernel_due(const struct bld_newkernel *nk, size_t idx)
{
	return idx < BLD_SCHEDULE_MAX && nk->due[idx][0] ? nk->due[idx] : NULL;
}

void bld_newkernel_started(struct bld_newkernel *nk, size_t idx, time_t now)
{
	const struct bld_schedule *sc = &nk->ctx->cfg.schedules[idx];

	if (!nk->due[idx][0])
		return;
	if (bl_store_schedule_kernel_set(nk->ctx->store, sc->name, sc->new_kernel, nk->due[idx], now) < 0)
		bl_err("schedule %s: remember kernel %s: %s (kept in memory until a restart)", sc->name,
		       nk->due[idx], bl_store_errmsg(nk->ctx->store));
	memcpy(nk->last[idx], nk->due[idx], VERSION_MAX);
	nk->due[idx][0] = '\0';
}

static void start_poll(struct bld_newkernel *nk, size_t idx, time_t now)
{
	const struct bld_schedule *sc = &nk->ctx->cfg.schedules[idx];
	char *prog = bld_resolve_program(nk->ctx->cfg.bouncelab);
	char *argv[] = { prog, "lab", "--kernels", sc->new_kernel, "--resolve", NULL };
	int ret;

	nk->next_poll[idx] = now + (time_t)(poll_ms(sc) / 1000);
	if (!prog) {
		bl_complain_at(&nk->c_poll, bld_now_ns(), "schedule %s: poll apt's index: %s: not found in PATH nor "
			       "beside bouncelabd", sc->name, nk->ctx->cfg.bouncelab);
		return;
	}
	ret = bl_spawn_start(argv,
			     &(struct bl_spawn_opts){ .in = BL_SPAWN_NULL,
						      .out = BL_SPAWN_PIPE,
						      .err = BL_SPAWN_NULL,
						      .new_pgroup = true,
						      .die_with_parent = true,
						      .no_path_search = true },
			     &nk->poll.ch);
	free(prog);
	if (ret < 0) {
		bl_complain_at(&nk->c_poll, bld_now_ns(), "schedule %s: poll apt's index: start %s: %s", sc->name,
			       nk->ctx->cfg.bouncelab, strerror(-ret));
		return;
	}
	nk->poll.running = true;
	nk->poll.idx = idx;
	snprintf(nk->poll.series, sizeof(nk->poll.series), "%s", sc->new_kernel);
	nk->poll.started = now;
	bl_debug("schedule %s: asking apt's index for the newest %s (pid %d)", sc->name, sc->new_kernel,
		 (int)nk->poll.ch.pid);
}

void bld_newkernel_tick(struct bld_newkernel *nk, time_t now)
{
	const struct bld_config *cfg = &nk->ctx->cfg;

	if (nk->poll.running) {
		if (now - nk->poll.started > POLL_TIMEOUT_S) {
			bl_warn("schedule poll: `bouncelab lab --resolve` still running after %d s: killing it",
				POLL_TIMEOUT_S);
			bl_spawn_kill(&nk->poll.ch, SIGKILL); /* SIGCHLD reaps it */
		}
		return;
	}
	for (size_t i = 0; i < cfg->n_schedules && i < BLD_SCHEDULE_MAX; i++) {
		const struct bld_schedule *sc = &cfg->schedules[i];

		if (sc->when != BLD_WHEN_NEW_KERNEL || nk->due[i][0] || now < nk->next_poll[i])
			continue;
		if (!nk->last_read[i]) {
			if (bl_store_schedule_kernel_get(nk->ctx->store, sc->name, sc->new_kernel, nk->last[i],
							 VERSION_MAX) < 0) {
				bl_complain_at(&nk->c_poll, bld_now_ns(), "schedule %s: read the last kernel: %s",
					       sc->name, bl_store_errmsg(nk->ctx->store));
				continue;
			}
			nk->last_read[i] = true;
		}
		start_poll(nk, i, now);
		return; /* one at a time */
	}
}

void bld_newkernel_sigchld(struct bld_newkernel *nk)
{
	struct bl_spawn_result res = { 0 };
	char answer[ANSWER_MAX + 1], found[VERSION_MAX];
	const struct bld_schedule *sc;
	size_t idx;
	ssize_t n = 0;
	int ret;

	if (!nk || !nk->poll.running)
		return;
	idx = nk->poll.idx;
	ret = bl_spawn_try_wait(&nk->poll.ch, &res);
	if (ret == 0)
		return; /* still running: the SIGCHLD was the campaign's */
	if (ret < 0) {
		/* Reaped by somebody else (or gone): no answer this time; the next poll asks again. */
		bl_complain_at(&nk->c_poll, bld_now_ns(), "poll of apt's index: wait: %s", strerror(-ret));
		poll_close(&nk->poll);
		return;
	}
	/* Over: what it wrote is in the pipe. */
	while (n < ANSWER_MAX) {
		ssize_t r = read(nk->poll.ch.out_fd, answer + n, ANSWER_MAX - (size_t)n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	answer[n] = '\0';
	poll_close(&nk->poll);
	if (idx >= nk->ctx->cfg.n_schedules || nk->ctx->cfg.schedules[idx].when != BLD_WHEN_NEW_KERNEL ||
	    strcmp(nk->ctx->cfg.schedules[idx].new_kernel, nk->poll.series)) {
		bl_spawn_result_free(&res);
		return; /* reloaded meanwhile */
	}
	sc = &nk->ctx->cfg.schedules[idx];
	ret = res.exit_code == 0 ? bld_newkernel_parse(answer, sc->new_kernel, found, sizeof(found)) : -EIO;
	if (ret < 0) {
		bl_complain_at(&nk->c_poll, bld_now_ns(),
			       "schedule %s: apt's index gave no version of %s (bouncelab lab --resolve: %s%d%s); "
			       "asking again in %lld s",
			       sc->name, sc->new_kernel, res.exit_code >= 0 ? "exit " : "signal ",
			       res.exit_code >= 0 ? res.exit_code : res.signal,
			       res.exit_code == 2 ? ", the series names no kernel" : "",
			       (long long)(poll_ms(sc) / 1000));
		bl_spawn_result_free(&res);
		return;
	}
	bl_complain_release(&nk->c_poll, "schedule %s: apt's index answers again", sc->name);
	if (bld_newkernel_is_new(found, nk->last[idx])) {
		bl_info("schedule %s: apt's index has %s %s, newer than %s: running the campaign", sc->name,
			sc->new_kernel, found, nk->last[idx][0] ? nk->last[idx] : "none run yet");
		snprintf(nk->due[idx], VERSION_MAX, "%s", found);
	} else {
		bl_debug("schedule %s: newest %s in apt's index is %s, already run", sc->name, sc->new_kernel, found);
	}
	bl_spawn_result_free(&res);
}
