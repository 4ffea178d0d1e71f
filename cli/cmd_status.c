/*
 * `bouncelab status`: where the database is, its schema version, how many
 * runs it holds and the newest one, the latest night and what regressed in
 * it (analysis/night.h), and whether bouncelabd answers on its socket
 * (GET /healthz).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "http_client.h"
#include "log.h"
#include "night.h"
#include "paths.h"
#include "store.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bouncelab status [--db PATH] [--socket PATH]\n\n"
		"Show the database (path, schema version, runs stored, last run), the latest\n"
		"night and what regressed in it, and whether bouncelabd answers on its socket.\n\n"
		"  --db PATH      database (default $BOUNCELAB_DB, else %s)\n"
		"  --socket PATH  daemon socket (default $BOUNCELAB_SOCKET, else %s)\n\n"
		"Exit status: 0 the database is readable (or absent), 1 it is not.\n",
		BL_DEFAULT_DB, BL_DEFAULT_SOCKET);
}

/* The rows of the latest night shown before "and N more". */
#define STATUS_NIGHT_ROWS 5

static void show_night(struct bl_store *s)
{
	struct an_night n;
	int ret = an_night_load(s, 0, &n);

	if (ret == -ENOENT) {
		printf("night:     none recorded (bouncelab nightly records one)\n");
		return;
	}
	if (ret < 0) {
		printf("night:     unreadable (%s)\n", strerror(-ret));
		return;
	}
	an_night_write_text(stdout, &n, STATUS_NIGHT_ROWS);
	an_night_free(&n);
}

static int show_db(const char *db)
{
	struct bl_store *s = NULL;
	struct bl_store_info info;
	char err[512];
	int ret;

	if (access(db, F_OK)) {
		printf("database:  %s (does not exist yet: nothing stored)\n", db);
		return 0;
	}
	ret = bl_store_open(db, NULL, &s, err, sizeof(err));
	if (ret) {
		printf("database:  %s (unusable)\n", db);
		bl_err("%s", err);
		return 1;
	}
	ret = bl_store_info(s, &info);
	if (ret) {
		bl_err("%s", bl_store_errmsg(s));
	} else {
		printf("database:  %s (schema version %d; this bouncelab knows %d)\n", db,
		       info.schema_version, bl_store_schema_latest());
		printf("runs:      %lld stored, %lld result rows, %lld monitor samples\n",
		       (long long)info.runs, (long long)info.results,
		       (long long)info.monitor_samples);
		if (info.runs)
			printf("last run:  %s started %s (%s)\n", info.last_run_id,
			       info.last_started_at, info.last_status);
		else
			printf("last run:  none\n");
		show_night(s);
	}
	bl_store_close(s);
	return ret ? 1 : 0;
}

static void show_daemon(const char *sock)
{
	struct bl_http_response resp;
	int ret = bl_http_request(sock, "GET", "/healthz", NULL, 0, 3000, &resp);

	if (ret) {
		printf("daemon:    not reachable at %s (%s)\n", sock,
		       ret == -ENOENT ? "no socket" : strerror(-ret));
		return;
	}
	printf("daemon:    %s at %s (GET /healthz: %d %.*s)\n",
	       resp.status == 200 ? "reachable" : "answers but is not serving", sock, resp.status,
	       (int)strcspn(resp.body, "\r\n"), resp.body);
	bl_http_response_free(&resp);
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = bl_default_db_path(), *sock = bl_default_socket_path();
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 's': sock = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		bl_err("status: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	ret = show_db(db);
	show_daemon(sock);
	return ret;
}
