package liftnet.cuda;

import static org.lwjgl.cuda.CU.cuGetErrorName;

import liftnet.api.EngineException;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/** Turns CUDA driver status codes into exceptions that name the error, its code and the call that failed. */
public final class CudaCheck {

    private CudaCheck() {
    }

    /** {@code CUDA_ERROR_OUT_OF_MEMORY (2)}, as the driver names it. */
    public static String describe(int status) {
        String name = null;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer p = stack.mallocPointer(1);
            if (cuGetErrorName(status, p) == 0 && p.get(0) != 0) {
                name = MemoryUtil.memASCII(p.get(0));
            }
        } catch (Throwable t) {
            name = null;
        }
        return (name == null ? "CUDA error" : name) + " (" + status + ")";
    }

    /**
     * @throws EngineException naming the error, its code and {@code call}, unless {@code status} is {@code CUDA_SUCCESS}
     */
    public static void check(int status, String call) {
        if (status != 0) {
            throw new EngineException("CUDA: " + call + " failed: " + describe(status));
        }
    }
}
