package liftnet.cpu;

import java.util.ArrayList;
import java.util.List;
import liftnet.solve.LayerOp;
import liftnet.solve.SparseInputs;

/**
 * How the gradient and update work of a net splits into chunks: for each weight layer {@code k}, blocks of
 * {@link #ROWS} of its gradient rows ({@link LayerOp#gradientRows()}: one per input unit of a dense layer, one per
 * kernel entry of a convolution; the last block may be shorter), then one chunk for the bias {@code b_k}. A dense
 * first layer's blocks are the input blocks of {@link SparseInputs}.
 */
final class GradientPlan {

    /** Gradient rows per chunk: enough work to amortise a claim, small enough to balance two threads. */
    static final int ROWS = SparseInputs.BLOCK_WIDTH;

    private final int[] layer;
    private final int[] from;
    private final int[] to;

    GradientPlan(LayerOp[] ops) {
        List<int[]> chunks = new ArrayList<>();
        for (int k = 0; k < ops.length; k++) {
            int rows = ops[k].gradientRows();
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

    /** First gradient row of the chunk. */
    int from(int chunk) {
        return from[chunk];
    }

    /** End (exclusive) of the chunk's rows. */
    int to(int chunk) {
        return to[chunk];
    }
}
