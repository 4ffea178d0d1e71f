/*
 * Tests for analysis/selector.c: one table of keys, so every key, alias and
 * kind is checked from tables here too. Refusals first (each message names
 * the selector and the bad key or value), then what each accepted key sets,
 * the aliases the daemon's query uses (run_id, limit), bl_selector_set and
 * the help text made from the table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "selector.h"

#define UUID "3f6c1a52-8d2e-4b7a-9c61-0e5d2f9a1b01"

static void test_refusals(void **state)
{
	static const struct {
		const char *text;
		const char *says; /* a piece of the message */
	} bad[] = {
		{ "kernal=6.1", "unknown key 'kernal'" },		  /* typo in a key */
		{ "kernal=6.1", "known: kernel, mode" },		  /* and the keys it could be */
		{ "mode=forc", "mode: 'forc' is not one of default, force" }, /* typo in a value */
		{ "kernel", "'kernel' is not key=value" },		  /* no '=' */
		{ "kernel=", "kernel: empty value" },			  /* empty value */
		{ "kernel=6.1,kernel=6.12", "kernel: given twice" },	  /* twice */
		{ "mode=force,swiotlb=noforce", "swiotlb: given twice" }, /* mode sets swiotlb */
		{ "iommu=on,mode=force", "mode: given twice" },		  /* and iommu too */
		{ "mode=default,iommu=on", "iommu: given twice" },	  /* default pins iommu=off */
		{ "run=" UUID ",run_id=" UUID, "run_id: given twice" },	  /* an alias is the key */
		{ "last=3,limit=4", "limit: given twice" },
		{ "iommu=maybe", "iommu: 'maybe' is not one of off, on, pt" },
		{ "swiotlb=sometimes", "swiotlb: 'sometimes' is not one of force" },
		{ "status=great", "status: 'great' is not one of" },
		{ "versions=some", "versions: 'some' is not one of newest, all" }, /* package versions pool or not */
		{ "since=yesterday", "since: 'yesterday' is not a date" },
		{ "until=2026-13-45", "until: '2026-13-45' is not a date" },
		{ "since=2026-11-02,until=2026-11-01", "until is not after since" },
		{ "last=0", "last: '0' is not a number" },
		{ "last=5x", "last: '5x' is not a number" },
		{ "limit=-1", "limit: '-1' is not a number" },		  /* the alias's own name */
		{ "last=1000001", "last: '1000001' is not a number" },
		{ "run=1234", "run: '1234' is not a run UUID" },
		{ "run_id=1234", "run_id: '1234' is not a run UUID" },
		{ "pool=100K", "pool: '100K' is not a pool size in whole 256K" }, /* part of a segment */
		{ "pool=big", "pool: 'big' is not a pool size" },		   /* not a size */
		{ "pool=0", "pool: '0' is not a pool size" },			   /* no pool */
		{ "pool=16M,pool=8M", "pool: given twice" },
	};
	struct bl_selector sel;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(bl_selector_parse(bad[i].text, &sel, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].says))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, err, bad[i].says);
		/* every message names the selector */
		assert_non_null(strstr(err, bad[i].text));
	}
}

static void test_each_key(void **state)
{
	static const struct {
		const char *text;
		size_t member;	   /* the bl_run_filter member it sets */
		const char *value; /* what that member then holds (text members) */
	} ok[] = {
		{ "kernel=6.12", offsetof(struct bl_run_filter, kernel), "6.12" },
		{ "swiotlb=noforce", offsetof(struct bl_run_filter, swiotlb), "noforce" },
		{ "iommu=pt", offsetof(struct bl_run_filter, iommu), "pt" },
		{ "device=vgem", offsetof(struct bl_run_filter, device), "vgem" },
		{ "importer=/dev/udmabuf", offsetof(struct bl_run_filter, importer), "/dev/udmabuf" },
		{ "backend=dumb", offsetof(struct bl_run_filter, backend), "dumb" },
		{ "workload=import", offsetof(struct bl_run_filter, workload), "import" },
		{ "job=nightly", offsetof(struct bl_run_filter, job), "nightly" },
		{ "host=lab1", offsetof(struct bl_run_filter, host), "lab1" },
		{ "status=failed", offsetof(struct bl_run_filter, status), "failed" },
		{ "versions=all", offsetof(struct bl_run_filter, versions), "all" },
		{ "run=" UUID, offsetof(struct bl_run_filter, run_id), UUID },
		{ "run_id=" UUID, offsetof(struct bl_run_filter, run_id), UUID }, /* daemon alias */
	};
	struct bl_selector sel;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (bl_selector_parse(ok[i].text, &sel, err, sizeof(err)))
			fail_msg("'%s': %s", ok[i].text, err);
		assert_string_equal(*(const char **)((char *)&sel.filter + ok[i].member), ok[i].value);
		assert_string_equal(sel.text, ok[i].text);
		bl_selector_free(&sel);
	}
	/* the numbers: times, counts (last and its alias limit) */
	assert_int_equal(bl_selector_parse("since=2026-11-01,until=2026-11-02T00:00:00Z,limit=7",
					   &sel, err, sizeof(err)), 0);
	assert_int_equal(sel.filter.since, 1793491200); /* 2026-11-01T00:00:00Z */
	assert_int_equal(sel.filter.until, 1793491200 + 86400);
	assert_int_equal(sel.filter.limit, 7);
	bl_selector_free(&sel);
	assert_int_equal(bl_selector_parse("last=3", &sel, err, sizeof(err)), 0);
	assert_int_equal(sel.filter.limit, 3);
	bl_selector_free(&sel);
	/* pool sizes become the slots the store keeps (io_tlb_nslabs): 2 KiB each */
	assert_int_equal(bl_selector_parse("pool=16M", &sel, err, sizeof(err)), 0);
	assert_int_equal(sel.filter.pool_slabs, 8192);
	bl_selector_free(&sel);
	assert_int_equal(bl_selector_parse("pool=7936K", &sel, err, sizeof(err)), 0);
	assert_int_equal(sel.filter.pool_slabs, 3968);
	bl_selector_free(&sel);
	/* the empty selector selects everything */
	assert_int_equal(bl_selector_parse("", &sel, err, sizeof(err)), 0);
	assert_null(sel.filter.kernel);
	assert_int_equal(sel.filter.since, 0);
	assert_int_equal(sel.filter.pool_slabs, 0);
	bl_selector_free(&sel);
}

