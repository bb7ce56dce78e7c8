// train.cl: batch selection, parameter-side kernels (column norms, SGD) and the metrics that stay on
// the device until the host drains them once per epoch.

// x[b, i] = inputs[idx[b] * n0 + i]; y[b] = labels[idx[b]]. Global size (ceil(n0 / 16) * 16, B).
__kernel void gather(const int B, const int n0, __global const int* idx,
                     __global const float* inputs, __global const int* labels,
                     __global float* x, __global int* y) {
    const int i = get_global_id(0);
    const int b = get_global_id(1);
    if (b < B && i < n0) {
        const int s = idx[b];
        x[b * n0 + i] = inputs[s * n0 + i];
        if (i == 0) {
            y[b] = labels[s];
        }
    }
}

// c[offC + j] = ||W[:, j]||^2 = sum_i W[offW + i * n + j]^2 for W [m x n]. Global size >= n.
__kernel void col_norms(const int m, const int n, __global const float* P, const int offW,
                        __global float* c, const int offC) {
    const int j = get_global_id(0);
    if (j < n) {
        float s = 0.0f;
        for (int i = 0; i < m; i++) {
            const float w = P[offW + i * n + j];
            s += w * w;
        }
        c[offC + j] = s;
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

// SGD: P -= rate * G over all parameters. Global size >= count.
__kernel void sgd(const int count, __global float* P, __global const float* G, const float rate) {
    const int i = get_global_id(0);
    if (i < count) {
        P[i] -= rate * G[i];
    }
}

// Kahan-compensated add of v to the sum at S[i] (compensation at S[i + 1]).
DEVICE_FUNC void kahan_add(__global float* S, const int i, const float v) {
    const float y = v - S[i + 1];
    const float t = S[i] + y;
    S[i + 1] = (t - S[i]) - y;
    S[i] = t;
}

// Metrics of one batch, added to the device-side counters by a single work-group (no atomics):
//   I[0] samples, I[1] correct (argmax of z_L == y), I[4 + k - 1] units of hidden layer k strictly inside C;
//   F[0..1] free energy sum (Kahan), F[2..3] clamped energy sum (Kahan).
// Launch one work-group (power-of-two size); dynamic local memory: one float per work-item.
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
    float ef = 0.0f;
    float ec = 0.0f;
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
        ef += hasFree ? Efree[b] : 0.0f;
        ec += hasClamped ? Eclamped[b] : 0.0f;
    }
    correct = group_sum_int(red, correct);
    ef = group_sum(red, ef);
    ec = group_sum(red, ec);
    if (lid == 0) {
        I[0] += B;
        I[1] += correct;
        kahan_add(F, 0, ef);
        kahan_add(F, 2, ec);
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

// Solver statistics of one inference: I[2] += 1, I[3] += max_b sweeps[b], F[4] = max(F[4], max_b R[b]).
// Launch one work-group (power-of-two size); dynamic local memory: one float per work-item.
__kernel void solver_stats(const int B, __global const int* sweeps, __global const float* R,
                           __global int* I, __global float* F
                           DYN_LOCAL_PARAM(red)) {
    DYN_LOCAL_DECL(red);
    int s = 0;
    float r = 0.0f;
    for (int b = get_local_id(0); b < B; b += get_local_size(0)) {
        s = max(s, sweeps[b]);
        r = fmax(r, R[b]);
    }
    s = group_max_int(red, s);
    r = group_max(red, r);
    if (get_local_id(0) == 0) {
        I[2] += 1;
        I[3] += s;
        F[4] = fmax(F[4], r);
    }
}
