// common.cl: definitions shared by every liftnet kernel file. Assembled first by liftnet.gpu.KernelSource
// (after the defines and, for CUDA, after opencl_to_cuda.h).
//
// Layout conventions (see liftnet.gpu.NetLayout):
//  - activations of one phase: one row of N = n_1 + ... + n_L floats per sample; layer k (1..L) starts at
//    ZOFF(k). z and a (pre-activations) share that layout. The input z_0 is a separate [B x n_0] buffer.
//  - parameters: one buffer in Parameters.flatten() order: W_0, b_0, W_1, b_1, ...; W_k row-major
//    [n_{k+1} x n_k] at WOFF(k), b_k at BOFF(k). Gradients use the same layout.
//  - column norms c_j = ||W_k[:, j]||^2 of the hidden layers k = 1..L-1 at COFF(k).
//  - shape: int table of 5L+2 entries, read through the macros below (needs `shape` and `L` in scope).

#ifndef CUDA
// OpenCL spellings of what opencl_to_cuda.h defines for CUDA.
#define LOCAL_PTR __local
#define DYN_LOCAL_PARAM(name) , __local float* name
#define DYN_LOCAL_DECL(name)
#define LN_INF INFINITY
#define DEVICE_FUNC static inline
#else
#define DEVICE_FUNC __device__ __forceinline__
#endif

// Tile edge of the tiled matrix kernels; liftnet.gpu.KernelSource defines it (KernelSource.TILE).
#ifndef TS
#define TS 16
#endif

#define NW(k) shape[(k)]
#define ZOFF(k) shape[L + 1 + (k)]
#define WOFF(k) shape[2 * L + 2 + (k)]
#define BOFF(k) shape[3 * L + 2 + (k)]
#define COFF(k) shape[4 * L + 2 + (k)]

// Stopping rules, as liftnet.api.StopRule ordinals.
#define STOP_FIXED 0
#define STOP_ENERGY 1
#define STOP_KKT 2

// Batch-level early exit of the layered solver's sweeps: live[0] counts the batch's active samples (solve_init adds
// them, check_stop takes away each that stops), live[1] the launches skipped. A kernel launched inside the sweeps
// starts with SKIP_IF_SETTLED(live): once no sample is active every step is zero, so it returns at once (all its
// work-items alike, before any barrier), its first work-item counting the skip. Launches outside the sweeps pass a
// buffer {1, 0} that never closes (liftnet.gpu.Workspace#always).
#define SKIP_IF_SETTLED(live)                                                \
    if (live[0] == 0) {                                                      \
        if (get_global_id(0) == 0 && get_global_id(1) == 0) {                \
            atomic_inc(live + 1);                                            \
        }                                                                    \
        return;                                                              \
    }

// Smallest energy used as the denominator of the relative energy decrease.
#define TINY_ENERGY 1e-30f

// One entry g of a weight-gradient kernel into G[ig] (isBias: a bias entry), as its beta asks: 0 G = g, 1 G += g,
// 2 G += g for a weight and nothing for a bias (a term that adds to the weights only).
DEVICE_FUNC void store_grad(__global float* G, const int ig, const int isBias, const float g, const int beta) {
    if (!isBias || beta != 2) {
        G[ig] = beta ? G[ig] + g : g;
    }
}

// Proj_C(v) for C = [lo, hi] (lo, hi may be infinite).
DEVICE_FUNC float proj(const float v, const float lo, const float hi) {
    return fmin(hi, fmax(lo, v));
}

// Whether v lies strictly inside C: the unit behaves linearly there.
DEVICE_FUNC int inside(const float v, const float lo, const float hi) {
    return v > lo && v < hi;
}

