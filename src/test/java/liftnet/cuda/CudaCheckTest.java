package liftnet.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.api.EngineException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sticky faults: reported once in full, then every CUDA operation is refused with one clear line (no device needed). */
class CudaCheckTest {

    @AfterEach
    void forget() {
        CudaCheck.forgetFault();
    }

    @Test
    void aStickyFaultIsReportedOnceAndRefusesLaterWork() {
        assertDoesNotThrow(CudaCheck::requireUsable);
        EngineException first = assertThrows(EngineException.class,
                () -> CudaCheck.check(org.lwjgl.cuda.CU.CUDA_ERROR_ILLEGAL_ADDRESS, "cuStreamSynchronize"));
        assertTrue(first.getMessage().contains("cuStreamSynchronize") && first.getMessage().contains("(700)")
                && first.getMessage().contains("--resume"), first.getMessage());
        EngineException later = assertThrows(EngineException.class, CudaCheck::requireUsable);
        assertTrue(later.getMessage().startsWith("CUDA is unusable in this process after an earlier fault")
                && later.getMessage().contains("cuStreamSynchronize") && later.getMessage().contains("--device opencl|cpu"),
                later.getMessage());
    }

    @Test
    void anOrdinaryErrorLeavesCudaUsable() {
        assertThrows(EngineException.class, () -> CudaCheck.check(org.lwjgl.cuda.CU.CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc"));
        assertDoesNotThrow(CudaCheck::requireUsable);
    }
}
