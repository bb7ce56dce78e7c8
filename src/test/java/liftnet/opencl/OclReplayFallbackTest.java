package liftnet.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.DeviceInfo;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OptimizerConfig;
import liftnet.api.Parameters;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.Dataset;
import liftnet.gpu.GpuBuffer;
import liftnet.gpu.GpuDevice;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuKernel;
import liftnet.gpu.KernelSource;
import liftnet.train.Schedule;
import liftnet.train.TrainConfig;
import liftnet.train.Trainer;
import org.junit.jupiter.api.Test;

/**
 * Epoch replay loses no step when recording fails: a device whose {@code record} throws (as a CUDA capture or
 * instantiation may) trains exactly as the same device with replay off, with Adam and a cosine schedule (rates that
 * change every step, read from the device-side table).
 */
class OclReplayFallbackTest {

    /** An OpenCL device whose recording of launches always throws; counts the attempts. */
    private static final class FailingRecord implements GpuDevice {
        final OclDevice d = new OclDevice(OclTesting.device(), KernelSource.openclProgram(), "");
        int attempts;

        @Override public DeviceInfo info() { return d.info(); }
        @Override public GpuBuffer allocate(long bytes) { return d.allocate(bytes); }
        @Override public GpuKernel kernel(String name) { return d.kernel(name); }
        @Override public void launch(GpuKernel k, int gx, int gy, int lx, int ly, int dyn, Object... args) { d.launch(k, gx, gy, lx, ly, dyn, args); }
        @Override public void write(GpuBuffer dst, long offset, ByteBuffer src) { d.write(dst, offset, src); }
        @Override public void writeAsync(GpuBuffer dst, long offset, ByteBuffer src) { d.writeAsync(dst, offset, src); }
        @Override public void read(GpuBuffer src, long offset, ByteBuffer dst) { d.read(src, offset, dst); }
        @Override public void copy(GpuBuffer src, long so, GpuBuffer dst, long dO, long bytes) { d.copy(src, so, dst, dO, bytes); }
        @Override public void zero(GpuBuffer dst, long offset, long bytes) { d.zero(dst, offset, bytes); }
        @Override public void finish() { d.finish(); }
        @Override public int maxWorkGroupSize() { return d.maxWorkGroupSize(); }
        @Override public long localMemoryBytes() { return d.localMemoryBytes(); }
        @Override public void close() { d.close(); }

        @Override
        public Replay record(Runnable issue) {
            attempts++;
            throw new liftnet.api.EngineException("capture failed (test)");
        }
    }

    private static final class Engine2 extends GpuEngine {
        Engine2(GpuDevice dev, NetConfig config) {
            super("opencl:0", dev, config, liftnet.gpu.GpuOptions.defaults());
        }
    }

    @Test
    void failedRecordingIssuesTheStepsOneByOne() {
        NetConfig config = new NetConfig(NetSpec.parse("8-6-5-4"), Units.RELU, 0.5);
        Parameters p = TestNets.random(config.net(), 3, 1.0, 0.1);
        Dataset data = TestNets.randomData(config.net(), 40, 4);
        TrainConfig tc = new TrainConfig(config, Method.CONTRASTIVE, 3, 8, 0.01, 0, 1, SolverConfig.paperDefault(), 5, 0,
                new OptimizerConfig(OptimizerConfig.Kind.ADAM, 0.9, 0.999, 1e-8),
                new Schedule(Schedule.Kind.COSINE, 1, 1, 0), false);
        float[][] result = new float[2][];
        FailingRecord failing = new FailingRecord();
        // the expected warning is captured, not printed: a passing test writes nothing
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("liftnet.gpu.EpochReplay");
        java.util.List<java.util.logging.LogRecord> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override public void publish(java.util.logging.LogRecord r) { warnings.add(r); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        boolean parents = log.getUseParentHandlers();
        log.setUseParentHandlers(false);
        log.addHandler(capture);
        try {
            for (int i = 0; i < 2; i++) {
                try (GpuEngine e = i == 0 ? new Engine2(failing, config) : OclTesting.engine(config, GpuEngine.Path.AUTO)) {
                    e.setGraphs(i == 0);
                    result[i] = train(e, tc, p, data);
                }
            }
        } finally {
            log.removeHandler(capture);
            log.setUseParentHandlers(parents);
        }
        assertTrue(failing.attempts >= 1, "the test must reach a recording; attempts " + failing.attempts);
        assertTrue(warnings.stream().anyMatch(r -> r.getLevel() == java.util.logging.Level.WARNING
                && r.getMessage().contains("recording the epoch's steps failed")), "one warning says why: " + warnings);
        assertArrayEquals(result[1], result[0], "steps were lost or changed when recording failed");
    }

    private static float[] train(Engine e, TrainConfig tc, Parameters p, Dataset data) {
        e.setParameters(p);
        Trainer t = new Trainer(e, tc);
        DeviceData d = e.upload(data);
        for (int epoch = 1; epoch <= tc.epochs(); epoch++) {
            t.trainEpoch(d, epoch, null);
        }
        return e.parameters().flatten();
    }
}