// Sum of v over the work-group (dimension 0, size a power of two); every work-item gets the result.
// red: at least get_local_size(0) floats of local memory.
DEVICE_FUNC float group_sum(LOCAL_PTR float* red, const float v) {
    const int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) {
            red[lid] += red[lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// Maximum of v over the work-group; as group_sum.
DEVICE_FUNC float group_max(LOCAL_PTR float* red, const float v) {
    const int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) {
            red[lid] = fmax(red[lid], red[lid + s]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// Integer sum over the work-group; red as for group_sum (reinterpreted as int).
DEVICE_FUNC int group_sum_int(LOCAL_PTR float* redf, const int v) {
    LOCAL_PTR int* red = (LOCAL_PTR int*) redf;
    const int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) {
            red[lid] += red[lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// Two reductions at once without a barrier inside a loop (PoCL compiles barriers in loops slowly):
// ra = sum of a over the work-group; rb = sum of b, or its maximum when bMax. Every work-item gets the
// results. Local size a power of two, at most 1024; red: REDUCE2_FLOATS(local size) floats.
#define REDUCE_CHUNK 32
#define REDUCE2_FLOATS(wgs) (2 * (wgs) + 2 * REDUCE_CHUNK)
DEVICE_FUNC void group_reduce2(LOCAL_PTR float* red, const float a, const float b, const int bMax,
                               float* ra, float* rb) {
    const int lid = get_local_id(0);
    const int wgs = get_local_size(0);
    const int chunk = wgs < REDUCE_CHUNK ? wgs : REDUCE_CHUNK;
    const int parts = wgs / chunk;
    LOCAL_PTR float* pa = red + 2 * wgs;
    LOCAL_PTR float* pb = pa + REDUCE_CHUNK;
    red[lid] = a;
    red[wgs + lid] = b;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < parts) {
        float sa = 0.0f;
        float sb = bMax ? -LN_INF : 0.0f;
        for (int i = lid * chunk; i < (lid + 1) * chunk; i++) {
            sa += red[i];
            sb = bMax ? fmax(sb, red[wgs + i]) : sb + red[wgs + i];
        }
        pa[lid] = sa;
        pb[lid] = sb;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float sa = 0.0f;
    float sb = bMax ? -LN_INF : 0.0f;
    for (int i = 0; i < parts; i++) {
        sa += pa[i];
        sb = bMax ? fmax(sb, pb[i]) : sb + pb[i];
    }
    *ra = sa;
    *rb = sb;
    barrier(CLK_LOCAL_MEM_FENCE);
}

// gamma^(k-1), the energy weight of layer k's term (k >= 1).
DEVICE_FUNC float term_weight(const float gamma, const int k) {
    float w = 1.0f;
    for (int i = 1; i < k; i++) {
        w *= gamma;
    }
    return w;
}

// Weighted energy of one sample's activation row in the phase layout, summed over the work-group:
// E = sum_{k=1}^{L} gamma^{k-1} / 2 ||z_k - a_k||^2. Two address spaces, so two twins of the same loop.
#define ROW_ENERGY_BODY                                                              \
    float part = 0.0f;                                                               \
    float w = 0.5f;                                                                  \
    for (int k = 1; k <= L; k++) {                                                   \
        const int off = ZOFF(k);                                                     \
        float s = 0.0f;                                                              \
        for (int j = get_local_id(0); j < NW(k); j += get_local_size(0)) {           \
            const float r = z[off + j] - a[off + j];                                 \
            s += r * r;                                                              \
        }                                                                            \
        part += w * s;                                                               \
        w *= gamma;                                                                  \
    }                                                                                \
    return group_sum(red, part);

DEVICE_FUNC float row_energy_global(__global const int* shape, const int L, const float gamma,
                                    __global const float* z, __global const float* a,
                                    LOCAL_PTR float* red) {
    ROW_ENERGY_BODY
}

DEVICE_FUNC float row_energy_local(__global const int* shape, const int L, const float gamma,
                                   LOCAL_PTR const float* z, LOCAL_PTR const float* a,
                                   LOCAL_PTR float* red) {
    ROW_ENERGY_BODY
}

// ---- the soft clamp of the nudged phases (liftnet.api.OutputLoss; CPU: liftnet.solve.OutputProx) ----
// Its kind and beta follow the layout in the shape table (liftnet.gpu.Workspace writes them); CLAMP_HARD: z_L = onehot(y).
#define CLAMP_HARD 0
#define CLAMP_SQUARED 1
#define CLAMP_CROSS_ENTROPY 2
#define CLAMP_KIND shape[5 * L + 2]
#define CLAMP_BETA as_float(shape[5 * L + 3])
// A phase's nudge, as the kernels take it (liftnet.gpu.BatchState#nudge): 0 the free phase (output free), 1 the clamped
// phase (E + beta l, or z_L = onehot(y) for the hard clamp), -1 symmetric nudging's negative phase (E - beta l, soft
// clamps only). The weight of l in the phase's objective:
#define NUDGED_BETA(nudge) ((nudge) < 0 ? -CLAMP_BETA : CLAMP_BETA)
// Newton iterations of the cross-entropy prox at most, and its stop: max |KKT gradient| <= PROX_TOL (g + |beta|).
#define PROX_MAX_NEWTON 30
#define PROX_TOL 1e-6f
// Armijo constant and halvings of the prox's backtracking; a Newton decrement below PROX_LOCAL (1 + |f|) takes
// the full step (the objective's decrease is then below float rounding, while the gradient still shrinks).
#define PROX_ARMIJO 1e-4f
#define PROX_HALVINGS 30
#define PROX_LOCAL 1e-7f

// log sum_j exp(z_j) of n values, shifted by their maximum.
#define OUTPUT_LSE_BODY                                                              \
    float mx = z[0];                                                                 \
    for (int j = 1; j < n; j++) {                                                    \
        mx = fmax(mx, z[j]);                                                         \
    }                                                                                \
    float se = 0.0f;                                                                 \
    for (int j = 0; j < n; j++) {                                                    \
        se += exp(z[j] - mx);                                                        \
    }                                                                                \
    return mx + log(se);

DEVICE_FUNC float output_lse_global(__global const float* z, const int n) {
    OUTPUT_LSE_BODY
}

DEVICE_FUNC float output_lse_local(LOCAL_PTR const float* z, const int n) {
    OUTPUT_LSE_BODY
}

// Component j of beta grad l(z, y): squared beta (z_j - e_y), cross-entropy beta (softmax_j(z) - e_y) (lse of z given).
DEVICE_FUNC float output_loss_grad(const int kind, const float beta, const float zj, const int j, const int y,
                                   const float lse) {
    const float e = j == y ? 1.0f : 0.0f;
    return beta * ((kind == CLAMP_SQUARED ? zj : exp(zj - lse)) - e);
}

// beta l(z, y) of n outputs: squared beta/2 ||z - e_y||^2, cross-entropy beta (lse(z) - z_y).
#define OUTPUT_LOSS_BODY(LSE)                                                        \
    if (kind == CLAMP_SQUARED) {                                                     \
        float s = 0.0f;                                                              \
        for (int j = 0; j < n; j++) {                                                \
            const float d = z[j] - (j == y ? 1.0f : 0.0f);                           \
            s += d * d;                                                              \
        }                                                                            \
        return 0.5f * beta * s;                                                      \
    }                                                                                \
    return beta * (LSE(z, n) - z[y]);

DEVICE_FUNC float output_loss_global(__global const float* z, const int n, const int y, const int kind, const float beta) {
    OUTPUT_LOSS_BODY(output_lse_global)
}

DEVICE_FUNC float output_loss_local(LOCAL_PTR const float* z, const int n, const int y, const int kind, const float beta) {
    OUTPUT_LOSS_BODY(output_lse_local)
}

// The output's part of the soft-clamped objective, g/2 ||z - a||^2 + beta l(z, y), by one work-item.
#define OUTPUT_OBJECTIVE_BODY(LOSS)                                                  \
    float s = 0.0f;                                                                  \
    for (int j = 0; j < n; j++) {                                                    \
        s += (z[j] - a[j]) * (z[j] - a[j]);                                          \
    }                                                                                \
    return 0.5f * g * s + LOSS(z, n, y, kind, beta);

DEVICE_FUNC float output_objective_global(__global const float* z, __global const float* a, const int n, const int y,
                                          const float g, const int kind, const float beta) {
    OUTPUT_OBJECTIVE_BODY(output_loss_global)
}

DEVICE_FUNC float output_objective_local(LOCAL_PTR const float* z, LOCAL_PTR const float* a, const int n, const int y,
                                         const float g, const int kind, const float beta) {
    OUTPUT_OBJECTIVE_BODY(output_loss_local)
}

// z = argmin_z g/2 ||z - a||^2 + beta l(z, y) over n outputs, by one work-item, in place (z is the warm start); a
// negative beta (the negative phase) needs g + beta > 0, which the host checks (|beta| < g):
//   squared: z = (g a + beta e_y) / (g + beta);
//   cross-entropy: damped Newton, Hessian g I + beta (diag(p) - p p^T) inverted by Sherman-Morrison,
//   d = -(grad + c p) / m with m_j = g + beta p_j, c = beta (sum p_j grad_j / m_j) / (1 - beta sum p_j^2 / m_j);
//   backtracking (Armijo) on the objective, evaluated at z + t d without storing it.
#define OUTPUT_PROX_BODY(LSE)                                                                            \
    if (kind == CLAMP_SQUARED) {                                                                         \
        for (int j = 0; j < n; j++) {                                                                    \
            z[j] = (g * a[j] + (j == y ? beta : 0.0f)) / (g + beta);                                     \
        }                                                                                                \
        return;                                                                                          \
    }                                                                                                    \
    for (int it = 0; it < PROX_MAX_NEWTON; it++) {                                                       \
        const float lse = LSE(z, n);                                                                     \
        float worst = 0.0f;                                                                              \
        float pu = 0.0f;                                                                                 \
        float pv = 0.0f;                                                                                 \
        float f0 = beta * (lse - z[y]);                                                                  \
        for (int j = 0; j < n; j++) {                                                                    \
            const float p = exp(z[j] - lse);                                                             \
            const float gr = g * (z[j] - a[j]) + beta * (p - (j == y ? 1.0f : 0.0f));                    \
            const float m = g + beta * p;                                                                \
            worst = fmax(worst, fabs(gr));                                                               \
            pu += p * gr / m;                                                                            \
            pv += p * p / m;                                                                             \
            f0 += 0.5f * g * (z[j] - a[j]) * (z[j] - a[j]);                                              \
        }                                                                                                \
        if (worst <= PROX_TOL * (g + fabs(beta))) {                                                      \
            break;                                                                                       \
        }                                                                                                \
        const float c = beta * pu / (1.0f - beta * pv);                                                  \
        float slope = 0.0f;                                                                              \
        for (int j = 0; j < n; j++) {                                                                    \
            const float p = exp(z[j] - lse);                                                             \
            const float gr = g * (z[j] - a[j]) + beta * (p - (j == y ? 1.0f : 0.0f));                    \
            slope -= (gr + c * p) / (g + beta * p) * gr;                                                 \
        }                                                                                                \
        float t = 1.0f;                                                                                  \
        for (int h = 0; h < PROX_HALVINGS && -slope > PROX_LOCAL * (1.0f + fabs(f0)); h++) {             \
            float mx = -LN_INF;                                                                          \
            for (int j = 0; j < n; j++) {                                                                \
                const float p = exp(z[j] - lse);                                                         \
                const float gr = g * (z[j] - a[j]) + beta * (p - (j == y ? 1.0f : 0.0f));                \
                mx = fmax(mx, z[j] - t * (gr + c * p) / (g + beta * p));                                 \
            }                                                                                            \
            float se = 0.0f;                                                                             \
            float f1 = 0.0f;                                                                             \
            for (int j = 0; j < n; j++) {                                                                \
                const float p = exp(z[j] - lse);                                                         \
                const float gr = g * (z[j] - a[j]) + beta * (p - (j == y ? 1.0f : 0.0f));                \
                const float zt = z[j] - t * (gr + c * p) / (g + beta * p);                               \
                se += exp(zt - mx);                                                                      \
                f1 += 0.5f * g * (zt - a[j]) * (zt - a[j]) - (j == y ? beta * zt : 0.0f);                \
            }                                                                                            \
            f1 += beta * (mx + log(se));                                                                 \
            if (f1 <= f0 + PROX_ARMIJO * t * slope) {                                                    \
                break;                                                                                   \
            }                                                                                            \
            t *= 0.5f;                                                                                   \
        }                                                                                                \
        for (int j = 0; j < n; j++) {                                                                    \
            const float p = exp(z[j] - lse);                                                             \
            const float gr = g * (z[j] - a[j]) + beta * (p - (j == y ? 1.0f : 0.0f));                    \
            z[j] -= t * (gr + c * p) / (g + beta * p);                                                   \
        }                                                                                                \
    }

DEVICE_FUNC void output_prox_global(__global float* z, __global const float* a, const int n, const int y,
                                    const float g, const int kind, const float beta) {
    OUTPUT_PROX_BODY(output_lse_global)
}

DEVICE_FUNC void output_prox_local(LOCAL_PTR float* z, LOCAL_PTR const float* a, const int n, const int y,
                                   const float g, const int kind, const float beta) {
    OUTPUT_PROX_BODY(output_lse_local)
}

// ---- register blocks of the tiled products (gemm.cl, conv.cl's implicit GEMM) ----
// A work-group of TS x TS work-items computes a block of (rb TS) x (rb TS) outputs, rb x rb per work-item
// (rows ly + i TS, columns lx + j TS): each value read from local memory serves rb products (the scheme of
// CLBlast's Xgemm kernels). rb <= RB is a constant where these are inlined, so the loops over it fold away.
#ifndef RB
#define RB 4
#endif

DEVICE_FUNC void block_zero(float acc[RB][RB]) {
    for (int i = 0; i < RB; i++) {
        for (int j = 0; j < RB; j++) {
            acc[i][j] = 0.0f;
        }
    }
}

// One tile of the reduction: acc[i][j] += sum_{kk < TS} X(xi + i TS, kk) Y(yj + j TS, kk) for i, j < rb, where
// X(r, kk) = X[r xr + kk xk] and Y(r, kk) = Y[r yr + kk yk] (the strides say how each tile lies in local memory).
// Every caller sums each output over kk in the same order, so a product has the same bits at any rb.
DEVICE_FUNC void block_mac(float acc[RB][RB], const int rb,
                           LOCAL_PTR const float* X, const int xi, const int xr, const int xk,
                           LOCAL_PTR const float* Y, const int yj, const int yr, const int yk) {
    for (int kk = 0; kk < TS; kk++) {
        float a[RB];
        float b[RB];
        for (int r = 0; r < rb; r++) {
            a[r] = X[(xi + r * TS) * xr + kk * xk];
            b[r] = Y[(yj + r * TS) * yr + kk * yk];
        }
        for (int i = 0; i < rb; i++) {
            for (int j = 0; j < rb; j++) {
                acc[i][j] += a[i] * b[j];
            }
        }
    }
}
