// conv.cl: a convolutional weight layer as the linear map W of liftnet.api.ConvLayer, for
// the layered solver, the gradients and the column norms. Geometry, passed as ints in this order:
//   C, H, Wd: input image [C, H, Wd];  F: filters;  K: kernel side;  S: stride;  P: padding (K / 2);
//   OH, OW: output image [F, OH, OW] (ceil(H / S), ceil(Wd / S)).
// Images are flattened channel-major, (c, y, x) -> (c H + y) Wd + x; the kernel Kw[f, c, dy, dx] is row-major
// [F, C, K, K] at Kw[offW ...], the biases at bias[offB + f]. As a matrix,
//   (W z)[f, oy, ox] = sum_{c, dy, dx} Kw[f, c, dy, dx] z[c, oy S + dy - P, ox S + dx - P]   (0 outside the image)
// Operands of a batch are rows: sample b's image at A[offA + b ldA ...] (one layer of the phase layout, common.cl).
//
// Two formulations of the same products (liftnet.gpu.ConvProducts.Form): direct (one work-item per output, the
// first four kernels) and implicit GEMM (conv_gemm_*, after them: tiles of filters x output positions in local
// memory with the patches gathered as they are staged). Both use the two window maps below.

// The input coordinate that kernel offset d of output coordinate o reads, o S + d - P, or -1 outside [0, n).
DEVICE_FUNC int window_in(const int o, const int d, const int S, const int P, const int n) {
    const int i = o * S + d - P;
    return i >= 0 && i < n ? i : -1;
}

// The output coordinate whose window reads input coordinate i at kernel offset d, (i + P - d) / S when that is
// exact and inside [0, n), else -1: the inverse of window_in, for the transposed products.
DEVICE_FUNC int window_out(const int i, const int d, const int S, const int P, const int n) {
    const int t = i + P - d;
    const int o = t / S;
    return t >= 0 && o * S == t && o < n ? o : -1;
}

// Pre-activations and line-search directions: out[b, (f, oy, ox)] = (W A_b)[f, oy, ox] (+ bias[f] when useBias),
// as gemm_nt: Cout at offC with leading dimension ldC; zMode 1: also Z = Cout, zMode 2: Z = Proj_C(Cout), 0: no Z.
// Global size (ceil(F OH OW / 64) * 64, B), local size (64, 1).
__kernel void conv_forward(__global int* live, const int B, const int C, const int H, const int Wd, const int F, const int K, const int S,
                           const int P, const int OH, const int OW,
                           __global const float* A, const int offA, const int ldA,
                           __global const float* Kw, const int offW,
                           __global const float* bias, const int offB, const int useBias,
                           __global float* Cout, const int offC, const int ldC,
                           __global float* Z, const int offZ, const int ldZ, const int zMode,
                           const float lo, const float hi) {
    SKIP_IF_SETTLED(live);
    const int o = get_global_id(0);
    const int b = get_global_id(1);
    if (o < F * OH * OW && b < B) {
        const int f = o / (OH * OW);
        const int pos = o - f * OH * OW;
        const int oy = pos / OW;
        const int ox = pos - oy * OW;
        __global const float* a = A + offA + b * ldA;
        float acc = 0.0f;
        for (int c = 0; c < C; c++) {
            for (int dy = 0; dy < K; dy++) {
                const int y = window_in(oy, dy, S, P, H);
                if (y >= 0) {
                    __global const float* w = Kw + offW + ((f * C + c) * K + dy) * K;
                    __global const float* row = a + (c * H + y) * Wd;
                    for (int dx = 0; dx < K; dx++) {
                        const int x = window_in(ox, dx, S, P, Wd);
                        if (x >= 0) {
                            acc += w[dx] * row[x];
                        }
                    }
                }
            }
        }
        const float v = acc + (useBias ? bias[offB + f] : 0.0f);
        Cout[offC + b * ldC + o] = v;
        if (zMode == 1) {
            Z[offZ + b * ldZ + o] = v;
        } else if (zMode == 2) {
            Z[offZ + b * ldZ + o] = proj(v, lo, hi);
        }
    }
}

