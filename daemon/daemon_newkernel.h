/*
 * `on = new-kernel SERIES` schedules (issue 14): a lab schedule that runs
 * when apt's index shows a version of SERIES newer than the one it last
 * ran. At most once per `poll` per schedule (and one poll at a time) the
 * daemon runs `bouncelab lab --kernels SERIES --resolve` as a child, the
 * lab's own apt index reader, and reads its answer when SIGCHLD says it is
 * over: the event loop never waits for apt. The version a campaign was
 * started for is kept in the store (schema/0008, written when the campaign
 * starts), so a restart neither runs a version twice nor forgets it; a
 * schedule that never ran takes the version it finds first as new.
 */
#ifndef BLD_NEWKERNEL_H
#define BLD_NEWKERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct bld_ctx;
struct bld_newkernel;

int bld_newkernel_new(struct bld_ctx *ctx, struct bld_newkernel **out);
/* Kills a running poll's process group, reaps it, frees. */
void bld_newkernel_free(struct bld_newkernel *nk);
/* From the housekeeping tick: starts a poll of the first schedule whose poll is due; kills one that hangs. */
void bld_newkernel_tick(struct bld_newkernel *nk, time_t now);
/* From SIGCHLD: reaps the poll's child when it is over and reads its answer. */
void bld_newkernel_sigchld(struct bld_newkernel *nk);
/* The newer version schedule @idx should run now, or NULL. */
const char *bld_newkernel_due(const struct bld_newkernel *nk, size_t idx);
/* Schedule @idx started its campaign for the due version: remember it (store and memory). */
void bld_newkernel_started(struct bld_newkernel *nk, size_t idx, time_t now);
/* The configuration was reloaded: forget what was polled (schedules may have moved). */
void bld_newkernel_reload(struct bld_newkernel *nk);

/*
 * Reads `bouncelab lab --kernels SERIES --resolve` output @text
 * ("lab: --kernels 6.12: 6.12.118 (6.12.118-1~deb12u1)") for @series: the
 * newest version label it names into @label. 0, -ENOENT when no line
 * answers for @series, -EINVAL when the line names no version.
 */
int bld_newkernel_parse(const char *text, const char *series, char *label, size_t len);
/* Is @found newer than @last ("" = the schedule never ran: yes)? Both exact versions (lab_kver_cmp). */
bool bld_newkernel_is_new(const char *found, const char *last);

#endif
