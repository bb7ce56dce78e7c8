package liftnet.cpu;

import java.util.ArrayList;
import java.util.List;
import liftnet.api.NetSpec;

/**
 * How the gradient and update work of a net splits into chunks: for each weight layer {@code k}, ranges of
 * at most {@link #ROWS} rows of {@code W_k^T} (one per input unit), then one chunk for the bias {@code b_k}.
 */
final class GradientPlan {

    /** Rows of {@code W_k^T} per chunk: enough work to amortise a claim, small enough to balance two threads. */
    static final int ROWS = 32;

    private final int[] layer;
    private final int[] from;
    private final int[] to;

    GradientPlan(NetSpec net) {
        List<int[]> chunks = new ArrayList<>();
        for (int k = 0; k < net.layers(); k++) {
            int rows = net.width(k);
            int parts = (rows + ROWS - 1) / ROWS;
            for (int c = 0; c < parts; c++) {
                chunks.add(new int[] {k, CpuWorkers.from(c, rows, parts), CpuWorkers.from(c + 1, rows, parts)});
            }
            chunks.add(new int[] {k, -1, -1});
        }
        layer = new int[chunks.size()];
        from = new int[chunks.size()];
        to = new int[chunks.size()];
        for (int i = 0; i < chunks.size(); i++) {
            layer[i] = chunks.get(i)[0];
            from[i] = chunks.get(i)[1];
            to[i] = chunks.get(i)[2];
        }
    }

    int chunks() {
        return layer.length;
    }

    int layer(int chunk) {
        return layer[chunk];
    }

    /** Whether the chunk is the bias of its layer. */
    boolean isBias(int chunk) {
        return from[chunk] < 0;
    }

    /** First row of {@code W_k^T} of the chunk. */
    int from(int chunk) {
        return from[chunk];
    }

    /** End (exclusive) of the chunk's rows. */
    int to(int chunk) {
        return to[chunk];
    }
}
