package liftnet.cuda;

import static org.lwjgl.cuda.CU.CUDA_ERROR_ASSERT;
import static org.lwjgl.cuda.CU.CUDA_ERROR_ECC_UNCORRECTABLE;
import static org.lwjgl.cuda.CU.CUDA_ERROR_HARDWARE_STACK_ERROR;
import static org.lwjgl.cuda.CU.CUDA_ERROR_ILLEGAL_ADDRESS;
import static org.lwjgl.cuda.CU.CUDA_ERROR_ILLEGAL_INSTRUCTION;
import static org.lwjgl.cuda.CU.CUDA_ERROR_INVALID_ADDRESS_SPACE;
import static org.lwjgl.cuda.CU.CUDA_ERROR_INVALID_PC;
import static org.lwjgl.cuda.CU.CUDA_ERROR_LAUNCH_FAILED;
import static org.lwjgl.cuda.CU.CUDA_ERROR_LAUNCH_TIMEOUT;
import static org.lwjgl.cuda.CU.CUDA_ERROR_MISALIGNED_ADDRESS;
import static org.lwjgl.cuda.CU.cuGetErrorName;

import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import liftnet.api.EngineException;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * Turns CUDA driver status codes into exceptions that name the error, its code and the call that failed.
 *
 * <p>Sticky faults ({@link #STICKY}: an illegal address, a failed launch, ...) leave the process's CUDA context
 * unusable: every later call fails, and the JVM keeps the primary context for its lifetime. The first one is
 * reported in full and remembered; from then on {@link #requireUsable()} (called before every CUDA operation)
 * refuses further CUDA work with one clear line instead of a cascade of unrelated errors.
 */
public final class CudaCheck {

    /** Errors after which the context is corrupt until the process exits (CUDA driver API documentation). */
    static final Set<Integer> STICKY = Set.of(CUDA_ERROR_ILLEGAL_ADDRESS, CUDA_ERROR_LAUNCH_FAILED,
            CUDA_ERROR_HARDWARE_STACK_ERROR, CUDA_ERROR_ILLEGAL_INSTRUCTION, CUDA_ERROR_MISALIGNED_ADDRESS,
            CUDA_ERROR_INVALID_ADDRESS_SPACE, CUDA_ERROR_INVALID_PC, CUDA_ERROR_ASSERT, CUDA_ERROR_LAUNCH_TIMEOUT,
            CUDA_ERROR_ECC_UNCORRECTABLE);

    /** The first sticky fault of this process, or null. */
    private static final AtomicReference<String> FAULT = new AtomicReference<>();

    private CudaCheck() {
    }

    /**
     * @throws EngineException once a sticky fault was seen in this process: {@code CUDA is unusable in this process
     *                         after ...; restart ...}
     */
    public static void requireUsable() {
        String fault = FAULT.get();
        if (fault != null) {
            throw new EngineException("CUDA is unusable in this process after an earlier fault (" + fault
                    + "); restart the program (a run continues with --resume from its last epoch) or use --device opencl|cpu");
        }
    }

    /** The first sticky fault seen in this process, or null; for tests and diagnostics. */
    static String fault() {
        return FAULT.get();
    }

    /** Forgets the fault: tests only, which provoke one without a device. */
    static void forgetFault() {
        FAULT.set(null);
    }

    /** Remembers {@code status} when it is sticky (first one wins); whether it was. */
    static boolean noteSticky(int status, String call) {
        if (STICKY.contains(status)) {
            FAULT.compareAndSet(null, describe(status) + " in " + call);
            return true;
        }
        return false;
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
            boolean sticky = noteSticky(status, call);
            throw new EngineException("CUDA: " + call + " failed: " + describe(status) + (sticky
                    ? "; the CUDA context is corrupt and further CUDA work in this process is refused; restart the"
                    + " program (a run continues with --resume from its last epoch)" : ""));
        }
    }
}