// Back-projection through W (the transposed convolution), as gemm_nn: with R = A - A2 (useA2) or A,
//   out[b, (c, y, x)] = sum_{f, dy, dx} Kw[f, c, dy, dx] R_b[f, (y + P - dy) / S, (x + P - dx) / S]
// over the (dy, dx) where both quotients are exact and inside the output image; times [Mask strictly inside C]
// when useMask (Mask has out's layout). Global size (ceil(C H Wd / 64) * 64, B), local size (64, 1).
__kernel void conv_transposed(__global int* live, const int B, const int C, const int H, const int Wd, const int F, const int K, const int S,
                           const int P, const int OH, const int OW,
                              __global const float* A, __global const float* A2, const int useA2,
                              const int offA, const int ldA,
                              __global const float* Kw, const int offW,
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
        const int row = offA + b * ldA;
        float acc = 0.0f;
        for (int dy = 0; dy < K; dy++) {
            const int oy = window_out(y, dy, S, P, OH);
            if (oy >= 0) {
                for (int dx = 0; dx < K; dx++) {
                    const int ox = window_out(x, dx, S, P, OW);
                    if (ox >= 0) {
                        for (int f = 0; f < F; f++) {
                            const int i = row + (f * OH + oy) * OW + ox;
                            const float r = useA2 ? A[i] - A2[i] : A[i];
                            acc += Kw[offW + ((f * C + c) * K + dy) * K + dx] * r;
                        }
                    }
                }
            }
        }
        const int ic = offC + b * ldC + j;
        Cout[ic] = (useMask && !inside(Mask[ic], lo, hi)) ? 0.0f : acc;
    }
}

// Weight gradient, as outer_acc: with R = U - U2 (useU2) or U, the correlation of R with the input V,
//   g[f, c, dy, dx] = alpha sum_b sum_{oy, ox} R_b[f, oy, ox] V_b[c, oy S + dy - P, ox S + dx - P]   (at G[offW ...])
//   g[f] = alpha sum_b sum_{oy, ox} R_b[f, oy, ox]                                                (at G[offB + f])
// and G = g (beta 0), G += g (beta 1) or G += g for the weights alone (beta 2, store_grad). One work-item per entry: F C K K weights, then F biases.
// Global size ceil((F C K K + F) / 64) * 64, local size 64.
__kernel void conv_weight_grad(const int B, const int C, const int H, const int Wd, const int F, const int K, const int S,
                           const int P, const int OH, const int OW,
                               __global const float* U, __global const float* U2, const int useU2,
                               const int offU, const int ldU,
                               __global const float* V, const int offV, const int ldV,
                               __global float* G, const int offW, const int offB,
                               const float alpha, const int beta) {
    const int e = get_global_id(0);
    const int weights = F * C * K * K;
    if (e < weights + F) {
        float acc = 0.0f;
        if (e < weights) {
            const int f = e / (C * K * K);
            const int rest = e - f * C * K * K;
            const int c = rest / (K * K);
            const int dy = (rest - c * K * K) / K;
            const int dx = rest - c * K * K - dy * K;
            for (int b = 0; b < B; b++) {
                const int ur = offU + b * ldU + f * OH * OW;
                const int vr = offV + b * ldV + c * H * Wd;
                for (int oy = 0; oy < OH; oy++) {
                    const int y = window_in(oy, dy, S, P, H);
                    if (y >= 0) {
                        for (int ox = 0; ox < OW; ox++) {
                            const int x = window_in(ox, dx, S, P, Wd);
                            if (x >= 0) {
                                const int iu = ur + oy * OW + ox;
                                const float r = useU2 ? U[iu] - U2[iu] : U[iu];
                                acc += r * V[vr + y * Wd + x];
                            }
                        }
                    }
                }
            }
        } else {
            const int f = e - weights;
            for (int b = 0; b < B; b++) {
                const int ur = offU + b * ldU + f * OH * OW;
                for (int pos = 0; pos < OH * OW; pos++) {
                    acc += useU2 ? U[ur + pos] - U2[ur + pos] : U[ur + pos];
                }
            }
        }
        store_grad(G, e < weights ? offW + e : offB + e - weights, e >= weights, alpha * acc, beta);
    }
}

// Column norms of a convolution: out[offC + j] = ||W[:, j]||^2 for input unit j = (c, y, x), the sum of
// Kw[f, c, dy, dx]^2 over the filters f and the kernel entries (dy, dx) whose output position
// ((y + P - dy) / S, (x + P - dx) / S) exists (exact quotients inside the output image).
// Global size ceil(C H Wd / 64) * 64, local size 64.
__kernel void conv_col_norms(const int C, const int H, const int Wd, const int F, const int K, const int S,
                           const int P, const int OH, const int OW, __global const float* Kw, const int offW,
                             __global float* out, const int offC) {
    const int j = get_global_id(0);
    if (j < C * H * Wd) {
        const int c = j / (H * Wd);
        const int pos = j - c * H * Wd;
        const int y = pos / Wd;
        const int x = pos - y * Wd;
        float s = 0.0f;
        for (int dy = 0; dy < K; dy++) {
            if (window_out(y, dy, S, P, OH) >= 0) {
                for (int dx = 0; dx < K; dx++) {
                    if (window_out(x, dx, S, P, OW) >= 0) {
                        for (int f = 0; f < F; f++) {
                            const float w = Kw[offW + ((f * C + c) * K + dy) * K + dx];
                            s += w * w;
                        }
                    }
                }
            }
        }
        out[offC + j] = s;
    }
}

