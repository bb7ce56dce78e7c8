package liftnet.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import liftnet.api.EngineException;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Units;
import liftnet.gpu.KernelSource;
import liftnet.gpu.SyncLaunches;
import org.junit.jupiter.api.Test;

/**
 * The parts of the CUDA device that hold without a GPU (PTX flavours in the jar, the shared-memory check, the
 * settings), and, on a GPU, that every engine of the JVM shares one context and one set of modules.
 */
class CudaDeviceTest {

    @Test
    void theJarCarriesBothPtxFlavoursOfEveryModule() {
        for (String file : KernelSource.MODULES) {
            String module = KernelSource.moduleName(file);
            byte[] nativePtx = PtxBuilder.bundledPtx(module, PtxBuilder.Flavour.NATIVE);
            assumeTrue(nativePtx != null, "no PTX on the class path (built without nvcc)");
            byte[] compatPtx = PtxBuilder.bundledPtx(module, PtxBuilder.Flavour.COMPAT);
            assertNotNull(compatPtx, PtxBuilder.resource(module, PtxBuilder.Flavour.COMPAT) + " is missing beside " + PtxBuilder.resource(module));
            String n = new String(nativePtx, StandardCharsets.US_ASCII);
            String c = new String(compatPtx, StandardCharsets.US_ASCII);
            String isa = PtxBuilder.isa(n);
            assertNotNull(isa, module + ".ptx declares no ISA");
            String expected = PtxBuilder.olderIsa(PtxBuilder.COMPAT_ISA, isa) ? PtxBuilder.COMPAT_ISA : isa;
            assertEquals(expected, PtxBuilder.isa(c), "ISA of the compatible flavour of " + module);
            assertEquals(PtxBuilder.declareIsa(n, expected), c, module + ": the flavours differ in more than the .version line");
        }
    }

    @Test
    void declaringAnotherIsaChangesOnlyTheVersionLine() {
        String ptx = "// liftnet-source-sha256 ab\n//\n.version 9.0\n.target sm_75\n.address_size 64\n.version_note 9.0\n";
        assertEquals("9.0", PtxBuilder.isa(ptx));
        String older = PtxBuilder.declareIsa(ptx, "7.8");
        assertEquals(ptx.replace(".version 9.0\n", ".version 7.8\n"), older);
        assertEquals("7.8", PtxBuilder.isa(older));
        assertTrue(PtxBuilder.olderIsa("7.8", "9.0") && PtxBuilder.olderIsa("8.5", "8.10") && !PtxBuilder.olderIsa("9.0", "9.0"));
        assertThrows(IllegalArgumentException.class, () -> PtxBuilder.declareIsa(".target sm_75\n", "7.8"));
    }

    @Test
    void ptxSettingOrdersTheFlavours() {
        assertEquals(List.of(PtxBuilder.Flavour.NATIVE, PtxBuilder.Flavour.COMPAT), CudaContext.flavours(null));
        assertEquals(List.of(PtxBuilder.Flavour.NATIVE, PtxBuilder.Flavour.COMPAT), CudaContext.flavours("Auto"));
        assertEquals(List.of(PtxBuilder.Flavour.COMPAT), CudaContext.flavours("compat"));
        assertEquals(List.of(PtxBuilder.Flavour.NATIVE), CudaContext.flavours("native"));
        EngineException e = assertThrows(EngineException.class, () -> CudaContext.flavours("old"));
        assertTrue(e.getMessage().contains(CudaContext.PTX_PROPERTY), e.getMessage());
        assertTrue(CudaContext.RETRY_STATUSES.contains(org.lwjgl.cuda.CU.CUDA_ERROR_UNSUPPORTED_PTX_VERSION));
    }

    @Test
    void sharedMemoryBeyondTheDeviceLimitIsRefusedWithBothAmounts() {
        CudaDevice.checkSharedMemory("fused_solve", 1024, 227 * 1024 - 1024, 227 * 1024, "NVIDIA H200");
        EngineException e = assertThrows(EngineException.class,
                () -> CudaDevice.checkSharedMemory("fused_solve", 1024, 227 * 1024, 227 * 1024, "NVIDIA H200"));
        String m = e.getMessage();
        assertTrue(m.contains("fused_solve") && m.contains((228 * 1024) + " bytes") && m.contains("1024 static")
                && m.contains((227 * 1024) + " dynamic") && m.contains("NVIDIA H200 allows " + 227 * 1024), m);
    }

    @Test
    void syncLaunchSwitchReadsTrueOneAndYes() {
        for (String on : new String[] {"true", "1", " YES "}) {
            assertTrue(SyncLaunches.on(on), on);
        }
        for (String off : new String[] {null, "", "0", "false", "no"}) {
            assertFalse(SyncLaunches.on(off), String.valueOf(off));
        }
        String d = SyncLaunches.describe("gemm_nt", 4, 2, 16, 16, 0);
        assertTrue(d.contains("gemm_nt") && d.contains("grid 4x2") && d.contains("block 16x16"), d);
    }

    /** On a GPU: the second and third engine on a device create no context and load no module. */
    @Test
    void enginesShareOneContextAndOneSetOfModulesPerDevice() {
        int device = CudaTesting.device();
        NetConfig config = new NetConfig(NetSpec.parse("6-5-4"), Units.RELU, NetConfig.PAPER_GAMMA);
        try (CudaEngine first = new CudaEngine(config, device)) {
            int contexts = CudaDevice.contextRetains();
            int modules = CudaDevice.moduleLoads();
            assertEquals(1, contexts, "primary contexts retained for one device");
            assertTrue(modules >= KernelSource.MODULES.size(), "modules loaded: " + modules);
            try (CudaEngine second = new CudaEngine(config, device); CudaEngine third = new CudaEngine(config, device)) {
                assertEquals(contexts, CudaDevice.contextRetains(), "contexts after two more engines");
                assertEquals(modules, CudaDevice.moduleLoads(), "module loads after two more engines");
            }
        }
        try (CudaEngine again = new CudaEngine(config, device)) {
            assertEquals(1, CudaDevice.contextRetains(), "contexts after closing every engine and opening one");
        }
    }
}
