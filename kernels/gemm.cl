// gemm.cl: matrix products over a mini-batch in TS x TS work-groups with tiles in local memory. Matrices are
// addressed by (buffer, element offset, leading dimension), so that one layer of the phase layout (see common.cl)
// is an operand without copies.
//
// Each product is written once, as a DEVICE_FUNC over a block of rb x rb outputs per work-item (block_zero,
// block_mac in common.cl): it stages one TS-deep slice of each operand in local memory and lets block_mac
// multiply them. Two kernels call it: the tiled one at rb = 1 (gemm_nt, gemm_nn, outer_acc: one output per
// work-item) and the register-blocked one at rb = RB (*_blocked, for wide layers at large batch); both sum each
// output over k in the same order, so their results are the same bits.

// Pre-activations and line-search directions: C = A W^T (+ bias).
//   A: [M x K] at A[offA + m * ldA + k]     (M = batch, K = n_in)
//   W: [N x K] row-major at W[offW + n * K + k]   (W_k, N = n_out)
//   C[offC + m * ldC + n] = sum_k A[m, k] W[n, k] + (useBias ? bias[offBias + n] : 0)
//   zMode 1: also Z[offZ + m * ldZ + n] = C; zMode 2: Z = Proj_C(C) with C = [lo, hi]; 0: no Z.
// As, Ws: (rb TS) x (TS + 1) floats of local memory each.
DEVICE_FUNC void gemm_nt_block(const int rb, LOCAL_PTR float* As, LOCAL_PTR float* Ws,
                               const int M, const int N, const int K,
                               __global const float* A, const int offA, const int ldA,
                               __global const float* W, const int offW,
                               __global const float* bias, const int offBias, const int useBias,
                               __global float* C, const int offC, const int ldC,
                               __global float* Z, const int offZ, const int ldZ, const int zMode,
                               const float lo, const float hi) {
    const int ls = TS + 1;
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int n0 = get_group_id(0) * rb * TS;
    const int m0 = get_group_id(1) * rb * TS;
    float acc[RB][RB];
    block_zero(acc);
    for (int k0 = 0; k0 < K; k0 += TS) {
        const int k = k0 + lx;
        for (int r = 0; r < rb; r++) {
            const int row = ly + r * TS;
            As[row * ls + lx] = (m0 + row < M && k < K) ? A[offA + (m0 + row) * ldA + k] : 0.0f;
            Ws[row * ls + lx] = (n0 + row < N && k < K) ? W[offW + (n0 + row) * K + k] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        block_mac(acc, rb, As, ly, ls, 1, Ws, lx, ls, 1);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < rb; i++) {
        const int m = m0 + ly + i * TS;
        for (int j = 0; j < rb; j++) {
            const int n = n0 + lx + j * TS;
            if (m < M && n < N) {
                const float c = acc[i][j] + (useBias ? bias[offBias + n] : 0.0f);
                C[offC + m * ldC + n] = c;
                if (zMode == 1) {
                    Z[offZ + m * ldZ + n] = c;
                } else if (zMode == 2) {
                    Z[offZ + m * ldZ + n] = proj(c, lo, hi);
                }
            }
        }
    }
}

// Back-projection through W: C = (A - A2) B, optionally masked.
//   A, A2: [M x K] at A[offA + m * ldA + k] (A2 read at the same places when useA2, e.g. r = z - a)
//   B: [K x N] row-major at B[offB + k * N + n]   (W_k with K = n_{k+1}, N = n_k)
//   C[offC + m * ldC + n] = sum_k (A - A2)[m, k] B[k, n], times [Mask[offC + m * ldC + n] strictly inside
//   C] when useMask (Mask has C's layout).
// As: (rb TS) x (TS + 1) floats of local memory; Bs: TS x (rb TS + 1).
DEVICE_FUNC void gemm_nn_block(const int rb, LOCAL_PTR float* As, LOCAL_PTR float* Bs,
                               const int M, const int N, const int K,
                               __global const float* A, __global const float* A2, const int useA2,
                               const int offA, const int ldA,
                               __global const float* B, const int offB,
                               __global float* C, const int offC, const int ldC,
                               __global const float* Mask, const int useMask, const float lo, const float hi) {
    const int as = TS + 1;
    const int bs = rb * TS + 1;
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int n0 = get_group_id(0) * rb * TS;
    const int m0 = get_group_id(1) * rb * TS;
    float acc[RB][RB];
    block_zero(acc);
    for (int k0 = 0; k0 < K; k0 += TS) {
        const int ka = k0 + lx;
        const int kb = k0 + ly;
        for (int r = 0; r < rb; r++) {
            const int row = m0 + ly + r * TS;
            float av = 0.0f;
            if (row < M && ka < K) {
                const int ia = offA + row * ldA + ka;
                av = useA2 ? A[ia] - A2[ia] : A[ia];
            }
            As[(ly + r * TS) * as + lx] = av;
            const int col = n0 + lx + r * TS;
            Bs[ly * bs + lx + r * TS] = (kb < K && col < N) ? B[offB + kb * N + col] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        block_mac(acc, rb, As, ly, as, 1, Bs, lx, 1, bs);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < rb; i++) {
        const int m = m0 + ly + i * TS;
        for (int j = 0; j < rb; j++) {
            const int n = n0 + lx + j * TS;
            if (m < M && n < N) {
                const int ic = offC + m * ldC + n;
                C[ic] = (useMask && !inside(Mask[ic], lo, hi)) ? 0.0f : acc[i][j];
            }
        }
    }
}

// Gradient accumulation: G = beta * G + alpha * (U - U2)^T [V 1], one weight layer and its bias.
//   U, U2: [M x N] at U[offU + m * ldU + n] (U2 at the same places when useU2, e.g. lambda = z - a)
//   V: [M x K] at V[offV + m * ldV + k]; column K of [V 1] is the constant 1 (the bias).
//   G[offW + n * K + k] for k < K (the weight W[n, k]) and G[offB + n] for k = K (the bias b[n]).
//   beta is 0 (overwrite), 1 (accumulate) or 2 (accumulate the weights, leave the biases: store_grad).
// Us, Vs: TS x (rb TS + 1) floats of local memory each.
DEVICE_FUNC void outer_acc_block(const int rb, LOCAL_PTR float* Us, LOCAL_PTR float* Vs,
                                 const int M, const int N, const int K,
                                 __global const float* U, __global const float* U2, const int useU2,
                                 const int offU, const int ldU,
                                 __global const float* V, const int offV, const int ldV,
                                 __global float* G, const int offW, const int offB,
                                 const float alpha, const int beta) {
    const int ls = rb * TS + 1;
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int k0 = get_group_id(0) * rb * TS;
    const int n0 = get_group_id(1) * rb * TS;
    float acc[RB][RB];
    block_zero(acc);
    for (int m0 = 0; m0 < M; m0 += TS) {
        const int m = m0 + ly;
        for (int r = 0; r < rb; r++) {
            const int n = n0 + lx + r * TS;
            float uv = 0.0f;
            if (m < M && n < N) {
                const int iu = offU + m * ldU + n;
                uv = useU2 ? U[iu] - U2[iu] : U[iu];
            }
            Us[ly * ls + lx + r * TS] = uv;
            const int k = k0 + lx + r * TS;
            float vv = 0.0f;
            if (m < M) {
                vv = k < K ? V[offV + m * ldV + k] : (k == K ? 1.0f : 0.0f);
            }
            Vs[ly * ls + lx + r * TS] = vv;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        block_mac(acc, rb, Us, ly, 1, ls, Vs, lx, 1, ls);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < rb; i++) {
        const int n = n0 + ly + i * TS;
        for (int j = 0; j < rb; j++) {
            const int k = k0 + lx + j * TS;
            if (n < N && k <= K) {
                store_grad(G, k < K ? offW + n * K + k : offB + n, k == K, alpha * acc[i][j], beta);
            }
        }
    }
}

// The kernels: tiled (rb = 1) and register-blocked (rb = RB) forms of each product, same parameters and result.
// Global size: (ceil(cols / (rb TS)) * TS, ceil(rows / (rb TS)) * TS) for an output of rows x cols (outer_acc:
// cols = K + 1, rows = N), local size (TS, TS).

__kernel void gemm_nt(__global int* live, const int M, const int N, const int K,
                      __global const float* A, const int offA, const int ldA,
                      __global const float* W, const int offW,
                      __global const float* bias, const int offBias, const int useBias,
                      __global float* C, const int offC, const int ldC,
                      __global float* Z, const int offZ, const int ldZ, const int zMode,
                      const float lo, const float hi) {
    __local float X[TS * (TS + 1)];
    __local float Y[TS * (TS + 1)];
    SKIP_IF_SETTLED(live);
    gemm_nt_block(1, X, Y, M, N, K, A, offA, ldA, W, offW, bias, offBias, useBias, C, offC, ldC, Z, offZ, ldZ, zMode, lo, hi);
}

__kernel void gemm_nt_blocked(__global int* live, const int M, const int N, const int K,
                              __global const float* A, const int offA, const int ldA,
                              __global const float* W, const int offW,
                              __global const float* bias, const int offBias, const int useBias,
                              __global float* C, const int offC, const int ldC,
                              __global float* Z, const int offZ, const int ldZ, const int zMode,
                              const float lo, const float hi) {
    __local float X[RB * TS * (TS + 1)];
    __local float Y[RB * TS * (TS + 1)];
    SKIP_IF_SETTLED(live);
    gemm_nt_block(RB, X, Y, M, N, K, A, offA, ldA, W, offW, bias, offBias, useBias, C, offC, ldC, Z, offZ, ldZ, zMode, lo, hi);
}

__kernel void gemm_nn(__global int* live, const int M, const int N, const int K,
                      __global const float* A, __global const float* A2, const int useA2,
                      const int offA, const int ldA,
                      __global const float* B, const int offB,
                      __global float* C, const int offC, const int ldC,
                      __global const float* Mask, const int useMask, const float lo, const float hi) {
    __local float X[TS * (TS + 1)];
    __local float Y[TS * (TS + 1)];
    SKIP_IF_SETTLED(live);
    gemm_nn_block(1, X, Y, M, N, K, A, A2, useA2, offA, ldA, B, offB, C, offC, ldC, Mask, useMask, lo, hi);
}

__kernel void gemm_nn_blocked(__global int* live, const int M, const int N, const int K,
                              __global const float* A, __global const float* A2, const int useA2,
                              const int offA, const int ldA,
                              __global const float* B, const int offB,
                              __global float* C, const int offC, const int ldC,
                              __global const float* Mask, const int useMask, const float lo, const float hi) {
    __local float X[RB * TS * (TS + 1)];
    __local float Y[TS * (RB * TS + 1)];
    SKIP_IF_SETTLED(live);
    gemm_nn_block(RB, X, Y, M, N, K, A, A2, useA2, offA, ldA, B, offB, C, offC, ldC, Mask, useMask, lo, hi);
}

__kernel void outer_acc(const int M, const int N, const int K,
                        __global const float* U, __global const float* U2, const int useU2,
                        const int offU, const int ldU,
                        __global const float* V, const int offV, const int ldV,
                        __global float* G, const int offW, const int offB,
                        const float alpha, const int beta) {
    __local float X[TS * (TS + 1)];
    __local float Y[TS * (TS + 1)];
    outer_acc_block(1, X, Y, M, N, K, U, U2, useU2, offU, ldU, V, offV, ldV, G, offW, offB, alpha, beta);
}

__kernel void outer_acc_blocked(const int M, const int N, const int K,
                                __global const float* U, __global const float* U2, const int useU2,
                                const int offU, const int ldU,
                                __global const float* V, const int offV, const int ldV,
                                __global float* G, const int offW, const int offB,
                                const float alpha, const int beta) {
    __local float X[TS * (RB * TS + 1)];
    __local float Y[TS * (RB * TS + 1)];
    outer_acc_block(RB, X, Y, M, N, K, U, U2, useU2, offU, ldU, V, offV, ldV, G, offW, offB, alpha, beta);
}
