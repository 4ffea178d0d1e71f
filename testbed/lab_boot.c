/*
 * One boot of the lab (see lab_internal.h): QEMU started with the mode's
 * argument vector (lab_spec.h), its console in <dir>/console.log and the
 * guest's result channel in <dir>/channel.txt; reaped when it exits or
 * killed at its deadline (SIGTERM, then SIGKILL), all through
 * lib/subprocess.h; then collected: every document on the channel gets the
 * testbed object and is written, and a boot that did not deliver what the
 * job promises (or never started) gets a failed document saying why. Each
 * boot ends in one summary line. Every document also gets the hypervisor
 * object (lab_doc_hypervisor); in a ballooned Xen mode a balloon that did
 * not reach its targets fails the boot, its documents kept (the job ran on
 * memory that was not what the mode promises).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "lab_channel.h"
#include "lab_internal.h"
#include "log.h"

#define LAB_KILL_GRACE_S 5 /* SIGTERM, then SIGKILL after this */

/* --- one boot ------------------------------------------------------------ */

unsigned lab_boot_smp(const struct lab_ctx *c, const struct lab_boot *b)
{
	return lab_mode_is_xen(b->mode) && !c->cfg.smp ? 1 : c->smp;
}

int lab_boot_start(struct lab_ctx *c, struct lab_boot *b)
{
	char console[PATH_MAX + 16], channel[PATH_MAX + 16];
	struct lab_qemu_cfg cfg;
	int fd = -1, ret;

	bl_rfc3339(NULL, b->started_at);
	clock_gettime(CLOCK_MONOTONIC, &b->t0);
	lab_sfmt(console, sizeof(console), "%s/console.log", b->dir);
	lab_sfmt(channel, sizeof(channel), "%s/channel.txt", b->dir);
	cfg = (struct lab_qemu_cfg){
		.qemu = c->qemu,
		.kernel = b->k->vmlinuz,
		.xen = lab_mode_is_xen(b->mode) ? c->xen.xen : NULL,
		.initrd = b->k->initrd,
		.channel_path = channel,
		.mode = b->mode,
		.mem_mib = c->cfg.mem_mib,
		.smp = lab_boot_smp(c, b),
		.kvm = c->cfg.kvm,
		.clock = c->clock,
	};
	ret = lab_qemu_argv(&cfg, &b->argv);
	if (ret)
		return ret;
	unlink(channel);
	fd = open(console, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/*
	 * The console (QEMU's stdout) and QEMU's own errors, together. A lab
	 * that is killed takes its guests with it: a hung guest must not
	 * outlive the run that would have timed it out.
	 */
	ret = bl_spawn_start(b->argv.v,
			     &(struct bl_spawn_opts){ .in = BL_SPAWN_NULL,
						      .out = BL_SPAWN_FD,
						      .out_fd = fd,
						      .err = BL_SPAWN_TO_STDOUT,
						      .die_with_parent = true },
			     &b->child);
	/* The reason, in the console log the boot's failed document quotes. */
	if (ret)
		dprintf(fd, "%s: could not be started: %s\n", b->argv.v[0], strerror(-ret));
	close(fd);
	if (ret)
		return ret;
	b->state = LAB_BOOT_RUNNING;
	b->deadline = lab_mono_now() + c->timeout_s;
	return 0;
}


/* Sums results[].counters.swiotlb_bounced where the kernel could tell. */
static void add_bounces(struct lab_boot *b, json_t *doc)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(doc, "results"), i, row) {
		json_t *v = json_object_get(json_object_get(row, "counters"), "swiotlb_bounced");

		if (json_is_integer(v)) {
			b->bounced += json_integer_value(v);
			b->bounced_known = true;
		}
	}
}

/*
 * Why a ballooned boot's balloon step failed ("" when it reached both
 * targets, or the mode has no balloon): from the BOUNCELAB-BALLOON line.
 */
