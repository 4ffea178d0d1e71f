/*
 * Storing what a lab campaign wrote (see daemon_campaign.h): every
 * <boot folder>/<run_id>.json under the campaign's folder, in name order,
 * read with a size cap, validated like a POSTed document and stored. The
 * lab writes a document for a boot that failed too, so a failed boot is a
 * stored failed run, not a gap; a file that is not a valid document is
 * logged and counted, and the others are still stored.
 */
#include "daemon_campaign.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "log.h"
#include "store.h"

static int is_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".json");
}

static int is_visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Stores one document file; a refused one is counted and logged. 0, or -ENOMEM (nothing more can be noted). */
static int store_file(struct bl_store *store, const char *name, const char *path, size_t max_bytes,
		      struct bld_campaign_result *res)
{
	struct bl_resultdoc *doc = NULL;
	enum bl_put_outcome outcome;
	char err[256] = "";
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = bl_check_text_file(path, (off_t)max_bytes, err, sizeof(err));
	if (!ret)
		ret = bl_read_file(path, max_bytes, &text, &len);
	if (ret < 0 && !err[0])
		snprintf(err, sizeof(err), "read: %s", strerror(-ret));
	if (!ret)
		ret = bl_resultdoc_parse(text, len, &doc, err, sizeof(err));
	if (!ret && bl_store_put_run(store, doc, &outcome) < 0) {
		snprintf(err, sizeof(err), "store: %s", bl_store_errmsg(store));
		ret = -EIO;
	}
	if (ret < 0) {
		res->refused++;
		bl_warn("schedule %s: %s: refused: %s", name, path, err);
		if (!res->first_refusal[0])
			snprintf(res->first_refusal, sizeof(res->first_refusal), "%.120s: %.120s", path, err);
	} else {
		if (outcome != BL_PUT_INSERTED)
			bl_info("schedule %s: %s: %s", name, path, bl_put_outcome_names[outcome]);
		ret = bld_campaign_result_add(res, doc->run_id, doc->status);
	}
	bl_resultdoc_free(doc);
	free(text);
	return ret == -ENOMEM ? ret : 0;
}

int bld_campaign_result_add(struct bld_campaign_result *res, const char *run_id, enum bl_run_status status)
{
	if (res->stored == res->cap) {
		int cap = res->cap ? 2 * res->cap : 64;
		void *ids = realloc(res->run_id, (size_t)cap * sizeof(*res->run_id));
		void *sts = ids ? realloc(res->status, (size_t)cap * sizeof(*res->status)) : NULL;

		if (ids)
			res->run_id = ids;
		if (sts)
			res->status = sts;
		if (!ids || !sts)
			return -ENOMEM;
		res->cap = cap;
	}
	snprintf(res->run_id[res->stored], BL_UUID_LEN, "%s", run_id);
	res->status[res->stored] = status;
	res->stored++;
	return 0;
}

void bld_campaign_result_free(struct bld_campaign_result *res)
{
	free(res->run_id);
	free(res->status);
	res->run_id = NULL;
	res->status = NULL;
	res->cap = res->stored = 0;
}

int bld_campaign_store(struct bl_store *store, const char *name, const char *outdir, size_t max_bytes,
		       struct bld_campaign_result *res)
{
	struct dirent **boots = NULL;
	int nboots, ret = 0;

	memset(res, 0, sizeof(*res));
	nboots = scandir(outdir, &boots, is_visible, alphasort);
	if (nboots < 0)
		return -errno;
	for (int i = 0; i < nboots; i++) {
		char folder[PATH_MAX], path[PATH_MAX];
		struct dirent **files = NULL;
		struct stat sb;
		int nfiles;

		if (snprintf(folder, sizeof(folder), "%s/%s", outdir, boots[i]->d_name) >= (int)sizeof(folder) ||
		    lstat(folder, &sb) < 0 || !S_ISDIR(sb.st_mode))
			continue; /* summary.txt and the like */
		nfiles = scandir(folder, &files, is_json, alphasort);
		if (nfiles < 0)
			bl_warn("schedule %s: %s: %s", name, folder, strerror(errno));
		for (int j = 0; j < nfiles; j++) {
			if (!ret && snprintf(path, sizeof(path), "%s/%s", folder, files[j]->d_name) < (int)sizeof(path))
				ret = store_file(store, name, path, max_bytes, res);
			free(files[j]);
		}
		free(files);
	}
	for (int i = 0; i < nboots; i++)
		free(boots[i]);
	free(boots);
	return ret;
}
