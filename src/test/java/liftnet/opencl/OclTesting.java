package liftnet.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import liftnet.api.NetConfig;
import liftnet.data.Dataset;
import liftnet.gpu.GpuEngine;

/** Shared set-up of the OpenCL tests: device lookup (skipping when there is none) and seeded data. */
final class OclTesting {

    private OclTesting() {
    }

    /** Index of the first OpenCL device; skips the test when there is none. */
    static int device() {
        var devices = OclRuntime.devices();
        assumeTrue(!devices.isEmpty(), () -> "no OpenCL device: " + OclRuntime.problem());
        return 0;
    }

    /** An OpenCL engine on the first device, forced onto {@code path}. */
    static OclEngine engine(NetConfig config, GpuEngine.Path path) {
        OclEngine e = new OclEngine(config, device());
        e.setPath(path);
        return e;
    }

    /** {@code count} samples of uniform [0, 1) inputs with uniform labels. */
    static Dataset randomData(int count, int width, int classes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[count * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        int[] y = new int[count];
        for (int i = 0; i < count; i++) {
            y[i] = rnd.nextInt(classes);
        }
        return new Dataset("random", count, width, classes, x, y);
    }

    /** The identity order {@code 0..count-1}. */
    static int[] identity(int count) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        return order;
    }
}
