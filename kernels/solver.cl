// solver.cl: the layer-by-layer red-black Jacobi solver (for layers too big for the fused kernel), and
// the per-sample energy and KKT reductions. One Jacobi step of hidden layer k, with q = W_k^T r,
// r = z_{k+1} - a_{k+1} (gemm_nn) and d = W_k delta (gemm_nt):
//   jacobi_propose: delta_j = Proj_C((a_kj + gamma q_j + gamma c_j z_kj) / (1 + gamma c_j)) - z_kj
//   line_search:    s = sum_j (z_kj - a_kj - gamma q_j) delta_j,  h = ||delta||^2 + gamma ||d||^2,
//                   t = (h > 0) ? clamp(-s / h, 0, 1) : 0   (0 for samples that have stopped),
//                   and the sweep's energy decrease D -= gamma^(k-1) (t s + t^2 h / 2)
//   apply_step:     z_k += t delta,  a_{k+1} += t d
// q, delta and d live in scratch buffers with the phase layout (see common.cl).

// Global size (ceil(n / 16) * 16, B), local size (16, 1) or any.
__kernel void jacobi_propose(__global int* live, const int B, const int n, const int off, const int ld,
                             __global const float* z, __global const float* a, __global const float* q,
                             __global const float* cn, const int offC,
                             const float gamma, const float lo, const float hi,
                             __global float* delta) {
    SKIP_IF_SETTLED(live);
    const int j = get_global_id(0);
    const int b = get_global_id(1);
    if (j < n && b < B) {
        const int i = b * ld + off + j;
        const float gc = gamma * cn[offC + j];
        const float zj = z[i];
        delta[i] = proj((a[i] + gamma * q[i] + gc * zj) / (1.0f + gc), lo, hi) - zj;
    }
}

// One work-group per sample (power-of-two size); dynamic local memory: one float per work-item.
__kernel void line_search(__global int* live, const int n, const int off, const int m, const int off1, const int ld,
                          __global const float* z, __global const float* a, __global const float* q,
                          __global const float* delta, __global const float* d, const float gamma,
                          const float weight, __global const int* active, __global float* t, __global float* D
                          DYN_LOCAL_PARAM(red)) {
    DYN_LOCAL_DECL(red);
    SKIP_IF_SETTLED(live);
    const int b = get_group_id(0);
    const int row = b * ld;
    float s = 0.0f;
    float dd = 0.0f;
    for (int j = get_local_id(0); j < n; j += get_local_size(0)) {
        const int i = row + off + j;
        const float dj = delta[i];
        s += (z[i] - a[i] - gamma * q[i]) * dj;
        dd += dj * dj;
    }
    float ee = 0.0f;
    for (int j = get_local_id(0); j < m; j += get_local_size(0)) {
        const float di = d[row + off1 + j];
        ee += di * di;
    }
    const float slope = group_sum(red, s);
    const float curv = group_sum(red, dd + gamma * ee);
    if (get_local_id(0) == 0) {
        const float step = (active[b] && curv > 0.0f) ? fmin(1.0f, fmax(0.0f, -slope / curv)) : 0.0f;
        t[b] = step;
        D[b] -= weight * (step * slope + 0.5f * step * step * curv);
    }
}

// Global size (ceil(max(n, m) / 16) * 16, B).
__kernel void apply_step(__global int* live, const int B, const int n, const int off, const int m, const int off1, const int ld,
                         __global float* z, __global const float* delta,
                         __global float* a, __global const float* d, __global const float* t) {
    SKIP_IF_SETTLED(live);
    const int j = get_global_id(0);
    const int b = get_global_id(1);
    if (b < B) {
        const float tb = t[b];
        if (j < n) {
            const int i = b * ld + off + j;
            z[i] += tb * delta[i];
        }
        if (j < m) {
            const int i = b * ld + off1 + j;
            a[i] += tb * d[i];
        }
    }
}

// Output layer: free phase (nudge 0) z_L = a_L; clamped phase (nudge 1) z_L = onehot(y), or with a soft clamp
// (CLAMP_KIND) the prox argmin_z gamma^{L-1}/2 ||z - a_L||^2 + beta l(z, y) from z_L as the warm start, one work-item
// per sample, whose decrease of the objective is added to D[b] (the line searches' decreases, for the energy rule);
// the negative phase (nudge -1, soft clamps only) the same prox with -beta (NUDGED_BETA in common.cl).
// Global size (ceil(n / 16) * 16, B).
__kernel void set_top(const int B, const int n, const int off, const int ld,
                      __global float* z, __global const float* a, __global const int* y, const int nudge,
                      __global const int* shape, const int L, const float gamma, __global float* D) {
    const int j = get_global_id(0);
    const int b = get_global_id(1);
    const int kind = nudge ? CLAMP_KIND : CLAMP_HARD;
    if (j < n && b < B) {
        const int i = b * ld + off + j;
        if (kind == CLAMP_HARD) {
            z[i] = nudge ? (j == y[b] ? 1.0f : 0.0f) : a[i];
        } else if (j == 0) {
            const float g = term_weight(gamma, L);
            const float beta = NUDGED_BETA(nudge);
            const float before = output_objective_global(z + i, a + i, n, y[b], g, kind, beta);
            output_prox_global(z + i, a + i, n, y[b], g, kind, beta);
            D[b] += before - output_objective_global(z + i, a + i, n, y[b], g, kind, beta);
        }
    }
}

