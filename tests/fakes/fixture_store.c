/* A real store of the fixture documents for unit tests (see fixture_store.h). */
#include "fixture_store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#define FIXTURES "tests/fixtures/"

const char *const fx_fixture_files[] = {
	"result-6.12-force-udmabuf-import.json",   /* 6.12 force, vgem <- udmabuf, ok */
	"result-6.12-noforce-udmabuf-import.json", /* 6.12 noforce, ok */
	"result-6.1-force-virtio-create.json",	   /* 6.1 force, virtio_gpu, nulls */
	"result-6.12-force-heap-import-eio.json",  /* failed, with kernel log */
	"result-skipped-no-device.json",	   /* skipped, laptop, no device */
	"real-6.12-force-udmabuf-vgem-occupancy.json", /* real gembench output, per_rep */
};
const size_t fx_n_fixtures = sizeof(fx_fixture_files) / sizeof(fx_fixture_files[0]);


struct bl_resultdoc *fx_fixture(const char *name, const char *uuid, const char *started)
{
	char path[256], err[256];
	struct bl_resultdoc *d = NULL;
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	j = json_load_file(path, 0, &e);
	if (!j)
		fail_msg("%s: %s (run from the repository root)", path, e.text);
	if (uuid)
		json_object_set_new(j, "run_id", json_string(uuid));
	if (started) { /* moved in time: it finished when it started (finished_at may not precede it) */
		json_object_set_new(j, "started_at", json_string(started));
		json_object_set_new(j, "finished_at", json_string(started));
	}
	if (bl_resultdoc_from_json(j, &d, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	json_decref(j);
	return d;
}

void fx_put(struct bl_store *s, struct bl_resultdoc *d)
{
	enum bl_put_outcome o;

	if (bl_store_put_run(s, d, &o))
		fail_msg("put: %s", bl_store_errmsg(s));
	assert_int_equal(o, BL_PUT_INSERTED);
	bl_resultdoc_free(d);
}

/* A fresh store with every fixture in it. */
int fx_store_setup(void **state)
{
	struct fx_store *t = calloc(1, sizeof(*t));
	char err[512] = "";

	snprintf(t->dir, sizeof(t->dir), "/tmp/bl-test-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->db, sizeof(t->db), "%s/t.db", t->dir);
	if (bl_store_open(t->db, NULL, &t->s, err, sizeof(err)))
		fail_msg("open %s: %s", t->db, err);
	for (size_t i = 0; i < fx_n_fixtures; i++)
		fx_put(t->s, fx_fixture(fx_fixture_files[i], NULL, NULL));
	*state = t;
	return 0;
}

int fx_store_teardown(void **state)
{
	struct fx_store *t = *state;
	char cmd[128];

	bl_store_close(t->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd))
		return -1;
	free(t);
	return 0;
}