static void balloon_check(const struct lab_boot *b, const json_t *balloon, char *reason, size_t rlen)
{
	const char *error;

	if (!b->mode->balloon_bytes)
		return;
	if (!json_is_object(balloon)) {
		lab_sfmt(reason, rlen, "balloon: the guest reported no balloon readings (BOUNCELAB-BALLOON)");
		return;
	}
	if (json_is_true(json_object_get(balloon, "reached_low")) &&
	    json_is_true(json_object_get(balloon, "reached_restored")))
		return;
	error = json_string_value(json_object_get(balloon, "error"));
	lab_sfmt(reason, rlen, "balloon: %s (the job ran; its documents are kept)",
		 error ? error : "a target was not reached, no reason given");
}

/*
 * Reads the boot's channel and writes the guest's documents; says in
 * @reason why the boot failed ("" when it did not). The guest's facts
 * lines are handed back in @facts (owned by the caller's struct, freed
 * with it) for the failed document.
 */
static void collect_channel(struct lab_ctx *c, struct lab_boot *b, struct lab_channel *facts, char *reason,
			    size_t rlen)
{
	char channel[PATH_MAX + 16], invalid[512] = "";
	struct lab_channel ch = { 0 };
	char *text = NULL;
	size_t len = 0;
	int ret;

	lab_sfmt(channel, sizeof(channel), "%s/channel.txt", b->dir);
	ret = bl_read_file(channel, LAB_CHANNEL_MAX, &text, &len);
	/* Cut, it would end without BOUNCELAB-RESULTS-END and pass for a dead guest. */
	if (ret == -EFBIG) {
		lab_sfmt(reason, rlen, "the result channel %s is larger than %u MiB: a runaway guest command",
			 channel, LAB_CHANNEL_MAX >> 20);
		goto out;
	}
	if (ret && ret != -ENOENT)
		bl_warn("%s: read: %s", channel, strerror(-ret));
	if (!ret && lab_channel_parse(text, len, &ch)) {
		lab_sfmt(reason, rlen, "out of memory parsing %s", channel);
		goto out;
	}
	if (ch.end) {
		b->status = "ok";
		b->rc = ch.rc;
	} else if (b->timed_out) {
		b->status = "timeout";
	}
	for (size_t i = 0; i < ch.ndocs; i++) {
		json_t *own = json_object_get(ch.docs[i], "hypervisor");

		json_object_set_new(ch.docs[i], "testbed", lab_doc_testbed(c, b));
		/* gembench's own facts first (they describe the run), else init's */
		json_object_set_new(ch.docs[i], "hypervisor",
				    lab_doc_hypervisor(c, b, json_is_object(own) ? own : ch.hypervisor, ch.balloon));
		add_bounces(b, ch.docs[i]);
		if (!lab_doc_write(b, ch.docs[i], *invalid ? NULL : invalid, sizeof(invalid)))
			b->ndocs++;
	}

	if (b->timed_out)
		lab_sfmt(reason, rlen, "the guest did not finish within --timeout %u s and was killed%s",
			 c->timeout_s, ch.begin ? " (its command had started)" : " (its command never started)");
	else if (!ch.end)
		lab_sfmt(reason, rlen,
			 "the guest died before BOUNCELAB-RESULTS-END (%s; qemu exit status %d): a panic, a crash "
			 "or a failed boot",
			 ch.begin ? "its command had started" : "its command never started",
			 WIFEXITED(b->wstatus) ? WEXITSTATUS(b->wstatus) : -1);
	else if (ch.bad_lines)
		lab_sfmt(reason, rlen, "%zu malformed line(s) on the result channel; the first: %s", ch.bad_lines,
			 ch.error);
	else if (*invalid)
		lab_sfmt(reason, rlen, "%s", invalid);
	else if (b->ndocs < c->expected_docs)
		lab_sfmt(reason, rlen, "the guest command exited %d after %zu of %zu expected result document(s)",
			 ch.rc, b->ndocs, c->expected_docs);
	else
		balloon_check(b, ch.balloon, reason, rlen);
out:
	/* the facts outlive the documents: the failed document wants them */
	facts->hypervisor = ch.hypervisor;
	facts->balloon = ch.balloon;
	ch.hypervisor = ch.balloon = NULL;
	lab_channel_free(&ch);
	free(text);
}

