/*
 * fake_gembench: a TEST DOUBLE for gembench, run by bouncelabd's scheduler
 * in the scheduler integration test. It measures nothing: it prints the
 * --template document with a fresh run_id, started_at/finished_at = now
 * and tool.name "fake_gembench"
 * (so its runs can never pass for measurements), or misbehaves on request.
 *
 *   fake_gembench --template DOC.json [--log FILE] [--name NAME] [--hang] [--fail]
 *                 [--job FILE --json -]   (accepted and ignored, like gembench's)
 *
 * --log appends "NAME UNIX_TIME_NS PID" per start, so a test can count
 * starts independently of the database. --hang writes a line to stderr
 * and sleeps for an hour (for the timeout test); --fail exits 1 with a
 * message on stderr and no document.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "template", required_argument, NULL, 'T' }, { "log", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },     { "hang", no_argument, NULL, 'H' },
		{ "fail", no_argument, NULL, 'F' },	      { "job", required_argument, NULL, 'j' },
		{ "json", required_argument, NULL, 'J' },     { NULL, 0, NULL, 0 },
	};
	const char *tmpl = NULL, *log = NULL, *name = "fake";
	int hang = 0, failing = 0, opt;
	unsigned char b[16];
	char uuid[37];
	json_error_t jerr;
	json_t *doc;
	struct timespec ts;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'T': tmpl = optarg; break;
		case 'l': log = optarg; break;
		case 'n': name = optarg; break;
		case 'H': hang = 1; break;
		case 'F': failing = 1; break;
		case 'j': case 'J': break;
		default: return 2;
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (log) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "%s %lld %d\n", name, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, (int)getpid());
			fclose(f);
		}
	}
	if (hang) {
		fprintf(stderr, "fake_gembench: hanging on purpose\n");
		sleep(3600);
		return 0;
	}
	if (failing) {
		fprintf(stderr, "fake_gembench: failing on purpose\n");
		return 1;
	}
	if (!tmpl) {
		fprintf(stderr, "fake_gembench: --template is required\n");
		return 2;
	}
	doc = json_load_file(tmpl, 0, &jerr);
	if (!json_is_object(doc)) {
		fprintf(stderr, "fake_gembench: %s: %s\n", tmpl, jerr.text);
		return 1;
	}
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return 1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(uuid, sizeof(uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	json_object_set_new(doc, "run_id", json_string(uuid));
	{
		/* Now, so that runs of the fake have an order (baselines pick earlier runs). */
		char when[32];
		struct tm tm;

		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_set_new(doc, "started_at", json_string(when));
		json_object_set_new(doc, "finished_at", json_string(when));
	}
	json_object_set_new(doc, "tool", json_pack("{s:s, s:s}", "name", "fake_gembench", "version", "0"));
	json_object_set_new(json_object_get(doc, "job"), "name", json_string(name));
	json_dumpf(doc, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(doc);
	return 0;
}
