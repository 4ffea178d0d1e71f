/*
 * Unit tests for daemon/daemon_campaign_store.c and daemon_campaign.c:
 * a campaign folder as `bouncelab lab` leaves it (boot folders with
 * <run_id>.json, summary.txt, console logs) stored document by document,
 * a broken or invalid document counted and skipped, never fatal; the lab's
 * argument vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon_campaign.h"
#include "store.h"

static char dir[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A valid document (status @status, not ok: an ok one needs host and kernel) with UUID number @n. */
static void put_doc(const char *folder, int n, const char *status)
{
	char rel[128], text[512];

	snprintf(rel, sizeof(rel), "%s/00000000-0000-4000-8000-%012d.json", folder, n);
	snprintf(text, sizeof(text),
		 "{\"format\":1,\"run_id\":\"00000000-0000-4000-8000-%012d\",\"status\":\"%s\","
		 "\"error\":%s,\"tool\":{\"name\":\"test\",\"version\":\"0\"},"
		 "\"started_at\":\"2026-11-26T00:00:00Z\",\"job\":{\"name\":\"j\",\"backend\":\"b\","
		 "\"workload\":\"w\"},\"results\":[]}",
		 n, status, "\"boot failed\"");
	put(rel, text);
}

static void test_store_folder(void **state)
{
	char db[128], err[256], sub[512];
	struct bl_store *st = NULL;
	struct bld_campaign_result res;
	int64_t count = 0;

	snprintf(dir, sizeof(dir), "/tmp/test_daemon_campaign.%d", (int)getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(db, sizeof(db), "%s.db", dir);
	assert_int_equal(bl_store_open(db, NULL, &st, err, sizeof(err)), 0);

	/* a missing folder: an error, nothing stored */
	assert_true(bld_campaign_store(st, "t", "/nonexistent/campaign", 1 << 20, &res) < 0);
	bld_campaign_result_free(&res);

	for (int k = 0; k < 3; k++) {
		static const char *const boots[] = { "6.12-force", "6.12-noforce", "6.1-force" };

		snprintf(sub, sizeof(sub), "%s/%s", dir, boots[k]);
		assert_int_equal(mkdir(sub, 0700), 0);
	}
	put_doc("6.12-force", 1, "skipped");
	put_doc("6.12-force", 2, "skipped");
	put_doc("6.12-noforce", 3, "failed");		      /* a failed boot's document: stored */
	put("6.12-noforce/console.log", "[    0.000000] Linux version 6.12\n"); /* not a document */
	put("6.1-force/00000000-0000-4000-8000-000000000004.json", "{\"format\":1,"); /* cut short */
	put("6.1-force/00000000-0000-4000-8000-000000000005.json", "{\"format\":1}"); /* not the contract */
	put("summary.txt", "6.12 force ok\n");				     /* beside the boot folders */

	assert_int_equal(bld_campaign_store(st, "t", dir, 1 << 20, &res), 0);
	assert_int_equal(res.stored, 3);
	assert_int_equal(res.refused, 2);
	assert_non_null(strstr(res.first_refusal, "000000000004.json"));
	/* name order: boot folders, then files */
	assert_string_equal(res.run_id[0], "00000000-0000-4000-8000-000000000001");
	assert_string_equal(res.run_id[2], "00000000-0000-4000-8000-000000000003");
	assert_int_equal(res.status[2], BL_STATUS_FAILED);
	bld_campaign_result_free(&res);
	assert_int_equal(bl_store_count_runs(st, &(struct bl_run_filter){ 0 }, &count), 0);
	assert_int_equal(count, 3);

	/* the same folder again: duplicates, stored once */
	assert_int_equal(bld_campaign_store(st, "t", dir, 1 << 20, &res), 0);
	assert_int_equal(res.stored, 3);
	bld_campaign_result_free(&res);
	assert_int_equal(bl_store_count_runs(st, &(struct bl_run_filter){ 0 }, &count), 0);
	assert_int_equal(count, 3);

	/* over the size cap: refused, not read */
	assert_int_equal(bld_campaign_store(st, "t", dir, 64, &res), 0);
	assert_int_equal(res.stored, 0);
	assert_int_equal(res.refused, 5);
	bld_campaign_result_free(&res);

	bl_store_close(st);
	snprintf(sub, sizeof(sub), "rm -rf %s %s %s-wal %s-shm", dir, db, db, db);
	assert_int_equal(system(sub), 0);
}

static void test_argv(void **state)
{
	struct bld_lab lab = { .modes = "force", .job = "j.ini", .boots = 2, .boot_timeout_s = 600 };
	const char *want[] = { "/b/bouncelab", "lab", "--kernels", "6.12", "--modes", "force", "--boots", "2",
			       "--timeout", "600", "--job", "j.ini", "--out", "/c/x", NULL };
	char **v = bld_lab_argv("/b/bouncelab", &lab, "6.12", "/c/x");
	size_t i;

	assert_non_null(v);
	for (i = 0; want[i]; i++) {
		assert_non_null(v[i]);
		assert_string_equal(v[i], want[i]);
	}
	assert_null(v[i]);
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
	/* the lab's own kernels win over the new-kernel series */
	lab.kernels = "6.1,6.12";
	v = bld_lab_argv("/b/bouncelab", &lab, "6.12", "/c/x");
	assert_string_equal(v[3], "6.1,6.12");
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_folder),
		cmocka_unit_test(test_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
