package liftnet.cli;

import java.io.PrintStream;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) during training: the first press asks the run to stop after the current epoch is finished and
 * saved; a second press stops at once, which is safe too because every checkpoint file is replaced atomically,
 * so the last finished epoch stays intact. Outside training a press stops at once.
 */
final class StopSignal {

    private static volatile boolean requested;
    private static volatile String pending;
    private static volatile PrintStream err = System.err;

    private StopSignal() {
    }

    /** Exit status of a run stopped by SIGTERM, as the shell reports a process killed by it (128 + 15). */
    static final int TERMINATED = 143;

    /** Installs the SIGINT and SIGTERM handlers (only {@link Main#main} does; tests never send signals). */
    static void install() {
        try {
            Signal.handle(new Signal("INT"), signal -> press());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No SIGINT on this platform: the JVM's default handling stays.
        }
        try {
            Signal.handle(new Signal("TERM"), signal -> terminate());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No SIGTERM handling here: the JVM's default (exit 143) stays.
        }
    }

    /**
     * SIGTERM (kill, a batch system's time limit): stop at once, as a second Ctrl-C does, but first say what survives
     * and how to resume. {@link System#exit} rather than halt, so that shutdown hooks (Spark's) still run.
     */
    private static void terminate() {
        String note = pending;
        if (note != null) {
            err.println();
            err.println("terminated (SIGTERM); " + note);
            err.flush();
        }
        System.exit(TERMINATED);
    }

    private static void press() {
        String note = pending;
        if (note == null || requested) {
            err.println();
            err.println(note == null ? "interrupted" : "stopped at once; " + note);
            err.flush();
            Runtime.getRuntime().halt(Errors.INTERRUPTED);
        }
        requested = true;
        err.println();
        err.println("Ctrl-C: stopping when this epoch is finished and saved (press Ctrl-C again to stop now; " + note + ")");
        err.flush();
    }

    /**
     * Marks a training run as stoppable: {@code note} says what survives and how to resume.
     * {@code null} ends that.
     */
    static void training(String note, PrintStream stream) {
        pending = note;
        err = stream;
    }

    /** Asks the current or next training run to stop after its epoch, as a first Ctrl-C does (tests use it). */
    static void request() {
        requested = true;
    }

    /** Forgets a request (tests). */
    static void reset() {
        requested = false;
    }

    /** Whether Ctrl-C asked the run to stop after the current epoch. */
    static boolean requested() {
        return requested;
    }
}
