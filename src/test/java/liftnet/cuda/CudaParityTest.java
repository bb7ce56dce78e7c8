package liftnet.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.TestNets;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineException;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.cpu.CpuEngine;
import liftnet.data.Dataset;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuParityTest;
import org.junit.jupiter.api.Test;

/** The CUDA engine against the CPU engine; skipped without a CUDA device. */
class CudaParityTest extends GpuParityTest {

    /** Relative agreement of per-sample energies (float engines, different summation orders). */
    private static final double TOL_ENERGY = 1e-4;
    /** Dynamic shared memory a block may use without opting in (cuFuncSetAttribute). */
    private static final int OPT_IN_THRESHOLD = 48 * 1024;

    @Override
    protected void assumeDevice() {
        CudaTesting.device();
    }

    @Override
    protected GpuEngine create(NetConfig config, GpuEngine.Path path) {
        CudaEngine e = new CudaEngine(config, CudaTesting.device());
        e.setPath(path);
        return e;
    }

    /**
     * The fused solver with more than 48 KB of dynamic shared memory per block (the launch must opt in): free and
     * clamped energies of every sample agree with the CPU engine.
     */
    @Test
    void fusedPathAbove48KbOfSharedMemoryAgreesWithTheCpuEngine() {
        NetConfig config = new NetConfig(NetSpec.parse("64-2048-2048-10"), Units.RELU, NetConfig.PAPER_GAMMA);
        Parameters p = TestNets.random(config.net(), 141, 1.0, 0.1);
        Dataset data = TestNets.randomData(config.net(), 6, 142);
        SolverConfig solver = SolverConfig.paperDefault();
        try (GpuEngine gpu = create(config, GpuEngine.Path.FUSED); Engine cpu = new CpuEngine(config, 2)) {
            assertTrue(gpu.fusedLocalBytes() > OPT_IN_THRESHOLD, "the net must need more than 48 KB: " + gpu.fusedLocalBytes());
            for (Engine e : new Engine[] {cpu, gpu}) {
                e.setParameters(p);
                DeviceData d = e.upload(data);
                e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
                e.forward();
                e.inferFree(solver);
                e.inferClamped(solver);
            }
            for (Phase phase : new Phase[] {Phase.FREE, Phase.CLAMPED}) {
                double[] expected = cpu.energies(phase);
                double[] actual = gpu.energies(phase);
                for (int r = 0; r < expected.length; r++) {
                    assertEquals(expected[r], actual[r], TOL_ENERGY * Math.abs(expected[r]) + 1e-7, phase + " energy of sample " + r);
                }
            }
        }
    }

    /** A launch that asks for more shared memory than the device has fails before the driver sees it, naming the kernel. */
    @Test
    void aLaunchBeyondTheSharedMemoryLimitIsRefusedByName() {
        try (CudaDevice dev = new CudaDevice(CudaTesting.device())) {
            var kernel = dev.kernel("fused_solve");
            int tooMuch = (int) dev.localMemoryBytes() + 1;
            EngineException e = assertThrows(EngineException.class, () -> dev.launch(kernel, 1, 1, 32, 1, tooMuch));
            assertTrue(e.getMessage().contains("fused_solve") && e.getMessage().contains("MAX_SHARED_MEMORY_PER_BLOCK_OPTIN"), e.getMessage());
        }
    }
}
