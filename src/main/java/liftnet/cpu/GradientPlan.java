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

    /** Per chunk: its layer, its first gradient row and the end (exclusive) of its rows; -1, -1 for the bias. */
    private final int[][] chunks;

    GradientPlan(LayerOp[] ops) {
        List<int[]> list = new ArrayList<>();
        for (int k = 0; k < ops.length; k++) {
            int rows = ops[k].gradientRows();
            for (int p = 0; p < rows; p += ROWS) {
                list.add(new int[] {k, p, Math.min(rows, p + ROWS)});
            }
            list.add(new int[] {k, -1, -1});
        }
        chunks = list.toArray(new int[0][]);
    }

    int chunks() {
        return chunks.length;
    }

    int layer(int chunk) {
        return chunks[chunk][0];
    }

    /** Whether the chunk is the bias of its layer. */
    boolean isBias(int chunk) {
        return chunks[chunk][1] < 0;
    }

    /** First gradient row of the chunk. */
    int from(int chunk) {
        return chunks[chunk][1];
    }

    /** End (exclusive) of the chunk's rows. */
    int to(int chunk) {
        return chunks[chunk][2];
    }
}
