package liftnet.opencl;

import static org.lwjgl.opencl.CL10.clReleaseMemObject;

import liftnet.gpu.GpuBuffer;

/** A {@code cl_mem} buffer. */
final class OclBuffer implements GpuBuffer {

    private static final System.Logger LOG = System.getLogger(OclBuffer.class.getName());

    private long mem;
    private final long bytes;

    OclBuffer(long mem, long bytes) {
        this.mem = mem;
        this.bytes = bytes;
    }

    long mem() {
        if (mem == 0) {
            throw new IllegalStateException("OpenCL buffer of " + bytes + " bytes was freed");
        }
        return mem;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (mem != 0) {
            int status = clReleaseMemObject(mem);
            mem = 0;
            if (status != 0) {
                LOG.log(System.Logger.Level.WARNING, "clReleaseMemObject failed: " + OclCheck.describe(status));
            }
        }
    }
}
