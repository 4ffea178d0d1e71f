/*
 * Tests for lib/profile.c: parsing `perf script` text (malformed input
 * first, then a real capture in tests/fixtures/perf-script-dd.txt whose
 * answers were counted independently), the JSON form, the share diff, and
 * - when perf is installed and permitted - recording a child process for
 * real (skipped with the reason otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "profile.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *says;
	} bad[] = {
		{ "", "no samples" },                                   /* empty */
		{ "# only a comment\n\n", "no samples" },               /* comments only */
		{ "\tffffffff81000000 foo+0x1 ([kernel.kallsyms])\n", "line 1: a frame outside" },
		{ "this is not perf output\n", "line 1: not a sample header" },
		{ "dd 1 1.000: 1 cpu-clock:\n\tnoaddress\n", "line 2: not 'addr symbol" },
	};
	struct bl_profile p;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(bl_profile_parse_script(bad[i].text, strlen(bad[i].text), &p, err,
							 sizeof(err)),
				 -EINVAL);
		if (!strstr(err, bad[i].says))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].says);
	}
}

/* A hand-written sample set: comm with a space, a [cpu] column, modules, no callchain. */
static void test_parse_small(void **state)
{
	const char *text =
		"kworker/0:1 H 12/13 [001] 100.000001: 250000 cycles:\n"
		"\tffffffffc0a01234 vgem_gem_map+0x10 ([vgem])\n"
		"\tffffffff81000000 do_syscall_64+0x71 ([kernel.kallsyms])\n"
		"\n"
		"gembench 99 [000] 100.000002: 250000 cycles:\n"
		"\t    55d5c0a01234 measure_loop+0x34 (/usr/bin/gembench)\n"
		"\t    7f0000000000 __libc_start_main+0xf3 (/usr/lib/libc.so.6)\n"
		"\n"
		"gembench 99 [000] 100.000003: 250000 cycles:\n"
		"\t    55d5c0a01234 measure_loop+0x34 (/usr/bin/gembench)\n"
		"\t    7f0000000000 __libc_start_main+0xf3 (/usr/lib/libc.so.6)\n"
		"gembench 99 [000] 100.000004: 250000 cycles:\n" /* no blank line before */
		"\t    7fff00001000 [unknown] ([vdso])\n";
	struct bl_profile p;
	char err[256];

	(void)state;
	assert_int_equal(bl_profile_parse_script(text, strlen(text), &p, err, sizeof(err)), 0);
	assert_int_equal(p.samples, 4);
	assert_string_equal(p.event, "cycles");
	assert_int_equal(p.n_kernel, 1);
	assert_string_equal(p.kernel[0].name, "vgem_gem_map"); /* a module is kernel */
	assert_int_equal(p.n_user, 2);
	assert_string_equal(p.user[0].name, "measure_loop");
	assert_int_equal(p.user[0].samples, 2);
	assert_true(fabs(p.user[0].share - 0.5) < 1e-12);
	assert_string_equal(p.user[1].name, "[unknown]"); /* vdso is user space */
	assert_int_equal(p.n_stacks, 3);
	assert_string_equal(p.stacks[0].folded, "gembench;__libc_start_main;measure_loop");
	assert_int_equal(p.stacks[0].samples, 2);
	/* the comm keeps its space; kernel frames carry _[k], root first */
	for (size_t i = 0; i < p.n_stacks; i++)
		if (p.stacks[i].folded[0] == 'k')
			assert_string_equal(p.stacks[i].folded,
					    "kworker/0:1 H;do_syscall_64_[k];vgem_gem_map_[k]");
	bl_profile_free(&p);
}

/*
 * The captured fixture (perf record -g of dd reading /dev/zero). Counted
 * independently with a script: 70 samples; kernel leaves read_zero 47,
 * pvm_irq_enable 8, __cond_resched 3; user leaves read 5; 60 kernel and 10
 * user leaves; 13 distinct stacks, the heaviest dd;read;...;read_zero (47).
 */
static void test_parse_fixture(void **state)
{
	struct bl_profile p;
	char err[256], *text;
	size_t len = 0;
	uint64_t ksum = 0, usum = 0;
	double shares = 0;

	(void)state;
	text = slurp("tests/fixtures/perf-script-dd.txt", &len);
	assert_non_null(text);
	assert_int_equal(bl_profile_parse_script(text, len, &p, err, sizeof(err)), 0);
	free(text);
	assert_int_equal(p.samples, 70);
	assert_string_equal(p.event, "cpu-clock");
	assert_string_equal(p.kernel[0].name, "read_zero");
	assert_int_equal(p.kernel[0].samples, 47);
	assert_string_equal(p.kernel[1].name, "pvm_irq_enable");
	assert_int_equal(p.kernel[1].samples, 8);
	assert_string_equal(p.kernel[2].name, "__cond_resched");
	assert_string_equal(p.user[0].name, "read");
	assert_int_equal(p.user[0].samples, 5);
	for (size_t i = 0; i < p.n_kernel; i++) {
		ksum += p.kernel[i].samples;
		shares += p.kernel[i].share;
	}
	for (size_t i = 0; i < p.n_user; i++) {
		usum += p.user[i].samples;
		shares += p.user[i].share;
	}
	assert_int_equal(ksum, 60);
	assert_int_equal(usum, 10);
	assert_true(fabs(shares - 1.0) < 1e-9);
	assert_int_equal(p.n_stacks, 13);
	assert_string_equal(p.stacks[0].folded, "dd;read;entry_SYSCALL_64_after_hwframe_[k];"
						"do_syscall_64_[k];ksys_read_[k];vfs_read_[k];"
						"read_zero_[k]");
	assert_int_equal(p.stacks[0].samples, 47);
	bl_profile_free(&p);
}

