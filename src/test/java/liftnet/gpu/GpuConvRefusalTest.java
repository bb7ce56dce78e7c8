package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.api.Engine;
import liftnet.api.EngineException;
import liftnet.api.Engines;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Units;
import org.junit.jupiter.api.Test;

/**
 * The GPU engines refuse convolutional nets in one message, before they open a device ({@link GpuEngine#supported}),
 * and {@code --device auto} sends such a net to an engine whose capabilities include convolutions.
 */
class GpuConvRefusalTest {

    @Test
    void convNetsAreRefusedAndDenseNetsPass() {
        NetConfig conv = new NetConfig(NetSpec.parse("1x28x28-c16k5s2-64-10"), Units.RELU, 0.125);
        EngineException e = assertThrows(EngineException.class, () -> GpuEngine.supported("opencl:0", conv));
        assertEquals("the opencl engine does not support convolutional layers; use --device cpu", e.getMessage());
        e = assertThrows(EngineException.class, () -> GpuEngine.supported("cuda:1", conv));
        assertEquals("the cuda engine does not support convolutional layers; use --device cpu", e.getMessage());
        NetConfig dense = new NetConfig(NetSpec.parse("1x28x28-64-10"), Units.RELU, 0.125);
        assertEquals("opencl:0", GpuEngine.supported("opencl:0", dense));
    }

    @Test
    void autoRunsAConvNetOnTheEngineWhoseCapabilitiesHaveConvolutions() {
        NetConfig conv = new NetConfig(NetSpec.parse("1x8x8-c2k3s2-5-3"), Units.RELU, 0.125);
        assertEquals("convolutional layers", GpuEngine.capabilities("opencl").missingLayers(conv.net()));
        try (Engine engine = Engines.open(Engines.AUTO, conv, 1)) {
            assertTrue(engine.capabilities().convolution(), engine.name());
            assertNull(engine.capabilities().missing(conv, null, null), engine.name());
        }
    }
}
