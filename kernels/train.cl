// train.cl: batch selection, parameter-side kernels (column norms, SGD) and the metrics that stay on
// the device until the host drains them once per epoch.

// x[b, i] = inputs[s * n0 + i], y[b] = labels[s] with s = order[from + b]. Global size (ceil(n0 / 16) * 16, B).
__kernel void gather(const int B, const int n0, __global const int* order, const int from,
                     __global const float* inputs, __global const int* labels,
                     __global float* x, __global int* y) {
    const int i = get_global_id(0);
    const int b = get_global_id(1);
    if (b < B && i < n0) {
        const int s = order[from + b];
        x[b * n0 + i] = inputs[s * n0 + i];
        if (i == 0) {
            y[b] = labels[s];
        }
    }
}

// Symmetric nudging's phase difference: out[off + b ld + j] = A[off + b ld + j] - A2[off + b ld + j] for b < B,
// j < n. Global size (ceil(n / 16) * 16, B).
__kernel void difference(const int B, const int n, __global const float* A, __global const float* A2, const int off,
                         const int ld, __global float* out) {
    const int j = get_global_id(0);
    const int b = get_global_id(1);
    if (b < B && j < n) {
        const int i = off + b * ld + j;
        out[i] = A[i] - A2[i];
    }
}

// Column norms of the dense hidden layers: c[COFF(k) + j] = ||W_k[:, j]||^2 for k = firstDense..L-1 (k >= 1),
// j < n_k (W_k [n_{k+1} x n_k] at P[WOFF(k)]); the layers below firstDense are convolutions (conv_col_norms).
// Global size >= n_1 + ... + n_{L-1}.
__kernel void col_norms(__global const int* shape, const int L, __global const float* P, __global float* c,
                        const int firstDense) {
    int j = get_global_id(0);
    for (int k = 1; k < L; k++) {
        const int n = NW(k);
        if (k >= firstDense && j >= 0 && j < n) {
            const int m = NW(k + 1);
            __global const float* W = P + WOFF(k);
            float s = 0.0f;
            for (int i = 0; i < m; i++) {
                s += W[i * n + j] * W[i * n + j];
            }
            c[COFF(k) + j] = s;
        }
        j -= n;
    }
}

// Output error of the loss 1/2 ||z_L - y||^2: delta[i] = z_L[i] - onehot(y)[i] at the output layer's
// place of the phase layout. Global size (ceil(n / 16) * 16, B).
__kernel void output_delta(const int B, const int n, const int off, const int ld,
                           __global const float* z, __global const int* y, __global float* delta) {
    const int j = get_global_id(0);
    const int b = get_global_id(1);
    if (j < n && b < B) {
        const int i = b * ld + off + j;
        delta[i] = z[i] - (j == y[b] ? 1.0f : 0.0f);
    }
}

// Modes of grad_update (bits; liftnet.gpu.GradientUpdate mirrors them).
#define GRAD_COMPUTE 1
#define GRAD_APPLY 2
// Update rules of grad_update (the ordinals of liftnet.api.OptimizerConfig.Kind).
#define RULE_SGD 0
#define RULE_MOMENTUM 1
#define RULE_ADAM 2

