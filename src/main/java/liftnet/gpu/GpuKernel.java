package liftnet.gpu;

/** One compiled kernel entry point; owned (and freed) by its {@link GpuDevice}. */
public interface GpuKernel {

    /** The kernel's name in the source. */
    String name();
}
