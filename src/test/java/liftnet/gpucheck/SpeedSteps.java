package liftnet.gpucheck;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import liftnet.check.Throughput;

/**
 * The GPU check's speed steps, run last, in this order: contrastive training steps of the dense nets on the GPU and
 * the CPU engine ({@link Throughput}, one JVM per engine so that a driver crash loses only its own cases), the
 * VGG-style conv net
 * {@value #VGG_NET} on {@code 3x32x32} images for backprop and contrastive at batch 50 and 128 (CIFAR-10 from
 * {@code data/cifar10} where the machine has it, otherwise generated images, labelled as such), the GPU engine's
 * the dense nets on OpenCL and on fewer CPU threads, the GPU engine's timing switches ({@code gpu-variants.sh}), the PyTorch peer ({@code gpu-peer.sh}) and, with {@code --jmh}, the JMH
 * quick set.
 */
final class SpeedSteps {

    static final String VGG_NET = "3x32x32-c64k3-p2-c128k3-p2-c256k3-p2-c256k3-p2-10";
    /** Training samples of one VGG speed run on a GPU: 64 batches of 50, 25 of 128. */
    static final int VGG_SAMPLES = 3200;
    /** The same on OpenCL on the CPU: one batch, a dry run of the step, not a measurement. */
    static final int VGG_SAMPLES_DRY = 50;
    /**
     * The net of the dry run on OpenCL on the CPU: {@value #VGG_NET}'s layers (convolutions, pooling, the dense output)
     * at 1/16 of its channels, so that the four steps take seconds on PoCL rather than many minutes.
     */
    static final String VGG_NET_DRY = "3x32x32-c4k3-p2-c8k3-p2-c16k3-p2-c16k3-p2-10";
    /** Test images of the generated set (on OpenCL on the CPU: {@link #VGG_SAMPLES_DRY}). */
    static final int GENERATED_TEST = 500;

    private final GpuCheck c;
    private final List<Path> parts = new ArrayList<>();

    SpeedSteps(GpuCheck check) {
        this.c = check;
    }

    /** Throughput of the dense nets on the GPU engine and the CPU engine on all processors. */
    void throughput() {
        Machine m = c.machine;
        Report r = c.report;
        r.section("throughput: contrastive training steps, samples/s");
        if (m.cudaOk) {
            speed("cuda", 90, "cuda", List.of());
        } else {
            r.record("speed cuda", Report.Status.SKIP, 0, m.cudaWhy);
        }
        speed("cpu", 120, "cpu", List.of());
    }

    /** The rest of the throughput (OpenCL, the CPU engine on fewer threads), then the table of every engine. */
    void throughputRest() {
        Machine m = c.machine;
        Report r = c.report;
        r.section("throughput: OpenCL and the CPU engine on fewer threads");
        if (m.oclOk && m.oclOnCpu) {
            r.say("   (OpenCL runs on a CPU device: only 784-64-64-64-10)"); // PoCL: 1024-512-512-10 takes minutes
            speed("opencl", 90, m.oclDevice, List.of("--cases", "784-64-64-64-10:50,784-64-64-64-10:1000"));
        } else if (m.oclOk) {
            speed("opencl", 90, m.oclDevice, List.of());
        } else {
            r.record("speed opencl", Report.Status.SKIP, 0, m.oclWhy);
        }
        String threads = c.cpuThreads.stream().filter(t -> t > 0 && t < m.cores).map(t -> "cpu@" + t).collect(Collectors.joining(","));
        if (!threads.isEmpty()) {
            speed("cpu-threads", 150, threads, List.of("--cases", "784-64-64-64-10:50,1024-512-512-10:1000"));
        }
        r.say("");
        r.say("samples/s (cpu@N: the CPU engine on N threads; cpu: on all " + m.cores + "; the ratio columns: engine / cpu):");
        Path merged = c.work.resolve("throughput.json");
        List<String> args = new ArrayList<>(List.of("--merge"));
        parts.stream().filter(Files::isRegularFile).forEach(p -> args.add(p.toString()));
        args.addAll(List.of("--json", merged.toString()));
        Path log = c.logs.resolve("throughput-table.log");
        try {
            c.child.run(c.java(List.of(), "liftnet.check.Throughput", args.toArray(String[]::new)), log, 60);
        } catch (IOException e) {
            GpuCheck.writeQuietly(log, e.toString());
        }
        GpuCheck.lines(log).forEach(l -> r.say("   " + l));
        JsonObject t = TestSteps.read(merged);
        if (t != null) {
            r.put("throughput", t);
        }
        r.write();
    }

