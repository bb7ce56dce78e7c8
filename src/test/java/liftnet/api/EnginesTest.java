package liftnet.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Backends are found and named by {@link java.util.ServiceLoader} discovery alone. */
class EnginesTest {

    private static final NetConfig NET = new NetConfig(NetSpec.parse("4-3-2"), Units.RELU, 0.5);

    @Test
    void everyDiscoveredBackendIsADeviceName() {
        for (EngineProvider p : Engines.providers()) {
            assertEquals(new Engines.DeviceChoice(p.id(), 0), Engines.DeviceChoice.parse(p.id()));
            assertTrue(Engines.deviceSyntax().contains(p.id()), Engines.deviceSyntax());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Engines.DeviceChoice.parse("tornado"));
        assertTrue(e.getMessage().contains(Engines.deviceSyntax()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Engines.DeviceChoice.parse("auto:1"));
    }

    @Test
    void threadsReachTheHostBackendThroughItsProvider() {
        EngineProvider host = Engines.hostProvider();
        assertFalse(host.isGpu());
        for (int threads : new int[] {1, 3}) {
            try (Engine e = Engines.open(host.id(), NET, threads)) {
                assertTrue(e.name().contains(threads + " thread"), e.name());
            }
        }
    }
}
