/*
 * The lab's result documents (see lab_internal.h): the "testbed" object
 * every document of a boot gets (package, exact version, mode, QEMU
 * arguments and version, guest clock, which boot of how many, boot time,
 * status), writing a document under the boot's
 * folder after checking it against the result-document contract, and the
 * failed document of a boot that produced none of its own.
 *
 * The failed document starts as lib/docwrite's bare document (run_id, tool,
 * timestamps, job) like every document a run could not write itself, and
 * gets what the lab knows although the guest never said it: the kernel
 * release from the package, the command line it was given, the intended
 * DMA mode, the testbed object and the hypervisor object.
 *
 * The hypervisor object (every document, failed ones too, so a Xen boot is
 * filed under its mode whatever happened) is the guest's own facts
 * (gembench's, else the BOUNCELAB-HYPERVISOR line of the boot's init) with
 * what the host knows added: the Xen package and version booted, the
 * balloon the mode asked for and the balloon step's readings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab_internal.h"
#include "log.h"
#include "resultdoc.h"

#define LAB_TAIL_LINES 40 /* console lines kept in a failed document */

/*
 * Sets @key to @v (a new reference, NULL when out of memory) and notes a
 * failure in *bad; json_object_set_new takes @v even when it fails.
 */
static void put(json_t *obj, const char *key, json_t *v, bool *bad)
{
	if (!v || json_object_set_new(obj, key, v))
		*bad = true;
}

/* A string, or null for "" (unknown). */
static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *lab_doc_testbed(const struct lab_ctx *c, const struct lab_boot *b)
{
	const struct bl_mode_info *mode = &bl_modes[b->mode->id];
	json_t *t = json_object(), *args = json_array();
	char cmdline[256] = "";
	bool bad = !t || !args;

	lab_mode_cmdline(b->mode, cmdline, sizeof(cmdline));
	for (size_t i = 0; args && i < b->argv.n; i++)
		if (json_array_append_new(args, json_string(b->argv.v[i])))
			bad = true;
	if (bad) {
		json_decref(t);
		json_decref(args);
		return NULL;
	}
	/* what was booted */
	put(t, "series", json_string(b->k->series), &bad);
	put(t, "kernel_package", str_or_null(b->k->package), &bad);
	put(t, "package_version", str_or_null(b->k->version), &bad);
	put(t, "kernel_release", str_or_null(b->k->release), &bad);
	/* a local build (lab_local.c): kernel_package "local", package_version local-<hex>; what was booted */
	if (b->k->local) {
		put(t, "kernel_image", json_string(b->k->vmlinuz), &bad);
		put(t, "kernel_image_sha256", json_string(b->k->image_sha256), &bad);
		put(t, "kernel_image_version", json_string(b->k->image_version), &bad);
		put(t, "kernel_modules", json_string(b->k->dir), &bad);
		put(t, "kernel_deb", str_or_null(b->k->deb), &bad);
		put(t, "kernel_deb_package", str_or_null(b->k->deb_package), &bad);
		put(t, "kernel_deb_version", str_or_null(b->k->deb_version), &bad);
	}
	put(t, "mode", json_string(mode->name), &bad);
	put(t, "mode_spec", json_string(b->mode->spec), &bad);
	put(t, "swiotlb", json_string(mode->swiotlb), &bad);
	put(t, "iommu", json_string(mode->iommu), &bad);
	put(t, "cmdline", json_string(cmdline), &bad);
	/* Xen: what ran under the kernel, and the balloon the mode asked for (part of the mode's key) */
	put(t, "hypervisor", str_or_null(mode->hypervisor), &bad);
	put(t, "balloon_bytes", b->mode->balloon_bytes ? json_integer((json_int_t)b->mode->balloon_bytes) : json_null(),
	    &bad);
	if (mode->hypervisor) {
		char xen_cmdline[96] = "";

		lab_xen_cmdline(c->cfg.mem_mib, xen_cmdline, sizeof(xen_cmdline));
		put(t, "xen_package", str_or_null(c->xen.package), &bad);
		put(t, "xen_package_version", str_or_null(c->xen.version), &bad);
		put(t, "xen_cmdline", json_string(xen_cmdline), &bad);
		put(t, "dom0_mem_mib", json_integer((json_int_t)c->cfg.mem_mib), &bad);
		put(t, "qemu_mem_mib", json_integer((json_int_t)(c->cfg.mem_mib + LAB_XEN_HEADROOM_MIB)), &bad);
	}
	/* on what: the emulator, its version and the guest's clock */
	put(t, "qemu_args", args, &bad);
	put(t, "qemu_version", str_or_null(c->qemu_version), &bad);
	put(t, "guest_mem_mib", json_integer((json_int_t)c->cfg.mem_mib), &bad);
	put(t, "guest_cpus", json_integer((json_int_t)lab_boot_smp(c, b)), &bad);
	put(t, "accel", json_string(c->cfg.kvm ? "kvm" : "tcg"), &bad);
	put(t, "clock", json_string(lab_clock_name(c->clock)), &bad);
	put(t, "icount_shift", c->clock == LAB_CLOCK_ICOUNT ? json_integer(LAB_ICOUNT_SHIFT) : json_null(), &bad);
	/* which boot: the unit of replication */
	put(t, "boot_index", json_integer((json_int_t)b->round), &bad);
	put(t, "boots", json_integer((json_int_t)c->cfg.boots), &bad);
	/* how it went */
	put(t, "boot_seconds", json_real(b->seconds), &bad);
	put(t, "status", json_string(b->status), &bad);
	put(t, "started_at", json_string(b->started_at), &bad);
	if (bad) {
		json_decref(t);
		return NULL;
	}
	return t;
}

