/*
 * The parse pool (see daemon_parse.h). Two singly linked FIFO lists under
 * one mutex: jobs to parse (workers wait on a condition variable) and jobs
 * parsed (the event loop collects them when the eventfd fires). The
 * eventfd counter is only a doorbell: the loop takes the whole done list
 * each time it rings. Each job is owned by exactly one side at a time, so
 * the document text and the parsed document need no locking.
 */
#include "daemon_parse.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "log.h"
#include "resultdoc.h"

struct job {
	struct job *next;
	void *item;		  /* the caller's (the HTTP request) */
	char *text;		  /* owned until parsed */
	size_t len;
	int ret;
	struct bl_resultdoc *doc; /* on success, handed to the callback */
	char err[512];
};

struct list {
	struct job *head, *tail;
};

struct bld_parse_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;	  /* work queued, or stop */
	struct list todo, done;
	bool stop;
	int efd;		  /* eventfd doorbell: done list grew */
	struct event *ev;	  /* EV_READ on efd, on the loop */
	pthread_t *threads;
	int nthreads;		  /* started */
	size_t pending;		  /* submitted, not delivered (loop thread only) */
	bld_parsed_fn fn;
	void *user;
};

static void push(struct list *l, struct job *j)
{
	assert(!l->head == !l->tail); /* both set or both NULL */
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

static struct job *pop(struct list *l)
{
	struct job *j = l->head;

	if (j) {
		l->head = j->next;
		if (!l->head)
			l->tail = NULL;
	}
	return j;
}

static void *worker(void *arg)
{
	struct bld_parse_pool *p = arg;
	const uint64_t one = 1;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&p->lock);
		while (!p->todo.head && !p->stop)
			pthread_cond_wait(&p->wake, &p->lock);
		j = pop(&p->todo);
		pthread_mutex_unlock(&p->lock);
		if (!j)
			return NULL; /* stop, and nothing left to do */
		assert(j->text && !j->doc); /* a job is parsed once */
		j->err[0] = '\0';
		j->ret = bl_resultdoc_parse(j->text, j->len, &j->doc, j->err, sizeof(j->err));
		free(j->text);
		j->text = NULL;
		pthread_mutex_lock(&p->lock);
		push(&p->done, j);
		pthread_mutex_unlock(&p->lock);
		/* A full counter (EAGAIN) still leaves the doorbell ringing. */
		if (write(p->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			bl_err("parse pool: eventfd write: %s", strerror(errno));
	}
}

/* Hands every parsed job to the callback, in the order they finished. */
static void deliver(struct bld_parse_pool *p)
{
	struct list l;
	struct job *j;

	pthread_mutex_lock(&p->lock);
	l = p->done;
	p->done.head = p->done.tail = NULL;
	pthread_mutex_unlock(&p->lock);
	while ((j = pop(&l))) {
		assert(p->pending > 0); /* each job was counted when submitted */
		p->pending--;
		p->fn(p->user, j->item, j->ret, j->doc, j->err);
		free(j);
	}
}

static void doorbell(evutil_socket_t fd, short what, void *arg)
{
	struct bld_parse_pool *p = arg;
	uint64_t n;

	if (read(p->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		bl_err("parse pool: eventfd read: %s", strerror(errno));
	deliver(p);
}

int bld_parse_pool_new(struct event_base *base, int threads, bld_parsed_fn fn, void *user,
		       struct bld_parse_pool **out)
{
	struct bld_parse_pool *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->fn = fn;
	p->user = user;
	p->efd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	/* jansson seeds its hash function on first use; do it here, before any thread. */
	json_object_seed(0);
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0) {
		ret = -errno;
		goto fail;
	}
	p->ev = event_new(base, p->efd, EV_READ | EV_PERSIST, doorbell, p);
	if (!p->ev || event_add(p->ev, NULL) < 0) {
		ret = -ENOMEM;
		goto fail;
	}
	p->threads = calloc((size_t)threads, sizeof(*p->threads));
	if (!p->threads) {
		ret = -ENOMEM;
		goto fail;
	}
	for (int i = 0; i < threads; i++) {
		ret = -pthread_create(&p->threads[i], NULL, worker, p);
		if (ret)
			goto fail;
		p->nthreads++;
	}
	*out = p;
	return 0;
fail:
	bl_err("parse pool: start %d threads: %s", threads, strerror(-ret));
	bld_parse_pool_free(p);
	return ret;
}

int bld_parse_pool_submit(struct bld_parse_pool *p, char *text, size_t len, void *item)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		free(text);
		return -ENOMEM;
	}
	j->item = item;
	j->text = text;
	j->len = len;
	p->pending++;
	pthread_mutex_lock(&p->lock);
	push(&p->todo, j);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void bld_parse_pool_drain(struct bld_parse_pool *p)
{
	while (p->pending) {
		uint64_t n;

		/* The doorbell is non-blocking: poll it gently until the workers are done. */
		if (read(p->efd, &n, sizeof(n)) < 0 && errno == EAGAIN)
			usleep(1000);
		deliver(p);
	}
}

void bld_parse_pool_free(struct bld_parse_pool *p)
{
	if (!p)
		return;
	if (p->nthreads)
		bld_parse_pool_drain(p);
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	assert(!p->todo.head && !p->done.head && !p->pending); /* drained */
	free(p->threads);
	if (p->ev)
		event_free(p->ev);
	if (p->efd >= 0)
		close(p->efd);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

size_t bld_parse_pool_pending(const struct bld_parse_pool *p)
{
	return p ? p->pending : 0;
}
