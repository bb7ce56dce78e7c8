package liftnet.cuda;

import static org.lwjgl.cuda.CU.cuMemFree;

import liftnet.gpu.GpuBuffer;

/** A {@code CUdeviceptr} allocation. */
final class CudaBuffer implements GpuBuffer {

    private static final System.Logger LOG = System.getLogger(CudaBuffer.class.getName());

    private final CudaDevice owner;
    private long ptr;
    private final long bytes;

    CudaBuffer(CudaDevice owner, long ptr, long bytes) {
        this.owner = owner;
        this.ptr = ptr;
        this.bytes = bytes;
    }

    long ptr() {
        if (ptr == 0) {
            throw new IllegalStateException("CUDA buffer of " + bytes + " bytes was freed");
        }
        return ptr;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (ptr != 0) {
            long p = ptr;
            ptr = 0;
            if (owner.makeCurrentQuietly()) {
                int status = cuMemFree(p);
                if (status != 0) {
                    LOG.log(System.Logger.Level.WARNING, "cuMemFree failed: " + CudaCheck.describe(status));
                }
            }
        }
    }
}
