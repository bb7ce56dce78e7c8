/**
 * The OpenCL backend (id {@code opencl}): {@link liftnet.opencl.OclDevice} implements the
 * {@link liftnet.gpu.GpuDevice} abstraction with LWJGL's OpenCL bindings over the system loader
 * {@code libOpenCL.so.1}; the engine itself is {@link liftnet.gpu.GpuEngine}.
 */
package liftnet.opencl;
