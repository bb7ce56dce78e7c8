package liftnet.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/gpu-check.sh} (the wrapper and {@link liftnet.gpucheck.GpuCheck} behind it) where {@code nvidia-smi} lists a GPU that CUDA cannot use (a stand-in
 * {@code nvidia-smi} on the PATH, a driver library that does not exist): a FAIL line naming the library, the
 * failed step in the summary and the JSON, and a non-zero exit status, not a quiet skip. And with {@code --out} alone
 * it writes its results there, not into bench/results/.
 */
class GpuCheckScriptTest {

    private static final long TIMEOUT_S = 180;

    @Test
    void aListedGpuThatCudaCannotUseFailsTheCheck(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, """
                #!/bin/sh
                case "$1" in
                  -L) echo "GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)" ;;
                  --query-gpu=*) echo "name, driver_version, memory.total [MiB]"; echo "NVIDIA H200, 570.00, 143771 MiB" ;;
                  *) echo "| NVIDIA-SMI 570.00    Driver Version: 570.00    CUDA Version: 12.8 |" ;;
                esac
                """, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = dir.resolve("out");
        String library = dir.resolve("libcuda-standin.so.1").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", "scripts/gpu-check.sh", "--no-tests", "--no-train", "--no-speed",
                "--out", out.toString(), "--results", dir.resolve("results").toString(), "--java", javaBin.toString(), "--cp", classPath))
                .redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("LIFTNET_CUDA_LIBRARY", library);
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "gpu-check did not end within " + TIMEOUT_S + " s");
        String text = new String(output, StandardCharsets.UTF_8);

        assertEquals(1, p.exitValue(), text);
        String fail = text.lines().filter(l -> l.startsWith("FAIL: ")).findFirst().orElse("");
        assertTrue(fail.contains("nvidia-smi lists 1 GPU(s) but CUDA cannot use them") && fail.contains(library), text);
        assertTrue(text.lines().anyMatch(l -> l.matches("FAIL +cuda probe .*" + Pattern.quote(library) + ".*")), text);
        assertTrue(text.contains("1 of 1 steps not passed"), text);
        JsonObject json = JsonParser.parseString(Files.readString(single(out, ".json"))).getAsJsonObject();
        JsonObject step = json.getAsJsonArray("steps").get(0).getAsJsonObject();
        assertEquals("cuda probe", step.get("name").getAsString(), json.toString());
        assertEquals("FAIL", step.get("status").getAsString(), json.toString());
        assertEquals(1, json.get("failures").getAsInt(), json.toString());
        assertTrue(Files.readString(single(out, ".txt")).contains(fail), "the results file in --out holds the FAIL line");
        assertTrue(Files.isRegularFile(out.resolve("gpu-check-logs/cuda-devices.log")), "the probe's log is in --out");
    }

    /** With {@code --out DIR} alone the results go to DIR and nowhere else: bench/results/ gains nothing. */
    @Test
    void outAloneWritesOnlyThere(@TempDir Path dir) throws Exception {
        Path results = Path.of("bench", "results");
        List<String> before = listing(results);
        Path out = dir.resolve("out");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of("bash", "scripts/gpu-check.sh", "--no-tests", "--no-train", "--no-speed",
                "--out", out.toString(), "--java", javaBin.toString(), "--cp", classPath))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "gpu-check did not end within " + TIMEOUT_S + " s");
        assertTrue(Files.readString(single(out, ".txt")).contains("== summary =="), "the results file is in --out");
        single(out, ".json");
        assertEquals(before, listing(results), "gpu-check --out wrote into " + results);
    }

    /**
     * SIGTERM while a child runs (a stand-in {@code nvidia-smi} that sleeps): the child is ended, the summary written,
     * and the exit status is 143.
     */
    @Test
    void sigtermEndsTheRunningChildWritesTheSummaryAndExits143(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path pidFile = dir.resolve("smi.pid");
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\necho $$ > '" + pidFile + "'\nexec sleep 120\n", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = dir.resolve("out");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", "scripts/gpu-check.sh", "--no-tests", "--no-train", "--no-speed",
                "--out", out.toString(), "--java", javaBin.toString(), "--cp", classPath))
                .redirectErrorStream(true).redirectOutput(dir.resolve("output.txt").toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (!Files.isRegularFile(pidFile) || Files.readString(pidFile).isBlank()) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "the stand-in nvidia-smi never started: "
                    + Files.readString(dir.resolve("output.txt")));
            Thread.sleep(100);
        }
        long sleeper = Long.parseLong(Files.readString(pidFile).strip());
        p.destroy(); // SIGTERM to the JVM (the wrapper execs it)
        assertTrue(p.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "gpu-check did not end within " + TIMEOUT_S + " s of SIGTERM");
        String text = Files.readString(dir.resolve("output.txt"));
        assertEquals(143, p.exitValue(), text);
        assertTrue(text.contains("gpu-check: SIGTERM after") && text.contains("== summary =="), text);
        assertTrue(ProcessHandle.of(sleeper).map(h -> !h.isAlive()).orElse(true), "the running child " + sleeper + " was left alive");
        assertTrue(Files.readString(single(out, ".txt")).contains("== summary =="), "the results file holds the summary");
    }

    private static List<String> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static Path single(Path dir, String suffix) throws IOException {
        try (var files = Files.list(dir)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().endsWith(suffix)).toList();
            assertEquals(1, found.size(), "files *" + suffix + " in " + dir + ": " + found);
            return found.get(0);
        }
    }
}
