package liftnet.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import me.tongfei.progressbar.ProgressState;

/** The per-epoch progress bar on stderr: samples done, speed and ETA (progressbar library). */
final class Progress {

    private Progress() {
    }

    /**
     * A bar counting {@code total} samples. On a terminal it follows the terminal width and redraws five times a
     * second; otherwise (a log file, a test) it draws 100 columns once a second.
     */
    static ProgressBar bar(PrintStream err, String task, long total) {
        boolean terminal = err == System.err && System.console() != null;
        ConsoleProgressBarConsumer consumer = terminal ? new ConsoleProgressBarConsumer(err)
                : new ConsoleProgressBarConsumer(err, 100);
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(terminal ? 200 : 1000)
                .setConsumer(consumer)
                .setUnit(" samples", 1)
                .showSpeed()
                .setEtaFunction(Progress::eta)
                .build();
    }

    /** Share of an epoch done before the bar shows an ETA: the first batches run while the JIT still compiles. */
    static final double ETA_AFTER = 0.05;

    /** The time left at the epoch's mean speed so far, or none (shown as {@code ?}) before {@link #ETA_AFTER} of it. */
    static Optional<Duration> eta(ProgressState state) {
        long done = state.getCurrent() - state.getStart();
        long left = state.getMax() - state.getCurrent();
        if (state.getMax() <= 0 || done < ETA_AFTER * state.getMax() || done <= 0) {
            return Optional.empty();
        }
        return Optional.of(state.getElapsedAfterStart().multipliedBy(left).dividedBy(done));
    }
}
