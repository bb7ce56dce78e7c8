package liftnet.cuda;

import liftnet.gpu.GpuKernel;

/** A {@code CUfunction} of one of the device's modules (shared by the engines on the device, kept for the JVM). */
final class CudaKernel implements GpuKernel {

    /** Shared memory, static and dynamic, a block may use without opting in ({@code cuFuncSetAttribute}). */
    static final int DEFAULT_DYNAMIC_LIMIT = 48 * 1024;

    private final String name;
    private final long function;
    private final int staticShared;
    private int dynamicSharedLimit;

    CudaKernel(String name, long function, int staticShared) {
        this.name = name;
        this.function = function;
        this.staticShared = staticShared;
        this.dynamicSharedLimit = Math.max(0, DEFAULT_DYNAMIC_LIMIT - staticShared);
    }

    @Override
    public String name() {
        return name;
    }

    long function() {
        return function;
    }

    /** The kernel's static ({@code __shared__} arrays) shared memory, bytes ({@code CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES}). */
    int staticShared() {
        return staticShared;
    }

    /**
     * Dynamic shared memory a launch may use now: the default's remainder, or what was opted in to. Read and changed
     * only while holding this kernel's lock ({@link CudaDevice#launch} holds it across check, raise and launch).
     */
    int dynamicSharedLimit() {
        assert Thread.holdsLock(this);
        return dynamicSharedLimit;
    }

    /** Records that the limit was raised to {@code bytes}; never lowers it (another engine may rely on the higher one). */
    void raiseDynamicSharedLimit(int bytes) {
        assert Thread.holdsLock(this);
        dynamicSharedLimit = Math.max(dynamicSharedLimit, bytes);
    }
}
