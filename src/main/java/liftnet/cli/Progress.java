package liftnet.cli;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

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
                .build();
    }
}
