/*
 * bouncelabd: the collector daemon. Stores result documents posted over
 * HTTP (unix socket, optional loopback TCP), samples the machine's own
 * SWIOTLB traffic per device, and runs scheduled jobs. See daemon_*.h for
 * each part.
 *
 * Shape (redis ae.c / serverCron, libevent's http-server sample): one
 * struct bld_ctx passed as every callback's argument; set-up in a fixed
 * order in main(), teardown in reverse through one cleanup ladder; one
 * periodic housekeeping timer (1 s) drives the monitor's intervals and the
 * scheduler. Signals are libevent signal events, so a handler never
 * interrupts a store write: SIGTERM/SIGINT stop after the current callback
 * (answering any batch waiting for its commit), SIGHUP reopens the log and
 * reloads the configuration, SIGCHLD ends a scheduled run.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "daemon_auth.h"
#include "daemon_config.h"
#include "daemon_http.h"
#include "daemon_latest.h"
#include "daemon_monitor.h"
#include "daemon_night.h"
#include "daemon_notify.h"
#include "daemon_render.h"
#include "daemon_sched.h"
#include "fsutil.h"
#include "log.h"
#include "installdirs.h"
#include "store.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelabd [--config FILE] [--db PATH] [--socket PATH]\n"
		"                  [--listen 127.0.0.1:PORT --token-file FILE] [--log-file FILE]\n"
		"                  [--foreground] [--init] [-v] [--help-config] [--version]\n\n"
		"Collector daemon: stores result documents (POST /api/v1/runs), samples SWIOTLB\n"
		"bounces per device, runs the config file's [schedule NAME] jobs and lab\n"
		"campaigns (bouncelab lab, see --help-config).\n\n"
		"  --config FILE       INI configuration (see --help-config); reloaded on SIGHUP;\n"
		"                      without it $XDG_CONFIG_HOME/bouncelab/bouncelabd.ini (else\n"
		"                      ~/.config/bouncelab/), then %s/bouncelab/bouncelabd.ini,\n"
		"                      if one exists\n"
		"  --db PATH           database (default $BOUNCELAB_DB, else var/bouncelab.db)\n"
		"  --socket PATH       unix socket (default $BOUNCELAB_SOCKET, else var/bouncelabd.sock)\n"
		"  --listen ADDR:PORT  also listen on loopback TCP; writes need the bearer token\n"
		"  --token-file FILE   the bearer token (first line, at least 16 characters)\n"
		"  --log-file FILE     log here instead of stderr (reopened on SIGHUP)\n"
		"  --foreground        do not detach (systemd, tests)\n"
		"  --init              make a new database in an empty (0-byte) database file\n"
		"  -v                  debug messages\n",
		bl_sysconfdir);
}

/* Applies the command line (ctx->cli) over the file's values in @c. */
static int apply_cli(const struct bld_config *cli, struct bld_config *c)
{
	if ((cli->db_path && bld_set_str(&c->db_path, cli->db_path)) ||
	    (cli->socket_path && bld_set_str(&c->socket_path, cli->socket_path)) ||
	    (cli->listen && bld_set_str(&c->listen, cli->listen)) ||
	    (cli->token_file && bld_set_str(&c->token_file, cli->token_file)) ||
	    (cli->log_file && bld_set_str(&c->log_file, cli->log_file)))
		return -ENOMEM;
	return 0;
}

/* Defaults, then the file, then the command line; checked. */
static int load_config(struct bld_ctx *ctx, struct bld_config *c)
{
	char err[512];
	int ret;

	ret = bld_config_defaults(c);
	if (ret < 0)
		return ret;
	if (ctx->config_path) {
		ret = bld_config_load(c, ctx->config_path, err, sizeof(err));
		if (ret < 0) {
			bl_err("config: %s", err);
			goto fail;
		}
	}
	ret = apply_cli(&ctx->cli, c);
	if (ret < 0)
		goto fail;
	ret = bld_config_check(c, err, sizeof(err));
	if (ret < 0) {
		bl_err("config: %s", err);
		goto fail;
	}
	return 0;
fail:
	bld_config_free(c);
	return ret;
}

static bool str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

