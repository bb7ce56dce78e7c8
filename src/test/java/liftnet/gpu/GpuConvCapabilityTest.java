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
 * The GPU engines accept convolutional nets and average pooling ({@link GpuEngine#capabilities} has both), and
 * {@code --device auto} sends such a net to an engine whose capabilities include them.
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
    void poolingNetsAreAcceptedByBothBackends() {
        NetConfig pooled = new NetConfig(NetSpec.parse("3x32x32-c16k3-p2-c32k3-p2-10"), Units.RELU, 0.125);
        for (String backend : new String[] {"opencl", "cuda"}) {
            assertTrue(GpuEngine.capabilities(backend).pooling(), backend);
            assertNull(GpuEngine.capabilities(backend).missingLayers(pooled.net()), backend);
        }
        assertEquals("opencl:0", GpuEngine.supported("opencl:0", pooled));
        assertEquals("cuda:0", GpuEngine.supported("cuda:0", pooled));
    }

    @Test
    void autoRunsAConvNetOnAnEngineWhoseCapabilitiesHaveConvolutions() {
        NetConfig conv = new NetConfig(NetSpec.parse("1x8x8-c2k3s2-5-3"), Units.RELU, 0.125);
        try (Engine engine = Engines.open(Engines.AUTO, conv, 1)) {
            assertTrue(engine.capabilities().convolution(), engine.name());
            assertNull(engine.capabilities().missing(conv, null, null), engine.name());
        }
    }

    /** A pooling net goes where a conv net of the same machine goes: auto's choice does not depend on the pooling. */
    @Test
    void autoSendsAPoolingNetWhereItSendsTheSameNetWithoutPooling() {
        NetConfig pooled = new NetConfig(NetSpec.parse("1x8x8-c2k3-p2-5-3"), Units.RELU, 0.125);
        NetConfig plain = new NetConfig(NetSpec.parse("1x8x8-c2k3-5-3"), Units.RELU, 0.125);
        try (Engine a = Engines.open(Engines.AUTO, pooled, 1); Engine b = Engines.open(Engines.AUTO, plain, 1)) {
            assertEquals(b.capabilities().engine(), a.capabilities().engine(), a.name() + " vs " + b.name());
            assertTrue(a.capabilities().pooling(), a.name());
        }
    }
}
