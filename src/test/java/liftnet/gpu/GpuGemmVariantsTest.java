package liftnet.gpu;

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
import org.junit.jupiter.api.Test;

/**
 * The tiled and the register-blocked matrix kernels are one source ({@code kernels/gemm.cl}: each product written once
 * over a block of {@code rb x rb} outputs, tiled at {@code rb = 1}) and sum in the same order, so the layered path
 * gives the same bits with either: activations of every phase and the back-propagation gradient (gemm_nt, gemm_nn,
 * outer_acc over several blocks with ragged edges). Subclassed per backend.
 */
public abstract class GpuGemmVariantsTest {

    /** A new engine of the backend on its first device (skips without one), with {@code options}. */
    protected abstract GpuEngine create(NetConfig config, GpuOptions options);

    @Test
    void tiledAndBlockedKernelsGiveTheSameBits() {
        NetConfig config = new NetConfig(NetSpec.parse("150-130-70-10"), Units.RELU, NetConfig.PAPER_GAMMA);
        Parameters p = TestNets.random(config.net(), 301, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), 90, 302);
        float[][][] out = new float[2][][];
        LayeredSolver.Gemm[] gemms = {LayeredSolver.Gemm.TILED, LayeredSolver.Gemm.BLOCKED};
        for (int v = 0; v < 2; v++) {
            GpuOptions options = GpuOptions.defaults().withPath(GpuEngine.Path.LAYERED).withGemm(gemms[v]);
            try (GpuEngine e = create(config, options)) {
                e.setParameters(p);
                DeviceData d = e.upload(data);
                e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
                e.forward();
                e.inferFree(SolverConfig.paperDefault());
                e.inferClamped(SolverConfig.paperDefault());
                int layers = config.net().layers();
                out[v] = new float[3 * layers + 1][];
                int i = 0;
                for (Phase phase : new Phase[] {Phase.FORWARD, Phase.FREE, Phase.CLAMPED}) {
                    for (int k = 1; k <= layers; k++) {
                        out[v][i++] = e.activations(phase, k);
                    }
                }
                e.computeGradient(Method.BACKPROP);
                out[v][i] = e.gradient().flatten();
            }
        }
        for (int i = 0; i < out[0].length; i++) {
            assertArrayEquals(out[0][i], out[1][i], "result " + i + " (phase-major activations, then the gradient)");
        }
    }
}