/* A hypervisor object of nulls, each with @why: a boot whose guest never said. */
static json_t *hypervisor_unknown(const char *why)
{
	static const char *const keys[] = { "type",	    "version", "major",	    "minor",	 "extra", "guest_type",
					    "dom0",	    "dom0_source", "capabilities", "changeset", "pagesize" };
	json_t *hv = json_object(), *una = json_object();
	bool bad = !hv || !una;

	for (size_t i = 0; !bad && i < sizeof(keys) / sizeof(keys[0]); i++) {
		put(hv, keys[i], json_null(), &bad);
		put(una, keys[i], json_string(why), &bad);
	}
	if (bad) {
		json_decref(hv);
		json_decref(una);
		return NULL;
	}
	put(hv, "unavailable", una, &bad);
	if (bad) {
		json_decref(hv);
		return NULL;
	}
	return hv;
}

json_t *lab_doc_hypervisor(const struct lab_ctx *c, const struct lab_boot *b, json_t *guest, json_t *balloon)
{
	const struct bl_mode_info *mode = &bl_modes[b->mode->id];
	char why[160];
	json_t *hv;
	bool bad = false;

	if (json_is_object(guest)) {
		hv = json_deep_copy(guest);
	} else {
		lab_sfmt(why, sizeof(why), "the guest did not report (mode %s%s)", mode->name,
			 mode->hypervisor ? "" : ": no hypervisor booted");
		hv = hypervisor_unknown(why);
	}
	if (!hv)
		return NULL;
	if (!mode->hypervisor)
		return hv;
	/* the host's side of the facts: what it booted */
	put(hv, "xen_package", str_or_null(c->xen.package), &bad);
	put(hv, "xen_package_version", str_or_null(c->xen.version), &bad);
	put(hv, "xen_version_booted", str_or_null(c->xen.xen_version), &bad);
	put(hv, "balloon_requested_bytes",
	    b->mode->balloon_bytes ? json_integer((json_int_t)b->mode->balloon_bytes) : json_null(), &bad);
	/* the balloon step's readings (testbed/guest-balloon.sh), or why there are none */
	if (b->mode->balloon_bytes && json_is_object(balloon)) {
		put(hv, "balloon", json_deep_copy(balloon), &bad);
	} else {
		json_t *una = json_object_get(hv, "unavailable");

		put(hv, "balloon", json_null(), &bad);
		if (json_is_object(una))
			put(una, "balloon",
			    json_string(b->mode->balloon_bytes ? "the guest reported no balloon readings"
							       : "no balloon requested (the mode has no balloon=)"),
			    &bad);
	}
	if (bad) {
		json_decref(hv);
		return NULL;
	}
	return hv;
}

