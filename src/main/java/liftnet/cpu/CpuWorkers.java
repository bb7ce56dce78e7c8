package liftnet.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of long-lived threads that share the chunks of one job at a time; the caller is worker 0.
 * Chunks are claimed ({@link HomeRanges}), not assigned: when another process takes a core away from one
 * worker, the others finish its share instead of waiting for it (with a static split, two threads on a busy
 * two-core machine ran at a fifth of one thread's speed), yet on a quiet machine chunk {@code c} of
 * successive jobs runs on the same core, so the gradient rows it writes are still in that core's cache when
 * the update reads them. A pool submission per training step cost 20-28% on JDK 17 (DESIGN.md); this costs
 * microseconds.
 */
final class CpuWorkers implements AutoCloseable {

    /** What a job does with one chunk; {@code worker} indexes per-thread scratch and counters. */
    interface ChunkTask {
        void run(int chunk, int worker);
    }

    private static final long SPIN_NANOS = 100_000;

    private static final class Job {
        final ChunkTask task;
        final HomeRanges chunks;
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(ChunkTask task, int chunks, int threads) {
            this.task = task;
            this.chunks = new HomeRanges(chunks, threads);
        }

        /** Claims and runs chunks, its home range's first, until none is left. */
        void work(int worker) {
            int c;
            while ((c = chunks.claim(worker)) >= 0) {
                try {
                    task.run(c, worker);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private final int threads;
    private final Thread[] workers;
    private volatile Job job;
    private volatile long generation;
    private volatile boolean closed;

    CpuWorkers(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1; found " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int index = i + 1;
            workers[i] = new Thread(() -> workLoop(index), "liftnet-cpu-" + index);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code task} for chunks {@code 0..chunks-1}, shared between the workers; returns when every chunk is
     * done and rethrows the first failure of any.
     */
    void run(int chunks, ChunkTask task) {
        Job current = new Job(task, chunks, threads);
        if (workers.length > 0 && chunks > 1) {
            job = current;
            generation++;
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
        }
        current.work(0);
        long start = System.nanoTime();
        while (current.done.get() < chunks) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        Throwable failure = current.failure;
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private void workLoop(int index) {
        long seen = 0;
        while (!closed) {
            long start = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = generation;
            Job current = job;
            if (current != null) {
                current.work(index);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
