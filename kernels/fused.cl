// fused.cl: whole phases in one launch, one work-group per sample, the sample's activations z_1..z_L and
// pre-activations a_1..a_L in local memory; every red-black Jacobi sweep runs there (the same steps as
// solver.cl, see there for the formulas), so a phase costs one launch instead of sweeps x layers x 5.
//   fused_solve: one phase, weights read from global memory (nets whose weights do not fit in local memory);
//   fused_step:  the paper's step for one sample: gather, forward pass, free and clamped inference (and with
//                symmetric nudging the negative phase), with the hidden weights W_1..W_{L-1} (and biases) staged in
//                local memory once per work-group.
// liftnet.gpu.GpuEngine decides which runs. The sweep code is written once (FUSED_SWEEPS_BODY) and
// instantiated for weights in global and in local memory (OpenCL 1.2 has no generic address space).
//
// Written with few barrier sites and none inside data-dependent branches: PoCL's compile time grows
// quickly with the number of barriers inside loops.

// sum_i W[i, j] (z_{k+1} - a_{k+1})_i for one column j of W_k ([m x n], row-major, rows ld apart).
#define FUSED_Q_BODY                                         \
    float q = 0.0f;                                          \
    for (int i = 0; i < m; i++) {                            \
        q += W[i * ld + j] * (z1[i] - a1[i]);                \
    }                                                        \
    return q;

DEVICE_FUNC float fused_q_global(__global const float* W, const int ld, const int m, const int j,
                                 LOCAL_PTR const float* z1, LOCAL_PTR const float* a1) {
    FUSED_Q_BODY
}

DEVICE_FUNC float fused_q_local(LOCAL_PTR const float* W, const int ld, const int m, const int j,
                                LOCAL_PTR const float* z1, LOCAL_PTR const float* a1) {
    FUSED_Q_BODY
}

// Where fused_step stages W_k (k = 1..L-1) in local memory: layer after layer, each as m rows of n + 1 floats (the
// pad keeps a work-item per row off one bank) followed by b_k. The offset of W_k, and the floats of them all (k = L).
DEVICE_FUNC int staged_offset(__global const int* shape, const int L, const int k) {
    int off = 0;
    for (int t = 1; t < k; t++) {
        off += NW(t + 1) * (NW(t) + 2);
    }
    return off;
}

// Weight layout of the sweeps: W_k at Wb + WOFF(k), rows n_k apart (global), or as staged_offset (local, padded).
#define W_OFFSET(k) (padded ? staged_offset(shape, L, (k)) : WOFF(k))
#define W_LD(k) (NW(k) + padded)