    private void speed(String label, long want, String engines, List<String> extra) {
        Path log = c.logs.resolve("throughput-" + label + ".log");
        Path part = c.logs.resolve("throughput-" + label + ".json");
        parts.add(part);
        List<String> args = new ArrayList<>(List.of("--engines", engines, "--nets", "784-64-64-64-10,1024-512-512-10",
                "--batches", "50,1000", "--warmup", c.quick ? "0.5" : "1", "--seconds", c.quick ? "1" : "2",
                "--data", c.dataDir.toString(), "--json", part.toString()));
        args.addAll(extra);
        List<String> jvm = new ArrayList<>(c.machine.oclOptions);
        jvm.add("-Xmx8g");
        String step = "speed " + label;
        Optional<Child.Result> res = c.run(step, want, 20, log, c.java(jvm, "liftnet.check.Throughput", args.toArray(String[]::new)));
        if (res.isEmpty()) {
            return;
        }
        List<String> lines = GpuCheck.lines(log);
        lines.stream().filter(l -> !l.startsWith("net ") && !l.matches("[0-9-]+ +[0-9]+ .*")).forEach(l -> c.report.say("   " + l));
        long measured = lines.stream().filter(l -> l.contains("samples/s")).count();
        long secs = res.get().seconds();
        if (res.get().timedOut()) {
            c.report.record(step, Report.Status.TIMEOUT, secs, "cases measured before: " + measured);
        } else if (res.get().exit() == 0) {
            c.report.record(step, Report.Status.PASS, secs, measured + " cases");
        } else {
            c.report.record(step, Report.Status.FAIL, secs, "exit status " + res.get().exit() + "; "
                    + lines.stream().filter(l -> l.contains("FAILED")).count() + " cases failed: " + GpuCheck.lastLine(log));
        }
    }

    /** The VGG-style net's training speed on the GPU engine; SKIP while the engine or the grammar refuses it. */
    void conv() {
        Report r = c.report;
        String engine = c.machine.gpuEngine();
        Path cifar = c.base.resolve("data/cifar10");
        boolean real = Files.isDirectory(cifar);
        boolean dry = !c.machine.cudaOk && c.machine.oclOnCpu;
        int samples = dry ? VGG_SAMPLES_DRY : VGG_SAMPLES;
        String net = dry ? VGG_NET_DRY : VGG_NET;
        String what = real ? "CIFAR-10 (" + cifar + ")" : "generated 3x32x32 images (seeded uniform random pixels and labels; not CIFAR-10)";
        r.section("speed of " + net + ", 1 epoch of " + samples + " samples of " + what
                + (dry ? "; OpenCL on the CPU: a dry run at 1/16 of " + VGG_NET + "'s channels, not a measurement" : ""));
        if (engine == null) {
            r.record("speed conv", Report.Status.SKIP, 0, c.machine.noGpuWhy());
            return;
        }
        Path data = cifar;
        if (!real) {
            try {
                data = generateCifar(c.work.resolve("cifar-generated"), samples, Math.min(samples, GENERATED_TEST), 28);
            } catch (IOException e) {
                r.record("speed conv", Report.Status.FAIL, 0, "cannot write the generated images: " + e.getMessage());
                return;
            }
        }
        TrainSteps train = new TrainSteps(c);
        for (String method : List.of("backprop", "contrastive")) {
            for (int batch : new int[] {50, 128}) {
                String step = "speed conv " + method + " b" + batch;
                String key = "vgg-" + method + "-" + batch;
                Optional<TrainSteps.Outcome> o = train.train(step, key, engine, List.of("--dataset", "cifar10", "--data", data.toString(),
                        "--net", net, "--method", method, "--batch", "" + batch, "--epochs", "1", "--limit", "" + samples,
                        "--seed", "1", "--train-eval", "0"), 60);
                if (o.isEmpty() && lastSkipped(step)) {
                    r.say("   the other cases of this net are not tried: the same refusal");
                    return;
                }
                o.ifPresent(x -> r.say(String.format(Locale.ROOT, "   %s batch %d: %.0f samples/s on %s", method, batch,
                        x.samplesPerSecond(), real ? "CIFAR-10" : "generated images")));
            }
        }
    }

    private boolean lastSkipped(String step) {
        List<Report.Step> s = c.report.steps();
        return !s.isEmpty() && s.get(s.size() - 1).name().equals(step) && s.get(s.size() - 1).status() == Report.Status.SKIP;
    }

    /**
     * Writes a CIFAR-10 binary folder of random images into {@code dir}: the five training batches holding
     * {@code train} records together, the test batch {@code test} records; pixels and labels uniform, from {@code seed}.
     */
    static Path generateCifar(Path dir, int train, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom random = new SplittableRandom(seed);
        int per = (train + 4) / 5;
        for (int f = 1; f <= 5; f++) {
            writeBatch(dir.resolve("data_batch_" + f + ".bin"), per, random);
        }
        writeBatch(dir.resolve("test_batch.bin"), test, random);
        return dir;
    }

