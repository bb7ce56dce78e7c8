package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.TestNets;
import liftnet.api.ConvLayer;
import liftnet.api.DeviceData;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.Dataset;
import org.junit.jupiter.api.Test;

/**
 * The two formulations of a convolution's products ({@link ConvForm}: direct, and implicit GEMM in {@code kernels/conv.cl})
 * agree within float rounding on a net that takes every path of the GEMM kernels: more filters and channels than one
 * work-group block (70 > 64), ragged blocks, stride 2 with an even map, and weight gradients whose reduction is split into
 * chunks ({@code conv_grad_reduce}) on both layers. Compared: the forward activations, both phases after a few sweeps
 * (the transposed products), and the gradients of backprop (masked transposed product, one weight gradient) and the
 * contrastive method (two accumulated ones, of differences of phases). Subclassed per backend.
 */
public abstract class GpuConvFormsTest {

    /** Largest difference allowed, relative to the largest magnitude of the compared array: float sums of up to 1,750 terms in another order. */
    static final double TOL_F32_REORDERED = 1e-4;
    /** Sweeps of each phase: enough transposed products for their rounding to show, few enough to stay close. */
    static final SolverConfig SWEEPS = SolverConfig.fixed(Solver.JACOBI, 6);
    /** No sweeps: each phase is the forward pass with its output set. */
    static final SolverConfig AT_FORWARD = SolverConfig.fixed(Solver.JACOBI, 0);
    static final String NET = "2x10x10-c70k3-c5k5s2-12-4";
    static final int SAMPLES = 30;

    /** A new engine of the backend on its first device (skips without one), with {@code options}. */
    protected abstract GpuEngine create(NetConfig config, GpuOptions options);

    @Test
    void theNetSplitsBothWeightGradientsAndSpansSeveralBlocks() {
        NetSpec net = NetSpec.parse(NET);
        for (int k = 0; k < 2; k++) {
            ConvLayer c = net.conv(k);
            int positions = SAMPLES * c.outHeight() * c.outWidth();
            assertTrue(Launcher.groups(positions, ConvProducts.chunk(c, positions)) > 1, "layer " + k + " is split");
        }
        assertTrue(net.conv(0).filters() > ConvProducts.BLOCK && net.conv(1).channels() > ConvProducts.BLOCK);
        assertEquals(1, Launcher.groups(40, ConvProducts.chunk(net.conv(0), 40)), "a small reduction is one chunk");
    }

    @Test
    void directAndImplicitGemmAgree() {
        NetConfig config = new NetConfig(NetSpec.parse(NET), Units.RELU, NetConfig.PAPER_GAMMA);
        Parameters p = TestNets.random(config.net(), 401, 1.5, 0.3);
        Dataset data = TestNets.randomData(config.net(), SAMPLES, 402);
        int layers = config.net().layers();
        float[][][] out = new float[2][][];
        ConvForm[] forms = {ConvForm.DIRECT, ConvForm.GEMM};
        for (int v = 0; v < 2; v++) {
            try (GpuEngine e = create(config, GpuOptions.defaults().withConv(forms[v]))) {
                e.setParameters(p);
                DeviceData d = e.upload(data);
                e.selectBatch(d, TestNets.identity(data.count()), 0, data.count());
                out[v] = new float[3 * layers + 2][];
                int i = 0;
                e.forward();
                e.computeGradient(Method.BACKPROP);
                out[v][i++] = e.gradient().flatten();
                // phases at the forward pass: the contrastive gradient of activations that agree to rounding (after
                // sweeps it is a difference of nearly equal phases, whose cancellation would hide the kernels' error)
                e.inferFree(AT_FORWARD);
                e.inferClamped(AT_FORWARD);
                e.computeGradient(Method.CONTRASTIVE);
                out[v][i++] = e.gradient().flatten();
                e.inferFree(SWEEPS);
                e.inferClamped(SWEEPS);
                for (Phase phase : new Phase[] {Phase.FORWARD, Phase.FREE, Phase.CLAMPED}) {
                    for (int k = 1; k <= layers; k++) {
                        out[v][i++] = e.activations(phase, k);
                    }
                }
            }
        }
        for (int i = 0; i < out[0].length; i++) {
            assertClose(out[0][i], out[1][i], "result " + i + " (backprop and contrastive gradients, then phase-major activations)");
        }
    }

    private static void assertClose(float[] direct, float[] gemm, String what) {
        assertEquals(direct.length, gemm.length, what);
        double scale = 0;
        double diff = 0;
        for (int j = 0; j < direct.length; j++) {
            scale = Math.max(scale, Math.abs(direct[j]));
            diff = Math.max(diff, Math.abs(direct[j] - gemm[j]));
        }
        assertTrue(scale > 0, what + ": all zero");
        assertTrue(diff <= TOL_F32_REORDERED * scale, what + ": max |direct - gemm| " + diff + " over max |direct| " + scale);
    }
}
