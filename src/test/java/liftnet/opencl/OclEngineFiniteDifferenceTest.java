package liftnet.opencl;

import org.junit.jupiter.api.Tag;

/**
 * {@link OclEngineContractTest} with its gradients against central differences instead of the CPU engine: slow on PoCL, so only in the
 * {@code long} profile ({@code mvn -B -f core.xml test -Plong}, which {@code .ci/run} runs).
 */
@Tag("long")
class OclEngineFiniteDifferenceTest extends OclEngineContractTest {

    @Override
    protected boolean finiteDifferences() {
        return true;
    }
}