/* SIGHUP: reopen the log, reload the configuration (what can change live). */
static void reload(struct bld_ctx *ctx)
{
	struct bld_config next;
	char *token = NULL;
	char err[256];
	int ret;

	ret = bl_log_open(ctx->cfg.log_file);
	if (ret < 0)
		bl_err("log %s: reopen: %s", ctx->cfg.log_file, strerror(-ret));
	if (load_config(ctx, &next) < 0) {
		bl_err("config: reload failed; keeping the running configuration");
		return;
	}
	if (next.listen && bld_token_load(next.token_file, &token, err, sizeof(err)) < 0) {
		bl_err("config: reload: %s; keeping the running configuration", err);
		bld_config_free(&next);
		return;
	}
	if (str_differs(next.db_path, ctx->cfg.db_path) || str_differs(next.socket_path, ctx->cfg.socket_path) ||
	    str_differs(next.listen, ctx->cfg.listen) || next.max_body != ctx->cfg.max_body ||
	    next.max_headers != ctx->cfg.max_headers || next.timeout_ms != ctx->cfg.timeout_ms ||
	    next.parse_threads != ctx->cfg.parse_threads || next.fsync_commits != ctx->cfg.fsync_commits)
		bl_warn("config: database, listeners, body/header limits, timeout, parse_threads and fsync_commits "
			"change only at restart");
	/* Keep what is bound to the running listeners and store. */
	bld_set_str(&next.db_path, ctx->cfg.db_path);
	bld_set_str(&next.socket_path, ctx->cfg.socket_path);
	bld_set_str(&next.listen, ctx->cfg.listen);
	next.max_body = ctx->cfg.max_body;
	next.max_headers = ctx->cfg.max_headers;
	next.timeout_ms = ctx->cfg.timeout_ms;
	next.parse_threads = ctx->cfg.parse_threads;
	next.fsync_commits = ctx->cfg.fsync_commits;
	if (str_differs(next.log_file, ctx->cfg.log_file) && bl_log_open(next.log_file) < 0)
		bl_err("log %s: open failed; logging to the previous place", next.log_file);
	bld_config_free(&ctx->cfg);
	ctx->cfg = next;
	if (token) {
		free(ctx->token);
		ctx->token = token;
	}
	bld_sched_reload(ctx->sched);
	bl_info("config: reloaded (%zu schedule%s)", ctx->cfg.n_schedules, ctx->cfg.n_schedules == 1 ? "" : "s");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct bld_ctx *ctx = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		if (!ctx->stopping)
			bl_info("signal %s: finishing and exiting", strsignal((int)sig));
		if (!ctx->stopping) {
			/* A moment for the answers to leave; requests meanwhile get 503. */
			struct timeval grace = { 0, 300 * 1000 };

			ctx->stopping = true;
			bld_http_flush_all(ctx); /* documents waiting for their commit get it and their answer */
			event_base_loopexit(ctx->base, &grace);
		}
		break;
	case SIGHUP:
		reload(ctx);
		break;
	case SIGCHLD:
		bld_sched_sigchld(ctx->sched);
		break;
	}
}

static void housekeeping(evutil_socket_t fd, short what, void *arg)
{
	struct bld_ctx *ctx = arg;

	bld_http_housekeeping(ctx);
	if (ctx->monitor)
		bld_monitor_tick(ctx->monitor, bld_now_ns());
	bld_sched_sigchld(ctx->sched); /* in case a SIGCHLD was merged with another */
	bld_sched_tick(ctx->sched, time(NULL));
}

