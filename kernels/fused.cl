// fused.cl: a whole phase inference in one launch. One work-group per sample holds the sample's
// activations z_1..z_L and pre-activations a_1..a_L in local memory and runs every red-black Jacobi
// sweep there (the same steps as solver.cl, see there for the formulas), so a phase costs one launch
// instead of sweeps x layers x 5. Used when the layers fit in local memory (liftnet.gpu.GpuEngine decides).
//
// Written with few barrier sites and none inside data-dependent branches: PoCL's compile time grows
// quickly with the number of barriers inside loops.
//
// Dynamic local memory, in floats: zl[N] al[N] delta[maxH] d[maxW] red[REDUCE2_FLOATS(local size)].

// sum_i W[i, j] (z_{k+1} - a_{k+1})_i for one column j of W_k ([m x n], row-major).
DEVICE_FUNC float fused_q(__global const float* W, const int n, const int m, const int j,
                          LOCAL_PTR const float* z1, LOCAL_PTR const float* a1) {
    float q = 0.0f;
    for (int i = 0; i < m; i++) {
        q += W[i * n + j] * (z1[i] - a1[i]);
    }
    return q;
}

// This work-item's share of the energy (returned) and of the KKT residual (*r, when withKkt).
DEVICE_FUNC float fused_eval(__global const int* shape, const int L, __global const float* P,
                             LOCAL_PTR const float* zl, LOCAL_PTR const float* al,
                             const float gamma, const float lo, const float hi, const int freeOutput,
                             const int withKkt, float* r) {
    const int lid = get_local_id(0);
    const int wgs = get_local_size(0);
    float e = 0.0f;
    float res = 0.0f;
    float w = 1.0f;
    for (int k = 1; k <= L; k++) {
        const int n = NW(k);
        const int off = ZOFF(k);
        for (int j = lid; j < n; j += wgs) {
            const float d = zl[off + j] - al[off + j];
            e += 0.5f * w * d * d;
            if (withKkt) {
                if (k < L) {
                    const float q = fused_q(P + WOFF(k), n, NW(k + 1), j, zl + ZOFF(k + 1), al + ZOFF(k + 1));
                    const float g = w * (d - gamma * q);
                    res = fmax(res, fabs(zl[off + j] - proj(zl[off + j] - g, lo, hi)));
                } else if (freeOutput) {
                    res = fmax(res, fabs(w * d));
                }
            }
        }
        w *= gamma;
    }
    *r = res;
    return e;
}