/* The run_id names the file: hex digits and dashes only, nothing that walks a path. */
static bool run_id_safe(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F') || *s == '-'))
			return false;
	return true;
}

/* The same check the store applies (lib/resultdoc.h), so what is kept here can be stored. */
int lab_doc_write(const struct lab_boot *b, json_t *doc, char *why, size_t whylen)
{
	char path[PATH_MAX + 96], tmp[PATH_MAX + 100], verr[256];
	struct bl_resultdoc *valid = NULL;
	int invalid;
	const char *id = json_string_value(json_object_get(doc, "run_id"));
	char fresh[BL_UUID_LEN];

	if (!id || !run_id_safe(id)) {
		/* A document without a usable run_id still gets stored. */
		int ret = bl_uuid4(fresh);

		if (ret) {
			bl_err("%s: a document has no usable run_id and none could be made: %s", b->dir,
			       strerror(-ret));
			return ret;
		}
		bl_warn("%s: a document has no usable run_id; stored as %s.json", b->dir, fresh);
		id = fresh;
	}
	invalid = bl_resultdoc_from_json(doc, &valid, verr, sizeof(verr));
	bl_resultdoc_free(valid);
	if (invalid && why)
		lab_sfmt(why, whylen, "document %s breaks the result-document contract: %s", id, verr);
	if (invalid)
		bl_err("%s: document %s: %s (kept as %s.json.invalid)", b->dir, id, verr, id);
	lab_sfmt(path, sizeof(path), "%s/%s.json%s", b->dir, id, invalid ? ".invalid" : "");
	lab_sfmt(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(doc, tmp, JSON_INDENT(2))) {
		bl_err("%s: write failed", tmp);
		return -EIO;
	}
	if (rename(tmp, path)) {
		bl_err("%s: rename: %s", path, strerror(errno));
		return -errno;
	}
	return invalid ? -EINVAL : 0;
}

/*
 * The last @lines lines of a file (a console log), NUL-terminated, owned.
 * Of a log larger than LAB_CHANNEL_MAX only its end is read: that is where
 * the lines are.
 */
static char *file_tail(const char *path, int lines)
{
	char *buf = NULL, *p;
	size_t len = 0;
	int seen = 0;

	if (lab_read_tail(path, LAB_CHANNEL_MAX, &buf, &len))
		return strdup("(no console log)");
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	for (p = buf + len; p > buf; p--) {
		if (p[-1] == '\n' && ++seen == lines)
			break;
	}
	memmove(buf, p, strlen(p) + 1);
	/* Strip carriage returns so the document reads as plain lines. */
	for (char *s = buf, *d = buf;; s++) {
		if (*s != '\r')
			*d++ = *s;
		if (!*s)
			break;
	}
	return buf;
}

/*
 * The first line of the console that says why a kernel died ("Kernel
 * panic - not syncing: ...", "BUG: ...", "Oops: ..."): a call trace can push
 * it out of the tail. Of a console larger than LAB_CHANNEL_MAX, the first
 * such line of its last LAB_CHANNEL_MAX bytes (the death is at the end).
 * Owned by the caller; NULL when there is none.
 */
