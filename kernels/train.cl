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

// Finiteness of the gradient, decided by one work-group (no atomics), and the update counters:
//   U[0] = 1 when every G[i] is finite, else 0; I[4 + H] counts updates; I[5 + H] is the index of the first
//   non-finite update (-1: none). H = number of hidden layers. Launch one work-group; dynamic local memory:
//   one float per work-item.
__kernel void check_gradient(const int count, __global const float* G, __global int* U, const int H,
                             __global int* I
                             DYN_LOCAL_PARAM(red)) {
    DYN_LOCAL_DECL(red);
    int bad = 0;
    for (int i = get_local_id(0); i < count; i += get_local_size(0)) {
        const float g = G[i];
        bad += !isfinite(g);
    }
    bad = group_sum_int(red, bad);
    if (get_local_id(0) == 0) {
        U[0] = bad == 0;
        if (bad != 0 && I[5 + H] < 0) {
            I[5 + H] = I[4 + H];
        }
        I[4 + H] += 1;
    }
}

// SGD on one layer's parameters P[from .. from + count): P -= rate * G, skipped when U[0] says the gradient
// is not finite. Global size >= count.
__kernel void sgd(const int from, const int count, __global float* P, __global const float* G, const float rate,
                  __global const int* U) {
    const int i = get_global_id(0);
    if (i < count && U[0]) {
        P[from + i] -= rate * G[from + i];
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
