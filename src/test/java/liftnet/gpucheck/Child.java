package liftnet.gpucheck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the check's child processes one at a time, each with its output in a log file and a time limit: a child
 * past its limit gets SIGTERM (the JVMs then end their own children), and SIGKILL for it and its descendants
 * {@link #GRACE_S} seconds later. {@link #stop()} ends the running one from a signal handler, and no other starts.
 */
public final class Child {

    /** Exit status of a child cut at its time limit (as {@code timeout(1)} reports it). */
    public static final int TIMED_OUT = 124;
    /** Seconds between SIGTERM and SIGKILL. */
    static final long GRACE_S = 5;

    /** How a child ended: its exit status ({@link #TIMED_OUT} when cut), whether it was cut, its seconds. */
    public record Result(int exit, boolean timedOut, long seconds) {
        public boolean ok() {
            return exit == 0 && !timedOut;
        }
    }

    private final Map<String, String> environment;
    private volatile Process running;
    private boolean stopped;

    /** @param environment variables set for every child besides this process's own */
    public Child(Map<String, String> environment) {
        this.environment = environment;
    }

    /** Sets a variable for the children started from now on. */
    public void setenv(String name, String value) {
        environment.put(name, value);
    }

    /**
     * Runs {@code command} for at most {@code limitS} seconds, stdout and stderr into {@code log} (replaced).
     *
     * @throws IOException when the command cannot be started at all (e.g. no such program)
     */
    public Result run(List<String> command, Path log, long limitS) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().putAll(environment);
        long t0 = System.nanoTime();
        Process p;
        synchronized (this) {
            if (stopped) { // a signal ends the check: nothing starts any more
                return new Result(TIMED_OUT, true, 0);
            }
            p = pb.start();
            running = p;
        }
        try {
            boolean done = p.waitFor(limitS, TimeUnit.SECONDS);
            if (!done) {
                end(p);
            }
            long secs = Math.round((System.nanoTime() - t0) / 1e9);
            return done ? new Result(p.exitValue(), false, secs) : new Result(TIMED_OUT, true, secs);
        } catch (InterruptedException e) {
            end(p);
            Thread.currentThread().interrupt();
            return new Result(TIMED_OUT, true, Math.round((System.nanoTime() - t0) / 1e9));
        } finally {
            running = null;
        }
    }

    /** Ends the running child, if any (TERM, then KILL for it and its descendants); no child starts after this. */
    public void stop() {
        Process p;
        synchronized (this) {
            stopped = true;
            p = running;
        }
        if (p != null) {
            end(p);
        }
    }

    private static void end(Process p) {
        List<ProcessHandle> tree = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(GRACE_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(GRACE_S, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        tree.forEach(ProcessHandle::destroyForcibly);
    }
}
