package liftnet.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared set-up of the CUDA tests: skip (with the probe's reason) where there is no CUDA device. */
final class CudaTesting {

    private CudaTesting() {
    }

    static int device() {
        assumeTrue(!CudaRuntime.devices().isEmpty(), () -> "no CUDA device: " + CudaRuntime.problem());
        return 0;
    }
}
