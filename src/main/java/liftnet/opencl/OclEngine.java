package liftnet.opencl;

import liftnet.api.EngineSwitches;
import liftnet.api.NetConfig;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.GpuOptions;
import liftnet.gpu.KernelSource;

/** The GPU engine ({@link GpuEngine}) on an OpenCL device; kernels built at run time from {@code kernels/}. */
public final class OclEngine extends GpuEngine {

    /** Opens OpenCL device {@code index} with the default switches ({@link GpuOptions#of}). */
    public OclEngine(NetConfig config, int index) {
        this(config, index, GpuOptions.of(EngineSwitches.defaults()));
    }

    /** Opens OpenCL device {@code index} (see {@link OclRuntime#devices()}) for {@code config} with {@code options}. */
    public OclEngine(NetConfig config, int index, GpuOptions options) {
        super(supported("opencl:" + index, config), new OclDevice(index, KernelSource.openclProgram(), ""), config, options);
    }
}
