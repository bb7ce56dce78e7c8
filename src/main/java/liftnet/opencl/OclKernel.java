package liftnet.opencl;

import liftnet.gpu.GpuKernel;

/** A {@code cl_kernel}; released by its {@link OclDevice}. */
record OclKernel(String name, long handle) implements GpuKernel {
}