// Runs one phase for sample b = group id: loads (zsrc, asrc) (the forward pass), sets the output
// (free: z_L = a_L; clamped: z_L = onehot(y_b)), runs up to maxSweeps red-black sweeps (odd hidden layers,
// then even ones, then z_L = a_L in the free phase) under the stopping rule, and writes z, a, the energy
// E[b], the sweeps run sweeps[b] and the final KKT residual R[b].
// Global size (B * local size), local size a power of two <= 1024.
__kernel void fused_solve(__global const int* shape, const int L, const int N, const int maxH, const int maxW,
                          __global const float* P, __global const float* cn,
                          __global const float* zsrc, __global const float* asrc,
                          __global float* zdst, __global float* adst,
                          __global const int* y, const int clamped,
                          const float gamma, const float lo, const float hi,
                          const int maxSweeps, const int rule, const float tol,
                          __global float* E, __global int* sweeps, __global float* R
                          DYN_LOCAL_PARAM(lm)) {
    DYN_LOCAL_DECL(lm);
    LOCAL_PTR float* zl = lm;
    LOCAL_PTR float* al = lm + N;
    LOCAL_PTR float* dl = lm + 2 * N;
    LOCAL_PTR float* el = dl + maxH;
    LOCAL_PTR float* red = el + maxW;
    const int b = get_group_id(0);
    const int lid = get_local_id(0);
    const int wgs = get_local_size(0);
    const int row = b * N;
    const int offL = ZOFF(L);
    const int label = y[b];
    for (int e = lid; e < N; e += wgs) {
        const int j = e - offL;
        al[e] = asrc[row + e];
        zl[e] = j < 0 ? zsrc[row + e] : (clamped ? (j == label ? 1.0f : 0.0f) : al[e]);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float energy = 0.0f;
    float decrease = 0.0f;
    float resid = 0.0f;
    int s = 0;
    for (;;) {
        // The energy rule needs the starting energy (then follows the line searches' decreases), the KKT rule
        // the residual of every iterate: one reduction site.
        if ((s == 0 && rule == STOP_ENERGY) || rule == STOP_KKT) {
            float rpart;
            const float epart = fused_eval(shape, L, P, zl, al, gamma, lo, hi, !clamped, rule == STOP_KKT, &rpart);
            group_reduce2(red, epart, rpart, 1, &energy, &resid);
        }
        int done = s == maxSweeps;
        if (s > 0 && rule == STOP_ENERGY) {
            energy -= decrease;
            done = done || decrease <= tol * fmax(energy, TINY_ENERGY);
        } else if (rule == STOP_KKT) {
            done = done || resid <= tol;
        }
        if (done) {
            break;
        }
        decrease = 0.0f;
        // One sweep: odd hidden layers, then even ones; each a Jacobi step with exact line search.
        for (int t = 0; t < L - 1; t++) {
            const int nOdd = L / 2;
            const int k = t < nOdd ? 1 + 2 * t : 2 + 2 * (t - nOdd);
            const int n = NW(k);
            const int m = NW(k + 1);
            __global const float* W = P + WOFF(k);
            __global const float* c = cn + COFF(k);
            LOCAL_PTR float* z = zl + ZOFF(k);
            LOCAL_PTR float* a = al + ZOFF(k);
            LOCAL_PTR float* z1 = zl + ZOFF(k + 1);
            LOCAL_PTR float* a1 = al + ZOFF(k + 1);
            float sl = 0.0f;
            float dd = 0.0f;
            for (int j = lid; j < n; j += wgs) {
                const float q = fused_q(W, n, m, j, z1, a1);
                const float gc = gamma * c[j];
                const float zj = z[j];
                const float aj = a[j];
                const float dj = proj((aj + gamma * q + gc * zj) / (1.0f + gc), lo, hi) - zj;
                dl[j] = dj;
                sl += (zj - aj - gamma * q) * dj;
                dd += dj * dj;
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            for (int i = lid; i < m; i += wgs) {
                __global const float* wr = W + i * n;
                float di = 0.0f;
                for (int j = 0; j < n; j++) {
                    di += wr[j] * dl[j];
                }
                el[i] = di;
                dd += gamma * di * di;
            }
            float slope;
            float curv;
            group_reduce2(red, sl, dd, 0, &slope, &curv);
            const float step = curv > 0.0f ? fmin(1.0f, fmax(0.0f, -slope / curv)) : 0.0f;
            decrease -= term_weight(gamma, k) * (step * slope + 0.5f * step * step * curv);
            for (int j = lid; j < n; j += wgs) {
                z[j] += step * dl[j];
            }
            for (int i = lid; i < m; i += wgs) {
                a1[i] += step * el[i];
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (!clamped) {
            for (int j = lid; j < NW(L); j += wgs) {
                zl[offL + j] = al[offL + j];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        s++;
    }
    // Final energy and KKT residual (the residual is always reported).
    float rpart;
    const float epart = fused_eval(shape, L, P, zl, al, gamma, lo, hi, !clamped, 1, &rpart);
    group_reduce2(red, epart, rpart, 1, &energy, &resid);
    for (int i = lid; i < N; i += wgs) {
        zdst[row + i] = zl[i];
        adst[row + i] = al[i];
    }
    if (lid == 0) {
        E[b] = energy;
        sweeps[b] = s;
        R[b] = resid;
    }
}
