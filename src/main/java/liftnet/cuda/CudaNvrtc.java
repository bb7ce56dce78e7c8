package liftnet.cuda;

import static org.lwjgl.cuda.NVRTC.nvrtcCompileProgram;
import static org.lwjgl.cuda.NVRTC.nvrtcCreateProgram;
import static org.lwjgl.cuda.NVRTC.nvrtcDestroyProgram;
import static org.lwjgl.cuda.NVRTC.nvrtcGetPTX;
import static org.lwjgl.cuda.NVRTC.nvrtcGetPTXSize;
import static org.lwjgl.cuda.NVRTC.nvrtcGetProgramLog;
import static org.lwjgl.cuda.NVRTC.nvrtcGetProgramLogSize;

import java.nio.ByteBuffer;
import liftnet.api.EngineException;
import liftnet.gpu.KernelBuildException;
import liftnet.gpu.KernelSource;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * Run-time compilation of a CUDA module with NVRTC, for jars built without nvcc. LWJGL finds
 * {@code libnvrtc} through {@code -Dorg.lwjgl.cuda.nvrtc.libname} or the CUDA toolkit path.
 */
final class CudaNvrtc {

    private CudaNvrtc() {
    }

    /** PTX of {@code source} (a {@link KernelSource.Target#CUDA} source) for {@code compute_<arch>}. */
    static byte[] compile(KernelSource source, int arch) {
        String text = source.text();
        String name = String.join("+", source.files());
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer prog = stack.mallocPointer(1);
            int status;
            try {
                status = nvrtcCreateProgram(prog, text, name, null, null);
            } catch (Throwable t) {
                throw new EngineException("CUDA: the jar holds no PTX for " + name + " (built without nvcc on the PATH) and NVRTC "
                        + "cannot be loaded (" + t + "); rebuild with nvcc on the PATH or install the CUDA toolkit's libnvrtc", t);
            }
            checkNvrtc(status, "nvrtcCreateProgram");
            long p = prog.get(0);
            try {
                PointerBuffer options = stack.pointers(stack.UTF8("--gpu-architecture=compute_" + arch), stack.UTF8("-DCUDA"));
                status = nvrtcCompileProgram(p, options);
                if (status != 0) {
                    throw new KernelBuildException("NVRTC " + name + " for compute_" + arch, "nvrtcCompileProgram status " + status, log(p));
                }
                PointerBuffer size = stack.mallocPointer(1);
                checkNvrtc(nvrtcGetPTXSize(p, size), "nvrtcGetPTXSize");
                ByteBuffer ptx = MemoryUtil.memAlloc((int) size.get(0));
                try {
                    checkNvrtc(nvrtcGetPTX(p, ptx), "nvrtcGetPTX");
                    byte[] out = new byte[Math.max(0, ptx.capacity() - 1)];
                    ptx.get(out);
                    return out;
                } finally {
                    MemoryUtil.memFree(ptx);
                }
            } finally {
                nvrtcDestroyProgram(prog.put(0, p));
            }
        }
    }

    private static String log(long p) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            if (nvrtcGetProgramLogSize(p, size) != 0) {
                return "(log unavailable)";
            }
            ByteBuffer buf = MemoryUtil.memAlloc((int) Math.max(1, size.get(0)));
            try {
                nvrtcGetProgramLog(p, buf);
                return MemoryUtil.memUTF8(buf, Math.max(0, buf.capacity() - 1));
            } finally {
                MemoryUtil.memFree(buf);
            }
        }
    }

    private static void checkNvrtc(int status, String call) {
        if (status != 0) {
            throw new EngineException("NVRTC: " + call + " failed with status " + status);
        }
    }
}
