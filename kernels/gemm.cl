// gemm.cl: tiled matrix products over a mini-batch, TS x TS work-groups with TS x TS tiles in local
// memory. Matrices are addressed by (buffer, element offset, leading dimension), so that one layer of
// the phase layout (see common.cl) is an operand without copies.

// Pre-activations and line-search directions: C = A W^T (+ bias).
//   A: [M x K] at A[offA + m * ldA + k]     (M = batch, K = n_in)
//   W: [N x K] row-major at W[offW + n * K + k]   (W_k, N = n_out)
//   C[offC + m * ldC + n] = sum_k A[m, k] W[n, k] + (useBias ? bias[offBias + n] : 0)
//   zMode 1: also Z[offZ + m * ldZ + n] = C; zMode 2: Z = Proj_C(C) with C = [lo, hi]; 0: no Z.
// Global size: (ceil(N / TS) * TS, ceil(M / TS) * TS), local size (TS, TS).
__kernel void gemm_nt(const int M, const int N, const int K,
                      __global const float* A, const int offA, const int ldA,
                      __global const float* W, const int offW,
                      __global const float* bias, const int offBias, const int useBias,
                      __global float* C, const int offC, const int ldC,
                      __global float* Z, const int offZ, const int ldZ, const int zMode,
                      const float lo, const float hi) {
    __local float As[TS][TS + 1];
    __local float Ws[TS][TS + 1];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int n0 = get_group_id(0) * TS;
    const int m0 = get_group_id(1) * TS;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TS) {
        const int k = k0 + lx;
        As[ly][lx] = (m0 + ly < M && k < K) ? A[offA + (m0 + ly) * ldA + k] : 0.0f;
        Ws[ly][lx] = (n0 + ly < N && k < K) ? W[offW + (n0 + ly) * K + k] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TS; kk++) {
            acc += As[ly][kk] * Ws[lx][kk];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int m = m0 + ly;
    const int n = n0 + lx;
    if (m < M && n < N) {
        const float c = acc + (useBias ? bias[offBias + n] : 0.0f);
        C[offC + m * ldC + n] = c;
        if (zMode == 1) {
            Z[offZ + m * ldZ + n] = c;
        } else if (zMode == 2) {
            Z[offZ + m * ldZ + n] = proj(c, lo, hi);
        }
    }
}

// Back-projection through W: C = (A - A2) B, optionally masked.
//   A, A2: [M x K] at A[offA + m * ldA + k] (A2 read at the same places when useA2, e.g. r = z - a)
//   B: [K x N] row-major at B[offB + k * N + n]   (W_k with K = n_{k+1}, N = n_k)
//   C[offC + m * ldC + n] = sum_k (A - A2)[m, k] B[k, n], times [Mask[offC + m * ldC + n] strictly inside
//   C] when useMask (Mask has C's layout).
// Global size: (ceil(N / TS) * TS, ceil(M / TS) * TS), local size (TS, TS).
__kernel void gemm_nn(const int M, const int N, const int K,
                      __global const float* A, __global const float* A2, const int useA2,
                      const int offA, const int ldA,
                      __global const float* B, const int offB,
                      __global float* C, const int offC, const int ldC,
                      __global const float* Mask, const int useMask, const float lo, const float hi) {
    __local float As[TS][TS + 1];
    __local float Bs[TS][TS + 1];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int n0 = get_group_id(0) * TS;
    const int m0 = get_group_id(1) * TS;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TS) {
        const int ka = k0 + lx;
        float av = 0.0f;
        if (m0 + ly < M && ka < K) {
            const int ia = offA + (m0 + ly) * ldA + ka;
            av = useA2 ? A[ia] - A2[ia] : A[ia];
        }
        As[ly][lx] = av;
        const int kb = k0 + ly;
        Bs[ly][lx] = (kb < K && n0 + lx < N) ? B[offB + kb * N + n0 + lx] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TS; kk++) {
            acc += As[ly][kk] * Bs[kk][lx];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int m = m0 + ly;
    const int n = n0 + lx;
    if (m < M && n < N) {
        const int ic = offC + m * ldC + n;
        C[ic] = (useMask && !inside(Mask[ic], lo, hi)) ? 0.0f : acc;
    }
}

