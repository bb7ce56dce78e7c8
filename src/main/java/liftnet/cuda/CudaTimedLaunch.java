package liftnet.cuda;

import static org.lwjgl.cuda.CU.CU_EVENT_DEFAULT;
import static org.lwjgl.cuda.CU.cuEventCreate;
import static org.lwjgl.cuda.CU.cuEventDestroy;
import static org.lwjgl.cuda.CU.cuEventElapsedTime;
import static org.lwjgl.cuda.CU.cuEventSynchronize;

import java.nio.FloatBuffer;
import liftnet.gpu.GpuDevice;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

/** The device time of one launch: two CUDA events recorded around it on the device's stream. */
record CudaTimedLaunch(CudaDevice device, long start, long end) implements GpuDevice.TimedLaunch {

    private static final System.Logger LOG = System.getLogger(CudaTimedLaunch.class.getName());

    /** A new event (the device's context must be current). */
    static long event() {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer e = stack.mallocPointer(1);
            CudaCheck.check(cuEventCreate(e, CU_EVENT_DEFAULT), "cuEventCreate");
            return e.get(0);
        }
    }

    @Override
    public long nanos() {
        device.makeCurrent();
        CudaCheck.check(cuEventSynchronize(end), "cuEventSynchronize");
        try (MemoryStack stack = MemoryStack.stackPush()) {
            FloatBuffer ms = stack.mallocFloat(1);
            CudaCheck.check(cuEventElapsedTime(ms, start, end), "cuEventElapsedTime");
            return Math.round(ms.get(0) * 1e6);
        }
    }

    @Override
    public void close() {
        if (!device.makeCurrentQuietly()) {
            return;
        }
        for (long e : new long[] {start, end}) {
            if (e != 0) {
                int status = cuEventDestroy(e);
                if (status != 0) {
                    LOG.log(System.Logger.Level.WARNING, "CUDA: cuEventDestroy failed: " + CudaCheck.describe(status));
                }
            }
        }
    }
}