// ---- implicit GEMM: the same products as tiled matrix products (block_mac, common.cl) ----
// A work-group of TS x TS work-items computes a (RB TS) x (RB TS) block of a product, RB x RB outputs per
// work-item: rows (ly + i TS) over filters or channels, columns (lx + j TS) over the batch's output positions, so
// that neighbouring work-items gather and write neighbouring pixels. Each TS-deep slice of the reduction is staged
// in local memory: the kernel slice as it lies in Kw (Xs: (RB TS) rows of TS + 1), the image slice gathered through
// the window maps (Ys: TS rows of RB TS + 1), zero outside the image. A work-item decomposes its RB columns once
// and one reduction index per slice, so the index arithmetic stays off the inner loop.
#define XS (TS + 1)
#define YS (RB * TS + 1)

// The columns m0 + lx + r TS (r < RB) that a work-item computes of a product over a batch's maps of `area` positions,
// `width` wide: each column's image start in the operand (offA + b ldA, or -1 past the M columns) and its place
// (py, px) in the map.
DEVICE_FUNC void map_columns(const int m0, const int lx, const int M, const int area, const int width,
                             const int offA, const int ldA, int row[RB], int py[RB], int px[RB]) {
    for (int r = 0; r < RB; r++) {
        const int m = m0 + lx + r * TS;
        const int b = m / area;
        const int pos = m - b * area;
        row[r] = m < M ? offA + b * ldA : -1;
        py[r] = pos / width;
        px[r] = pos - py[r] * width;
    }
}