// This work-item's share of the energy (returned) and of the KKT residual (*r, when withKkt). W_k as W_OFFSET.
// A soft-clamped output (a nudged phase, nudge 1 or -1 as in common.cl, CLAMP_KIND not hard) adds beta l(z_L, label)
// (work-item 0) and its KKT gradient gamma^{L-1} (z_L - a_L) + beta grad l, with beta = NUDGED_BETA(nudge).
#define FUSED_EVAL_BODY(Q, LSE, LOSS)                                                                  \
    const int lid = get_local_id(0);                                                                   \
    const int wgs = get_local_size(0);                                                                 \
    const int freeOutput = nudge == 0;                                                                 \
    const int kind = freeOutput ? CLAMP_HARD : CLAMP_KIND;                                             \
    const float beta = NUDGED_BETA(nudge);                                                             \
    const float lse = kind == CLAMP_CROSS_ENTROPY ? LSE(zl + ZOFF(L), NW(L)) : 0.0f;                   \
    float e = lid == 0 && kind != CLAMP_HARD ? LOSS(zl + ZOFF(L), NW(L), label, kind, beta) : 0.0f;    \
    float res = 0.0f;                                                                                  \
    float w = 1.0f;                                                                                    \
    for (int k = 1; k <= L; k++) {                                                                     \
        const int n = NW(k);                                                                           \
        const int off = ZOFF(k);                                                                       \
        for (int j = lid; j < n; j += wgs) {                                                           \
            const float d = zl[off + j] - al[off + j];                                                 \
            e += 0.5f * w * d * d;                                                                     \
            if (withKkt) {                                                                             \
                if (k < L) {                                                                           \
                    const float q = Q(Wb + W_OFFSET(k), W_LD(k), NW(k + 1), j, zl + ZOFF(k + 1), al + ZOFF(k + 1)); \
                    const float g = w * (d - gamma * q);                                               \
                    res = fmax(res, fabs(zl[off + j] - proj(zl[off + j] - g, lo, hi)));                \
                } else if (freeOutput) {                                                               \
                    res = fmax(res, fabs(w * d));                                                      \
                } else if (kind != CLAMP_HARD) {                                                       \
                    res = fmax(res, fabs(w * d + output_loss_grad(kind, beta, zl[off + j], j, label, lse))); \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
        w *= gamma;                                                                                    \
    }                                                                                                  \
    *r = res;                                                                                          \
    return e;

DEVICE_FUNC float fused_eval_global(__global const int* shape, const int L, __global const float* Wb, const int padded,
                                    LOCAL_PTR const float* zl, LOCAL_PTR const float* al,
                                    const float gamma, const float lo, const float hi, const int nudge,
                                    const int label, const int withKkt, float* r) {
    FUSED_EVAL_BODY(fused_q_global, output_lse_local, output_loss_local)
}

DEVICE_FUNC float fused_eval_local(__global const int* shape, const int L, LOCAL_PTR const float* Wb, const int padded,
                                   LOCAL_PTR const float* zl, LOCAL_PTR const float* al,
                                   const float gamma, const float lo, const float hi, const int nudge,
                                   const int label, const int withKkt, float* r) {
    FUSED_EVAL_BODY(fused_q_local, output_lse_local, output_loss_local)
}

// Runs up to maxSweeps red-black sweeps (odd hidden layers, then even ones, then z_L = a_L in the free phase (nudge 0),
// or z_L = the soft clamp's prox at a_L with NUDGED_BETA(nudge) in a nudged phase) on (zl, al) under the stopping rule; the output layer
// must already be set (soft clamp: to its warm start; the prox runs first). Returns the final energy, KKT
// residual and sweeps run through the pointers (every work-item gets them). W_k as W_OFFSET, its column norms at
// cn + COFF(k). Scratch: dl[maxH], el[maxW], red[REDUCE2_FLOATS(local size)].
#define FUSED_SWEEPS_BODY(Q, EVAL)                                                                     \
    const int lid = get_local_id(0);                                                                   \
    const int wgs = get_local_size(0);                                                                 \
    const int offL = ZOFF(L);                                                                          \
    float energy = 0.0f;                                                                               \
    float decrease = 0.0f;                                                                             \
    float resid = 0.0f;                                                                                \
    int s = 0;                                                                                         \
    const int softKind = nudge ? CLAMP_KIND : CLAMP_HARD;                                              \
    const float gTop = term_weight(gamma, L);                                                          \
    const float beta = NUDGED_BETA(nudge);                                                             \
    if (softKind != CLAMP_HARD && lid == 0) {                                                          \
        output_prox_local(zl + offL, al + offL, NW(L), label, gTop, softKind, beta);                   \
    }                                                                                                  \
    barrier(CLK_LOCAL_MEM_FENCE);                                                                      \
    for (;;) {                                                                                         \
        /* The energy rule needs the starting energy (then follows the line searches' decreases), */   \
        /* the KKT rule the residual of every iterate: one reduction site. */                          \
        if ((s == 0 && rule == STOP_ENERGY) || rule == STOP_KKT) {                                     \
            float rpart;                                                                               \
            const float epart = EVAL(shape, L, Wb, padded, zl, al, gamma, lo, hi, nudge, label, rule == STOP_KKT, &rpart); \
            group_reduce2(red, epart, rpart, 1, &energy, &resid);                                      \
        }                                                                                              \
        if (s > 0 && softKind != CLAMP_HARD) {                                                         \
            decrease += el[0];                                                                         \
        }                                                                                              \
        int done = s == maxSweeps;                                                                     \
        if (s > 0 && rule == STOP_ENERGY) {                                                            \
            energy -= decrease;                                                                        \
            done = done || decrease <= tol * fmax(energy, TINY_ENERGY);                                \
        } else if (rule == STOP_KKT) {                                                                 \
            done = done || resid <= tol;                                                               \
        }                                                                                              \
        if (done) {                                                                                    \
            break;                                                                                     \
        }                                                                                              \
        decrease = 0.0f;                                                                               \
        for (int t = 0; t < L - 1; t++) {                                                              \
            const int nOdd = L / 2;                                                                    \
            const int k = t < nOdd ? 1 + 2 * t : 2 + 2 * (t - nOdd);                                   \
            const int n = NW(k);                                                                       \
            const int m = NW(k + 1);                                                                   \
            const int woff = W_OFFSET(k);                                                              \
            const int ld = W_LD(k);                                                                    \
            const int coff = COFF(k);                                                                  \
            LOCAL_PTR float* z = zl + ZOFF(k);                                                         \
            LOCAL_PTR float* a = al + ZOFF(k);                                                         \
            LOCAL_PTR float* z1 = zl + ZOFF(k + 1);                                                    \
            LOCAL_PTR float* a1 = al + ZOFF(k + 1);                                                    \
            float sl = 0.0f;                                                                           \
            float dd = 0.0f;                                                                           \
            for (int j = lid; j < n; j += wgs) {                                                       \
                const float q = Q(Wb + woff, ld, m, j, z1, a1);                                        \
                const float gc = gamma * cn[coff + j];                                                 \
                const float zj = z[j];                                                                 \
                const float aj = a[j];                                                                 \
                const float dj = proj((aj + gamma * q + gc * zj) / (1.0f + gc), lo, hi) - zj;          \
                dl[j] = dj;                                                                            \
                sl += (zj - aj - gamma * q) * dj;                                                      \
                dd += dj * dj;                                                                         \
            }                                                                                          \
            barrier(CLK_LOCAL_MEM_FENCE);                                                              \
            for (int i = lid; i < m; i += wgs) {                                                       \
                float di = 0.0f;                                                                       \
                for (int j = 0; j < n; j++) {                                                          \
                    di += Wb[woff + i * ld + j] * dl[j];                                               \
                }                                                                                      \
                el[i] = di;                                                                            \
                dd += gamma * di * di;                                                                 \
            }                                                                                          \
            float slope;                                                                               \
            float curv;                                                                                \
            group_reduce2(red, sl, dd, 0, &slope, &curv);                                              \
            const float step = curv > 0.0f ? fmin(1.0f, fmax(0.0f, -slope / curv)) : 0.0f;             \
            decrease -= term_weight(gamma, k) * (step * slope + 0.5f * step * step * curv);            \
            for (int j = lid; j < n; j += wgs) {                                                       \
                z[j] += step * dl[j];                                                                  \
            }                                                                                          \
            for (int i = lid; i < m; i += wgs) {                                                       \
                a1[i] += step * el[i];                                                                 \
            }                                                                                          \
            barrier(CLK_LOCAL_MEM_FENCE);                                                              \
        }                                                                                              \
        if (!nudge) {                                                                                  \
            for (int j = lid; j < NW(L); j += wgs) {                                                   \
                zl[offL + j] = al[offL + j];                                                           \
            }                                                                                          \
        } else if (softKind != CLAMP_HARD && lid == 0) {                                               \
            /* The prox's decrease joins the line searches' for the energy rule; el[0] is free until */ \
            /* the next sweep's first barrier, and read before it. */                                   \
            const float before = output_objective_local(zl + offL, al + offL, NW(L), label, gTop, softKind, beta); \
            output_prox_local(zl + offL, al + offL, NW(L), label, gTop, softKind, beta);               \
            el[0] = before - output_objective_local(zl + offL, al + offL, NW(L), label, gTop, softKind, beta); \
        }                                                                                              \
        barrier(CLK_LOCAL_MEM_FENCE);                                                                  \
        s++;                                                                                           \
    }                                                                                                  \
    /* Final energy and KKT residual (the residual is always reported). */                             \
    float rpart;                                                                                       \
    const float epart = EVAL(shape, L, Wb, padded, zl, al, gamma, lo, hi, nudge, label, 1, &rpart);           \
    group_reduce2(red, epart, rpart, 1, &energy, &resid);                                              \
    *energyOut = energy;                                                                               \
    *residOut = resid;                                                                                 \
    *sweepsOut = s;

DEVICE_FUNC void fused_sweeps_global(__global const int* shape, const int L, __global const float* Wb, const int padded,
                                     __global const float* cn, LOCAL_PTR float* zl, LOCAL_PTR float* al,
                                     LOCAL_PTR float* dl, LOCAL_PTR float* el, LOCAL_PTR float* red,
                                     const int nudge, const int label, const float gamma, const float lo, const float hi,
                                     const int maxSweeps, const int rule, const float tol,
                                     float* energyOut, float* residOut, int* sweepsOut) {
    FUSED_SWEEPS_BODY(fused_q_global, fused_eval_global)
}

DEVICE_FUNC void fused_sweeps_local(__global const int* shape, const int L, LOCAL_PTR const float* Wb, const int padded,
                                    LOCAL_PTR const float* cn, LOCAL_PTR float* zl, LOCAL_PTR float* al,
                                    LOCAL_PTR float* dl, LOCAL_PTR float* el, LOCAL_PTR float* red,
                                    const int nudge, const int label, const float gamma, const float lo, const float hi,
                                    const int maxSweeps, const int rule, const float tol,
                                    float* energyOut, float* residOut, int* sweepsOut) {
    FUSED_SWEEPS_BODY(fused_q_local, fused_eval_local)
}

// Runs one phase for sample b = group id (nudge as in common.cl: 0 free, 1 clamped, -1 negative): loads (zsrc, asrc)
// (the forward pass or the free minimiser), sets the output (hard clamp: z_L = onehot(y_b); else z_L = a_L, the
// soft clamp's warm start), runs the sweeps, and writes z, a, the energy E[b], the sweeps
// run sweeps[b] and the final KKT residual R[b].
// Global size (B * local size), local size a power of two <= 1024.
// Dynamic local memory, in floats: zl[N] al[N] delta[maxH] d[maxW] red[REDUCE2_FLOATS(local size)].
__kernel void fused_solve(__global const int* shape, const int L, const int N, const int maxH, const int maxW,
                          __global const float* P, __global const float* cn,
                          __global const float* zsrc, __global const float* asrc,
                          __global float* zdst, __global float* adst,
                          __global const int* y, const int nudge,
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
        zl[e] = j < 0 ? zsrc[row + e] : (nudge && CLAMP_KIND == CLAMP_HARD ? (j == label ? 1.0f : 0.0f) : al[e]);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float energy;
    float resid;
    int s;
    fused_sweeps_global(shape, L, P, 0, cn, zl, al, dl, el, red, nudge, label, gamma, lo, hi, maxSweeps, rule, tol,
                        &energy, &resid, &s);
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

// Phases of fused_step (bits of its `phases` argument; liftnet.gpu.FusedSolver mirrors them).
#define STEP_FORWARD 1
#define STEP_FREE 2
#define STEP_CLAMPED 4
// The nudged phases (clamped, negative) start from the free rows in global memory (the free phase ran in an earlier launch).
#define STEP_NUDGED_FROM_FREE 8
#define STEP_NEGATIVE 16

// fused_step's local memory, in floats: Wl[wloc] (W_1, b_1, ..., W_{L-1}, b_{L-1} as staged_offset lays them out),
// cl[C] (column norms of W_1..W_{L-1} at COFF(k)), zl[N], al[N], dl[maxH], el[maxW], red[REDUCE2_FLOATS(local size)].

// The paper's training step for sample b = group id, the phases selected by `phases`:
//  - STEP_FORWARD: s = order[from + b]; x[b] = inputs[s], y[b] = labels[s]; forward pass
//    z_{k+1} = Proj_C(W_k z_k + b_k) (output: no projection), written to (zfw, afw);
//  - STEP_FREE: free inference from the forward pass (this launch's, else the rows zfw, afw), written to
//    (zfr, afr), energy Efr[b];
//  - STEP_CLAMPED: clamped inference (z_L = onehot(y_b), or min E + beta l for a soft clamp) from the free minimiser
//    when the free phase ran in this launch or STEP_NUDGED_FROM_FREE is set, else from the forward pass; written to
//    (zcl, acl), energy Ecl[b];
//  - STEP_NEGATIVE: symmetric nudging's negative phase, min E - beta l (soft clamps), from the same start as the
//    clamped phase; written to (zng, ang), energy Eng[b].
// The inference phases asked for must be contiguous in the order free, clamped, negative (the host launches others
// apart).
// Each inference adds to the statistics like solver_stats: I[2] += 1, I[3] += sweeps, F[4] = max(F[4], residual)
// (atomics; residuals are non-negative, so their bits order like ints).
// Global size (B * local size), local size a power of two <= 1024.
__kernel void fused_step(__global const int* shape, const int L, const int N, const int maxH, const int maxW,
                         const int wloc, const int C, const int phases,
                         __global const int* order, const int from,
                         __global const float* inputs, __global const int* labels,
                         __global float* x, __global int* y, __global const float* P,
                         __global float* zfw, __global float* afw, __global float* zfr, __global float* afr,
                         __global float* zcl, __global float* acl, __global float* zng, __global float* ang,
                         __global float* Efr, __global float* Ecl, __global float* Eng,
                         const float gamma, const float lo, const float hi,
                         const int maxSweeps, const int rule, const float tol,
                         __global int* I, __global float* F
                         DYN_LOCAL_PARAM(lm)) {
    DYN_LOCAL_DECL(lm);
    LOCAL_PTR float* Wl = lm;
    LOCAL_PTR float* cl = Wl + wloc;
    LOCAL_PTR float* zl = cl + C;
    LOCAL_PTR float* al = zl + N;
    LOCAL_PTR float* dl = al + N;
    LOCAL_PTR float* el = dl + maxH;
    LOCAL_PTR float* red = el + maxW;
    const int b = get_group_id(0);
    const int lid = get_local_id(0);
    const int wgs = get_local_size(0);
    const int row = b * N;
    const int offL = ZOFF(L);
    for (int k = 1; k < L; k++) {
        const int n = NW(k);
        const int m = NW(k + 1);
        LOCAL_PTR float* W = Wl + staged_offset(shape, L, k);
        for (int e = lid; e < m * n; e += wgs) {
            const int i = e / n;
            W[e + i] = P[WOFF(k) + e];
        }
        for (int i = lid; i < m; i += wgs) {
            W[m * (n + 1) + i] = P[BOFF(k) + i];
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 1; k < L; k++) {
        const int n = NW(k);
        const int m = NW(k + 1);
        LOCAL_PTR const float* W = Wl + staged_offset(shape, L, k);
        for (int j = lid; j < n; j += wgs) {
            float c = 0.0f;
            for (int i = 0; i < m; i++) {
                c += W[i * (n + 1) + j] * W[i * (n + 1) + j];
            }
            cl[COFF(k) + j] = c;
        }
    }
    // No barrier sits inside a condition: without STEP_FORWARD the loops below run no iterations (PoCL corrupted
    // memory with the barriers of the forward pass inside an if and the solver's after it).
    const int forward = (phases & STEP_FORWARD) != 0;
    const int n0 = NW(0);
    const int s = forward ? order[from + b] : 0;
    __global const float* xin = inputs + s * n0;
    const int label = forward ? labels[s] : y[b];
    for (int i = lid; i < (forward ? n0 : 0); i += wgs) {
        x[b * n0 + i] = xin[i];
    }
    if (forward && lid == 0) {
        y[b] = label;
    }
    for (int j = lid; j < (forward ? NW(1) : 0); j += wgs) {
        __global const float* wr = P + WOFF(0) + j * n0;
        float acc = 0.0f;
        for (int i = 0; i < n0; i++) {
            acc += wr[i] * xin[i];
        }
        acc += P[BOFF(0) + j];
        al[j] = acc;
        zl[j] = proj(acc, lo, hi);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 1; k < (forward ? L : 1); k++) {
        const int n = NW(k);
        const int m = NW(k + 1);
        LOCAL_PTR const float* W = Wl + staged_offset(shape, L, k);
        LOCAL_PTR const float* bias = W + m * (n + 1);
        LOCAL_PTR const float* zk = zl + ZOFF(k);
        for (int i = lid; i < m; i += wgs) {
            float acc = 0.0f;
            for (int j = 0; j < n; j++) {
                acc += W[i * (n + 1) + j] * zk[j];
            }
            acc += bias[i];
            al[ZOFF(k + 1) + i] = acc;
            zl[ZOFF(k + 1) + i] = k + 1 < L ? proj(acc, lo, hi) : acc;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int e = lid; e < (forward ? N : 0); e += wgs) {
        zfw[row + e] = zl[e];
        afw[row + e] = al[e];
    }
    // The phases as a loop, ph = 0 free, 1 clamped, 2 negative, again without a condition around the solver's barriers.
    const int firstPhase = (phases & STEP_FREE) != 0 ? 0 : ((phases & STEP_CLAMPED) != 0 ? 1 : 2);
    const int lastPhase = (phases & STEP_NEGATIVE) != 0 ? 2 : ((phases & STEP_CLAMPED) != 0 ? 1 : ((phases & STEP_FREE) != 0 ? 0 : -1));
    // What zl, al hold: 0 the forward pass, 1 the free minimiser, -1 another phase's rows (or nothing).
    int held = forward ? 0 : -1;
    for (int ph = firstPhase; ph <= lastPhase; ph++) {
        const int nudge = ph == 0 ? 0 : (ph == 1 ? 1 : -1);
        // The start: 1 the free minimiser (nudged phases, when there is one), 0 the forward pass.
        const int want = ph > 0 && (phases & (STEP_FREE | STEP_NUDGED_FROM_FREE)) != 0 ? 1 : 0;
        // Where it is: 0 in local memory already, 1 the forward rows, 2 the free rows (both written by this work-item
        // when written in this launch, so visible to it).
        const int src = held == want ? 0 : (want == 1 ? 2 : 1);
        __global const float* zs = src == 2 ? zfr : zfw;
        __global const float* as = src == 2 ? afr : afw;
        for (int e = lid; e < N; e += wgs) {
            const float ae = src == 0 ? al[e] : as[row + e];
            const float ze = src == 0 ? zl[e] : zs[row + e];
            const int j = e - offL;
            al[e] = ae;
            zl[e] = j < 0 ? ze : (nudge && CLAMP_KIND == CLAMP_HARD ? (j == label ? 1.0f : 0.0f) : ae);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        float energy;
        float resid;
        int sweeps;
        fused_sweeps_local(shape, L, Wl, 1, cl, zl, al, dl, el, red, nudge, label, gamma, lo, hi, maxSweeps, rule, tol,
                           &energy, &resid, &sweeps);
        __global float* zd = ph == 0 ? zfr : (ph == 1 ? zcl : zng);
        __global float* ad = ph == 0 ? afr : (ph == 1 ? acl : ang);
        for (int e = lid; e < N; e += wgs) {
            zd[row + e] = zl[e];
            ad[row + e] = al[e];
        }
        if (lid == 0) {
            (ph == 0 ? Efr : (ph == 1 ? Ecl : Eng))[b] = energy;
            atomic_add(&I[2], 1);
            atomic_add(&I[3], sweeps);
            atomic_max((__global int*) (F + 4), as_int(resid));
        }
        held = ph == 0 ? 1 : -1;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}
