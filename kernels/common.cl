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

// Smallest energy used as the denominator of the relative energy decrease.
#define TINY_ENERGY 1e-30f

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
