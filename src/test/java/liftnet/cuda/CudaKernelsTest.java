package liftnet.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import liftnet.api.DeviceInfo;
import liftnet.api.EngineException;
import liftnet.gpu.GpuEngine;
import liftnet.gpu.KernelSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA form of the kernels, where nvcc is on the PATH: every module compiles with warnings as errors and
 * together they define every kernel the engine launches. Also the CUDA backend's behaviour without a GPU.
 */
class CudaKernelsTest {

    @Test
    void everyModuleCompilesWithNvccWarningsAsErrors(@TempDir Path dir) throws Exception {
        Path nvcc = PtxBuilder.findNvcc();
        assumeTrue(nvcc != null, "nvcc is not on the PATH");
        StringBuilder ptx = new StringBuilder();
        for (String file : KernelSource.MODULES) {
            String module = KernelSource.moduleName(file);
            Path out = dir.resolve(module + ".ptx");
            PtxBuilder.Result r = PtxBuilder.compile(nvcc, KernelSource.cudaModule(file), dir.resolve(module + ".cu"), out);
            assertEquals(0, r.exitCode(), "nvcc " + String.join(" ", PtxBuilder.command(nvcc, dir.resolve(module + ".cu"), out))
                    + " failed:\n" + r.output());
            ptx.append(Files.readString(out, StandardCharsets.UTF_8));
        }
        for (String k : GpuEngine.KERNELS) {
            assertTrue(ptx.indexOf(".entry " + k + "(") >= 0, "PTX defines kernel " + k + " (unmangled)");
        }
    }

    @Test
    void bundledPtxIsBuiltFromTheCurrentSources() {
        for (String file : KernelSource.MODULES) {
            String module = KernelSource.moduleName(file);
            byte[] ptx = PtxBuilder.bundledPtx(module);
            assumeTrue(ptx != null, "no PTX on the class path (built without nvcc)");
            String first = new String(ptx, 0, Math.min(ptx.length, 200), StandardCharsets.US_ASCII).lines().findFirst().orElse("");
            assertEquals("// liftnet-source-sha256 " + PtxBuilder.sha256(KernelSource.cudaModule(file).text()), first,
                    module + ".ptx is stale: rebuild (mvn process-classes)");
        }
    }

    @Test
    void withoutADriverTheProviderIsEmptyAndSaysWhy() {
        CudaEngineProvider p = new CudaEngineProvider();
        assertEquals("cuda", p.id());
        assertTrue(p.priority() > new liftnet.opencl.OclEngineProvider().priority());
        List<DeviceInfo> devices = p.devices();
        if (devices.isEmpty()) {
            String why = p.probeProblem();
            assertTrue(why != null && !why.isBlank(), "an empty device list comes with a reason");
            EngineException e = org.junit.jupiter.api.Assertions.assertThrows(EngineException.class,
                    () -> p.create(new liftnet.api.NetConfig(liftnet.api.NetSpec.parse("4-3-2"), liftnet.api.Units.RELU, 0.5), 0));
            assertTrue(e.getMessage().contains("no CUDA device 0"), e.getMessage());
        } else {
            assertEquals(null, p.probeProblem());
            assertTrue(devices.get(0).gpu());
        }
    }
}
