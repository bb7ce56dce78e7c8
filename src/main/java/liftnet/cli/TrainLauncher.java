package liftnet.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import liftnet.sweep.RunLauncher;
import liftnet.train.EpochResult;
import liftnet.train.TrainingRun;

/**
 * Trains a sweep's run in this JVM with the {@code train} command itself: {@link Main#run} with {@code train} and
 * the run's arguments, so that a run in a sweep (or a Spark task) is exactly the run {@code ./run.sh train} makes.
 */
public final class TrainLauncher implements RunLauncher {

    private static final long serialVersionUID = 1L;

    @Override
    public int train(List<String> args, PrintStream out, PrintStream err, EpochSaved saved) {
        List<String> command = new ArrayList<>(args.size() + 1);
        command.add("train");
        command.addAll(args);
        TrainingRun.Listener afterEpoch = saved == EpochSaved.NONE ? null : new TrainingRun.Listener() {
            @Override
            public void epochFinished(TrainingRun run, EpochResult result) throws IOException {
                saved.saved(result.epoch());
            }
        };
        return Main.run(command.toArray(new String[0]), out, err, afterEpoch);
    }
}