// The gradient and the SGD update of every layer in one launch, one TS x TS work-group per tile of
// [G_k | g_k] ([rows_k x (cols_k + 1)], the bias as the last column); tiles[k] is the first tile of layer k
// (tiles[L] = their number), tiles row-major within a layer; tiles[L + 1 + k] = cols_k and tiles[2L + 1 + k] =
// rows_k: n_k and n_{k+1} for a dense layer, C K K and F for a convolution (whose kernel [F, C, K, K] is a
// row-major [F x C K K] matrix). GRAD_COMPUTE is for nets of dense layers only (a convolution's gradient comes
// from conv_weight_grad, then GRAD_APPLY).
//  - GRAD_COMPUTE: G_k = s gamma^k / B sum_b (-lambda^c_{k+1} [z^c_k 1]^T + [useFree] lambda^f_{k+1} [z^f_k 1]^T) with
//    lambda = z - a at the clamped (zc, ac) and the second phase's (zf, af) activations, z_0 = x: useFree 0 the lifted
//    gradient (s = 1, no second phase), 1 the contrastive one (s = 1, the free phase), 2 symmetric nudging's (s = 1/2,
//    the negative phase as the second) summed from the phases' difference dz = zf - zc: with q[ZOFF(k + 1)] = W_k dz_k
//    (k >= 1, liftnet.gpu.GradientUpdate#symmetricGradient), dl = lambda^c - lambda^f = q - dz_{k+1} (dz_0 = 0) and
//    G_k = -s gamma^k / B sum_b (dl [z^c_k 1]^T - lambda^f_{k+1} [dz_k 0]^T): the residuals' difference would keep
//    each phase's rounding of W_k z_k (Engine#computeGradient).
//  - GRAD_APPLY: the update of rule (G from this launch, else as it is in G) with eta = R[row + k] (layer k's rate
//    this step), c1 = R[row + L] = 1 - b1^t, c2 = R[row + L + 1] = 1 - b2^t (liftnet.gpu.StepRates):
//      RULE_SGD:      P -= eta G
//      RULE_MOMENTUM: M = b1 M + G;  P -= eta M                                    (b1 is mu)
//      RULE_ADAM:     M = b1 M + (1 - b1) G;  V = b2 V + (1 - b2) G^2;  P -= eta (M / c1) / (sqrt(V / c2) + eps)
//    with the non-finite guard: each element with a finite gradient keeps its old values in Pold (Mold, Vold) and
//    is updated; non-finite ones count in ctl[0] and stay. The last work-group to finish (ctl[1] counts arrivals)
//    restores P (M, V) from the old values when any gradient was not finite, so such an update is not applied at
//    all, and keeps the counters as check_gradient did:
//    I[4 + H] counts updates, I[5 + H] is the index of the first non-finite one (-1: none). ctl returns to 0.
// Global size (tiles[L] * TS, TS), local size (TS, TS).
__kernel void grad_update(__global const int* shape, const int L, const int N, __global const int* tiles,
                          const int B, const int mode, __global const float* x,
                          __global const float* zc, __global const float* ac,
                          __global const float* zf, __global const float* af, const int useFree,
                          __global const float* q, const float gamma, __global float* G, __global float* P, __global float* Pold,
                          __global const float* R, const int row, const int rule, const float b1, const float b2,
                          const float eps, __global float* M, __global float* V, __global float* Mold,
                          __global float* Vold, __global int* ctl, const int H, __global int* I) {
    __local float Uc[TS][TS + 1];
    __local float Vc[TS][TS + 1];
    __local float Uf[TS][TS + 1];
    __local float Vf[TS][TS + 1];
    __local int badL;
    __local int last;
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int g = get_group_id(0);
    int k = 0;
    while (k + 1 < L && tiles[k + 1] <= g) {
        k++;
    }
    const int nIn = tiles[L + 1 + k];
    const int nOut = tiles[2 * L + 1 + k];
    const int tilesX = (nIn + 1 + TS - 1) / TS;
    const int c0 = ((g - tiles[k]) % tilesX) * TS;
    const int o0 = ((g - tiles[k]) / tilesX) * TS;
    const int o = o0 + ly;
    const int c = c0 + lx;
    const int inside = o < nOut && c <= nIn;
    const int ig = c < nIn ? WOFF(k) + o * nIn + c : BOFF(k) + o;
    if (lx == 0 && ly == 0) {
        badL = 0;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float grad = 0.0f;
    if (mode & GRAD_COMPUTE) {
        const int offU = ZOFF(k + 1);
        const int offV = k == 0 ? 0 : ZOFF(k);
        const int ldV = k == 0 ? nIn : N;
        __global const float* vc = k == 0 ? x : zc;
        __global const float* vf = k == 0 ? x : zf;
        float acc = 0.0f;
        for (int b0 = 0; b0 < B; b0 += TS) {
            const int b = b0 + ly;
            const int ou = o0 + lx;
            const int iu = b * N + offU + ou;
            const int ok = b < B && ou < nOut;
            const int iv = b * ldV + offV + c;
            if (useFree == 2) { // the difference form: Uc = dl = (k > 0 ? q : 0) - (zf - zc), Vf = dz_k = zf - zc, no bias
                Uc[ly][lx] = ok ? (k > 0 ? q[iu] : 0.0f) - (zf[iu] - zc[iu]) : 0.0f;
                Vf[ly][lx] = b < B && k > 0 && c < nIn ? zf[iv] - zc[iv] : 0.0f;
            } else {
                Uc[ly][lx] = ok ? zc[iu] - ac[iu] : 0.0f;
                Vf[ly][lx] = b < B && useFree ? (c < nIn ? vf[iv] : (c == nIn ? 1.0f : 0.0f)) : 0.0f;
            }
            Uf[ly][lx] = ok && useFree ? zf[iu] - af[iu] : 0.0f;
            Vc[ly][lx] = b < B ? (c < nIn ? vc[iv] : (c == nIn ? 1.0f : 0.0f)) : 0.0f;
            barrier(CLK_LOCAL_MEM_FENCE);
            for (int bb = 0; bb < TS; bb++) {
                acc += Uf[bb][ly] * Vf[bb][lx] - Uc[bb][ly] * Vc[bb][lx];
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        grad = (useFree == 2 ? 0.5f : 1.0f) * term_weight(gamma, k + 1) / B * acc;
        if (inside) {
            G[ig] = grad;
        }
    } else if (inside) {
        grad = G[ig];
    }
    if (mode & GRAD_APPLY) {
        if (inside) {
            if (isfinite(grad)) {
                const float p = P[ig];
                Pold[ig] = p;
                float step = grad;
                if (rule == RULE_MOMENTUM) {
                    const float m = M[ig];
                    Mold[ig] = m;
                    step = b1 * m + grad;
                    M[ig] = step;
                } else if (rule == RULE_ADAM) {
                    const float m0 = M[ig];
                    const float v0 = V[ig];
                    Mold[ig] = m0;
                    Vold[ig] = v0;
                    const float m = b1 * m0 + (1.0f - b1) * grad;
                    const float v = b2 * v0 + (1.0f - b2) * grad * grad;
                    M[ig] = m;
                    V[ig] = v;
                    step = (m / R[row + L]) / (sqrt(v / R[row + L + 1]) + eps);
                }
                P[ig] = p - R[row + k] * step;
            } else {
                atomic_add(&badL, 1);
            }
        }
        // Publish this group's writes before counting it as arrived (the threadfence-reduction pattern).
        mem_fence(CLK_GLOBAL_MEM_FENCE);
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        if (lx == 0 && ly == 0) {
            if (badL != 0) {
                atomic_add(&ctl[0], badL);
            }
            mem_fence(CLK_GLOBAL_MEM_FENCE);
            last = atomic_inc(&ctl[1]) == get_num_groups(0) - 1;
            // Every other group has counted its non-finite gradients before arriving.
            badL = last ? atomic_add(&ctl[0], 0) : 0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (last) {
            mem_fence(CLK_GLOBAL_MEM_FENCE);
            if (badL != 0) {
                const int count = BOFF(L - 1) + NW(L);
                for (int i = ly * TS + lx; i < count; i += TS * TS) {
                    if (isfinite(G[i])) {
                        P[i] = Pold[i];
                        if (rule != RULE_SGD) {
                            M[i] = Mold[i];
                        }
                        if (rule == RULE_ADAM) {
                            V[i] = Vold[i];
                        }
                    }
                }
            }
            if (lx == 0 && ly == 0) {
                if (badL != 0 && I[5 + H] < 0) {
                    I[5 + H] = I[4 + H];
                }
                I[4 + H] += 1;
                ctl[0] = 0;
                ctl[1] = 0;
            }
        }
    }
}

// Float-float (double-float) arithmetic for the epoch's energy sums: a sum is hi + lo with |lo| <= ulp(hi)/2,
// about 48 significant bits from float operations only (Knuth's TwoSum; the compilers used do not reassociate).
DEVICE_FUNC void ff_add(float* hi, float* lo, const float bhi, const float blo) {
    const float s = *hi + bhi;
    const float v = s - *hi;
    float e = (*hi - (s - v)) + (bhi - v);
    e += *lo + blo;
    const float h = s + e;
    *lo = e - (h - s);
    *hi = h;
}

// Float-float sum of v over the work-group into (S[i], S[i + 1]). red: 2 floats per work-item.
DEVICE_FUNC void group_ff_accumulate(LOCAL_PTR float* red, const float hi, const float lo, __global float* S, const int i) {
    const int lid = get_local_id(0);
    red[2 * lid] = hi;
    red[2 * lid + 1] = lo;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
        float h = S[i];
        float l = S[i + 1];
        for (int t = 0; t < get_local_size(0); t++) {
            ff_add(&h, &l, red[2 * t], red[2 * t + 1]);
        }
        S[i] = h;
        S[i + 1] = l;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

// Metrics of one batch, added to the device-side counters by a single work-group (no atomics):
//   I[0] samples, I[1] correct (argmax of z_L == y), I[4 + k - 1] units of hidden layer k strictly inside C;
//   F[0..1] free energy sum, F[2..3] clamped energy sum (float-float: hi, lo).
// Launch one work-group (power-of-two size); dynamic local memory: two floats per work-item.
__kernel void metrics(const int B, __global const int* shape, const int L, const int ld,
                      __global const float* z, __global const int* y, const float lo, const float hi,
                      __global const float* Efree, const int hasFree,
                      __global const float* Eclamped, const int hasClamped,
                      __global int* I, __global float* F
                      DYN_LOCAL_PARAM(red)) {
    DYN_LOCAL_DECL(red);
    const int lid = get_local_id(0);
    const int wgs = get_local_size(0);
    const int offL = ZOFF(L);
    const int nL = NW(L);
    int correct = 0;
    float efh = 0.0f;
    float efl = 0.0f;
    float ech = 0.0f;
    float ecl = 0.0f;
    for (int b = lid; b < B; b += wgs) {
        const int row = b * ld + offL;
        int best = 0;
        float bv = z[row];
        for (int j = 1; j < nL; j++) {
            if (z[row + j] > bv) {
                bv = z[row + j];
                best = j;
            }
        }
        correct += best == y[b] ? 1 : 0;
        if (hasFree) {
            ff_add(&efh, &efl, Efree[b], 0.0f);
        }
        if (hasClamped) {
            ff_add(&ech, &ecl, Eclamped[b], 0.0f);
        }
    }
    correct = group_sum_int(red, correct);
    group_ff_accumulate(red, efh, efl, F, 0);
    group_ff_accumulate(red, ech, ecl, F, 2);
    if (lid == 0) {
        I[0] += B;
        I[1] += correct;
    }
    for (int k = 1; k < L; k++) {
        const int n = NW(k);
        const int off = ZOFF(k);
        int cnt = 0;
        for (int e = lid; e < B * n; e += wgs) {
            const int b = e / n;
            cnt += inside(z[b * ld + off + e - b * n], lo, hi);
        }
        cnt = group_sum_int(red, cnt);
        if (lid == 0) {
            I[4 + k - 1] += cnt;
        }
    }
}

// Solver statistics of one inference of B samples: I[2] += B (sample inferences), I[3] += sum_b sweeps[b],
// F[4] = max(F[4], max_b R[b]).
// Launch one work-group (power-of-two size); dynamic local memory: one float per work-item.
__kernel void solver_stats(const int B, __global const int* sweeps, __global const float* R,
                           __global int* I, __global float* F
                           DYN_LOCAL_PARAM(red)) {
    DYN_LOCAL_DECL(red);
    int s = 0;
    float r = 0.0f;
    for (int b = get_local_id(0); b < B; b += get_local_size(0)) {
        s += sweeps[b];
        r = fmax(r, R[b]);
    }
    s = group_sum_int(red, s);
    r = group_max(red, r);
    if (get_local_id(0) == 0) {
        I[2] += B;
        I[3] += s;
        F[4] = fmax(F[4], r);
    }
}
