package liftnet.cpu;

import java.util.ArrayList;
import java.util.List;
import liftnet.api.NetSpec;
import liftnet.solve.SparseInputs;

/**
 * How the gradient and update work of a net splits into chunks: for each weight layer {@code k}, blocks of
 * {@link #ROWS} rows of {@code W_k^T} (one per input unit; the last block may be shorter), then one chunk for
 * the bias {@code b_k}. The first layer's blocks are the input blocks of {@link SparseInputs}.
 */
final class GradientPlan {

    /** Rows of {@code W_k^T} per chunk: enough work to amortise a claim, small enough to balance two threads. */
    static final int ROWS = SparseInputs.BLOCK_WIDTH;

    private final int[] layer;
    private final int[] from;
    private final int[] to;

    GradientPlan(NetSpec net) {
        List<int[]> chunks = new ArrayList<>();
        for (int k = 0; k < net.layers(); k++) {
            int rows = net.width(k);
            for (int p = 0; p < rows; p += ROWS) {
                chunks.add(new int[] {k, p, Math.min(rows, p + ROWS)});
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
