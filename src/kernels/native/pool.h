// A fixed set of threads that run one task at a time, all of them at once: the caller's thread is thread 0.
#ifndef SKIPTRAIN_POOL_H
#define SKIPTRAIN_POOL_H

typedef void (*PoolTask)(void *arg, int thread, int threads);
typedef struct Pool Pool;

/** threads − 1 worker threads beside the caller's; NULL when they cannot be started. */
Pool *pool_create(int threads);
/** Runs task(arg, k, threads) on every thread k and returns when all have finished. */
void pool_run(Pool *pool, PoolTask task, void *arg);
void pool_destroy(Pool *pool);
#endif
