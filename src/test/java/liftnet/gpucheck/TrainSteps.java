package liftnet.gpucheck;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The GPU check's training steps, each a {@code liftnet.cli.Main train} child: the conv net
 * {@value #CONV_NET} on MNIST on the GPU engine and on the CPU engine from the same seed, whose test accuracies must
 * agree within {@link #CONV_ACC_TOL_POINTS}; then one MNIST epoch of the paper's dense net per engine.
 */
final class TrainSteps {

    static final String CONV_NET = "1x28x28-c16k5s2-c32k3s2-64-10";
    /**
     * Test accuracies of the conv net, one epoch from the same seed on the GPU and the CPU engine, may differ by this
     * many points: the engines sum in different orders, so the two runs drift apart over an epoch (the PoCL parity
     * tests bound the same difference by 0.5 points after 2 epochs on 2,000 samples).
     */
    static final double CONV_ACC_TOL_POINTS = 1.5;

    /** A training child's outcome: its exit, the last metrics line (or null), and the line that refused the run. */
    record Outcome(Child.Result result, JsonObject metrics, String refusal, Path log) {
        double samplesPerSecond() {
            return metrics == null || !metrics.has("samples_per_s") ? Double.NaN : metrics.get("samples_per_s").getAsDouble();
        }

        double testAccuracy() {
            return metrics == null || !metrics.has("test_acc") || metrics.get("test_acc").isJsonNull()
                    ? Double.NaN : metrics.get("test_acc").getAsDouble();
        }
    }

    private final GpuCheck c;

    TrainSteps(GpuCheck check) {
        this.c = check;
    }

    /** The conv net on the GPU engine and the CPU engine: SKIP while the engine refuses conv nets. */
    void conv() {
        Report r = c.report;
        int limit = c.quick ? 2000 : 5000;
        r.section("conv net " + CONV_NET + " on MNIST, 1 epoch of the first " + limit + " samples, seed 1: the GPU engine against the CPU engine");
        String engine = c.machine.gpuEngine();
        if (engine == null) {
            r.record("conv mnist", Report.Status.SKIP, 0, c.machine.noGpuWhy());
            return;
        }
        if (!Files.isDirectory(c.dataDir)) {
            r.record("conv mnist", Report.Status.SKIP, 0, "no MNIST in " + c.dataDir);
            return;
        }
        List<String> args = List.of("--net", CONV_NET, "--epochs", "1", "--limit", "" + limit, "--seed", "1", "--data", c.dataDir.toString());
        Optional<Outcome> gpu = train("conv mnist " + label(engine), "conv-" + label(engine), engine, args, 90);
        if (gpu.isEmpty()) {
            return;
        }
        Optional<Outcome> cpu = train("conv mnist cpu", "conv-cpu", "cpu", args, 150);
        if (cpu.isEmpty()) {
            return;
        }
        double diff = 100 * Math.abs(gpu.get().testAccuracy() - cpu.get().testAccuracy());
        String detail = String.format(Locale.ROOT, "test accuracy %s %.2f %%, cpu %.2f %%: %.2f points apart (tolerance %.1f)",
                label(engine), 100 * gpu.get().testAccuracy(), 100 * cpu.get().testAccuracy(), diff, CONV_ACC_TOL_POINTS);
        JsonObject o = new JsonObject();
        o.addProperty("net", CONV_NET);
        o.addProperty("samples", limit);
        o.addProperty("accuracy_difference_points", diff);
        o.addProperty("tolerance_points", CONV_ACC_TOL_POINTS);
        c.report.put("conv_mnist", "parity", o);
        r.record("conv mnist parity", diff <= CONV_ACC_TOL_POINTS ? Report.Status.PASS : Report.Status.FAIL, 0, detail);
    }

    /** One MNIST epoch (paper settings: contrastive, 784-64-64-64-10, batch 50, 15 sweeps) per engine. */
    void epochs() {
        Report r = c.report;
        r.section("one MNIST epoch (contrastive, 784-64-64-64-10 relu, batch 50, 15 sweeps" + (c.quick ? ", first 10,000 samples)" : ")"));
        if (!Files.isDirectory(c.dataDir)) {
            r.record("train", Report.Status.SKIP, 0, "no MNIST in " + c.dataDir);
            return;
        }
        List<String> args = new ArrayList<>(List.of("--epochs", "1", "--data", c.dataDir.toString()));
        if (c.quick) {
            args.addAll(List.of("--limit", "10000"));
        }
        Machine m = c.machine;
        if (m.cudaOk) {
            train("train cuda", "cuda", "cuda", args, 90);
        } else {
            r.record("train cuda", Report.Status.SKIP, 0, m.cudaWhy);
        }
        train("train cpu", "cpu", "cpu", args, 90);
        if (m.oclOk) {
            train("train opencl", "opencl", m.oclDevice, args, 90);
        } else {
            r.record("train opencl", Report.Status.SKIP, 0, m.oclWhy);
        }
    }

    /**
     * Runs {@code train --device engine args} as step {@code step} and records it: PASS with samples/s and test
     * accuracy, SKIP when the engine or the grammar refuses the net, FAIL or TIMEOUT otherwise. Empty unless it passed.
     */
    Optional<Outcome> train(String step, String key, String engine, List<String> args, long want) {
        Path log = c.logs.resolve("train-" + key + ".log");
        Path run = c.work.resolve("runs").resolve(key);
        List<String> cli = new ArrayList<>(List.of("train", "--device", engine, "--out", run.toString()));
        cli.addAll(args);
        List<String> jvm = new ArrayList<>(c.machine.optionsFor(engine));
        jvm.add("-Xmx8g");
        Optional<Child.Result> res = c.run(step, want, 20, log, c.java(jvm, "liftnet.cli.Main", cli.toArray(String[]::new)));
        if (res.isEmpty()) {
            return Optional.empty();
        }
        List<String> lines = GpuCheck.lines(log);
        lines.stream().filter(l -> l.matches("(device: |epoch \\d+/\\d+ +train_acc|done|error).*")).forEach(l -> c.report.say("   " + l));
        Outcome o = new Outcome(res.get(), lastMetrics(run.resolve("metrics.jsonl")), refusal(lines), log);
        JsonObject entry = new JsonObject();
        entry.addProperty("device", engine);
        entry.addProperty("engine", lines.stream().filter(l -> l.startsWith("device: ")).findFirst().map(l -> l.substring(8)).orElse(null));
        entry.addProperty("arguments", String.join(" ", args));
        entry.addProperty("exit_status", o.result().exit());
        entry.addProperty("seconds", o.result().seconds());
        entry.add("metrics", o.metrics());
        c.report.put(step.startsWith("train ") ? "train_one_mnist_epoch" : step.startsWith("conv mnist") ? "conv_mnist" : "conv_speed", key, entry);
        long secs = o.result().seconds();
        if (o.result().timedOut()) {
            c.report.record(step, Report.Status.TIMEOUT, secs, "after " + secs + " s");
        } else if (o.refusal() != null) {
            c.report.record(step, Report.Status.SKIP, secs, o.refusal());
        } else if (o.result().exit() == 0 && !Double.isNaN(o.samplesPerSecond())) {
            c.report.record(step, Report.Status.PASS, secs, String.format(Locale.ROOT, "%.0f samples/s, test accuracy %.2f %%",
                    o.samplesPerSecond(), 100 * o.testAccuracy()));
            return Optional.of(o);
        } else {
            c.report.record(step, Report.Status.FAIL, secs, "exit status " + o.result().exit() + ": " + GpuCheck.lastLine(log));
        }
        return Optional.empty();
    }

    /**
     * The error line of a run the engine or the net grammar refuses for what is still being built: an engine without
     * conv layers, a grammar without pooling ({@code p<K>}), a reader without colour images. Null for any other
     * outcome: the GPU engines run average pooling, so their refusal of it is a failure.
     */
    static String refusal(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("error: "))
                .filter(l -> l.contains("does not support convolutional layers")
                        || l.matches(".*--net.*\\('p\\d+'\\).*")
                        || l.matches(".*the input image 3x\\d+x\\d+ does not match .*"))
                .findFirst().orElse(null);
    }

    private static JsonObject lastMetrics(Path metrics) {
        try {
            List<String> l = Files.isRegularFile(metrics) ? Files.readAllLines(metrics) : List.of();
            return l.isEmpty() ? null : JsonParser.parseString(l.get(l.size() - 1)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code opencl:0} as a step's label: {@code opencl}. */
    static String label(String engine) {
        return engine.startsWith("opencl") ? "opencl" : engine;
    }
}