static char *console_headline(const char *path)
{
	static const char *const marks[] = { "Kernel panic", "BUG: ", "Oops: ", "general protection fault" };
	char *buf = NULL, *line, *save = NULL, *found = NULL;
	size_t len;

	if (lab_read_tail(path, LAB_CHANNEL_MAX, &buf, &len))
		return NULL;
	for (line = strtok_r(buf, "\r\n", &save); line && !found; line = strtok_r(NULL, "\r\n", &save))
		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]) && !found; i++)
			if (strstr(line, marks[i]))
				found = strdup(line);
	free(buf);
	return found;
}

/* The error text: the reason, the console's headline, its last lines. Owned; NULL when out of memory. */
static char *failure_text(const struct lab_boot *b, const char *reason)
{
	char console[PATH_MAX + 16];
	char *tail, *headline, *error;

	lab_sfmt(console, sizeof(console), "%s/console.log", b->dir);
	tail = file_tail(console, LAB_TAIL_LINES);
	headline = console_headline(console);
	if (asprintf(&error, "%s%s%s\n--- last %d lines of the console ---\n%s", reason,
		     headline ? "\nconsole: " : "", headline ? headline : "", LAB_TAIL_LINES, tail ? tail : "") < 0)
		error = NULL;
	free(headline);
	free(tail);
	return error;
}

json_t *lab_doc_failed(const struct lab_ctx *c, const struct lab_boot *b, const char *reason, json_t *guest_hv,
		       json_t *balloon)
{
	const struct bl_mode_info *mode = &bl_modes[b->mode->id];
	const struct lab_job *j = &c->jobinfo;
	const char *workload = *j->workload ? j->workload : j->global_workload;
	const char *backend = *j->backend ? j->backend : j->global_backend;
	char cmdline[256] = "";
	char *error = failure_text(b, reason);
	json_t *doc, *kernel, *dma, *testbed, *hv;
	int bad;

	doc = bl_doc_bare_new(&(struct bl_doc_bare){
		.status = "failed",
		.error = error ? error : reason,
		.tool_name = "bouncelab-lab",
		.started_at = b->started_at,
		.finished_at = b->finished_at,
		.job_name = *j->first ? j->first : "lab",
		.backend = *backend ? backend : "none",
		.workload = *workload ? workload : "none",
	});
	free(error);
	if (!doc)
		return NULL;
	lab_mode_cmdline(b->mode, cmdline, sizeof(cmdline));
	/* What the guest would have reported: the release from the package,
	 * the command line we gave it. Unknown release: no kernel object. */
	kernel = *b->k->release
			 ? json_pack("{s:s, s:n, s:s}", "release", b->k->release, "version", "cmdline", cmdline)
			 : json_null();
	dma = json_pack("{s:s, s:o, s:s, s:n, s:{s:s}, s:s}", "swiotlb", mode->swiotlb, "swiotlb_slabs_requested",
			b->mode->pool_bytes ? json_integer((json_int_t)(b->mode->pool_bytes / LAB_SLOT_BYTES))
					    : json_null(),
			"iommu", mode->iommu,
			/* The pool the guest really got is unknown: it never reported. */
			"swiotlb_slabs", "unavailable", "swiotlb_slabs", "the guest did not report its pool",
			/* what bounces in this mode: a PV dom0's devices go through xen-swiotlb */
			"swiotlb_impl", mode->hypervisor ? "xen-swiotlb" : "swiotlb");
	testbed = lab_doc_testbed(c, b);
	hv = lab_doc_hypervisor(c, b, guest_hv, balloon);
	/* Each _new takes its reference even when it fails (a NULL value
	 * fails too), so all four are handed over before the one check. */
	bad = json_object_set_new(doc, "kernel", kernel);
	bad |= json_object_set_new(doc, "dma", dma);
	bad |= json_object_set_new(doc, "testbed", testbed);
	bad |= json_object_set_new(doc, "hypervisor", hv);
	if (bad) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