static void test_json_and_diff(void **state)
{
	const char *a_text = "x 1 1.0: 1 cpu-clock:\n\tffffffff81000001 swiotlb_bounce+0x1 "
			     "([kernel.kallsyms])\n\n"
			     "x 1 1.1: 1 cpu-clock:\n\t1000 main+0x1 (/bin/x)\n";
	const char *b_text = "x 1 1.0: 1 cpu-clock:\n\tffffffff81000001 swiotlb_bounce+0x1 "
			     "([kernel.kallsyms])\n\n"
			     "x 1 1.1: 1 cpu-clock:\n\tffffffff81000001 swiotlb_bounce+0x1 "
			     "([kernel.kallsyms])\n\n"
			     "x 1 1.2: 1 cpu-clock:\n\tffffffff81000001 swiotlb_bounce+0x1 "
			     "([kernel.kallsyms])\n\n"
			     "x 1 1.3: 1 cpu-clock:\n\t1000 main+0x1 (/bin/x)\n";
	struct bl_profile a, b;
	struct bl_profile_change ch[8];
	json_t *ja, *jb;
	char err[128];
	int n;

	(void)state;
	assert_int_equal(bl_profile_parse_script(a_text, strlen(a_text), &a, err, sizeof(err)), 0);
	assert_int_equal(bl_profile_parse_script(b_text, strlen(b_text), &b, err, sizeof(err)), 0);
	ja = bl_profile_to_json(&a, 10, 10);
	jb = bl_profile_to_json(&b, 10, 10);
	assert_non_null(ja);
	assert_int_equal(json_integer_value(json_object_get(ja, "samples")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(ja, "folded"), 0)),
			    "x;main 1");
	/* top lists are cut at @top */
	json_t *one = bl_profile_to_json(&b, 1, 1);
	assert_int_equal(json_array_size(json_object_get(one, "top_kernel")), 1);
	assert_int_equal(json_array_size(json_object_get(one, "folded")), 1);
	json_decref(one);

	assert_int_equal(bl_profile_diff(ja, NULL, ch, 8), -EINVAL);
	n = bl_profile_diff(ja, jb, ch, 8);
	assert_int_equal(n, 2);
	/* swiotlb_bounce 50% -> 75% and main 50% -> 25%: both moved 25 points */
	assert_true(fabs(fabs(ch[0].new_share - ch[0].base_share) - 0.25) < 1e-9);
	for (int i = 0; i < n; i++)
		if (!strcmp(ch[i].name, "swiotlb_bounce")) {
			assert_true(ch[i].kernel);
			assert_true(fabs(ch[i].base_share - 0.5) < 1e-9);
			assert_true(fabs(ch[i].new_share - 0.75) < 1e-9);
		}
	json_decref(ja);
	json_decref(jb);
	bl_profile_free(&a);
	bl_profile_free(&b);
}

/* Records a busy child for real; a skip with the reason when perf cannot. */
static void test_record_child(void **state)
{
	struct bl_profile_rec rec;
	struct bl_profile p;
	char why[256], path[] = "/tmp/bl-test-profile-XXXXXX";
	int fd, status;
	pid_t child;
	bool seen_spin = false;

	(void)state;
	if (bl_profile_check(why, sizeof(why)) < 0) {
		printf("SKIP record: %s\n", why);
		skip();
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		volatile uint64_t x = 0;
		time_t end = time(NULL) + 3;

		while (time(NULL) < end) /* spin in user space */
			for (int i = 0; i < 1000000; i++)
				x += (uint64_t)i * 2654435761u;
		_exit(0);
	}
	if (bl_profile_start(&rec, child, path, 499, why, sizeof(why)) < 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		unlink(path);
		printf("SKIP record: %s\n", why);
		skip();
	}
	sleep(1);
	assert_int_equal(bl_profile_stop(&rec), 0);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	assert_int_equal(bl_profile_collect(path, &p, why, sizeof(why)), 0);
	printf("recorded %llu samples of a spinning child, top user symbol %s (%.0f%%)\n",
	       (unsigned long long)p.samples, p.n_user ? p.user[0].name : "-",
	       p.n_user ? p.user[0].share * 100 : 0);
	/* 1 s at 499 Hz is ~500 samples on an idle CPU; a loaded CI machine gives fewer */
	assert_true(p.samples >= 5);
	for (size_t i = 0; i < p.n_stacks; i++)
		if (strstr(p.stacks[i].folded, "test_record_child"))
			seen_spin = true;
	assert_true(seen_spin);
	bl_profile_free(&p);
	unlink(path);
	assert_int_equal(bl_profile_stop(&rec), -ECHILD); /* stopping twice is refused */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_small),
		cmocka_unit_test(test_parse_fixture),
		cmocka_unit_test(test_json_and_diff),
		cmocka_unit_test(test_record_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
