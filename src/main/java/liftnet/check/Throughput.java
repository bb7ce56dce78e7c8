package liftnet.check;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.EngineSwitches;
import liftnet.api.Engines;
import liftnet.api.EpochStats;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.SolverConfig;
import liftnet.api.Units;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.train.TrainConfig;
import liftnet.train.Trainer;

/**
 * Training throughput of the engines, side by side on one machine: the contrastive training step of
 * {@link Trainer} (forward, free phase, clamped phase, gradient, update; paper settings, 15 sweeps) timed
 * for each engine, net and batch size. The GPU check's throughput probe ({@code scripts/gpu-check.sh}, and
 * {@code scripts/gpu-variants.sh}); it lives in the application jar, so that it needs nothing but that jar.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp liftnet.jar liftnet.check.Throughput \
 *      [--engines cpu,cpu@1,cpu@4,cuda,opencl] [--nets 784-64-64-64-10,1024-512-512-10] [--batches 50,1000]
 *      [--cases 784-64-64-64-10:50,1024-512-512-10:1000]
 *      [--warmup 1.5] [--seconds 3] [--cpu-threads N] [--sweeps 15] [--tol T] [--data data/mnist] [--json FILE]
 *      [--gpu-step fused|phased|off] [--gpu-gemm auto|tiled|blocked] [--gpu-graphs on|off] [--gpu-conv gemm|direct]
 *      [--gpu-early-exit on|off]
 * java -cp liftnet.jar liftnet.check.Throughput --merge FILE... [--json FILE]
 * </pre>
 *
 * An engine {@code cpu@N} is the CPU engine on {@code N} threads ({@code cpu}: its default, every processor);
 * The {@code --gpu-*} switches choose the GPU engines' launches and kernels as the commands' options of the same
 * names do ({@code scripts/gpu-variants.sh} runs one variant each); the CPU engine ignores them.
 * {@code --cases} measures only the listed net and batch pairs instead of every net with every batch.
 * Each case runs steps until {@code --warmup} seconds (an engine's first case: three times as long) have passed
 * (at least one step, each waited for), then
 * times chunks of steps (about 50 ms each, each waited for: a statistics read from the device) until
 * {@code --seconds} have passed (at least two steps; one where a warm-up step took longer than that). Inputs: the first 10,000 MNIST training images for
 * 784-input nets when {@code --data} holds MNIST, else seeded synthetic inputs (a third of them zero).
 * An engine that cannot be opened is reported once and skipped; the exit status is 1 when a case failed.
 * {@code --json} is rewritten after every case, so that a crash keeps what was measured; {@code --merge}
 * joins the files of several runs (gpu-check runs each engine in its own JVM) into one table and file.
 */
public final class Throughput {

    /** One measured case. */
    public record Case(String engine, String device, String net, int batch, int steps, double seconds,
                       double samplesPerSecond, double meanSweeps, String data, String error) {
    }

    static final int SAMPLES = 10_000;
    /** Warm-up of an engine's first case, in multiples of {@code --warmup}. */
    static final double FIRST_WARMUP_FACTOR = 3;

    /** {@code --profile}: after each case, print the engine's profile of its measured steps to stderr. */
    static boolean profile;

    private Throughput() {
    }

