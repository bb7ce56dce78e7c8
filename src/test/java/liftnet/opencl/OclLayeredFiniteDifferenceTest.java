package liftnet.opencl;

import org.junit.jupiter.api.Tag;

/**
 * {@link OclLayeredContractTest} with its gradients against central differences instead of the CPU engine: slow on PoCL, so only in the
 * {@code long} profile ({@code mvn -B -f core.xml test -Plong}, which {@code .ci/run} runs).
 */
@Tag("long")
class OclLayeredFiniteDifferenceTest extends OclLayeredContractTest {

    @Override
    protected boolean finiteDifferences() {
        return true;
    }
}
