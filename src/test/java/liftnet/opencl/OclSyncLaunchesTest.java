package liftnet.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.SyncLaunches;
import org.junit.jupiter.api.Test;

/** The kernel-fault debug switch ({@link SyncLaunches}) on OpenCL: waiting for every launch changes no result. */
class OclSyncLaunchesTest {

    @Test
    void waitingForEveryLaunchGivesTheSameEnergiesAndGradient() {
        NetConfig config = new NetConfig(NetSpec.parse("12-10-8-4"), Units.RELU, NetConfig.PAPER_GAMMA);
        Parameters p = TestNets.random(config.net(), 151, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 9, 152);
        double[][] energies = new double[2][];
        float[][] grad = new float[2][];
        for (int run = 0; run < 2; run++) {
            String before = System.getProperty(SyncLaunches.PROPERTY);
            System.setProperty(SyncLaunches.PROPERTY, run == 0 ? "false" : "true");
            GpuEngine e;
            try {
                e = OclTesting.engine(config, GpuEngine.Path.AUTO);
            } finally {
                if (before == null) {
                    System.clearProperty(SyncLaunches.PROPERTY);
                } else {
                    System.setProperty(SyncLaunches.PROPERTY, before);
                }
            }
            try (e) {
                e.setParameters(p);
                DeviceData d = e.upload(data);
                e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
                e.forward();
                e.inferFree(SolverConfig.paperDefault());
                e.inferClamped(SolverConfig.paperDefault());
                e.computeGradient(Method.CONTRASTIVE);
                energies[run] = e.energies(Phase.CLAMPED);
                grad[run] = e.gradient().weight(0);
            }
        }
        assertArrayEquals(energies[0], energies[1], "clamped energies with and without waiting for each launch");
        assertArrayEquals(grad[0], grad[1], "gradient of W0 with and without waiting for each launch");
    }
}
