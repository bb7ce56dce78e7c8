package liftnet.cuda;

import liftnet.gpu.GpuKernel;

/** A {@code CUfunction} of one of the device's modules (unloaded with them). */
final class CudaKernel implements GpuKernel {

    private final String name;
    private final long function;
    private int dynamicSharedLimit = 48 * 1024;

    CudaKernel(String name, long function) {
        this.name = name;
        this.function = function;
    }

    @Override
    public String name() {
        return name;
    }

    long function() {
        return function;
    }

    int dynamicSharedLimit() {
        return dynamicSharedLimit;
    }

    void dynamicSharedLimit(int bytes) {
        dynamicSharedLimit = bytes;
    }
}
