package liftnet.opencl;

import liftnet.api.Engine;
import liftnet.api.EngineSwitches;
import liftnet.api.NetConfig;
import liftnet.gpu.GpuOptions;
import liftnet.gpu.GpuEngineProvider;

/** Backend {@code opencl}: every OpenCL device (GPUs, and CPUs such as PoCL's). */
public final class OclEngineProvider extends GpuEngineProvider {

    /** Below {@code cuda}, above {@code cpu}. */
    public static final int PRIORITY = 50;

    /** The provider {@link java.util.ServiceLoader} creates. */
    public OclEngineProvider() {
        super("opencl", PRIORITY, OclRuntime.PROBE);
    }

    @Override
    public Engine create(NetConfig config, int index) {
        return new OclEngine(config, index);
    }

    @Override
    public Engine create(NetConfig config, int index, int threads, EngineSwitches switches) {
        return new OclEngine(config, index, GpuOptions.of(switches));
    }
}