// conv_forward's product as [F] x [C K K] times [C K K] x [B OH OW]: rows f, columns (b, oy, ox), reduction
// (c, dy, dx). Same parameters and results as conv_forward.
// Global size (ceil(B OH OW / (RB TS)) TS, ceil(F / (RB TS)) TS), local size (TS, TS).
__kernel void conv_gemm_forward(__global int* live, const int B, const int C, const int H, const int Wd, const int F, const int K,
                                const int S, const int P, const int OH, const int OW,
                                __global const float* A, const int offA, const int ldA,
                                __global const float* Kw, const int offW,
                                __global const float* bias, const int offB, const int useBias,
                                __global float* Cout, const int offC, const int ldC,
                                __global float* Z, const int offZ, const int ldZ, const int zMode,
                                const float lo, const float hi) {
    __local float Xs[RB * TS * XS];
    __local float Ys[TS * YS];
    SKIP_IF_SETTLED(live);
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int KK = K * K;
    const int CKK = C * KK;
    const int OHW = OH * OW;
    const int M = B * OHW;
    const int m0 = get_group_id(0) * RB * TS;
    const int f0 = get_group_id(1) * RB * TS;
    int row[RB];
    int oy[RB];
    int ox[RB];
    map_columns(m0, lx, M, OHW, OW, offA, ldA, row, oy, ox);
    float acc[RB][RB];
    block_zero(acc);
    for (int k0 = 0; k0 < CKK; k0 += TS) {
        const int kx = k0 + lx;
        for (int r = 0; r < RB; r++) {
            const int f = f0 + ly + r * TS;
            Xs[(ly + r * TS) * XS + lx] = (f < F && kx < CKK) ? Kw[offW + f * CKK + kx] : 0.0f;
        }
        const int ky = k0 + ly;
        const int c = ky / KK;
        const int dy = (ky - c * KK) / K;
        const int dx = ky - c * KK - dy * K;
        for (int r = 0; r < RB; r++) {
            float v = 0.0f;
            if (row[r] >= 0 && ky < CKK) {
                const int y = window_in(oy[r], dy, S, P, H);
                const int x = window_in(ox[r], dx, S, P, Wd);
                if (y >= 0 && x >= 0) {
                    v = A[row[r] + (c * H + y) * Wd + x];
                }
            }
            Ys[ly * YS + lx + r * TS] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        block_mac(acc, RB, Xs, ly, XS, 1, Ys, lx, 1, YS);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < RB; i++) {
        const int f = f0 + ly + i * TS;
        for (int j = 0; j < RB; j++) {
            const int m = m0 + lx + j * TS;
            if (f < F && m < M) {
                const int b = m / OHW;
                const int o = f * OHW + m - b * OHW;
                const float v = acc[i][j] + (useBias ? bias[offB + f] : 0.0f);
                Cout[offC + b * ldC + o] = v;
                if (zMode == 1) {
                    Z[offZ + b * ldZ + o] = v;
                } else if (zMode == 2) {
                    Z[offZ + b * ldZ + o] = proj(v, lo, hi);
                }
            }
        }
    }
}

// conv_transposed's product as [C] x [F K K] times [F K K] x [B H Wd]: rows c, columns (b, y, x), reduction
// (f, dy, dx), the residual gathered through window_out (zero where no output's window reads (y, x) at (dy, dx):
// at stride S, all but about 1 / S^2 of the reduction). Same parameters and results as conv_transposed.
// Global size (ceil(B H Wd / (RB TS)) TS, ceil(C / (RB TS)) TS), local size (TS, TS).
__kernel void conv_gemm_transposed(__global int* live, const int B, const int C, const int H, const int Wd, const int F, const int K,
                                   const int S, const int P, const int OH, const int OW,
                                   __global const float* A, __global const float* A2, const int useA2,
                                   const int offA, const int ldA,
                                   __global const float* Kw, const int offW,
                                   __global float* Cout, const int offC, const int ldC,
                                   __global const float* Mask, const int useMask, const float lo, const float hi) {
    __local float Xs[RB * TS * XS];
    __local float Ys[TS * YS];
    SKIP_IF_SETTLED(live);
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int KK = K * K;
    const int FKK = F * KK;
    const int HW = H * Wd;
    const int M = B * HW;
    const int m0 = get_group_id(0) * RB * TS;
    const int c0 = get_group_id(1) * RB * TS;
    int row[RB];
    int y[RB];
    int x[RB];
    map_columns(m0, lx, M, HW, Wd, offA, ldA, row, y, x);
    float acc[RB][RB];
    block_zero(acc);
    for (int k0 = 0; k0 < FKK; k0 += TS) {
        const int kx = k0 + lx;
        const int fx = kx / KK;
        const int tx = kx - fx * KK;
        for (int r = 0; r < RB; r++) {
            const int c = c0 + ly + r * TS;
            Xs[(ly + r * TS) * XS + lx] = (c < C && kx < FKK) ? Kw[offW + (fx * C + c) * KK + tx] : 0.0f;
        }
        const int ky = k0 + ly;
        const int f = ky / KK;
        const int dy = (ky - f * KK) / K;
        const int dx = ky - f * KK - dy * K;
        for (int r = 0; r < RB; r++) {
            float v = 0.0f;
            if (row[r] >= 0 && ky < FKK) {
                const int oy = window_out(y[r], dy, S, P, OH);
                const int ox = window_out(x[r], dx, S, P, OW);
                if (oy >= 0 && ox >= 0) {
                    const int i = row[r] + (f * OH + oy) * OW + ox;
                    v = useA2 ? A[i] - A2[i] : A[i];
                }
            }
            Ys[ly * YS + lx + r * TS] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        block_mac(acc, RB, Xs, ly, XS, 1, Ys, lx, 1, YS);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < RB; i++) {
        const int c = c0 + ly + i * TS;
        for (int j = 0; j < RB; j++) {
            const int m = m0 + lx + j * TS;
            if (c < C && m < M) {
                const int b = m / HW;
                const int ic = offC + b * ldC + c * HW + m - b * HW;
                Cout[ic] = (useMask && !inside(Mask[ic], lo, hi)) ? 0.0f : acc[i][j];
            }
        }
    }
}

// conv_weight_grad's product as [F] x [B OH OW] times [B OH OW] x [C K K + 1]: rows f, columns (c, dy, dx) and the
// bias column C K K (input 1), reduction over the batch's output positions m = (b, oy, ox). The reduction is split
// into get_num_groups(1) / ceil(F / (RB TS)) chunks of `chunk` positions (work-group row gy: chunk gy / that,
// filter block gy mod that), so that a small gradient still fills the device. One chunk: G = alpha g (beta 0) or
// G += alpha g (beta 1) as conv_weight_grad; several: chunk s's raw sums at Part[(s F + f) (C K K + 1) + j], which
// conv_grad_reduce then adds up in chunk order (no atomics: the same bits on every run).
// Global size (ceil((C K K + 1) / (RB TS)) TS, chunks ceil(F / (RB TS)) TS), local size (TS, TS).
__kernel void conv_gemm_weight_grad(const int B, const int C, const int H, const int Wd, const int F, const int K,
                                    const int S, const int P, const int OH, const int OW,
                                    __global const float* U, __global const float* U2, const int useU2,
                                    const int offU, const int ldU,
                                    __global const float* V, const int offV, const int ldV,
                                    __global float* G, const int offW, const int offB,
                                    const float alpha, const int beta,
                                    __global float* Part, const int chunk) {
    __local float Xs[RB * TS * XS];
    __local float Ys[TS * YS];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int KK = K * K;
    const int CKK = C * KK;
    const int OHW = OH * OW;
    const int M = B * OHW;
    const int fBlocks = (F + RB * TS - 1) / (RB * TS);
    const int s = get_group_id(1) / fBlocks;
    const int chunks = get_num_groups(1) / fBlocks;
    const int f0 = (get_group_id(1) - s * fBlocks) * RB * TS;
    const int j0 = get_group_id(0) * RB * TS;
    const int mBegin = s * chunk;
    const int mEnd = min(M, mBegin + chunk);
    // the columns this work-item stages: channel (-1: the bias column, -2: past it) and kernel offset
    int jc[RB];
    int jdy[RB];
    int jdx[RB];
    for (int r = 0; r < RB; r++) {
        const int j = j0 + lx + r * TS;
        const int c = j / KK;
        jc[r] = j < CKK ? c : (j == CKK ? -1 : -2);
        jdy[r] = (j - c * KK) / K;
        jdx[r] = j - c * KK - jdy[r] * K;
    }
    float acc[RB][RB];
    block_zero(acc);
    for (int mm0 = mBegin; mm0 < mEnd; mm0 += TS) {
        const int mx = mm0 + lx;
        const int bx = mx / OHW;
        const int ux = offU + bx * ldU + mx - bx * OHW;
        for (int r = 0; r < RB; r++) {
            const int f = f0 + ly + r * TS;
            float u = 0.0f;
            if (f < F && mx < mEnd) {
                const int iu = ux + f * OHW;
                u = useU2 ? U[iu] - U2[iu] : U[iu];
            }
            Xs[(ly + r * TS) * XS + lx] = u;
        }
        const int my = mm0 + ly;
        const int by = my / OHW;
        const int oy = (my - by * OHW) / OW;
        const int ox = my - by * OHW - oy * OW;
        for (int r = 0; r < RB; r++) {
            float v = 0.0f;
            if (my < mEnd) {
                if (jc[r] >= 0) {
                    const int y = window_in(oy, jdy[r], S, P, H);
                    const int x = window_in(ox, jdx[r], S, P, Wd);
                    if (y >= 0 && x >= 0) {
                        v = V[offV + by * ldV + (jc[r] * H + y) * Wd + x];
                    }
                } else if (jc[r] == -1) {
                    v = 1.0f;
                }
            }
            Ys[ly * YS + lx + r * TS] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        block_mac(acc, RB, Xs, ly, XS, 1, Ys, lx, 1, YS);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < RB; i++) {
        const int f = f0 + ly + i * TS;
        for (int j = 0; j < RB; j++) {
            const int jj = j0 + lx + j * TS;
            if (f < F && jj <= CKK) {
                if (chunks == 1) {
                    store_grad(G, jj < CKK ? offW + f * CKK + jj : offB + f, jj == CKK, alpha * acc[i][j], beta);
                } else {
                    Part[(s * F + f) * (CKK + 1) + jj] = acc[i][j];
                }
            }
        }
    }
}

// The chunks of conv_gemm_weight_grad added up: with n = F (C K K + 1) and e = f (C K K + 1) + j,
//   g = alpha sum_{s < chunks} Part[s n + e];  G[offW + f C K K + j] (j < C K K) or G[offB + f] (j = C K K)
//   = g (beta 0), += g (beta 1), or += g for weights alone (beta 2). Global size ceil(n / 64) * 64, local size 64.
__kernel void conv_grad_reduce(const int F, const int CKK, const int chunks, __global const float* Part,
                               __global float* G, const int offW, const int offB, const float alpha, const int beta) {
    const int e = get_global_id(0);
    const int n = F * (CKK + 1);
    if (e < n) {
        float sum = 0.0f;
        for (int s = 0; s < chunks; s++) {
            sum += Part[s * n + e];
        }
        const int f = e / (CKK + 1);
        const int j = e - f * (CKK + 1);
        store_grad(G, j < CKK ? offW + f * CKK + j : offB + f, j == CKK, alpha * sum, beta);
    }
}
