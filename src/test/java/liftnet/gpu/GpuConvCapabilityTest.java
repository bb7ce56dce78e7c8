package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.api.Engine;
import liftnet.api.Engines;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Units;
import org.junit.jupiter.api.Test;

/**
 * The GPU engines accept convolutional nets ({@link GpuEngine#capabilities} has convolutions), and
 * {@code --device auto} sends such a net to an engine whose capabilities include convolutions.
 */
class GpuConvCapabilityTest {

    @Test
    void convNetsAreAcceptedByBothBackends() {
        NetConfig conv = new NetConfig(NetSpec.parse("1x28x28-c16k5s2-64-10"), Units.RELU, 0.125);
        for (String backend : new String[] {"opencl", "cuda"}) {
            assertTrue(GpuEngine.capabilities(backend).convolution(), backend);
            assertNull(GpuEngine.capabilities(backend).missingLayers(conv.net()), backend);
        }
        assertEquals("opencl:0", GpuEngine.supported("opencl:0", conv));
        assertEquals("cuda:1", GpuEngine.supported("cuda:1", conv));
    }

    @Test
    void autoRunsAConvNetOnAnEngineWhoseCapabilitiesHaveConvolutions() {
        NetConfig conv = new NetConfig(NetSpec.parse("1x8x8-c2k3s2-5-3"), Units.RELU, 0.125);
        try (Engine engine = Engines.open(Engines.AUTO, conv, 1)) {
            assertTrue(engine.capabilities().convolution(), engine.name());
            assertNull(engine.capabilities().missing(conv, null, null), engine.name());
        }
    }
}
