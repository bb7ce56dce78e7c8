package liftnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import liftnet.api.DeviceInfo;
import liftnet.api.EngineException;
import org.junit.jupiter.api.Test;

/**
 * The probe cache the GPU runtimes share: probed once, devices or a reason, a device by index, and the message for a
 * probe that threw; needs no device.
 */
class DeviceProbeTest {

    private record Handle(long id, DeviceInfo info) {
    }

    @Test
    void probesOnceOnFirstUse() {
        AtomicInteger calls = new AtomicInteger();
        DeviceProbe<DeviceInfo> probe = new DeviceProbe<>("Test", () -> {
            calls.incrementAndGet();
            return DeviceProbe.Result.found(List.of(new DeviceInfo("test", 0, "a", "p", true)));
        }, d -> d);
        assertEquals(0, calls.get(), "nothing is probed before it is asked for");
        assertEquals(1, probe.devices().size());
        assertEquals(1, probe.infos().size());
        assertNull(probe.problem());
        assertEquals(1, calls.get(), "probed once");
    }

    @Test
    void aFoundListIsACopyAndItsInfosKeepTheOrder() {
        List<Handle> found = new ArrayList<>(List.of(new Handle(7, new DeviceInfo("test", 0, "a", "p", true)),
                new Handle(9, new DeviceInfo("test", 1, "b", "p", false))));
        DeviceProbe<Handle> probe = new DeviceProbe<>("Test", () -> DeviceProbe.Result.found(found), Handle::info);
        assertEquals(List.of(7L, 9L), probe.devices().stream().map(Handle::id).toList());
        found.clear();
        assertEquals(List.of("a", "b"), probe.infos().stream().map(DeviceInfo::name).toList());
        assertThrows(UnsupportedOperationException.class, () -> probe.devices().clear());
        assertNull(probe.problem());
    }

    @Test
    void noDeviceComesWithItsReason() {
        DeviceProbe<DeviceInfo> probe = new DeviceProbe<>("Test", () -> DeviceProbe.Result.none("no driver"), d -> d);
        assertEquals(List.of(), probe.devices());
        assertEquals(List.of(), probe.infos());
        assertEquals("no driver", probe.problem());
        EngineException e = assertThrows(EngineException.class, () -> probe.device(0));
        assertEquals("no Test device 0; found 0 (no driver)", e.getMessage());
    }

    @Test
    void aDeviceIsPickedByIndexAndAMissingOneListsThoseFound() {
        DeviceInfo only = new DeviceInfo("test", 0, "a", "p", true);
        DeviceProbe<DeviceInfo> probe = new DeviceProbe<>("Test", () -> DeviceProbe.Result.found(List.of(only)), d -> d);
        assertSame(only, probe.device(0));
        for (int index : new int[] {-1, 1}) {
            EngineException e = assertThrows(EngineException.class, () -> probe.device(index));
            assertEquals("no Test device " + index + "; found 1: [test:0 a (p, gpu)]", e.getMessage());
        }
    }

    @Test
    void aProbeThatThrewNamesTheLibraryTheErrorAndItsMessage() {
        assertEquals("CUDA unavailable: cannot use libcuda.so.1 (UnsatisfiedLinkError: no symbol cuInit)",
                DeviceProbe.unusable("CUDA", "libcuda.so.1", new UnsatisfiedLinkError(" no symbol cuInit\n")));
        assertEquals("OpenCL unavailable: cannot use libOpenCL.so.1 (IllegalStateException: java.lang.IllegalStateException)",
                DeviceProbe.unusable("OpenCL", "libOpenCL.so.1", new IllegalStateException()));
    }
}