    public static void main(String[] args) throws IOException {
        List<String> engines = List.of("cpu", "cuda", "opencl");
        List<String> nets = new ArrayList<>(List.of("784-64-64-64-10", "1024-512-512-10"));
        List<Integer> batches = List.of(50, 1000);
        List<String> only = null;
        double warmup = 1.5;
        double seconds = 3;
        int cpuThreads = 0;
        int sweeps = SolverConfig.PAPER_SWEEPS;
        Path data = DataSets.defaultDir(DatasetId.MNIST);
        Path json = null;
        List<Path> merge = new ArrayList<>();
        EngineSwitches.Step gpuStep = EngineSwitches.defaults().step();
        EngineSwitches.Gemm gpuGemm = EngineSwitches.defaults().gemm();
        boolean gpuGraphs = EngineSwitches.defaults().graphs();
        EngineSwitches.Conv gpuConv = EngineSwitches.defaults().conv();
        boolean gpuEarlyExit = EngineSwitches.defaults().earlyExit();
        Double tol = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--engines" -> engines = List.of(value(args, ++i).split(","));
                case "--nets" -> nets = List.of(value(args, ++i).split(","));
                case "--batches" -> batches = List.of(value(args, ++i).split(",")).stream().map(Integer::parseInt).toList();
                case "--cases" -> only = List.of(value(args, ++i).split(","));
                case "--warmup" -> warmup = Double.parseDouble(value(args, ++i));
                case "--seconds" -> seconds = Double.parseDouble(value(args, ++i));
                case "--cpu-threads" -> cpuThreads = Integer.parseInt(value(args, ++i));
                case "--sweeps" -> sweeps = Integer.parseInt(value(args, ++i));
                case "--tol" -> tol = Double.parseDouble(value(args, ++i));
                case "--data" -> data = Path.of(value(args, ++i));
                case "--json" -> json = Path.of(value(args, ++i));
                case "--profile" -> profile = true;
                case "--gpu-step", "--gpu-gemm", "--gpu-graphs", "--gpu-conv", "--gpu-early-exit" -> {
                    String v = value(args, ++i);
                    try {
                        switch (a) {
                            case "--gpu-step" -> gpuStep = EngineSwitches.parseStep(v);
                            case "--gpu-gemm" -> gpuGemm = EngineSwitches.parseGemm(v);
                            case "--gpu-conv" -> gpuConv = EngineSwitches.parseConv(v);
                            case "--gpu-early-exit" -> gpuEarlyExit = EngineSwitches.parseGraphs(v);
                            default -> gpuGraphs = EngineSwitches.parseGraphs(v);
                        }
                    } catch (IllegalArgumentException e) {
                        System.err.println("error: " + a + ": " + e.getMessage() + "; use one of them");
                        System.exit(2);
                    }
                }
                case "--merge" -> {
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        merge.add(Path.of(args[++i]));
                    }
                }
                default -> {
                    System.err.println("error: unknown option " + a + "; usage: Throughput [--engines cpu,cuda,opencl] [--nets N,..]"
                            + " [--batches 50,1000] [--cases NET:BATCH,..] [--warmup S] [--seconds S] [--cpu-threads N] [--sweeps N] [--tol T] [--data DIR] [--json FILE]"
                            + " [--gpu-step M] [--gpu-gemm K] [--gpu-graphs on|off] [--gpu-conv F] [--gpu-early-exit on|off]"
                            + " | Throughput --merge FILE... [--json FILE]");
                    System.exit(2);
                }
            }
        }
        if (!merge.isEmpty()) {
            merge(merge, json);
            return;
        }
        SolverConfig solver = tol == null ? SolverConfig.fixed(SolverConfig.paperDefault().solver(), sweeps)
                : SolverConfig.tolerance(SolverConfig.paperDefault().solver(), tol, sweeps);
        EngineSwitches switches = new EngineSwitches(gpuStep, gpuGemm, gpuGraphs, gpuConv, gpuEarlyExit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("step", "contrastive training step (forward, free, clamped, gradient, update), " + (tol == null ? "" : "at most ") + sweeps
                + " sweeps " + solver.solver().name().toLowerCase(Locale.ROOT) + ", relu, gamma 0.125");
        out.put("warmup_s", warmup);
        out.put("seconds", seconds);
        out.put("processors", Runtime.getRuntime().availableProcessors());
        Path dataDir = data;
        List<Case> cases = new ArrayList<>();
        Map<String, Dataset> datasets = new LinkedHashMap<>();
        for (String engine : engines) {
            boolean broken = false;
            for (String net : nets) {
                for (int batch : batches) {
                    if (only != null && !only.contains(net + ":" + batch)) {
                        continue;
                    }
                    Case c;
                    if (broken) {
                        c = new Case(engine, "", net, batch, 0, 0, Double.NaN, Double.NaN, "", "skipped: engine failed to open");
                    } else {
                        Dataset d = datasets.computeIfAbsent(net, n -> dataset(NetSpec.parse(n), dataDir));
                        // the first case of an engine also warms up the JIT compiler and the driver: three times as long
                        double w = cases.stream().anyMatch(x -> x.engine().equals(engine)) ? warmup : FIRST_WARMUP_FACTOR * warmup;
                        c = measure(engine, cpuThreads, net, batch, d, solver, w, seconds, switches);
                        broken = c.steps() == 0 && c.error() != null && c.error().startsWith("open:");
                    }
                    cases.add(c);
                    System.out.println(line(c));
                    System.out.flush();
                    if (json != null) { // after every case: a crash of the device or the JVM keeps what was measured
                        out.put("cases", cases.stream().map(Throughput::toMap).toList());
                        write(json, out);
                    }
                }
            }
        }
        System.out.println();
        System.out.print(table(cases));
        System.exit(cases.stream().anyMatch(c -> c.error() != null && !c.error().startsWith("skipped")) ? 1 : 0);
    }

    /** Reads the {@code --json} files of several runs (one per engine), prints one table, writes their union. */
    static void merge(List<Path> files, Path json) throws IOException {
        merge(files, json, System.out, System.err);
    }

    /** {@link #merge(List, Path)} printing the table on {@code out} and notes on {@code err}. */
    static void merge(List<Path> files, Path json, java.io.PrintStream out, java.io.PrintStream err) throws IOException {
        List<Case> cases = new ArrayList<>();
        Map<String, Object> result = new LinkedHashMap<>();
        List<Object> all = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                err.println("note: " + f + " is missing (that run measured nothing)");
                continue;
            }
            JsonObject o = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
            for (String key : o.keySet()) {
                if (!key.equals("cases")) {
                    result.putIfAbsent(key, o.get(key));
                }
            }
            if (o.has("cases")) {
                for (JsonElement e : o.getAsJsonArray("cases")) {
                    JsonObject c = e.getAsJsonObject();
                    all.add(c);
                    cases.add(new Case(str(c, "engine"), str(c, "device"), str(c, "net"), c.get("batch").getAsInt(),
                            c.get("steps").getAsInt(), num(c, "seconds"), num(c, "samples_per_s"), num(c, "mean_sweeps"),
                            str(c, "data"), str(c, "error")));
                }
            }
        }
        result.put("cases", all);
        out.print(table(cases));
        if (json != null) {
            write(json, result);
        }
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static double num(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
    }

    static void write(Path json, Object value) throws IOException {
        Path dir = json.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "throughput", ".tmp");
        Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(value), StandardCharsets.UTF_8);
        Files.move(tmp, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@link #measure(String, int, String, int, Dataset, SolverConfig, double, double, EngineSwitches)} by default. */
    public static Case measure(String device, int cpuThreads, String net, int batch, Dataset data, SolverConfig solver,
                               double warmup, double seconds) {
        return measure(device, cpuThreads, net, batch, data, solver, warmup, seconds, EngineSwitches.defaults());
    }

    /** Times one case with the GPU engines' {@code switches}; never throws (the failure is in {@link Case#error()}). */
    public static Case measure(String device, int cpuThreads, String net, int batch, Dataset data, SolverConfig solver,
                               double warmup, double seconds, EngineSwitches switches) {
        NetConfig config = new NetConfig(NetSpec.parse(net), Units.RELU, NetConfig.PAPER_GAMMA);
        TrainConfig tc = new TrainConfig(config, Method.CONTRASTIVE, 1, batch, TrainConfig.PAPER_LEARNING_RATE, 0, 1,
                solver, 1, 0);
        Engine opened;
        try {
            if (device.startsWith("cpu@")) {
                opened = Engines.open("cpu", config, Integer.parseInt(device.substring(4)), switches);
            } else {
                opened = Engines.open(device, config, Math.max(cpuThreads, 0), switches);
            }
        } catch (RuntimeException | LinkageError e) {
            return new Case(device, "", net, batch, 0, 0, Double.NaN, Double.NaN, data.name(), "open: " + message(e));
        }
        liftnet.train.ProfiledEngine profiled = profile ? new liftnet.train.ProfiledEngine(opened) : null;
        Engine engine = profiled != null ? profiled : opened;
        try (engine) {
            engine.setParameters(Parameters.initial(config.net(), tc.seed()));
            DeviceData d = engine.upload(data);
            int usable = data.count() / batch * batch;
            if (usable == 0) {
                throw new IllegalArgumentException("batch " + batch + " is larger than the " + data.count() + " samples");
            }
            int[] order = Trainer.order(tc.seed(), 1, data.count());
            double[] rates = tc.ratesForEpoch(1);
            int[] next = {0};
            Runnable step = () -> {
                engine.selectBatch(d, order, next[0], batch);
                next[0] = (next[0] + batch) % usable;
                engine.forward();
                engine.inferFree(solver);
                engine.inferClamped(solver);
                engine.computeGradient(Method.CONTRASTIVE);
                engine.applyUpdate(rates);
            };
            // Warm-up: one step at a time, each waited for (drainStats reads from the device), to learn the step time.
            long start = System.nanoTime();
            double stepSeconds;
            do {
                long t = System.nanoTime();
                step.run();
                engine.drainStats();
                stepSeconds = (System.nanoTime() - t) / 1e9;
            } while (System.nanoTime() - start < warmup * 1e9);
            // Measurement: chunks of about 50 ms, each waited for, so that a GPU engine never queues more work
            // than the clock has seen (the host would otherwise enqueue far ahead of the device).
            int chunk = (int) Math.max(1, Math.min(10_000, 0.05 / Math.max(stepSeconds, 1e-7)));
            int minSteps = stepSeconds > seconds ? 1 : 2; // a very slow device (PoCL, big net) gets one timed step
            if (profiled != null) {
                profiled.drainReport(); // the warm-up is not measured
            }
            int steps = 0;
            long inferences = 0;
            long sweeps = 0;
            boolean diverged = false;
            start = System.nanoTime();
            do {
                for (int i = 0; i < chunk; i++) {
                    step.run();
                }
                steps += chunk;
                EpochStats stats = engine.drainStats();
                inferences += stats.inferences();
                sweeps += stats.sweeps();
                diverged |= stats.diverged();
            } while (steps < minSteps || System.nanoTime() - start < seconds * 1e9);
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (profiled != null) {
                System.err.println("profile " + engine.name() + " " + net + " batch " + batch + ":\n" + profiled.drainReport());
            }
            return new Case(device, engine.name(), net, batch, steps, elapsed, steps * (double) batch / elapsed,
                    inferences == 0 ? Double.NaN : (double) sweeps / inferences, data.name(),
                    diverged ? "a gradient was not finite" : null);
        } catch (RuntimeException | LinkageError e) {
            return new Case(device, engine.name(), net, batch, 0, 0, Double.NaN, Double.NaN, data.name(), message(e));
        }
    }

    /** MNIST's first 10,000 training images for 784-input nets where {@code dir} holds MNIST, else synthetic. */
    static Dataset dataset(NetSpec net, Path dir) {
        if (net.inputs() == 784 && net.outputs() == 10 && Files.isDirectory(dir)) {
            try {
                Dataset d = DataSets.load(DatasetId.MNIST, dir, Split.TRAIN).head(SAMPLES);
                return new Dataset("mnist/train[:" + SAMPLES + "]", d.count(), d.width(), d.classes(), d.inputs(), d.labels());
            } catch (RuntimeException e) {
                System.err.println("note: cannot read MNIST in " + dir + " (" + message(e) + "); using synthetic inputs");
            }
        }
        SplittableRandom r = new SplittableRandom(42);
        float[] x = new float[SAMPLES * net.inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(3) == 0 ? 0f : (float) r.nextDouble();
        }
        int[] y = new int[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            y[i] = r.nextInt(net.outputs());
        }
        return new Dataset("synthetic", SAMPLES, net.inputs(), net.outputs(), x, y);
    }

    /** A case as JSON fields; NaN becomes {@code null}. */
    static Map<String, Object> toMap(Case c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", c.engine());
        m.put("device", c.device());
        m.put("net", c.net());
        m.put("batch", c.batch());
        m.put("steps", c.steps());
        m.put("seconds", finite(c.seconds()));
        m.put("samples_per_s", finite(c.samplesPerSecond()));
        m.put("mean_sweeps", finite(c.meanSweeps()));
        m.put("data", c.data());
        m.put("error", c.error());
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static String line(Case c) {
        if (c.error() != null && c.error().startsWith("skipped")) {
            return String.format(Locale.ROOT, "%-8s %-20s batch %5d  %s", c.engine(), c.net(), c.batch(), c.error());
        }
        if (c.error() != null) {
            return String.format(Locale.ROOT, "%-8s %-20s batch %5d  FAILED: %s", c.engine(), c.net(), c.batch(), c.error());
        }
        return String.format(Locale.ROOT, "%-8s %-20s batch %5d  %10.0f samples/s  (%d steps in %.2f s, %.1f sweeps, %s; %s)",
                c.engine(), c.net(), c.batch(), c.samplesPerSecond(), c.steps(), c.seconds(), c.meanSweeps(), c.data(), c.device());
    }

    /**
     * samples/s per engine (columns) for each measured net and batch (rows), with each GPU engine's ratio to the CPU
     * engine on every processor ({@code cpu}).
     */
    static String table(List<Case> cases) {
        List<String> engines = cases.stream().map(Case::engine).distinct().toList();
        List<String> nets = cases.stream().map(Case::net).distinct().toList();
        List<Integer> batches = cases.stream().map(Case::batch).distinct().toList();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-20s %6s", "net", "batch"));
        for (String e : engines) {
            sb.append(String.format(Locale.ROOT, " %12s", e));
            if (!e.startsWith("cpu") && engines.contains("cpu")) {
                sb.append(String.format(Locale.ROOT, " %8s", e.length() > 7 ? "ratio" : e + "/cpu"));
            }
        }
        sb.append('\n');
        for (String net : nets) {
            for (int batch : batches) {
                if (cases.stream().noneMatch(c -> c.net().equals(net) && c.batch() == batch)) {
                    continue;
                }
                sb.append(String.format(Locale.ROOT, "%-20s %6d", net, batch));
                double cpu = rate(cases, "cpu", net, batch);
                for (String e : engines) {
                    double v = rate(cases, e, net, batch);
                    sb.append(Double.isNaN(v) ? String.format(Locale.ROOT, " %12s", "-") : String.format(Locale.ROOT, " %12.0f", v));
                    if (!e.startsWith("cpu") && engines.contains("cpu")) {
                        double ratio = v / cpu;
                        sb.append(Double.isNaN(ratio) ? String.format(Locale.ROOT, " %8s", "-")
                                : String.format(Locale.ROOT, ratio < 1 ? " %7.2fx" : " %7.1fx", ratio));
                    }
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static double rate(List<Case> cases, String engine, String net, int batch) {
        for (Case c : cases) {
            if (c.engine().equals(engine) && c.net().equals(net) && c.batch() == batch && c.error() == null) {
                return c.samplesPerSecond();
            }
        }
        return Double.NaN;
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.strip().replace('\n', ' '));
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            System.err.println("error: " + args[i - 1] + " needs a value");
            System.exit(2);
        }
        return args[i];
    }
}