void lab_boot_collect(struct lab_ctx *c, struct lab_boot *b)
{
	char reason[1024] = "";
	struct lab_channel facts = { 0 };
	json_t *doc;

	b->state = LAB_BOOT_DONE;
	bl_rfc3339(NULL, b->finished_at);
	b->rc = -1;
	b->status = "failed";
	if (!b->k->ok)
		lab_sfmt(reason, sizeof(reason), "%s",
			 *b->k->error ? b->k->error : "the kernel could not be fetched or its initramfs built");
	else if (lab_mode_is_xen(b->mode) && !c->xen.ok)
		lab_sfmt(reason, sizeof(reason), "%s",
			 *c->xen.error ? c->xen.error : "Xen could not be fetched");
	else if (b->start_err)
		lab_sfmt(reason, sizeof(reason), "%s could not be started: %s (see console.log)", c->qemu,
			 strerror(-b->start_err));
	else
		collect_channel(c, b, &facts, reason, sizeof(reason));
	if (!*reason) {
		b->ok = true;
		lab_channel_free(&facts);
		return;
	}
	/* Every boot leaves at least one valid document behind. */
	doc = lab_doc_failed(c, b, reason, facts.hypervisor, facts.balloon);
	lab_channel_free(&facts);
	if (!doc)
		bl_err("%s: building the failed document: out of memory", b->dir);
	else if (!lab_doc_write(b, doc, NULL, 0))
		b->ndocs++;
	json_decref(doc);
}

void lab_boot_summary(struct lab_ctx *c, const struct lab_boot *b)
{
	const char *status = "ok";
	char bounced[32] = "n/a", line[512], mode[96];

	if (b->bounced_known)
		lab_sfmt(bounced, sizeof(bounced), "%" PRId64, b->bounced);
	/* The boot may have been fine (testbed.status ok) and its documents
	 * not: the summary says whether the boot as a whole succeeded. */
	if (!b->ok)
		status = strcmp(b->status, "ok") ? b->status : "failed";
	/* Several boots of one configuration: which one (testbed.boot_index). */
	if (c->cfg.boots > 1)
		lab_sfmt(mode, sizeof(mode), "%s #%u", b->mode->spec, b->round);
	else
		lab_sfmt(mode, sizeof(mode), "%s", b->mode->spec);
	lab_sfmt(line, sizeof(line), "%-22s %-20s %-18s %-7s %7.1fs  docs=%zu  rc=%-3d swiotlb_bounced=%s%s\n",
	     *b->k->release ? b->k->release : b->k->series, *b->k->version ? b->k->version : "?", mode,
	     status, b->seconds, b->ndocs, b->rc, bounced, b->ok ? "" : "  (see failed document)");
	fputs(line, stdout);
	fflush(stdout);
	if (c->summary)
		fputs(line, c->summary);
}

/* Polls: QEMU children are few, and a deadline needs a wake-up anyway. */
void lab_boots_reap(struct lab_ctx *c, struct lab_boot *boots, size_t n)
{
	for (;;) {
		double now = lab_mono_now();

		for (size_t i = 0; i < n; i++) {
			struct lab_boot *b = &boots[i];
			struct bl_spawn_result res;
			int r;

			if (b->state != LAB_BOOT_RUNNING)
				continue;
			r = bl_spawn_try_wait(&b->child, &res);
			/* -ECHILD: reaped elsewhere, gone all the same (its status unknown). */
			if (r == 1 || r == -ECHILD) {
				struct timespec t1;

				if (r == 1)
					b->wstatus = res.status;
				clock_gettime(CLOCK_MONOTONIC, &t1);
				b->seconds = (double)(t1.tv_sec - b->t0.tv_sec) +
					     (double)(t1.tv_nsec - b->t0.tv_nsec) / 1e9;
				lab_boot_collect(c, b);
				lab_boot_summary(c, b);
				return;
			}
			if (now > b->deadline && !b->term_sent) {
				b->timed_out = true;
				b->term_sent = true;
				bl_spawn_kill(&b->child, SIGTERM);
			} else if (b->term_sent && now > b->deadline + LAB_KILL_GRACE_S) {
				bl_spawn_kill(&b->child, SIGKILL);
			}
		}
		usleep(100 * 1000);
	}
}
