package liftnet.cli;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DefaultProgressBarRenderer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import me.tongfei.progressbar.ProgressState;

/**
 * The per-epoch progress bar on stderr: samples done, speed and ETA (progressbar library). While the epoch runs, speed
 * and ETA come from its last {@link #WINDOW_SECONDS} ({@link RecentRate}), not from its start: the first batches run
 * while the JIT still compiles, and a mean since the start showed a tenth of the epoch's final speed at first. The
 * last frame shows the epoch's mean, as its summary line does.
 */
final class Progress {

    private Progress() {
    }

    private static final String UNIT = " samples";

    /**
     * A bar counting {@code total} samples. On a terminal it follows the terminal width and redraws five times a
     * second; otherwise (a log file, a test) it draws 100 columns once a second.
     */
    static ProgressBar bar(PrintStream err, String task, long total) {
        boolean terminal = err == System.err && System.console() != null;
        ConsoleProgressBarConsumer consumer = terminal ? new ClosedOnce(err, -1) : new ClosedOnce(err, 100);
        ProgressBarStyle style = terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII;
        RecentRate rate = new RecentRate();
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(style)
                .setUpdateIntervalMillis(terminal ? 200 : 1000)
                .setConsumer(consumer)
                .setRenderer(new Renderer(style, rate))
                .build();
    }

    /**
     * A console consumer that draws nothing once closed: the bar's refresh thread may still be drawing a frame when the
     * bar is closed (cancelling it does not wait), and that frame, after the closing line break, would leave the next
     * message (an error line) glued to it.
     */
    private static final class ClosedOnce extends ConsoleProgressBarConsumer {
        private boolean closed;

        ClosedOnce(PrintStream out, int width) {
            super(out, width);
        }

        @Override
        public synchronized void accept(String frame) {
            if (!closed) {
                super.accept(frame);
            }
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                super.close();
                closed = true;
            }
        }
    }

    /** Share of an epoch done before the bar shows a speed and an ETA: the first batches run while the JIT compiles. */
    static final double ETA_AFTER = 0.05;

    /** How far back the speed looks. */
    static final double WINDOW_SECONDS = 3;

    /** The default bar with the speed and ETA of {@link RecentRate}. */
    private static final class Renderer extends DefaultProgressBarRenderer {
        private final RecentRate rate;
        private final DecimalFormat format = new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT));

        Renderer(ProgressBarStyle style, RecentRate rate) {
            super(style, UNIT, 1, true, new DecimalFormat("0"), ChronoUnit.SECONDS, true, rate::eta);
            this.rate = rate;
        }

        /** The recent rate while the epoch runs; at its end the epoch's mean, the figure of its summary line. */
        @Override
        protected String speed(ProgressState state) {
            OptionalDouble perSecond = rate.record(state, System.nanoTime());
            long nanos = state.getElapsedAfterStart().toNanos();
            if (state.getMax() > 0 && state.getCurrent() >= state.getMax() && nanos > 0) {
                perSecond = OptionalDouble.of((state.getCurrent() - state.getStart()) * 1e9 / nanos);
            }
            return (perSecond.isPresent() ? format.format(perSecond.getAsDouble()) : "?") + UNIT + "/s";
        }
    }

    /**
     * Samples per second over the last {@link #WINDOW_SECONDS}, from the counts seen at each redraw since
     * {@link #ETA_AFTER} of the epoch was done: none before that, or before two such redraws. The renderer asks for the
     * speed before the ETA, so {@link #eta} uses the rate of the same redraw.
     */
    static final class RecentRate {
        private final ArrayDeque<long[]> frames = new ArrayDeque<>(); // {nanoTime, samples done}
        private OptionalDouble last = OptionalDouble.empty();

        /** {@link #record(long, long, long)} for the bar's state. */
        OptionalDouble record(ProgressState state, long nanos) {
            return record(state.getCurrent() - state.getStart(), state.getMax(), nanos);
        }

        /**
         * Records a redraw at {@code nanos} with {@code done} of {@code total} samples done and returns the rate over
         * the window, or none (see the class).
         */
        synchronized OptionalDouble record(long done, long total, long nanos) {
            if (total <= 0 || done < ETA_AFTER * total) {
                frames.clear();
                last = OptionalDouble.empty();
                return last;
            }
            frames.addLast(new long[] {nanos, done});
            while (frames.size() > 2 && nanos - frames.peekFirst()[0] > WINDOW_SECONDS * 1e9) {
                frames.removeFirst();
            }
            long[] first = frames.peekFirst();
            double seconds = (nanos - first[0]) / 1e9;
            long samples = done - first[1];
            last = frames.size() < 2 || seconds <= 0 || samples <= 0 ? OptionalDouble.empty()
                    : OptionalDouble.of(samples / seconds);
            return last;
        }

        /** The time left for the bar's state at the rate of the last redraw. */
        Optional<Duration> eta(ProgressState state) {
            return eta(state.getMax() - state.getCurrent());
        }

        /** The time {@code left} samples take at the rate of the last redraw, or none (shown as {@code ?}). */
        synchronized Optional<Duration> eta(long left) {
            if (last.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis(Math.round(1000 * Math.max(0, left) / last.getAsDouble())));
        }
    }
}
