package liftnet.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import liftnet.api.NetSpec;
import liftnet.api.SolverConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The throughput probe of {@code scripts/gpu-check.sh}, on the CPU engine with a small net. */
class ThroughputTest {

    @Test
    void measuresTheCpuEngineAndReportsAMissingDeviceWithoutThrowing() {
        var data = Throughput.dataset(NetSpec.parse("20-16-16-10"), Path.of("no-such-dir"));
        assertEquals("synthetic", data.name());
        var cpu = Throughput.measure("cpu", 1, "20-16-16-10", 50, data, SolverConfig.paperDefault(), 0.01, 0.05);
        assertNull(cpu.error(), cpu.toString());
        assertTrue(cpu.steps() >= 1 && cpu.samplesPerSecond() > 0, cpu.toString());

        var bad = Throughput.measure("opencl:99", 0, "20-16-16-10", 50, data, SolverConfig.paperDefault(), 0.01, 0.05);
        assertTrue(bad.error() != null && bad.error().startsWith("open:"), bad.toString());
        assertEquals(0, bad.steps());

        String table = Throughput.table(List.of(cpu, bad));
        assertTrue(table.contains("20-16-16-10") && table.lines().count() == 2, table);
    }

    @Test
    void mergeJoinsTheRunsOfSeveralEngines(@TempDir Path dir) throws Exception {
        var a = new Throughput.Case("cpu", "cpu (2 threads)", "20-16-16-10", 50, 10, 1.0, 500, 15, "synthetic", null);
        var b = new Throughput.Case("cuda", "cuda:0 X", "20-16-16-10", 50, 10, 0.1, 5000, 15, "synthetic", null);
        Throughput.write(dir.resolve("cpu.json"), Map.of("cases", List.of(Throughput.toMap(a))));
        Throughput.write(dir.resolve("cuda.json"), Map.of("cases", List.of(Throughput.toMap(b))));
        Path merged = dir.resolve("all.json");
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        try (var o = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
             var e = new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8)) {
            Throughput.merge(List.of(dir.resolve("cpu.json"), dir.resolve("cuda.json"), dir.resolve("missing.json")), merged, o, e);
        }
        String printed = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(printed.contains("cuda/cpu") && printed.contains("10.0x"), "the merged table:\n" + printed);
        assertEquals("note: " + dir.resolve("missing.json") + " is missing (that run measured nothing)\n",
                err.toString(java.nio.charset.StandardCharsets.UTF_8));
        String text = Files.readString(merged);
        assertTrue(text.contains("\"cuda:0 X\"") && text.contains("\"cpu (2 threads)\""), text);
        String table = Throughput.table(List.of(a, b));
        assertTrue(table.contains("10.0x"), table);
    }

    @Test
    void cpuThreadCountsAreColumnsBesideTheGpuWithoutRatios() {
        var data = Throughput.dataset(NetSpec.parse("20-16-16-10"), Path.of("no-such-dir"));
        var one = Throughput.measure("cpu@1", 0, "20-16-16-10", 50, data, SolverConfig.paperDefault(), 0.01, 0.05);
        assertNull(one.error(), one.toString());
        assertTrue(one.device().contains("1 thread"), one.device());
        var all = new Throughput.Case("cpu", "cpu (16 threads)", "20-16-16-10", 50, 10, 1.0, 1000, 15, "synthetic", null);
        var gpu = new Throughput.Case("cuda", "cuda:0 X", "20-16-16-10", 50, 10, 0.1, 4000, 15, "synthetic", null);
        var other = new Throughput.Case("cpu", "cpu (16 threads)", "30-10", 1000, 10, 1.0, 9000, 15, "synthetic", null);
        String table = Throughput.table(List.of(one, all, gpu, other));
        List<String> lines = table.lines().toList();
        assertTrue(lines.get(0).contains("cpu@1") && lines.get(0).contains("cuda/cpu") && !lines.get(0).contains("cpu@1/cpu"), table);
        assertTrue(lines.get(1).contains("4.0x"), table);
        assertEquals(3, lines.size(), "a row only for each measured net and batch:\n" + table);
    }
}
