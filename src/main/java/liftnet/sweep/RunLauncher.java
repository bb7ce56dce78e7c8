package liftnet.sweep;

import java.io.PrintStream;
import java.io.Serializable;
import java.util.List;

/**
 * Trains one run with the same code as {@code ./run.sh train}. Serializable, because a cluster scheduler ships it to
 * the machine that runs the task.
 */
public interface RunLauncher extends Serializable {

    /**
     * Trains with {@code train}'s arguments: either the options of a new run ending in {@code --out DIR}, or
     * {@code --resume DIR}.
     *
     * @param out receives the per-epoch summaries; not closed
     * @param err receives progress and messages; not closed
     * @return {@code train}'s exit status (0 success, 3 diverged, ...)
     */
    int train(List<String> args, PrintStream out, PrintStream err);
}