static void test_modes(void **state)
{
	/* each mode of the table as the document's swiotlb / iommu (NULL = any) */
	static const struct {
		const char *mode, *swiotlb, *iommu;
	} modes[] = {
		{ "force", "force", NULL },
		{ "noforce", "noforce", NULL },
		{ "default", "default", "off" }, /* the IOMMU modes boot with default swiotlb too */
		{ "iommu", NULL, "on" },
		{ "iommu-pt", NULL, "pt" },
		{ "pt", NULL, "pt" },		  /* the short name */
	};
	struct bl_run_filter f;

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		memset(&f, 0, sizeof(f));
		assert_int_equal(bl_mode_filter(&f, modes[i].mode), 0);
		if (modes[i].swiotlb)
			assert_string_equal(f.swiotlb, modes[i].swiotlb);
		else
			assert_null(f.swiotlb);
		if (modes[i].iommu)
			assert_string_equal(f.iommu, modes[i].iommu);
		else
			assert_null(f.iommu);
	}
	assert_int_equal(bl_mode_filter(&f, "xen-pv-forced"), -EINVAL);
	assert_int_equal(bl_mode_filter(&f, ""), -EINVAL);
	/* a bare mode matches runs without a hypervisor only; any balloon (none there) */
	memset(&f, 0, sizeof(f));
	assert_int_equal(bl_mode_filter(&f, "default"), 0);
	assert_string_equal(f.hypervisor, "");
	assert_int_equal(f.balloon, 0);
	/* Xen: its own rows, no balloon unless one is named */
	assert_int_equal(bl_mode_filter(&f, "xen-pv"), 0);
	assert_string_equal(f.hypervisor, "xen-pv");
	assert_string_equal(f.swiotlb, "default");
	assert_int_equal(f.balloon, -1);
	assert_int_equal(bl_mode_filter(&f, "xen-pv-force:balloon=1536M"), 0);
	assert_string_equal(f.swiotlb, "force");
	assert_int_equal(f.balloon, 1536ll << 20);
	/* a balloon needs a Xen mode and a size */
	assert_int_equal(bl_mode_filter(&f, "force:balloon=1G"), -EINVAL);
	assert_int_equal(bl_mode_filter(&f, "xen-pv:balloon=0"), -EINVAL);
	assert_int_equal(bl_mode_filter(&f, "xen-pv:balloon="), -EINVAL);
	assert_int_equal(bl_mode_filter(&f, "xen-pv:pool=16M"), -EINVAL);
}

static void test_set(void **state)
{
	struct bl_selector sel;
	char err[512];

	(void)state;
	assert_int_equal(bl_selector_parse("kernel=6.1,mode=force", &sel, err, sizeof(err)), 0);
	/* --kernel on top of a selector */
	assert_int_equal(bl_selector_set(&sel, "workload", "import", err, sizeof(err)), 0);
	assert_string_equal(sel.filter.workload, "import");
	assert_string_equal(sel.filter.kernel, "6.1");
	assert_string_equal(sel.text, "kernel=6.1,mode=force,workload=import");
	/* refused: the selector is left as it was */
	assert_int_equal(bl_selector_set(&sel, "kernel", "6.12", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "kernel: given twice"));
	assert_string_equal(sel.filter.kernel, "6.1");
	assert_int_equal(bl_selector_set(&sel, "bogus", "1", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown key 'bogus'"));
	/* an alias through set, as the daemon's query parameters come */
	assert_int_equal(bl_selector_set(&sel, "limit", "100", err, sizeof(err)), 0);
	assert_int_equal(sel.filter.limit, 100);
	bl_selector_free(&sel);
}

static void test_help(void **state)
{
	static const char *const must[] = {
		"kernel=K", "mode=M", "default, force, noforce, iommu, iommu-pt", "swiotlb=S",
		"force, noforce, default", "iommu=I", "off, on, pt", "device=D", "importer=D",
		"backend=B", "workload=W", "job=J", "host=H", "status=S",
		"ok, failed, skipped, timeout", "run=UUID", "since=T", "until=T", "last=N",
		"run_id         alias of run", "limit          alias of last",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	bl_selector_help(f, "> ");
	fclose(f);
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (!strstr(buf, must[i]))
			fail_msg("help lacks '%s':\n%s", must[i], buf);
	/* every line carries the indent */
	for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		assert_memory_equal(p, "> ", 2);
	free(buf);
}

/* Selector arguments joined with ','; too long for the buffer: refused, never cut. */
static void test_join(void **state)
{
	char *args[] = { "kernel=6.12", "mode=force", "job=x" };
	char text[32] = "", tiny[16] = "clock=wall";

	(void)state;
	assert_int_equal(bl_selector_join(text, sizeof(text), 0, args), 0);
	assert_string_equal(text, "");
	assert_int_equal(bl_selector_join(text, sizeof(text), 3, args), 0);
	assert_string_equal(text, "kernel=6.12,mode=force,job=x");
	assert_int_equal(bl_selector_join(tiny, sizeof(tiny), 1, args), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_each_key),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
