package liftnet.cpu;

import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed team of threads that run one task at a time, each with its thread index; the caller is thread 0.
 * Long-lived threads that spin briefly before parking: a pool submission per training step cost 20-28% on
 * JDK 17 (DESIGN.md), this costs microseconds.
 */
final class CpuWorkers implements AutoCloseable {

    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Worker[] workers;
    private volatile Thread caller;
    private volatile IntConsumer task;
    private volatile long generation;
    private volatile boolean closed;

    CpuWorkers(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1; found " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body.accept(t)} for {@code t = 0..threads-1} in parallel; returns when all are done. */
    void run(IntConsumer body) {
        if (workers.length == 0) {
            body.accept(0);
            return;
        }
        caller = Thread.currentThread();
        task = body;
        long gen = generation + 1;
        generation = gen;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
        Throwable failure = null;
        try {
            body.accept(0);
        } catch (Throwable t) {
            failure = t;
        }
        for (Worker w : workers) {
            long start = System.nanoTime();
            while (w.done != gen) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 50_000);
                }
            }
            if (w.failure != null && failure == null) {
                failure = w.failure;
                w.failure = null;
            }
        }
        task = null;
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

    /** Rows {@code [lo, hi)} of thread {@code t} when {@code n} rows are split evenly. */
    int from(int t, int n) {
        return (int) ((long) n * t / threads);
    }

    int to(int t, int n) {
        return (int) ((long) n * (t + 1) / threads);
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }

    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        volatile long done;
        volatile Throwable failure;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, "liftnet-cpu-" + index);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
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
                if (closed) {
                    return;
                }
                long gen = generation;
                try {
                    task.accept(index);
                } catch (Throwable t) {
                    failure = t;
                }
                seen = gen;
                done = gen;
                LockSupport.unpark(caller);
            }
        }
    }
}
