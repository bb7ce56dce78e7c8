/**
 * What the OpenCL and CUDA engines share: the kernel-source assembly ({@link liftnet.gpu.KernelSource}),
 * a small device abstraction ({@link liftnet.gpu.GpuDevice}, {@link liftnet.gpu.GpuBuffer},
 * {@link liftnet.gpu.GpuKernel}) and the engine written once over it ({@link liftnet.gpu.GpuEngine}).
 */
package liftnet.gpu;