// E[b] = sum_{k=1}^{L} gamma^{k-1} / 2 ||z_k - a_k||^2 (the energy, Eq. 4 of the paper, with z_0 = x
// entering through a_1), plus NUDGED_BETA(nudge) l(z_L, y[b]) for a nudged phase (nudge 1 or -1) of a soft clamp
// (CLAMP_KIND): the objective the phase minimises. One work-group per sample; dynamic local memory: one float per work-item.
__kernel void energy(__global const int* shape, const int L, const float gamma, const int ld,
                     __global const float* z, __global const float* a, __global float* E,
                     __global const int* y, const int nudge
                     DYN_LOCAL_PARAM(red)) {
    DYN_LOCAL_DECL(red);
    const int b = get_group_id(0);
    const float e = row_energy_global(shape, L, gamma, z + b * ld, a + b * ld, red);
    const int kind = nudge ? CLAMP_KIND : CLAMP_HARD;
    if (get_local_id(0) == 0) {
        E[b] = e + (kind == CLAMP_HARD ? 0.0f
                : output_loss_global(z + b * ld + ZOFF(L), NW(L), y[b], kind, NUDGED_BETA(nudge)));
    }
}

// KKT residual R[b] = max |z - Proj_C(z - g)| over the free variables, g = dE/dz:
//   hidden k: g_kj = gamma^{k-1} ((z_kj - a_kj) - gamma q_kj), q_k = W_k^T (z_{k+1} - a_{k+1}) precomputed;
//   output (free phase, nudge 0, unconstrained): g = gamma^{L-1} (z_L - a_L); a nudged phase (nudge 1 or -1) of a soft
//   clamp (CLAMP_KIND not hard): g = gamma^{L-1} (z_L - a_L) + NUDGED_BETA(nudge) grad l(z_L, y[b]); the hard clamp's
//   output is fixed. One work-group per sample; dynamic local memory: one float per work-item.
__kernel void kkt(__global const int* shape, const int L, const float gamma, const int ld,
                  __global const float* z, __global const float* a, __global const float* q,
                  const float lo, const float hi, const int nudge, __global const int* y, __global float* R
                  DYN_LOCAL_PARAM(red)) {
    DYN_LOCAL_DECL(red);
    const int b = get_group_id(0);
    const int row = b * ld;
    float r = 0.0f;
    float w = 1.0f;
    for (int k = 1; k < L; k++) {
        for (int j = get_local_id(0); j < NW(k); j += get_local_size(0)) {
            const int i = row + ZOFF(k) + j;
            const float g = w * ((z[i] - a[i]) - gamma * q[i]);
            r = fmax(r, fabs(z[i] - proj(z[i] - g, lo, hi)));
        }
        w *= gamma;
    }
    const int freeOutput = nudge == 0;
    const int kind = freeOutput ? CLAMP_HARD : CLAMP_KIND;
    if (freeOutput || kind != CLAMP_HARD) {
        const float beta = NUDGED_BETA(nudge);
        const float lse = kind == CLAMP_CROSS_ENTROPY ? output_lse_global(z + row + ZOFF(L), NW(L)) : 0.0f;
        for (int j = get_local_id(0); j < NW(L); j += get_local_size(0)) {
            const int i = row + ZOFF(L) + j;
            const float soft = kind == CLAMP_HARD ? 0.0f : output_loss_grad(kind, beta, z[i], j, y[b], lse);
            r = fmax(r, fabs(w * (z[i] - a[i]) + soft));
        }
    }
    r = group_max(red, r);
    if (get_local_id(0) == 0) {
        R[b] = r;
    }
}

// Starts a solve: Eprev = E, D = 0, no sweeps yet, every sample active except, under the KKT rule, those
// whose residual R is already within tol; live[0] (zeroed before) += the active samples. Global size >= B.
__kernel void solve_init(__global int* live, const int B, const int rule, const float tol, __global const float* E,
                         __global float* Eprev, __global float* D, __global const float* R,
                         __global int* active, __global int* sweeps) {
    const int b = get_global_id(0);
    if (b < B) {
        Eprev[b] = E[b];
        D[b] = 0.0f;
        active[b] = rule == STOP_KKT ? R[b] > tol : 1;
        sweeps[b] = 0;
        if (active[b]) {
            atomic_inc(live);
        }
    }
}

// After a sweep: count it for the active samples and apply the stopping rule per sample (ENERGY: the
// line searches' decrease D <= tol max(E, tiny), with E = Eprev - D followed from the start; KKT: R <= tol;
// FIXED: never); D restarts at 0; live[0] -= the samples that stop. Global size >= B.
__kernel void check_stop(__global int* live, const int B, const int rule, const float tol, __global float* Eprev,
                         __global float* D, __global const float* R, __global int* active,
                         __global int* sweeps) {
    const int b = get_global_id(0);
    if (b < B && active[b]) {
        sweeps[b] += 1;
        if (rule == STOP_ENERGY) {
            const float next = Eprev[b] - D[b];
            if (D[b] <= tol * fmax(next, TINY_ENERGY)) {
                active[b] = 0;
                atomic_add(live, -1);
            }
            Eprev[b] = next;
        } else if (rule == STOP_KKT) {
            if (R[b] <= tol) {
                active[b] = 0;
                atomic_add(live, -1);
            }
        }
        D[b] = 0.0f;
    }
}
