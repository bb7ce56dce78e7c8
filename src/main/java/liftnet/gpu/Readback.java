package liftnet.gpu;

import liftnet.api.Parameters;
import liftnet.api.Phase;

/** Reads a batch's results back to the host (each read waits for the device: one host synchronisation). */
final class Readback {

    private final Workspace ws;
    private final Launcher l;
    private final NetLayout lay;
    private final LayeredSolver layered;

    Readback(Workspace ws, LayeredSolver layered) {
        this.ws = ws;
        this.l = ws.launcher;
        this.lay = ws.lay;
        this.layered = layered;
    }

    /** The parameters held by {@code flat} ({@link Workspace#params} or {@link Workspace#grad}). */
    Parameters parameters(GpuBuffer flat) {
        return lay.unflatten(l.readFloats(flat, lay.paramCount()), ws.config.net());
    }

    /** Row-major {@code batch x n_layer} activations of phase {@code p} (layer 0: the gathered inputs). */
    float[] activations(int p, int layer, int batch) {
        if (layer == 0) {
            return l.readFloats(ws.x, batch * lay.width(0));
        }
        int ld = lay.rowWidth();
        float[] rows = l.readFloats(ws.z[p], batch * ld);
        int n = lay.width(layer);
        float[] out = new float[batch * n];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(rows, b * ld + lay.zOffset(layer), out, b * n, n);
        }
        return out;
    }

    /** Per-sample energies of phase {@code p}: those its inference ended with, or (forward) computed now. */
    double[] energies(int p, int batch) {
        if (p == Phase.FORWARD.ordinal()) {
            layered.energyInto(p, batch);
        }
        float[] e = l.readFloats(ws.energy[p], batch);
        double[] out = new double[batch];
        for (int b = 0; b < batch; b++) {
            out[b] = e[b];
        }
        return out;
    }

    /** The largest per-sample KKT residual of phase {@code p} (computed into the workspace's {@code step}). */
    double kktResidual(int p, int batch) {
        layered.kktInto(p, ws.step, batch);
        double max = 0;
        for (float v : l.readFloats(ws.step, batch)) {
            max = Math.max(max, v);
        }
        return max;
    }
}
