package liftnet.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import liftnet.api.DeviceInfo;
import liftnet.api.EngineProvider;
import liftnet.api.Engines;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the standard benchmark set (or {@code --quick}, a smoke version) on the engines present and writes
 * {@code <out>/<machine>-<date>[-quick].json} (a summary of the machine plus JMH's JSON), a markdown table
 * and a PNG chart ({@link Report}).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar liftnet.bench.StandardSet \
 *      [--quick] [--engines cpu,opencl,cuda] [--cpu-threads N] [--out bench/results] [--machine NAME]
 * </pre>
 *
 * Standard set, for the CPU engine and engines on a GPU: the two MNIST nets with 3 warm-up and 5 measured
 * iterations of 1 s, the 1024-512-512-10 net (slow on the CPU at batch 1000) with 2 and 3; each of them at
 * batch 50 and 1000, with 15 sweeps and with the tolerance stop, contrastive step, free inference and the
 * back-propagation step. An OpenCL or CUDA engine on a CPU device (PoCL) runs 784-64-64-64-10 only, 2 and 3
 * iterations. Then, on the CPU engine and engines on a GPU, {@link TolerancePair}: MNIST epochs with 15 sweeps
 * and with the tolerance stop, taking turns. About 5 minutes for the CPU engine on 2 cores, 2 more for PoCL.
 */
public final class StandardSet {

    static final List<String> ALL_ENGINES = List.of("cpu", "opencl", "cuda");
    static final String SMALL_NETS = "784-64-64-64-10,784-128-64-64-32-10";
    static final String BIG_NET = "1024-512-512-10";
    /** Epochs of {@link TolerancePair} in the standard set and in the quick one. */
    static final int PAIRED_EPOCHS = 8;
    static final int PAIRED_EPOCHS_QUICK = 2;

    /** One JMH run: engines, nets, iterations. */
    record Group(List<String> engines, String nets, int warmups, double warmupSeconds, int iterations, double seconds) {
    }

    private StandardSet() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        List<String> engines = ALL_ENGINES;
        Path out = Path.of("bench", "results");
        String machine = null;
        int cpuThreads = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--engines" -> engines = List.of(value(args, ++i).split(","));
                case "--out" -> out = Path.of(value(args, ++i));
                case "--machine" -> machine = value(args, ++i);
                case "--cpu-threads" -> cpuThreads = Integer.parseInt(value(args, ++i));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: StandardSet [--quick] [--engines cpu,opencl,cuda] [--cpu-threads N] [--out DIR] [--machine NAME]");
            }
        }
        for (String e : engines) {
            if (!ALL_ENGINES.contains(e)) {
                throw new IllegalArgumentException("unknown engine '" + e + "'; expected some of " + ALL_ENGINES);
            }
        }
        if (machine == null || machine.isBlank()) {
            machine = hostname();
        }
        Files.createDirectories(out);

        Map<String, String> status = probe(engines);
        List<String> full = new ArrayList<>();
        List<String> onCpuDevice = new ArrayList<>();
        status.forEach((id, s) -> {
            System.out.println("[bench] engine " + id + ": " + s);
            if (s.startsWith("present")) {
                // an OpenCL/CUDA engine on a CPU device (PoCL) is far slower than the CPU engine: smallest net only
                (id.equals("cpu") || s.endsWith(", gpu)") ? full : onCpuDevice).add(id);
            }
        });

        String stem = machine + "-" + LocalDate.now() + (cpuThreads > 0 ? "-cpu" + cpuThreads : "") + (quick ? "-quick" : "");
        Path sidecar = Files.createTempFile("liftnet-bench-", ".jsonl");
        List<Group> groups = new ArrayList<>();
        if (quick) {
            List<String> all = new ArrayList<>(full);
            all.addAll(onCpuDevice);
            groups.add(new Group(all, "784-64-64-64-10", 1, 0.5, 2, 0.5));
        } else {
            groups.add(new Group(full, SMALL_NETS, 3, 1, 5, 1));
            groups.add(new Group(full, BIG_NET, 2, 1, 3, 1));
            groups.add(new Group(onCpuDevice, "784-64-64-64-10", 2, 1, 3, 1));
        }
        List<RunResult> results = new ArrayList<>();
        Instant start = Instant.now();
        String loadAtStart = loadAverage();
        for (Group g : groups) {
            if (!g.engines().isEmpty()) {
                ChainedOptionsBuilder o = new OptionsBuilder()
                        .include("liftnet\\.bench\\.(ContrastiveBench|BackpropBench)\\.")
                        .param("engine", g.engines().toArray(String[]::new))
                        .param("net", g.nets().split(","))
                        .forks(1)
                        .warmupIterations(g.warmups()).warmupTime(seconds(g.warmupSeconds()))
                        .measurementIterations(g.iterations()).measurementTime(seconds(g.seconds()))
                        .shouldFailOnError(false)
                        .jvmArgsAppend("-Dliftnet.bench.sidecar=" + sidecar.toAbsolutePath(),
                                "-Dliftnet.bench.cpuThreads=" + cpuThreads,
                                "-Dliftnet.data=" + System.getProperty("liftnet.data", "data"),
                                "-Dliftnet.bench.validateCpu=" + (quick || Boolean.getBoolean("liftnet.bench.validateCpu")));
                Collection<RunResult> r = new Runner(o.build()).run();
                results.addAll(r);
            }
        }
        JsonArray pairs = new JsonArray();
        if (cpuThreads > 0) {
            System.setProperty("liftnet.bench.cpuThreads", Integer.toString(cpuThreads));
        }
        for (String id : full) {
            pairs.add(TolerancePair.run(id, quick ? PAIRED_EPOCHS_QUICK : PAIRED_EPOCHS,
                    Path.of(System.getProperty("liftnet.data", "data"))));
        }
        Duration took = Duration.between(start, Instant.now());

        ByteArrayOutputStream jmhJson = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(jmhJson, true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, ps).writeOut(results);
        }
        JsonObject root = new JsonObject();
        JsonObject summary = new JsonObject();
        summary.addProperty("machine", machine);
        summary.addProperty("date", LocalDate.now().toString());
        summary.addProperty("set", quick ? "quick" : "standard");
        summary.addProperty("cpu", cpuModel());
        summary.addProperty("cores", Runtime.getRuntime().availableProcessors());
        summary.addProperty("cpuThreads", cpuThreads > 0 ? cpuThreads : Runtime.getRuntime().availableProcessors());
        summary.addProperty("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name")
                + " " + System.getProperty("java.runtime.version"));
        summary.addProperty("jmh", "1.37");
        summary.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.version")
                + " " + System.getProperty("os.arch"));
        summary.addProperty("loadAverageAtStart", loadAtStart);
        summary.addProperty("loadAverageAtEnd", loadAverage());
        summary.addProperty("seconds", took.toSeconds());
        JsonObject engineStatus = new JsonObject();
        status.forEach(engineStatus::addProperty);
        summary.add("engines", engineStatus);
        JsonArray groupsJson = new JsonArray();
        for (Group g : groups) {
            if (g.engines().isEmpty()) {
                continue;
            }
            groupsJson.add(String.format(Locale.ROOT, "%s on %s: %d x %.1f s warm-up, %d x %.1f s measured",
                    g.nets(), String.join(",", g.engines()),
                    g.warmups(), g.warmupSeconds(), g.iterations(), g.seconds()));
        }
        summary.add("iterations", groupsJson);
        root.add("summary", summary);
        JsonArray trials = new JsonArray();
        for (String line : Files.readAllLines(sidecar, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                trials.add(JsonParser.parseString(line));
            }
        }
        Files.deleteIfExists(sidecar);
        root.add("trials", trials);
        root.add("tolerancePairs", pairs);
        String jmhText = jmhJson.toString(StandardCharsets.UTF_8).trim();
        root.add("jmh", jmhText.isEmpty() ? new JsonArray() : JsonParser.parseString(jmhText));
        Path json = out.resolve(stem + ".json");
        Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n", StandardCharsets.UTF_8);
        System.out.println("[bench] wrote " + json + " (" + took.toSeconds() + " s of benchmarks)");
        Report.write(json);
    }

    /** For each requested engine, {@code present: <device>} or {@code absent: <why>}. */
    static Map<String, String> probe(List<String> engines) {
        Map<String, EngineProvider> providers = new LinkedHashMap<>();
        for (EngineProvider p : Engines.providers()) {
            providers.put(p.id(), p);
        }
        Map<String, String> status = new LinkedHashMap<>();
        for (String id : engines) {
            EngineProvider p = providers.get(id);
            if (p == null) {
                status.put(id, "absent: no " + id + " backend in this build");
                continue;
            }
            List<DeviceInfo> devices;
            try {
                devices = p.devices();
            } catch (RuntimeException | LinkageError e) {
                status.put(id, "absent: " + e);
                continue;
            }
            if (devices.isEmpty()) {
                String why = p.probeProblem();
                status.put(id, "absent: no device" + (why == null ? "" : " (" + why + ")"));
            } else {
                status.put(id, "present: " + devices.get(0));
            }
        }
        return status;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static TimeValue seconds(double s) {
        return TimeValue.milliseconds(Math.round(s * 1000));
    }

    static String hostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
