/*
 * Reading a pool probe's documents (analysis/poolprobe.h). A row is one job
 * section at one size ("pool-udmabuf-vgem-import 4194304"): the unit the
 * search excludes when it fails at --max. The peak slots come from each
 * row's io_tlb_used_peak (io_tlb_used_hiwater where the kernel has it, else
 * io_tlb_used polled between operations) and, as a floor, the slots in use
 * before and after the row: every one of them was held at some moment.
 *
 * The boot's console counts too: the lab boots with "quiet", so a kernel
 * line there is an error, and one a smaller pool brings is a mapping the
 * kernel refused outside the job. Measured on 6.12 with a 2048-slot pool:
 * virtio-gpu's fbdev emulation failed to set up (-EIO) at boot on one boot
 * and not on another; the boot where it failed held 2000 slots fewer and
 * its job passed. Each distinct kernel line is a row "boot: <line>"; the
 * lines the --max boot shows too are excluded like any row.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "poolprobe.h"
#include "resultdoc.h"

long long pp_refused_bytes(const char *line)
{
	const char *p = line ? strstr(line, "swiotlb buffer is full (sz: ") : NULL;
	char *end;
	long long n;

	if (!p)
		return -1;
	p += strlen("swiotlb buffer is full (sz: ");
	n = strtoll(p, &end, 10);
	return end == p || n < 0 ? -1 : n;
}

/* One failed row: its key, its failed ops and its line (the same key twice adds the ops). */
static int add_key(struct ps_obs *o, const char *key, int ops, const char *line)
{
	char **v, **l;
	int *n;

	for (size_t i = 0; i < o->nfailed; i++) {
		if (!strcmp(o->failed[i], key)) {
			o->row_ops[i] += ops;
			return 0;
		}
	}
	v = realloc(o->failed, (o->nfailed + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	o->failed = v;
	l = realloc(o->row_line, (o->nfailed + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	o->row_line = l;
	n = realloc(o->row_ops, (o->nfailed + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	o->row_ops = n;
	o->failed[o->nfailed] = strdup(key);
	o->row_line[o->nfailed] = strdup(line);
	o->row_ops[o->nfailed] = ops;
	if (!o->failed[o->nfailed] || !o->row_line[o->nfailed]) {
		free(o->failed[o->nfailed]);
		free(o->row_line[o->nfailed]);
		return -ENOMEM;
	}
	o->nfailed++;
	return 0;
}

static void max_in(int64_t *dst, const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) > *dst)
		*dst = json_integer_value(v);
}

/* The line that says what failed in a row: "KEY: " and the kernel's first, else the op's error. */
static void row_line(struct ps_obs *o, const char *key, const json_t *failures, char *buf,
		     size_t len)
{
	const json_t *log = json_object_get(failures, "kernel_log");
	const char *line = json_string_value(json_array_get(log, 0));

	for (size_t i = 0; i < json_array_size(log); i++) {
		long long n = pp_refused_bytes(json_string_value(json_array_get(log, i)));

		if (n > o->largest_refused)
			o->largest_refused = n;
	}
	if (!line)
		line = json_string_value(json_object_get(failures, "error"));
	snprintf(buf, len, "%s: %s", key, line ? line : "failed (no message)");
}

static int add_row(struct ps_obs *o, const char *job, const json_t *row)
{
	const json_t *c = json_object_get(row, "counters");
	const json_t *f = json_object_get(row, "failures");
	json_int_t fops = json_integer_value(json_object_get(f, "ops"));
	json_int_t bounced = json_integer_value(json_object_get(c, "swiotlb_bounced"));
	json_int_t bytes = json_integer_value(json_object_get(c, "swiotlb_bounced_bytes"));
	char key[256], line[1024];

	o->nrows++;
	max_in(&o->peak_slots, json_object_get(c, "io_tlb_used_peak"));
	max_in(&o->peak_slots, json_object_get(c, "io_tlb_used_before"));
	max_in(&o->peak_slots, json_object_get(c, "io_tlb_used_after"));
	if (bounced > 0 && bytes / bounced > o->largest_bounce)
		o->largest_bounce = bytes / bounced;
	if (fops <= 0)
		return 0;
	snprintf(key, sizeof(key), "%s %lld", job,
		 (long long)json_integer_value(json_object_get(row, "size")));
	o->failed_ops += (int)fops;
	row_line(o, key, f, line, sizeof(line));
	if (!o->first_line && !(o->first_line = strdup(line)))
		return -ENOMEM;
	return add_key(o, key, (int)fops, line);
}

int pp_add_doc(struct ps_obs *o, const json_t *doc)
{
	const char *job = json_string_value(json_object_get(json_object_get(doc, "job"), "name"));
	const char *status = json_string_value(json_object_get(doc, "status"));
	const json_t *results = json_object_get(doc, "results"), *row;
	const json_t *tb = json_object_get(doc, "testbed");
	const char *rel =
	    json_string_value(json_object_get(json_object_get(doc, "kernel"), "release"));
	size_t i;
	int ret;

	if (!job)
		job = "unknown";
	if (!o->kernel && rel && !(o->kernel = strdup(rel)))
		return -ENOMEM;
	max_in(&o->ram_mib, json_object_get(tb, "guest_mem_mib"));
	max_in(&o->alloc_slabs, json_object_get(json_object_get(doc, "dma"), "swiotlb_slabs"));
	json_array_foreach(results, i, row) if ((ret = add_row(o, job, row)) < 0) return ret;
	if (!json_array_size(results) && status && strcmp(status, "ok") &&
	    strcmp(status, "skipped")) {
		const char *err = json_string_value(json_object_get(doc, "error"));
		char buf[1024];

		o->nrows++;
		snprintf(buf, sizeof(buf), "%s: %s: %.*s", job, status, 600,
			 err ? err : "no error text");
		if ((ret = add_key(o, job, 0, buf)) < 0)
			return ret;
		if (!o->first_line && !(o->first_line = strdup(buf)))
			return -ENOMEM;
	}
	return 0;
}

/*
 * The lab's document for a boot that yielded nothing (panic, hang, no
 * channel): testbed.status other than "ok". Its error becomes the line.
 */
static bool boot_died(struct ps_obs *o, const json_t *doc)
{
	const char *st =
	    json_string_value(json_object_get(json_object_get(doc, "testbed"), "status"));
	const char *err = json_string_value(json_object_get(doc, "error"));
	char buf[1024];

	if (!st || !strcmp(st, "ok"))
		return false;
	if (!o->first_line) {
		snprintf(buf, sizeof(buf), "boot %s: %.*s", st, 600, err ? err : "no error text");
		o->first_line = strdup(buf); /* NULL when out of memory: only the line is lost */
	}
	return true;
}

int pp_console_line(struct ps_obs *o, const char *line)
{
	const char *text = line, *end;
	char key[256], buf[1024];
	size_t len;

	/* a kernel line: "[    3.328627] text" */
	if (*text != '[' || !(end = strstr(text, "] ")) || end - text > 20)
		return 0;
	text = end + 2;
	len = strcspn(text, "\r\n");
	if (!len)
		return 0;
	snprintf(key, sizeof(key), "boot: %.*s", (int)(len < 200 ? len : 200), text);
	snprintf(buf, sizeof(buf), "%.*s", (int)len, text);
	o->nrows++;
	if (pp_refused_bytes(buf) > o->largest_refused)
		o->largest_refused = pp_refused_bytes(buf);
	return add_key(o, key, 0, key);
}

/* Every kernel line of a boot's console.log (see pp_console_line). */
static int read_console(struct ps_obs *o, const char *path)
{
	char line[2048];
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && fgets(line, sizeof(line), f))
		ret = pp_console_line(o, line);
	fclose(f);
	return ret;
}

int pp_read_dir(struct ps_obs *o, const char *dir)
{
	static const char *const patterns[] = {"/*.json", "/*/*.json"};
	bool found = false, dead = false;
	int ret = 0;

	for (size_t p = 0; p < 2 && !ret; p++) {
		char pat[PATH_MAX];
		glob_t g;

		snprintf(pat, sizeof(pat), "%s%s", dir, patterns[p]);
		if (glob(pat, 0, NULL, &g))
			continue; /* no match */
		for (size_t i = 0; i < g.gl_pathc && !ret; i++) {
			struct bl_resultdoc *d = NULL;
			char *text = NULL, err[256];
			size_t len;
			json_t *j;

			if ((ret = bl_read_file(g.gl_pathv[i], 64ul << 20, &text, &len)) < 0)
				break;
			/* only documents of the contract count: the lab's own checks */
			if (bl_resultdoc_parse(text, len, &d, err, sizeof(err))) {
				free(text);
				continue;
			}
			bl_resultdoc_free(d);
			j = json_loadb(text, len, 0, NULL);
			free(text);
			if (!j)
				continue;
			found = true;
			ret = boot_died(o, j) ? (dead = true, 0) : pp_add_doc(o, j);
			json_decref(j);
		}
		globfree(&g);
	}
	o->boot_ok = found && !dead;
	if (!ret && o->boot_ok) {
		char pat[PATH_MAX];
		glob_t g;

		snprintf(pat, sizeof(pat), "%s/*/console.log", dir);
		if (!glob(pat, 0, NULL, &g)) {
			for (size_t i = 0; i < g.gl_pathc && !ret; i++)
				ret = read_console(o, g.gl_pathv[i]);
			globfree(&g);
		}
	}
	return ret;
}
