// The thread pool: workers wait on a condition variable for the next generation of work; the caller runs share 0
// itself and waits until the others report back.
#include "pool.h"
#include <pthread.h>
#include <stdlib.h>

struct Pool {
  int threads;
  pthread_t *workers;
  pthread_mutex_t mu;
  pthread_cond_t start, done;
  unsigned long generation;
  int pending, quit;
  PoolTask task;
  void *arg;
};

typedef struct {
  Pool *pool;
  int index;
} WorkerArg;

static void *worker_main(void *p) {
  WorkerArg w = *(WorkerArg *)p;
  free(p);
  Pool *pool = w.pool;
  unsigned long seen = 0;
  pthread_mutex_lock(&pool->mu);
  for (;;) {
    while (pool->generation == seen && !pool->quit) pthread_cond_wait(&pool->start, &pool->mu);
    if (pool->quit) break;
    seen = pool->generation;
    PoolTask task = pool->task;
    void *arg = pool->arg;
    pthread_mutex_unlock(&pool->mu);
    task(arg, w.index, pool->threads);
    pthread_mutex_lock(&pool->mu);
    if (--pool->pending == 0) pthread_cond_signal(&pool->done);
  }
  pthread_mutex_unlock(&pool->mu);
  return NULL;
}

Pool *pool_create(int threads) {
  Pool *pool = calloc(1, sizeof *pool);
  if (!pool) return NULL;
  pool->threads = threads < 1 ? 1 : threads;
  pthread_mutex_init(&pool->mu, NULL);
  pthread_cond_init(&pool->start, NULL);
  pthread_cond_init(&pool->done, NULL);
  pool->workers = calloc((size_t)pool->threads, sizeof(pthread_t));
  int started = 0;
  for (int k = 1; k < pool->threads && pool->workers; k++) {
    WorkerArg *w = malloc(sizeof *w);
    if (!w) break;
    *w = (WorkerArg){pool, k};
    if (pthread_create(&pool->workers[k], NULL, worker_main, w) != 0) {
      free(w);
      break;
    }
    started++;
  }
  if (!pool->workers || started != pool->threads - 1) {
    pool->threads = started + 1; // tear down what did start
    pool_destroy(pool);
    return NULL;
  }
  return pool;
}

void pool_run(Pool *pool, PoolTask task, void *arg) {
  if (pool->threads == 1) {
    task(arg, 0, 1);
    return;
  }
  pthread_mutex_lock(&pool->mu);
  pool->task = task;
  pool->arg = arg;
  pool->pending = pool->threads - 1;
  pool->generation++;
  pthread_cond_broadcast(&pool->start);
  pthread_mutex_unlock(&pool->mu);
  task(arg, 0, pool->threads);
  pthread_mutex_lock(&pool->mu);
  while (pool->pending > 0) pthread_cond_wait(&pool->done, &pool->mu);
  pthread_mutex_unlock(&pool->mu);
}

void pool_destroy(Pool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->mu);
  pool->quit = 1;
  pthread_cond_broadcast(&pool->start);
  pthread_mutex_unlock(&pool->mu);
  for (int k = 1; k < pool->threads; k++) pthread_join(pool->workers[k], NULL);
  pthread_mutex_destroy(&pool->mu);
  pthread_cond_destroy(&pool->start);
  pthread_cond_destroy(&pool->done);
  free(pool->workers);
  free(pool);
}
