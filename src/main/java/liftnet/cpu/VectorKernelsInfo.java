package liftnet.cpu;

import jdk.incubator.vector.FloatVector;

/** Describes the vector width the CPU kernels run at. */
final class VectorKernelsInfo {

    private VectorKernelsInfo() {
    }

    static String describe() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors";
    }
}
