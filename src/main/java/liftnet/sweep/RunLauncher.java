package liftnet.sweep;

import java.io.IOException;
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
     * @param out   receives the per-epoch summaries; not closed
     * @param err   receives progress and messages; not closed
     * @param saved called after every epoch whose checkpoint is in the run folder (a cluster scheduler copies the
     *              folder to the sweep's file system there); an exception from it fails the run (exit status 1)
     * @return {@code train}'s exit status (0 success, 3 diverged, ...)
     */
    int train(List<String> args, PrintStream out, PrintStream err, EpochSaved saved);

    /** {@link #train(List, PrintStream, PrintStream, EpochSaved)} with nothing to do after an epoch. */
    default int train(List<String> args, PrintStream out, PrintStream err) {
        return train(args, out, err, EpochSaved.NONE);
    }

    /** Hears that a run folder holds the checkpoint of a finished epoch. */
    @FunctionalInterface
    interface EpochSaved {

        /** Does nothing. */
        EpochSaved NONE = epoch -> { };

        /** Epoch {@code epoch} (1-based) is saved: its model, metrics line and optimizer state are in the run folder. */
        void saved(int epoch) throws IOException;
    }
}