    private static void writeBatch(Path file, int records, SplittableRandom random) throws IOException {
        byte[] record = new byte[1 + 3 * 32 * 32];
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
            for (int i = 0; i < records; i++) {
                random.nextBytes(record);
                record[0] = (byte) random.nextInt(10);
                out.write(record);
            }
        }
    }

    /** The GPU engine's switches and the PyTorch peer, the last measurements (a short budget cuts these first). */
    void extras() {
        Machine m = c.machine;
        Report r = c.report;
        r.section("GPU engine variants (step fused/phased/off, graph replay off, tiled GEMMs, conv gemm/direct, conv early exit on/off) and the PyTorch peer");
        Path scripts = c.bundle ? c.base : c.base.resolve("scripts");
        String engine = m.gpuEngine();
        if (engine != null) {
            List<String> cmd = new ArrayList<>(List.of("bash", scripts.resolve("gpu-variants.sh").toString(),
                    "--java", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--cp", System.getProperty("java.class.path"), "--engine", engine, "--data", c.dataDir.toString(),
                    "--seconds", "1", "--log-dir", c.logs.toString()));
            if (!engine.equals("cuda") && (c.quick || m.oclOnCpu)) {
                cmd.addAll(List.of("--nets", "784-64-64-64-10", "--batches", "50", "--conv-nets", "1x28x28-c8k3s2-10",
                        "--conv-batches", "50"));
            }
            cmd.add("--");
            cmd.addAll(c.jvm);
            cmd.addAll(m.oclOptions);
            cmd.add("-Xmx8g");
            script("speed variants", 120, 40, c.logs.resolve("variants.log"), cmd, "cases on " + engine);
        } else {
            r.record("speed variants", Report.Status.SKIP, 0, m.noGpuWhy());
        }
        if (!m.cudaOk) {
            r.record("speed pytorch", Report.Status.SKIP, 0, "the peer is measured on the GPU only: " + m.cudaWhy);
        } else if (!torch()) {
            r.record("speed pytorch", Report.Status.SKIP, 0, "python3 cannot import torch");
        } else {
            script("speed pytorch", 60, 20, c.logs.resolve("peer.log"), List.of("bash", scripts.resolve("gpu-peer.sh").toString(),
                    "--data", c.dataDir.toString(), "--seconds", c.quick ? "1" : "2", "--log-dir", c.logs.toString()), "cases");
        }
        r.write();
    }

    /** The JMH quick set, where the benchmarks jar is at hand. */
    void jmh() {
        c.report.section("JMH quick set");
        Path jar = c.bundle ? c.base.resolve("lib/benchmarks.jar") : c.base.resolve("bench/target/benchmarks.jar");
        if (!Files.isRegularFile(jar)) {
            c.report.record("jmh", Report.Status.SKIP, 0, "no benchmarks jar (" + jar + "; gpu-bundle.sh --jmh packs it)");
            return;
        }
        List<String> engines = new ArrayList<>(List.of("cpu"));
        if (c.machine.cudaOk) {
            engines.add("cuda");
        }
        if (c.machine.oclOk) {
            engines.add("opencl");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(c.jvm);
        cmd.addAll(c.machine.oclOptions);
        cmd.addAll(List.of("-Xmx4g", "-Dliftnet.data=data", "-cp", jar.toString(), "liftnet.bench.StandardSet", "--quick",
                "--engines", String.join(",", engines), "--out", c.logs.toString(), "--machine", c.host));
        script("jmh", 150, 60, c.logs.resolve("jmh.log"), cmd, "results in " + c.logs);
    }

    private void script(String step, long want, long min, Path log, List<String> cmd, String what) {
        Optional<Child.Result> res = c.run(step, want, min, log, cmd);
        if (res.isEmpty()) {
            return;
        }
        List<String> lines = GpuCheck.lines(log);
        lines.forEach(l -> c.report.say("   " + l));
        long secs = res.get().seconds();
        if (res.get().timedOut()) {
            c.report.record(step, Report.Status.TIMEOUT, secs, "after " + secs + " s");
        } else if (res.get().exit() == 0) {
            c.report.record(step, Report.Status.PASS, secs, lines.stream().filter(l -> l.contains("samples/s")).count() + " " + what);
        } else {
            c.report.record(step, Report.Status.FAIL, secs, "exit status " + res.get().exit());
        }
    }

    private boolean torch() {
        try {
            return c.child.run(List.of("python3", "-c", "import torch"), c.work.resolve("torch.log"), 60).ok();
        } catch (IOException e) {
            return false;
        }
    }
}
