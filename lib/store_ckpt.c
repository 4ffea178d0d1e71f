/*
 * The store's background checkpointer (bl_store_opts.bg_checkpoint).
 *
 * With bg_checkpoint the handle's own automatic checkpoint is off; a WAL
 * hook wakes a helper thread with its own connection that runs a PASSIVE
 * checkpoint each time the WAL has grown by CKPT_FRAMES frames since the
 * last request, so a commit returns without copying pages into the
 * database (measured with tests/bench/daemon_throughput.sh: 10-20% more
 * documents per second through the daemon, whose writer commits a batch of
 * <= 8 every few ms). The WAL restarts from its beginning only when a write
 * begins after a complete checkpoint, so a WAL that still grows to
 * CKPT_FRAMES_MAX (about 16 MB) is checkpointed in the commit, as SQLite
 * itself would.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "store_internal.h"

#define CKPT_FRAMES 1000	/* SQLite's own default threshold (pages) */
#define CKPT_FRAMES_MAX 4000	/* the helper fell behind: checkpoint in the commit */

struct checkpointer {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool due, stop;
	sqlite3 *db;		/* the helper's own connection */
	pthread_t thread;
	int asked_at;		/* WAL frames at the last request (hook's thread only) */
};

static void *ckpt_main(void *arg)
{
	struct checkpointer *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stop)
			break;
		c->due = false;
		pthread_mutex_unlock(&c->lock);
		/* PASSIVE: never waits for or blocks the writer; what it misses goes next time. */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Called by SQLite on the committing thread after each commit in WAL mode. */
static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct checkpointer *c = arg;

	if (frames >= CKPT_FRAMES_MAX) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	if (frames < c->asked_at)
		c->asked_at = 0; /* the WAL restarted from its beginning */
	/*
	 * Not "frames >= CKPT_FRAMES": a PASSIVE checkpoint that races the
	 * writer leaves the WAL unrestarted, and asking again at every commit
	 * ran a checkpoint (two fdatasyncs) per commit: 861 fdatasyncs for
	 * 4,000 documents under strace.
	 */
	if (frames - c->asked_at >= CKPT_FRAMES) {
		c->asked_at = frames;
		pthread_mutex_lock(&c->lock);
		c->due = true;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

void store_ckpt_stop(struct bl_store *s)
{
	struct checkpointer *c = s->ckpt;

	if (!c)
		return;
	sqlite3_wal_hook(s->db, NULL, NULL);
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
	s->ckpt = NULL;
	sqlite3_wal_autocheckpoint(s->db, CKPT_FRAMES); /* what is left: at close, as usual */
}

int store_ckpt_start(struct bl_store *s, int busy_timeout_ms)
{
	struct checkpointer *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	rc = sqlite3_open_v2(s->path, &c->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	sqlite3_busy_timeout(c->db, busy_timeout_ms);
	/* A connection that has not read the database yet does not know it is in WAL mode. */
	rc = sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	rc = pthread_create(&c->thread, NULL, ckpt_main, c);
	if (rc) {
		sqlite3_close(c->db);
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return -rc;
	}
	s->ckpt = c;
	sqlite3_wal_hook(s->db, ckpt_hook, c); /* replaces the automatic checkpoint */
	return 0;
}
