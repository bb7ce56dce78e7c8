/**
 * What the OpenCL and CUDA engines share: the kernel-source assembly ({@link liftnet.gpu.KernelSource}),
 * a small device abstraction ({@link liftnet.gpu.GpuDevice}, {@link liftnet.gpu.GpuBuffer},
 * {@link liftnet.gpu.GpuKernel}), the engine written once over it ({@link liftnet.gpu.GpuEngine}), and the backend's
 * provider ({@link liftnet.gpu.GpuEngineProvider}) with its device list probed once ({@link liftnet.gpu.DeviceProbe}).
 */
package liftnet.gpu;
