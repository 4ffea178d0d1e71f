/*
 * bouncelabd's scheduler: [schedule NAME] sections run a command (by
 * default `gembench --job FILE --json -`) every N seconds or daily at
 * HH:MM. One run at a time (runs never overlap); each run is a child
 * process started with execv (no shell) in its own process group, its
 * stdout (the result documents) collected and stored, its stderr's tail
 * kept. A run past its timeout has its whole group killed and is stored
 * with status "timeout". The start of each run is recorded in the store
 * before the child starts, so a restart neither repeats a run nor forgets
 * one it missed (a missed run happens once at start-up); runs a killed
 * daemon left "running" are closed as failed at start-up. With `baseline =
 * SELECTOR` each stored ok run is judged against the earlier runs the
 * selector picks (an_judge_run, analysis/analysis.h): verdicts stored and
 * logged, a warning when something got significantly worse.
 *
 * A lab schedule (`lab = ...`, daemon_campaign.h) runs `bouncelab lab`
 * under the same rules; its documents are read from the campaign's folder
 * once the child is over (also after a timeout or a stop: the boots that
 * finished wrote theirs) and judged together as one night. A new-kernel
 * schedule (`on = new-kernel SERIES`, daemon_newkernel.h) is due when apt's
 * index has a newer version of the series than the one it last ran.
 */
#ifndef BLD_SCHED_H
#define BLD_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct bld_ctx;
struct bld_sched;

int bld_sched_new(struct bld_ctx *ctx, struct bld_sched **out);
/* Kills a running child's group, stores the run as failed ("daemon stopped"), frees. */
void bld_sched_free(struct bld_sched *s);
/* From the housekeeping timer: starts the first due schedule when nothing runs. */
void bld_sched_tick(struct bld_sched *s, time_t now);
/* From the SIGCHLD event: reaps the child and finishes its run. */
void bld_sched_sigchld(struct bld_sched *s);
/* --- daemon_sched_argv.c ---------------------------------------------------- */

struct bld_config;
struct bld_schedule;
/* @prog from $PATH, then beside bouncelabd itself (a path with '/' as is): malloc'd, or NULL. */
char *bld_resolve_program(const char *prog);
/* The vector of schedule @sc's command with {job} replaced; argv[0] resolved. NULL with @why. */
char **bld_build_argv(const struct bld_config *cfg, const struct bld_schedule *sc, char *why, size_t whylen);
/*
 * A lab schedule's vector: `bouncelab lab ... --out DIR`, DIR a new folder
 * of this campaign (malloc'd into *@outdir); @kernels the new-kernel series
 * when the lab names no kernels. NULL with @why.
 */
char **bld_build_lab_argv(const struct bld_config *cfg, const struct bld_schedule *sc, const char *kernels,
			  time_t now, char **outdir, char *why, size_t whylen);
/* Frees a NULL-terminated vector of malloc'd strings (NULL allowed). */
void bld_free_vec(char **v);
/* The configuration was reloaded: forget cached state of removed schedules. */
void bld_sched_reload(struct bld_sched *s);

/*
 * When schedule @sc, last started for the slot @last (0 = never), is due at
 * @now: returns 1 and the slot to record in *@planned, else 0. @started is
 * when the daemon started (an 'at' schedule that never ran waits for its
 * first occurrence after that). Pure, for the unit test.
 */
struct bld_schedule;
int bld_sched_due(const struct bld_schedule *sc, int64_t last, time_t now, time_t started, int64_t *planned);

/*
 * The due schedules of @scs[@n] (@last[i] < 0: not read yet, skipped) in
 * the order to start them: the one that fell due first first (an every-
 * schedule at its last start + every, or at @started when it never ran;
 * an at-schedule at its occurrence), ties in table order. Fills @order
 * with their indices and @planned[i] with each one's slot; returns how
 * many are due.
 */
size_t bld_sched_order(const struct bld_schedule *scs, size_t n, const int64_t *last, time_t now, time_t started,
		       size_t *order, int64_t *planned);

#endif
