/**
 * The CUDA backend (id {@code cuda}): {@link liftnet.cuda.CudaDevice} implements {@link liftnet.gpu.GpuDevice}
 * with LWJGL's CUDA driver bindings ({@code libcuda.so.1}); kernels are the OpenCL C sources of
 * {@code kernels/} compiled as CUDA through {@code opencl_to_cuda.h}, to PTX at build time by
 * {@link liftnet.cuda.PtxBuilder} (nvcc) or at run time by NVRTC.
 */
package liftnet.cuda;
