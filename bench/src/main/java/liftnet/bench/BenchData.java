package liftnet.bench;

import java.nio.file.Path;
import java.util.SplittableRandom;
import liftnet.data.DataException;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;

/**
 * Inputs for the benchmarks: real MNIST training images for 784-input nets, grayscale CIFAR-10 for
 * 1024-input nets when its files are present, and otherwise seeded synthetic inputs in {@code [0, 1]} with
 * 80% zeros (MNIST-like sparsity) and uniform random labels.
 *
 * <p>The data folder is the system property {@code liftnet.data} (default {@code data}, relative to the
 * working directory: the project root when run by {@code scripts/bench.sh}).
 */
final class BenchData {

    /** Samples in a synthetic data set. */
    static final int SYNTHETIC_COUNT = 10_000;
    /** Share of zero inputs in a synthetic data set. */
    static final double SYNTHETIC_ZEROS = 0.8;

    private static Dataset cached;

    private BenchData() {
    }

    /** A data set with {@code inputs} inputs and {@code classes} classes; cached per JVM (one trial per fork). */
    static synchronized Dataset forNet(int inputs, int classes, long seed) {
        if (cached != null && cached.width() == inputs && cached.classes() == classes) {
            return cached;
        }
        Path root = Path.of(System.getProperty("liftnet.data", "data"));
        Dataset d = null;
        for (DatasetId id : new DatasetId[] {DatasetId.MNIST, DatasetId.CIFAR10}) {
            if (id.width() == inputs && id.classes() == classes) {
                try {
                    d = DataSets.load(id, root.resolve(id.key()), Split.TRAIN);
                } catch (DataException e) {
                    System.err.println("[bench] " + id.key() + " not available (" + e.getMessage()
                            + "); using synthetic inputs");
                }
                break;
            }
        }
        if (d == null) {
            d = synthetic(inputs, classes, seed);
        }
        cached = d;
        return d;
    }

    /** Seeded inputs: each value 0 with probability 0.8, else uniform in (0, 1]; labels uniform. */
    static Dataset synthetic(int inputs, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5EEDL);
        float[] x = new float[SYNTHETIC_COUNT * inputs];
        int[] y = new int[SYNTHETIC_COUNT];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextDouble() < SYNTHETIC_ZEROS ? 0f : (float) (1.0 - random.nextDouble());
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = random.nextInt(classes);
        }
        return new Dataset("synthetic-" + inputs + "/80%-zeros", SYNTHETIC_COUNT, inputs, classes, x, y);
    }
}