/* Detaches: the parent exits 0 once the child says it is serving, else 1. */
static int daemonize(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 && c == 'R' ? 0 : 1);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },   { "db", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },   { "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, 't' }, { "log-file", required_argument, NULL, 'L' },
		{ "foreground", no_argument, NULL, 'f' },     { "help", no_argument, NULL, 'h' },
		{ "help-config", no_argument, NULL, 'H' },    { "version", no_argument, NULL, 'V' },
		{ "init", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	struct bld_ctx ctx = { 0 };
	struct event_config *evcfg = NULL;
	struct timeval one_sec = { 1, 0 };
	bool foreground = false, init = false;
	struct stat dbst;
	int ready_fd = -1, verbose = 0, ret, opt, exit_code = 1;
	char err[512], found_config[PATH_MAX];

	bl_log_init("bouncelabd", BL_LOG_INFO);
	while ((opt = getopt_long(argc, argv, "c:d:s:l:t:L:fvhHVI", opts, NULL)) != -1) {
		char **dst = NULL;

		switch (opt) {
		case 'c': ctx.config_path = optarg; break;
		case 'd': dst = &ctx.cli.db_path; break;
		case 's': dst = &ctx.cli.socket_path; break;
		case 'l': dst = &ctx.cli.listen; break;
		case 't': dst = &ctx.cli.token_file; break;
		case 'L': dst = &ctx.cli.log_file; break;
		case 'f': foreground = true; break;
		case 'I': init = true; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'H': bld_config_help(stdout); return 0;
		case 'V': printf("bouncelabd %s\n", bl_version); return 0;
		default: usage(stderr); return 2;
		}
		if (dst && bld_set_str(dst, optarg) < 0)
			return 1;
	}
	if (optind < argc) {
		bl_err("unexpected argument '%s' (see --help)", argv[optind]);
		bld_config_free(&ctx.cli);
		return 2;
	}
	bl_log_init("bouncelabd", verbose ? BL_LOG_DEBUG : BL_LOG_INFO);
	signal(SIGPIPE, SIG_IGN); /* a client that went away is an error return, not a death */

	/* 1. configuration: --config, else the user's, else the system's (daemon_config_find.c) */
	if (!ctx.config_path && (ctx.config_path = bld_config_find(found_config, sizeof(found_config))))
		bl_info("config: %s (no --config given)", ctx.config_path);
	if (load_config(&ctx, &ctx.cfg) < 0)
		goto out_cli;
	if (!foreground && !ctx.cfg.log_file && bld_set_str(&ctx.cfg.log_file, "var/bouncelabd.log") < 0)
		goto out_cfg;
	/* 2. log */
	if (ctx.cfg.log_file) {
		ret = bl_make_parent(ctx.cfg.log_file, 0750);
		if (ret < 0)
			bl_err("%s: mkdir its folder: %s", ctx.cfg.log_file, strerror(-ret));
		else
			ret = bl_log_open(ctx.cfg.log_file);
		if (ret < 0) {
			bl_err("log %s: open failed", ctx.cfg.log_file);
			goto out_cfg;
		}
	}
	/* 3. token */
	if (ctx.cfg.listen && bld_token_load(ctx.cfg.token_file, &ctx.token, err, sizeof(err)) < 0) {
		bl_err("%s", err);
		goto out_log;
	}
	if (!foreground && daemonize(&ready_fd) < 0) {
		bl_err("daemonize: %s", strerror(errno));
		goto out_token;
	}
	ctx.started = time(NULL);
	{
		/* Room for max_connections sockets plus the database, pipes and perf fds. */
		struct rlimit rl;
		rlim_t want = (rlim_t)ctx.cfg.max_connections + 256;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
			rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
				bl_warn("RLIMIT_NOFILE %llu is below max_connections + 256: connections may fail",
					(unsigned long long)rl.rlim_cur);
		}
	}
	/*
	 * 4. event loop: two priorities, the writer's doorbell (0) before
	 * sockets and timers (1, the default). The epoll changelist folds the
	 * add/delete pairs evhttp makes for every request into fewer
	 * epoll_ctl calls (4 per POST without it; ~6 % more documents/s here).
	 */
	evcfg = event_config_new();
	if (evcfg)
		event_config_set_flag(evcfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	ctx.base = evcfg ? event_base_new_with_config(evcfg) : NULL;
	if (!ctx.base || event_base_priority_init(ctx.base, 2) < 0) {
		bl_err("libevent: event_base_new: failed");
		goto out_token;
	}
	/* 5. store */
	/*
	 * SQLite takes an empty file for a new database: a database truncated
	 * by a crash or a copy would be re-initialised without a word.
	 */
	if (!init && stat(ctx.cfg.db_path, &dbst) == 0 && S_ISREG(dbst.st_mode) && dbst.st_size == 0) {
		bl_err("store %s: an empty file (0 bytes), not a database: truncated? Not initialising it; "
		       "move it aside, or start once with --init to make a new database there",
		       ctx.cfg.db_path);
		goto out_base;
	}
	ret = bl_store_open(ctx.cfg.db_path, &(struct bl_store_opts){ .sync_full = ctx.cfg.fsync_commits, .quick_check = true },
			    &ctx.store, err, sizeof(err));
	if (ret < 0) {
		/* The store's messages start "store: "; this line names the file already. */
		bl_err("store %s: %s", ctx.cfg.db_path, strncmp(err, "store: ", 7) ? err : err + 7);
		goto out_base;
	}
	/* 6. signals (before anything that forks) */
	ctx.sig_term = evsignal_new(ctx.base, SIGTERM, on_signal, &ctx);
	ctx.sig_int = evsignal_new(ctx.base, SIGINT, on_signal, &ctx);
	ctx.sig_hup = evsignal_new(ctx.base, SIGHUP, on_signal, &ctx);
	ctx.sig_chld = evsignal_new(ctx.base, SIGCHLD, on_signal, &ctx);
	if (!ctx.sig_term || !ctx.sig_int || !ctx.sig_hup || !ctx.sig_chld || evsignal_add(ctx.sig_term, NULL) < 0 ||
	    evsignal_add(ctx.sig_int, NULL) < 0 || evsignal_add(ctx.sig_hup, NULL) < 0 ||
	    evsignal_add(ctx.sig_chld, NULL) < 0) {
		bl_err("libevent: signal events: failed");
		goto out_signals;
	}
	/* 7. HTTP */
	if (ctx.cfg.socket_path && (ret = bl_make_parent(ctx.cfg.socket_path, 0750)) < 0) {
		bl_err("%s: mkdir its folder: %s", ctx.cfg.socket_path, strerror(-ret));
		goto out_signals;
	}
	if (bld_http_start(&ctx) < 0)
		goto out_signals;
	/* 8. monitor, 9. scheduler */
	if (bld_monitor_new(&ctx, &ctx.monitor) < 0)
		goto out_http;
	if (bld_sched_new(&ctx, &ctx.sched) < 0)
		goto out_monitor;
	/* 10. the housekeeping timer; its first run starts missed schedules */
	ctx.housekeeping = event_new(ctx.base, -1, EV_PERSIST, housekeeping, &ctx);
	if (!ctx.housekeeping || event_add(ctx.housekeeping, &one_sec) < 0) {
		bl_err("libevent: housekeeping timer: failed");
		goto out_sched;
	}
	housekeeping(-1, 0, &ctx);

	bl_info("serving: database %s, %zu schedule%s (pid %d)", ctx.cfg.db_path, ctx.cfg.n_schedules,
		ctx.cfg.n_schedules == 1 ? "" : "s", (int)getpid());
	if (ready_fd >= 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
			close(devnull);
		}
		if (write(ready_fd, "R", 1) != 1)
			bl_warn("daemonize: could not tell the parent we are ready");
		close(ready_fd);
		ready_fd = -1;
	}
	if (bld_notify("READY=1\nSTATUS=serving") < 0)
		bl_warn("systemd: could not tell it we are ready ($NOTIFY_SOCKET)");
	if (event_base_dispatch(ctx.base) < 0)
		bl_err("libevent: event loop failed");
	else
		exit_code = 0;
	bld_notify("STOPPING=1");
	bl_info("stopping");

	event_free(ctx.housekeeping);
out_sched:
	bld_sched_free(ctx.sched);
out_monitor:
	bld_monitor_free(ctx.monitor);
out_http:
	bld_http_stop(&ctx);
	bld_render_free(ctx.render);
out_signals:
	if (ctx.sig_chld)
		event_free(ctx.sig_chld);
	if (ctx.sig_hup)
		event_free(ctx.sig_hup);
	if (ctx.sig_int)
		event_free(ctx.sig_int);
	if (ctx.sig_term)
		event_free(ctx.sig_term);
	bld_latest_free(ctx.latest);
	bld_night_cache_free(ctx.night_cache);
	bl_store_close(ctx.store);
out_base:
	if (ctx.base)
		event_base_free(ctx.base);
out_token:
	if (evcfg)
		event_config_free(evcfg);
	if (ctx.token) {
		explicit_bzero(ctx.token, strlen(ctx.token));
		free(ctx.token);
	}
out_log:
	bl_log_open(NULL);
out_cfg:
	bld_config_free(&ctx.cfg);
out_cli:
	bld_config_free(&ctx.cli);
	if (ready_fd >= 0)
		close(ready_fd);
	return exit_code;
}
