/*
 * bouncelabd's configuration: an INI file (inih) with a [daemon] section,
 * a [monitor] section and one [schedule NAME] section per scheduled job
 * (a command, or a lab campaign with `lab =`, daemon_campaign.h),
 * overridden by command-line options. Every key is declared once in a table
 * in daemon_config.c with its type, default and help, so validation and
 * `bouncelabd --help-config` come from the same place.
 */
#ifndef BLD_CONFIG_H
#define BLD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BLD_SCHEDULE_MAX 64
#define BLD_NAME_MAX	 64
#define BLD_POLL_DEFAULT_MS (3600 * 1000) /* `poll` of a new-kernel schedule when not given */

enum bld_when {
	BLD_WHEN_EVERY, /* every = N seconds since the last start */
	BLD_WHEN_AT,	/* at = HH:MM, local time, once a day */
	BLD_WHEN_NEW_KERNEL, /* on = new-kernel SERIES: when apt's index has a newer version */
};

struct bld_lab; /* daemon_campaign.h */

struct bld_schedule {
	char name[BLD_NAME_MAX]; /* from [schedule NAME] */
	enum bld_when when;
	int64_t every_s;	 /* BLD_WHEN_EVERY: interval in seconds (> 0) */
	int at_minute;		 /* BLD_WHEN_AT: minutes after local midnight */
	char *job;		 /* job file handed to the command ({job}); may be NULL */
	char **argv;		 /* command, NULL-terminated, {job} substituted; argv[0] is a path */
	int64_t timeout_ms;	 /* the child's process group is killed after this */
	char *baseline;		 /* compare selector for the nightly verdict, or NULL */
	struct bld_lab *lab;	 /* lab = ...: a `bouncelab lab` campaign instead of a command; NULL */
	char *on;		 /* on = new-kernel SERIES as written, or NULL */
	char *new_kernel;	 /* BLD_WHEN_NEW_KERNEL: the series (6.12) */
	int64_t poll_ms;	 /* BLD_WHEN_NEW_KERNEL: ask apt's index at most this often; -1 = BLD_POLL_DEFAULT_MS */
};

struct bld_config {
	char *db_path;		   /* --db, [daemon] db */
	char *socket_path;	   /* --socket, [daemon] socket */
	int socket_mode;	   /* [daemon] socket_mode (octal), default 0660 */
	char *listen;		   /* --listen 127.0.0.1:PORT, or NULL for none */
	char *token_file;	   /* --token-file; required with listen */
	char *log_file;		   /* [daemon] log_file; NULL = stderr */
	size_t max_body;	   /* bytes of one request body */
	size_t health_min_free;	   /* bytes free for the database, else /healthz is 503 */
	size_t max_held;	   /* bytes of unanswered requests over all connections */
	size_t max_headers;	   /* bytes of one request's headers */
	int64_t timeout_ms;	   /* read/write timeout of a connection */
	int max_connections;	   /* open HTTP connections over both listeners */
	int parse_threads;	   /* threads validating POSTed documents */
	bool fsync_commits;	   /* synchronous=FULL: a 201 survives a power loss */
	bool monitor;		   /* [monitor] enabled */
	int64_t monitor_interval_ms; /* [monitor] interval */
	char *tracefs;		   /* [monitor] tracefs root, NULL = find it */
	char *gembench;		   /* [daemon] gembench: default program of a schedule */
	char *bouncelab;	   /* [daemon] bouncelab: the program lab schedules run */
	char *campaigns;	   /* [daemon] campaigns: lab campaigns' folders; NULL = beside the db */
	struct bld_schedule schedules[BLD_SCHEDULE_MAX];
	size_t n_schedules;
};

/* Sets the built-in defaults (paths from lib/paths.h). 0 or -ENOMEM. */
int bld_config_defaults(struct bld_config *c);
/*
 * Reads @path into @c (on top of what is there). 0, or -EINVAL/-errno with
 * "FILE:LINE: key: problem" in @err.
 */
int bld_config_load(struct bld_config *c, const char *path, char *err, size_t errlen);
/* Checks the whole configuration after the command-line overrides. */
int bld_config_check(const struct bld_config *c, char *err, size_t errlen);
void bld_config_free(struct bld_config *c);
/* Prints every key with its default and help. */
void bld_config_help(FILE *out);
/*
 * daemon_config_find.c: the configuration to read when --config is not
 * given: $XDG_CONFIG_HOME/bouncelab/bouncelabd.ini (else
 * ~/.config/bouncelab/), then SYSCONFDIR/bouncelab/bouncelabd.ini; the first
 * that exists, in @buf, or NULL for none (the defaults).
 */
const char *bld_config_find(char *buf, size_t len);

/* "HH:MM" (24 h) to minutes after midnight. 0 or -EINVAL. */
int bld_parse_time_of_day(const char *s, int *out_min);
/* Replaces *@dst with a copy of @src (NULL allowed). 0 or -ENOMEM. */
int bld_set_str(char **dst, const char *src);

#endif
