// conv.cl: a convolutional weight layer as the linear map W of liftnet.api.ConvLayer (direct formulation), for
// the layered solver, the gradients and the column norms. Geometry, passed as ints in this order:
//   C, H, Wd: input image [C, H, Wd];  F: filters;  K: kernel side;  S: stride;  P: padding (K / 2);
//   OH, OW: output image [F, OH, OW] (ceil(H / S), ceil(Wd / S)).
// Images are flattened channel-major, (c, y, x) -> (c H + y) Wd + x; the kernel Kw[f, c, dy, dx] is row-major
// [F, C, K, K] at Kw[offW ...], the biases at bias[offB + f]. As a matrix,
//   (W z)[f, oy, ox] = sum_{c, dy, dx} Kw[f, c, dy, dx] z[c, oy S + dy - P, ox S + dx - P]   (0 outside the image)
// Operands of a batch are rows: sample b's image at A[offA + b ldA ...] (one layer of the phase layout, common.cl).

// Pre-activations and line-search directions: out[b, (f, oy, ox)] = (W A_b)[f, oy, ox] (+ bias[f] when useBias),
// as gemm_nt: Cout at offC with leading dimension ldC; zMode 1: also Z = Cout, zMode 2: Z = Proj_C(Cout), 0: no Z.
// Global size (ceil(F OH OW / 64) * 64, B), local size (64, 1).
__kernel void conv_forward(const int B, const int C, const int H, const int Wd, const int F, const int K, const int S,
                           const int P, const int OH, const int OW,
                           __global const float* A, const int offA, const int ldA,
                           __global const float* Kw, const int offW,
                           __global const float* bias, const int offB, const int useBias,
                           __global float* Cout, const int offC, const int ldC,
                           __global float* Z, const int offZ, const int ldZ, const int zMode,
                           const float lo, const float hi) {
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
                const int y = oy * S + dy - P;
                if (y >= 0 && y < H) {
                    __global const float* w = Kw + offW + ((f * C + c) * K + dy) * K;
                    __global const float* row = a + (c * H + y) * Wd;
                    for (int dx = 0; dx < K; dx++) {
                        const int x = ox * S + dx - P;
                        if (x >= 0 && x < Wd) {
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
__kernel void conv_transposed(const int B, const int C, const int H, const int Wd, const int F, const int K, const int S,
                           const int P, const int OH, const int OW,
                              __global const float* A, __global const float* A2, const int useA2,
                              const int offA, const int ldA,
                              __global const float* Kw, const int offW,
                              __global float* Cout, const int offC, const int ldC,
                              __global const float* Mask, const int useMask, const float lo, const float hi) {
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
            const int ty = y + P - dy;
            const int oy = ty / S;
            if (ty >= 0 && oy * S == ty && oy < OH) {
                for (int dx = 0; dx < K; dx++) {
                    const int tx = x + P - dx;
                    const int ox = tx / S;
                    if (tx >= 0 && ox * S == tx && ox < OW) {
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
// and G = g (beta 0) or G += g (beta 1). One work-item per entry: F C K K weights, then F biases.
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
                    const int y = oy * S + dy - P;
                    if (y >= 0 && y < H) {
                        for (int ox = 0; ox < OW; ox++) {
                            const int x = ox * S + dx - P;
                            if (x >= 0 && x < Wd) {
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
        const int ig = e < weights ? offW + e : offB + e - weights;
        const float g = alpha * acc;
        G[ig] = beta ? G[ig] + g : g;
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
            const int ty = y + P - dy;
            const int oy = ty / S;
            if (ty >= 0 && oy * S == ty && oy < OH) {
                for (int dx = 0; dx < K; dx++) {
                    const int tx = x + P - dx;
                    const int ox = tx / S;
                    if (tx >= 0 && ox * S == tx && ox < OW) {
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
