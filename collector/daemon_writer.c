/*
 * The ingest writer thread (see daemon_writer.h). One batch in flight at a
 * time: the loop swaps its gathered batch into w->work and signals; the
 * thread commits it, rings the eventfd; the loop's doorbell callback hands
 * the result to the caller and marks the writer idle. The store handle in
 * w->store is touched by the writer thread only (after bld_writer_new).
 */
#include "daemon_writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

struct bld_writer {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool have_work;		 /* work handed over, not yet committed */
	bool done;		 /* committed, not yet delivered */
	bool busy;		 /* loop thread's view: submitted and not delivered */
	bool stop;
	struct bld_batch work;
	struct bl_store *store;	 /* the writer's own handle */
	int efd;
	struct event *ev;
	pthread_t thread;
	bool started;
	bld_written_fn fn;
	void *user;
};

int bld_batch_add(struct bld_batch *b, struct bl_resultdoc *doc, void *item)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		void *d = realloc(b->docs, cap * sizeof(*b->docs));

		if (!d)
			return -ENOMEM;
		b->docs = d;
		d = realloc(b->items, cap * sizeof(*b->items));
		if (!d)
			return -ENOMEM;
		b->items = d;
		d = realloc(b->outcomes, cap * sizeof(*b->outcomes));
		if (!d)
			return -ENOMEM;
		b->outcomes = d;
		b->cap = cap;
	}
	b->docs[b->n] = doc;
	b->items[b->n] = item;
	b->n++;
	return 0;
}

void bld_batch_clear(struct bld_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		bl_resultdoc_free(b->docs[i]);
	b->n = 0;
	b->ret = 0;
	b->errmsg[0] = '\0';
}

void bld_batch_release(struct bld_batch *b)
{
	bld_batch_clear(b);
	free(b->docs);
	free(b->items);
	free(b->outcomes);
	memset(b, 0, sizeof(*b));
}

static void *writer_main(void *arg)
{
	struct bld_writer *w = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->have_work && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->have_work)
			break; /* stop with nothing to do */
		pthread_mutex_unlock(&w->lock);
		w->work.ret = bl_store_put_runs(w->store, w->work.docs, w->work.n, w->work.outcomes);
		if (w->work.ret < 0)
			snprintf(w->work.errmsg, sizeof(w->work.errmsg), "%s", bl_store_errmsg(w->store));
		pthread_mutex_lock(&w->lock);
		w->have_work = false;
		w->done = true;
		if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			bl_err("writer: eventfd write: %s", strerror(errno));
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* On the loop thread: hands a finished batch back. */
static void deliver(struct bld_writer *w)
{
	bool done;

	pthread_mutex_lock(&w->lock);
	done = w->done;
	w->done = false;
	pthread_mutex_unlock(&w->lock);
	if (!done)
		return;
	w->busy = false;
	w->fn(w->user, &w->work); /* may submit the next batch */
}

static void doorbell(evutil_socket_t fd, short what, void *arg)
{
	struct bld_writer *w = arg;
	uint64_t n;

	if (read(w->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		bl_err("writer: eventfd read: %s", strerror(errno));
	deliver(w);
}

int bld_writer_new(struct event_base *base, const char *db_path, bld_written_fn fn, void *user,
		   struct bld_writer **out)
{
	struct bld_writer *w = calloc(1, sizeof(*w));
	char err[256];
	int ret;

	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->user = user;
	w->efd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	/* Checkpoints off this thread: it commits small batches often. */
	ret = bl_store_open(db_path, &(struct bl_store_opts){ .bg_checkpoint = true }, &w->store, err,
			    sizeof(err));
	if (ret < 0) {
		bl_err("writer: store %s: %s", db_path, err);
		goto fail;
	}
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		ret = -errno;
		bl_err("writer: eventfd: %s", strerror(-ret));
		goto fail;
	}
	w->ev = event_new(base, w->efd, EV_READ | EV_PERSIST, doorbell, w);
	if (!w->ev || event_add(w->ev, NULL) < 0) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = -pthread_create(&w->thread, NULL, writer_main, w);
	if (ret) {
		bl_err("writer: pthread_create: %s", strerror(-ret));
		goto fail;
	}
	w->started = true;
	*out = w;
	return 0;
fail:
	bld_writer_free(w);
	return ret;
}

bool bld_writer_busy(const struct bld_writer *w)
{
	return w->busy;
}

void bld_writer_submit(struct bld_writer *w, struct bld_batch *b)
{
	struct bld_batch tmp;

	/* Swap: the writer gets the documents, the caller gets the writer's empty arrays back. */
	pthread_mutex_lock(&w->lock);
	tmp = w->work;
	w->work = *b;
	*b = tmp;
	b->n = 0;
	w->have_work = true;
	w->busy = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void bld_writer_wait(struct bld_writer *w)
{
	while (w->busy) {
		uint64_t n;

		if (read(w->efd, &n, sizeof(n)) < 0 && errno == EAGAIN)
			usleep(500);
		deliver(w);
	}
}

void bld_writer_free(struct bld_writer *w)
{
	if (!w)
		return;
	if (w->started) {
		bld_writer_wait(w);
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	bld_batch_release(&w->work);
	if (w->ev)
		event_free(w->ev);
	if (w->efd >= 0)
		close(w->efd);
	bl_store_close(w->store);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
