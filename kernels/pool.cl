// pool.cl: average pooling P (liftnet.api.Pooling) beside the products of the weight layer that reads it. Pooling
// is linear and folded into that layer's map, W P (liftnet.gpu.PooledProducts): these kernels apply P and P^T
// around the layer's own products (gemm.cl, conv.cl). Geometry, passed as ints in this order:
//   C, H, Wd: the image pooled [C, H, Wd] (a convolution's output, flattened channel-major (c, y, x) -> (c H + y) Wd + x);
//   K: the window side, dividing H and Wd; the pooled image is [C, H / K, Wd / K], flattened the same way.
//   (P z)[c, py, px] = 1 / K^2 sum_{dy, dx < K} z[c, py K + dy, px K + dx]
//   (P^T s)[c, y, x] = s[c, y / K, x / K] / K^2

// Pooled rows: Cout[offC + b ldC + o] = (P A_b)[o] for the pooled units o, A_b at A[offA + b ldA ...]; each window
// summed row by row (dy, then dx), then scaled, as liftnet.solve.PooledOp does.
// Global size (ceil(C (H / K) (Wd / K) / 64) * 64, B), local size (64, 1).
__kernel void pool_avg(__global int* live, const int B, const int C, const int H, const int Wd, const int K,
                       __global const float* A, const int offA, const int ldA,
                       __global float* Cout, const int offC, const int ldC) {
    SKIP_IF_SETTLED(live);
    const int o = get_global_id(0);
    const int b = get_global_id(1);
    const int PH = H / K;
    const int PW = Wd / K;
    if (o < C * PH * PW && b < B) {
        const int c = o / (PH * PW);
        const int pos = o - c * PH * PW;
        const int py = pos / PW;
        const int px = pos - py * PW;
        __global const float* a = A + offA + b * ldA + (c * H + py * K) * Wd + px * K;
        float s = 0.0f;
        for (int dy = 0; dy < K; dy++) {
            for (int dx = 0; dx < K; dx++) {
                s += a[dy * Wd + dx];
            }
        }
        Cout[offC + b * ldC + o] = s * (1.0f / (float) (K * K));
    }
}

// Spread back: Cout[offC + b ldC + j] = scale S[offS + b ldS + pooled(j)] for the units j = (c, y, x) of the image
// pooled, pooled(j) = (c, y / K, x / K); zero where Mask (out's layout) is not strictly inside C, when useMask.
// scale 1 / K^2: P^T (back-projection, back-propagation); scale 1 / K^4, B = 1: the column norms of W P from W's.
// Global size (ceil(C H Wd / 64) * 64, B), local size (64, 1).
__kernel void pool_spread(__global int* live, const int B, const int C, const int H, const int Wd, const int K,
                          __global const float* S, const int offS, const int ldS, const float scale,
                          __global float* Cout, const int offC, const int ldC,
                          __global const float* Mask, const int useMask, const float lo, const float hi) {
    SKIP_IF_SETTLED(live);
    const int j = get_global_id(0);
    const int b = get_global_id(1);
    if (j < C * H * Wd && b < B) {
        const int c = j / (H * Wd);
        const int pos = j - c * H * Wd;
        const int y = pos / Wd;
        const int x = pos - y * Wd;
        const int o = (c * (H / K) + y / K) * (Wd / K) + x / K;
        const int ic = offC + b * ldC + j;
        Cout[ic] = (useMask && !inside(Mask[ic], lo, hi)) ? 0.0f : scale * S[offS + b * ldS + o];
    }
}

// Column norms of one dense matrix W [rows x cols] at W[offW ...] (row-major): out[offC + j] = sum_i W[i, j]^2, for a
// dense layer that reads a pooled image (col_norms in train.cl reads its columns from the shape table's widths,
// which are the units, not the pooled ones). Global size ceil(cols / 64) * 64, local size 64.
__kernel void dense_col_norms(const int rows, const int cols, __global const float* W, const int offW,
                              __global float* out, const int offC) {
    const int j = get_global_id(0);
    if (j < cols) {
        float s = 0.0f;
        for (int i = 0; i < rows; i++) {
            const float w = W[offW + i * cols + j];
            s += w * w;
        }
        out[offC + j] = s;
    }
}
