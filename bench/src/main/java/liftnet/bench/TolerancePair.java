package liftnet.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.Parameters;
import liftnet.api.SolverConfig;
import liftnet.data.DataException;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.train.EpochResult;
import liftnet.train.TrainConfig;
import liftnet.train.TrainingRun;

/**
 * The tolerance stop against 15 sweeps as a user meets it: two engines start from the same weights and train
 * MNIST epoch by epoch, taking turns (15 sweeps then tolerance in odd epochs, the other way round in even
 * ones), and each is tested after every epoch. Taking turns gives both the same machine: on a shared 2-core
 * VM throughput drifts by up to 1.7x for minutes at a time, which turned JMH's one-trial-after-the-other
 * ratio into anything from 1.7 to 2.1 for the same code. The ratio reported is the median over the epochs
 * after the first (which includes JIT compilation).
 */
final class TolerancePair {

    /** The net, batch and learning rate of the pairing: the paper's MNIST setting. */
    static final String NET = Report.TARGET_NET;
    static final int BATCH = TrainConfig.PAPER_BATCH;
    static final double LEARNING_RATE = TrainConfig.PAPER_LEARNING_RATE;

    /** One epoch of both engines. */
    record Epoch(int epoch, double seconds15, double secondsTol, double accuracy15, double accuracyTol,
                 double meanSweepsTol) {

        double ratio() {
            return seconds15 / secondsTol;
        }
    }

    private TolerancePair() {
    }

    /**
     * Trains {@code epochs} paired epochs on {@code engineId} and returns them as JSON ({@code engine},
     * {@code device}, {@code net}, {@code batch}, {@code tol}, {@code samples}, {@code epochs[]},
     * {@code medianRatio}), or a JSON object with {@code error} when MNIST or the engine is missing.
     */
    static JsonObject run(String engineId, int epochs, Path dataRoot) {
        JsonObject out = new JsonObject();
        out.addProperty("engine", engineId);
        out.addProperty("net", NET);
        out.addProperty("batch", BATCH);
        SolverConfig fixed = Workload.solver("15");
        SolverConfig tolerance = Workload.solver("tol");
        out.addProperty("tol", tolerance.tol());
        Dataset train;
        Dataset test;
        try {
            train = DataSets.load(DatasetId.MNIST, dataRoot.resolve(DatasetId.MNIST.key()), Split.TRAIN);
            test = DataSets.load(DatasetId.MNIST, dataRoot.resolve(DatasetId.MNIST.key()), Split.TEST);
        } catch (DataException e) {
            out.addProperty("error", "MNIST not available (" + e.getMessage() + ")");
            return out;
        }
        out.addProperty("samples", train.count());
        NetConfig net = Workload.netConfig(NET);
        try (Side side15 = new Side(engineId, net, fixed, epochs, train, test);
             Side sideTol = new Side(engineId, net, tolerance, epochs, train, test)) {
            out.addProperty("device", side15.engine.name());
            List<Epoch> done = new ArrayList<>();
            for (int e = 1; e <= epochs; e++) {
                boolean fixedFirst = e % 2 == 1;
                (fixedFirst ? side15 : sideTol).epoch(e);
                (fixedFirst ? sideTol : side15).epoch(e);
                Epoch epoch = new Epoch(e, side15.seconds, sideTol.seconds, side15.accuracy, sideTol.accuracy,
                        sideTol.meanSweeps);
                done.add(epoch);
                System.out.printf(java.util.Locale.ROOT, "[bench] paired epoch %d on %s: 15 sweeps %.2f s (test %.4f), "
                                + "tol %.2f s, %.1f sweeps (test %.4f): %.2fx%n", e, engineId, epoch.seconds15(),
                        epoch.accuracy15(), epoch.secondsTol(), epoch.meanSweepsTol(), epoch.accuracyTol(), epoch.ratio());
            }
            JsonArray list = new JsonArray();
            for (Epoch epoch : done) {
                JsonObject o = new JsonObject();
                o.addProperty("epoch", epoch.epoch());
                o.addProperty("seconds15", epoch.seconds15());
                o.addProperty("secondsTol", epoch.secondsTol());
                o.addProperty("accuracy15", epoch.accuracy15());
                o.addProperty("accuracyTol", epoch.accuracyTol());
                o.addProperty("meanSweepsTol", epoch.meanSweepsTol());
                list.add(o);
            }
            out.add("epochs", list);
            out.addProperty("medianRatio", medianRatio(done));
        } catch (RuntimeException | IOException e) {
            out.addProperty("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return out;
    }

    /** Median of {@link Epoch#ratio()} over the epochs after the first, or the first's when there is one. */
    static double medianRatio(List<Epoch> epochs) {
        double[] r = epochs.stream().skip(epochs.size() > 1 ? 1 : 0).mapToDouble(Epoch::ratio).sorted().toArray();
        if (r.length == 0) {
            return Double.NaN;
        }
        return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
    }

    /** One engine of the pair, its training run and the figures of its last epoch. */
    private static final class Side implements AutoCloseable {
        final Engine engine;
        final TrainingRun run;
        double seconds;
        double accuracy;
        double meanSweeps;

        Side(String engineId, NetConfig net, SolverConfig solver, int epochs, Dataset train, Dataset test) {
            this.engine = Workload.openEngine(engineId, net);
            try {
                engine.setParameters(Parameters.initial(net.net(), Workload.SEED));
                this.run = new TrainingRun(engine, new TrainConfig(net, Method.CONTRASTIVE, epochs, BATCH, LEARNING_RATE,
                        0, 1, solver, Workload.SEED, 0), train, test, false);
            } catch (RuntimeException e) {
                engine.close();
                throw e;
            }
        }

        void epoch(int e) throws IOException {
            EpochResult r = run.nextEpoch();
            if (r.epoch() != e) {
                throw new IllegalStateException("side is at epoch " + r.epoch() + ", expected " + e);
            }
            seconds = r.seconds();
            meanSweeps = r.meanSweeps();
            accuracy = r.testAccuracy();
        }

        @Override
        public void close() {
            try {
                run.close();
            } finally {
                engine.close();
            }
        }
    }
}