// Gradient accumulation: G = beta * G + alpha * (U - U2)^T [V 1], one weight layer and its bias.
//   U, U2: [M x N] at U[offU + m * ldU + n] (U2 at the same places when useU2, e.g. lambda = z - a)
//   V: [M x K] at V[offV + m * ldV + k]; column K of [V 1] is the constant 1 (the bias).
//   G[offW + n * K + k] for k < K (the weight W[n, k]) and G[offB + n] for k = K (the bias b[n]).
//   beta is 0 (overwrite) or 1 (accumulate).
// Global size: (ceil((K + 1) / TS) * TS, ceil(N / TS) * TS), local size (TS, TS).
__kernel void outer_acc(const int M, const int N, const int K,
                        __global const float* U, __global const float* U2, const int useU2,
                        const int offU, const int ldU,
                        __global const float* V, const int offV, const int ldV,
                        __global float* G, const int offW, const int offB,
                        const float alpha, const int beta) {
    __local float Us[TS][TS + 1];
    __local float Vs[TS][TS + 1];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int k0 = get_group_id(0) * TS;
    const int n0 = get_group_id(1) * TS;
    float acc = 0.0f;
    for (int m0 = 0; m0 < M; m0 += TS) {
        const int m = m0 + ly;
        float uv = 0.0f;
        if (m < M && n0 + lx < N) {
            const int iu = offU + m * ldU + n0 + lx;
            uv = useU2 ? U[iu] - U2[iu] : U[iu];
        }
        Us[ly][lx] = uv;
        float vv = 0.0f;
        if (m < M) {
            const int k = k0 + lx;
            vv = k < K ? V[offV + m * ldV + k] : (k == K ? 1.0f : 0.0f);
        }
        Vs[ly][lx] = vv;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int mm = 0; mm < TS; mm++) {
            acc += Us[mm][ly] * Vs[mm][lx];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int n = n0 + ly;
    const int k = k0 + lx;
    if (n < N && k <= K) {
        const int ig = k < K ? offW + n * K + k : offB + n;
        const float g = alpha * acc;
        G[ig] = beta ? G[ig] + g : g;
    }
}

// gemm_nt with register blocking, for wide layers at large batch: a work-group of TS x TS work-items computes a
// (RB TS) x (RB TS) block of C, each work-item RB x RB outputs (rows ly + i TS, columns lx + j TS) from tiles of A
// and W in local memory, so that each value read from local memory serves RB products instead of one (the scheme
// of CLBlast's Xgemm kernels). Same parameters and result as gemm_nt.
// Global size: (ceil(N / (RB TS)) * TS, ceil(M / (RB TS)) * TS), local size (TS, TS).
#ifndef RB
#define RB 4
#endif

// The register block of the blocked kernels below: acc = 0, and the rank-1 update acc[i][j] += a[i] b[j].
DEVICE_FUNC void block_zero(float acc[RB][RB]) {
    for (int i = 0; i < RB; i++) {
        for (int j = 0; j < RB; j++) {
            acc[i][j] = 0.0f;
        }
    }
}

DEVICE_FUNC void block_rank1(float acc[RB][RB], const float a[RB], const float b[RB]) {
    for (int i = 0; i < RB; i++) {
        for (int j = 0; j < RB; j++) {
            acc[i][j] += a[i] * b[j];
        }
    }
}
__kernel void gemm_nt_blocked(const int M, const int N, const int K,
                              __global const float* A, const int offA, const int ldA,
                              __global const float* W, const int offW,
                              __global const float* bias, const int offBias, const int useBias,
                              __global float* C, const int offC, const int ldC,
                              __global float* Z, const int offZ, const int ldZ, const int zMode,
                              const float lo, const float hi) {
    __local float As[RB * TS][TS + 1];
    __local float Ws[RB * TS][TS + 1];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int n0 = get_group_id(0) * RB * TS;
    const int m0 = get_group_id(1) * RB * TS;
    float acc[RB][RB];
    block_zero(acc);
    for (int k0 = 0; k0 < K; k0 += TS) {
        const int k = k0 + lx;
        for (int r = 0; r < RB; r++) {
            const int row = ly + r * TS;
            As[row][lx] = (m0 + row < M && k < K) ? A[offA + (m0 + row) * ldA + k] : 0.0f;
            Ws[row][lx] = (n0 + row < N && k < K) ? W[offW + (n0 + row) * K + k] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TS; kk++) {
            float a[RB];
            float w[RB];
            for (int r = 0; r < RB; r++) {
                a[r] = As[ly + r * TS][kk];
                w[r] = Ws[lx + r * TS][kk];
            }
            block_rank1(acc, a, w);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < RB; i++) {
        const int m = m0 + ly + i * TS;
        for (int j = 0; j < RB; j++) {
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

// gemm_nn with register blocking (see gemm_nt_blocked): each work-item computes RB x RB outputs (rows ly + i TS,
// columns lx + j TS) of a (RB TS) x (RB TS) block. Same parameters and result as gemm_nn.
// Global size: (ceil(N / (RB TS)) * TS, ceil(M / (RB TS)) * TS), local size (TS, TS).
__kernel void gemm_nn_blocked(const int M, const int N, const int K,
                              __global const float* A, __global const float* A2, const int useA2,
                              const int offA, const int ldA,
                              __global const float* B, const int offB,
                              __global float* C, const int offC, const int ldC,
                              __global const float* Mask, const int useMask, const float lo, const float hi) {
    __local float As[RB * TS][TS + 1];
    __local float Bs[TS][RB * TS + 1];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int n0 = get_group_id(0) * RB * TS;
    const int m0 = get_group_id(1) * RB * TS;
    float acc[RB][RB];
    block_zero(acc);
    for (int k0 = 0; k0 < K; k0 += TS) {
        const int ka = k0 + lx;
        const int kb = k0 + ly;
        for (int r = 0; r < RB; r++) {
            const int row = m0 + ly + r * TS;
            float av = 0.0f;
            if (row < M && ka < K) {
                const int ia = offA + row * ldA + ka;
                av = useA2 ? A[ia] - A2[ia] : A[ia];
            }
            As[ly + r * TS][lx] = av;
            const int col = n0 + lx + r * TS;
            Bs[ly][lx + r * TS] = (kb < K && col < N) ? B[offB + kb * N + col] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TS; kk++) {
            float a[RB];
            float b[RB];
            for (int r = 0; r < RB; r++) {
                a[r] = As[ly + r * TS][kk];
                b[r] = Bs[kk][lx + r * TS];
            }
            block_rank1(acc, a, b);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < RB; i++) {
        const int m = m0 + ly + i * TS;
        for (int j = 0; j < RB; j++) {
            const int n = n0 + lx + j * TS;
            if (m < M && n < N) {
                const int ic = offC + m * ldC + n;
                C[ic] = (useMask && !inside(Mask[ic], lo, hi)) ? 0.0f : acc[i][j];
            }
        }
    }
}

// outer_acc with register blocking (see gemm_nt_blocked): each work-item accumulates RB x RB entries of G (rows
// n0 + ly + i TS, columns k0 + lx + j TS, column K the bias) over the batch. Same parameters and result as outer_acc.
// Global size: (ceil((K + 1) / (RB TS)) * TS, ceil(N / (RB TS)) * TS), local size (TS, TS).
__kernel void outer_acc_blocked(const int M, const int N, const int K,
                                __global const float* U, __global const float* U2, const int useU2,
                                const int offU, const int ldU,
                                __global const float* V, const int offV, const int ldV,
                                __global float* G, const int offW, const int offB,
                                const float alpha, const int beta) {
    __local float Us[TS][RB * TS + 1];
    __local float Vs[TS][RB * TS + 1];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int k0 = get_group_id(0) * RB * TS;
    const int n0 = get_group_id(1) * RB * TS;
    float acc[RB][RB];
    block_zero(acc);
    for (int m0 = 0; m0 < M; m0 += TS) {
        const int m = m0 + ly;
        for (int r = 0; r < RB; r++) {
            const int n = n0 + lx + r * TS;
            float uv = 0.0f;
            if (m < M && n < N) {
                const int iu = offU + m * ldU + n;
                uv = useU2 ? U[iu] - U2[iu] : U[iu];
            }
            Us[ly][lx + r * TS] = uv;
            const int k = k0 + lx + r * TS;
            float vv = 0.0f;
            if (m < M) {
                vv = k < K ? V[offV + m * ldV + k] : (k == K ? 1.0f : 0.0f);
            }
            Vs[ly][lx + r * TS] = vv;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int mm = 0; mm < TS; mm++) {
            float u[RB];
            float v[RB];
            for (int r = 0; r < RB; r++) {
                u[r] = Us[mm][ly + r * TS];
                v[r] = Vs[mm][lx + r * TS];
            }
            block_rank1(acc, u, v);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < RB; i++) {
        const int n = n0 + ly + i * TS;
        for (int j = 0; j < RB; j++) {
            const int k = k0 + lx + j * TS;
            if (n < N && k <= K) {
                const int ig = k < K ? offW + n * K + k : offB + n;
                const float g = alpha * acc[i][j];
                G[ig] = beta ? G[ig] + g : g;
            }
        }
    }
}
