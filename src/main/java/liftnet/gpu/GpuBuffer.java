package liftnet.gpu;

/** A block of device memory owned by a {@link GpuDevice}. */
public interface GpuBuffer extends AutoCloseable {

    /** Size in bytes. */
    long bytes();

    /** Frees the memory; logs instead of throwing; idempotent. */
    @Override
    void close();
}
