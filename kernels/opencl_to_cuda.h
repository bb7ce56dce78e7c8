// opencl_to_cuda.h: lets the OpenCL C kernels under kernels/ compile as CUDA (nvcc -x cu, or NVRTC).
//
// Included first (after the defines) when the kernels are built for CUDA, with CUDA defined:
//   nvcc -x cu -DCUDA -include kernels/opencl_to_cuda.h --ptx kernels/<file>.cl
// The kernels use OpenCL C spelling; this header maps it to CUDA. Float only. Written for liftnet,
// after the approach of CLBlast's opencl_to_cuda.h.
#ifndef LIFTNET_OPENCL_TO_CUDA_H
#define LIFTNET_OPENCL_TO_CUDA_H

#ifndef CUDA
#define CUDA 1
#endif

// Kernels get C linkage so that cuModuleGetFunction finds them by their OpenCL name.
#define __kernel extern "C" __global__
// Global memory is the default address space in CUDA.
#define __global
// __local declares a work-group array; pointers to it are passed with LOCAL_PTR (plain in CUDA).
#define __local __shared__
#define LOCAL_PTR
// Read-only kernel arguments.
#define __constant const
#define restrict __restrict__

// Work-item functions. Only dimensions 0 and 1 are used by liftnet.
__device__ __forceinline__ int get_local_id(const int d) {
    return d == 0 ? (int) threadIdx.x : (d == 1 ? (int) threadIdx.y : (int) threadIdx.z);
}
__device__ __forceinline__ int get_group_id(const int d) {
    return d == 0 ? (int) blockIdx.x : (d == 1 ? (int) blockIdx.y : (int) blockIdx.z);
}
__device__ __forceinline__ int get_local_size(const int d) {
    return d == 0 ? (int) blockDim.x : (d == 1 ? (int) blockDim.y : (int) blockDim.z);
}
__device__ __forceinline__ int get_num_groups(const int d) {
    return d == 0 ? (int) gridDim.x : (d == 1 ? (int) gridDim.y : (int) gridDim.z);
}
__device__ __forceinline__ int get_global_id(const int d) {
    return get_group_id(d) * get_local_size(d) + get_local_id(d);
}
__device__ __forceinline__ int get_global_size(const int d) {
    return get_num_groups(d) * get_local_size(d);
}

// Barriers: CUDA has one block-wide barrier that also orders shared and global memory.
#define CLK_LOCAL_MEM_FENCE 1
#define CLK_GLOBAL_MEM_FENCE 2
#define barrier(flags) __syncthreads()

// Math built-ins: CUDA overloads fmin, fmax, fabs and sqrt for float, so the OpenCL names work as they
// are. Positive infinity as a float constant:
#define LN_INF __int_as_float(0x7f800000)

// Atomics and fences (32-bit int, global or shared): OpenCL 1.1 names to CUDA's.
#define atomic_add(p, v) atomicAdd((p), (v))
#define atomic_max(p, v) atomicMax((p), (v))
#define atomic_inc(p) atomicAdd((p), 1)
#define mem_fence(flags) __threadfence()
// Reinterprets a float's bits as an int (OpenCL as_int).
#define as_int(v) __float_as_int(v)
// Reinterprets an int's bits as a float (OpenCL as_float).
#define as_float(v) __int_as_float(v)

// Dynamic local memory: one float array whose size the host sets at launch.
// OpenCL passes it as the last kernel argument; CUDA declares it extern __shared__.
#define DYN_LOCAL_PARAM(name)
#define DYN_LOCAL_DECL(name) extern __shared__ float name[]

#endif
