package liftnet.gpucheck;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPU check's JUnit steps, each in a child JVM running {@link TestRun}: the tests of {@code liftnet.cuda} but the
 * conv ones, the conv ones (the CUDA contract and parity tests on conv layers; SKIP while there are none or all of
 * them skip), then the same two for {@code liftnet.opencl} (its conv tests not in a {@code --quick} dry run on PoCL). A failed step runs its first failed classes again with
 * {@code -Dliftnet.gpu.syncLaunches=true}, which names the faulting kernel.
 */
final class TestSteps {

    /** A kernel fault as the GPU engines report it with synchronous launches. */
    private static final Pattern KERNEL_FAULT = Pattern.compile("(CUDA|OpenCL): kernel \\S+ \\(grid [^)]*\\) failed: \\S+");

    private final GpuCheck c;

    TestSteps(GpuCheck check) {
        this.c = check;
    }

    void run() {
        Machine m = c.machine;
        c.report.section("tests");
        if (m.cudaOk) {
            tests("cuda", "liftnet.cuda", List.of(), "--except", 150);
            tests("cuda conv", "liftnet.cuda", List.of(), "--only", 90);
        } else {
            c.report.record("tests cuda", Report.Status.SKIP, 0, m.cudaWhy);
            c.report.record("tests cuda conv", Report.Status.SKIP, 0, m.cudaWhy);
        }
        if (!m.oclOk) {
            c.report.record("tests opencl", Report.Status.SKIP, 0, m.oclWhy);
            c.report.record("tests opencl conv", Report.Status.SKIP, 0, m.oclWhy);
            return;
        }
        tests("opencl", "liftnet.opencl", m.oclOptions, "--except", 150);
        if (m.oclOnCpu && c.quick) {
            c.report.record("tests opencl conv", Report.Status.SKIP, 0, "OpenCL on a CPU device with --quick (a dry run):"
                    + " the conv tests run on PoCL in mvn test, not here");
        } else {
            tests("opencl conv", "liftnet.opencl", m.oclOptions, "--only", 120);
        }
    }

    /**
     * One test step: package {@code pkg}, the conv tests only ({@code filter = "--only"}), all but them
     * ({@code "--except"}) or all ({@code null}).
     */
    private void tests(String name, String pkg, List<String> options, String filter, long want) {
        String key = name.replace(' ', '-');
        Path log = c.logs.resolve("tests-" + key + ".log");
        Path json = c.logs.resolve("junit-" + key + ".json");
        List<String> args = new ArrayList<>(List.of("--json", json.toString(), "--package", pkg));
        if (filter != null) {
            args.addAll(List.of(filter, TestRun.CONV));
        }
        List<String> jvm = new ArrayList<>(options);
        jvm.add("-Xmx4g");
        String step = "tests " + name;
        Optional<Child.Result> run = c.run(step, want, 30, log, c.java(jvm, "liftnet.gpucheck.TestRun", args.toArray(String[]::new)));
        if (run.isEmpty()) {
            return;
        }
        Child.Result result = run.get();
        JsonObject o = read(json);
        long found = count(o, "found");
        long ok = count(o, "successful");
        long failed = count(o, "failed");
        String counts = found + " found, " + ok + " successful, " + failed + " failed, " + count(o, "aborted")
                + " aborted (assumptions), " + count(o, "skipped") + " skipped; " + result.seconds() + " s";
        JsonObject entry = o == null ? new JsonObject() : o.deepCopy();
        entry.addProperty("package", pkg);
        entry.addProperty("filter", filter == null ? null : filter + " " + TestRun.CONV);
        entry.addProperty("exit_status", result.exit());
        entry.addProperty("seconds", result.seconds());
        c.report.put("tests", key, entry);
        showOutcomes(o);
        if (result.timedOut()) {
            c.report.record(step, Report.Status.TIMEOUT, result.seconds(), counts);
        } else if (o == null) {
            c.report.record(step, Report.Status.FAIL, result.seconds(), "exit status " + result.exit() + ", no results: " + GpuCheck.lastLine(log));
            return;
        } else if ("--only".equals(filter) && failed == 0 && ok == 0) {
            String why = found == 0 ? "no conv tests in " + pkg + " yet (the engine's contract tests on conv layers)"
                    : "every conv test skipped: " + firstReason(o);
            c.report.record(step, Report.Status.SKIP, result.seconds(), why);
            return;
        } else if (result.exit() == 0 && failed == 0 && ok > 0) {
            c.report.record(step, Report.Status.PASS, result.seconds(), counts);
            return;
        } else {
            c.report.record(step, Report.Status.FAIL, result.seconds(), counts + "; exit status " + result.exit());
        }
        syncRerun(name, o, options);
    }

    /** The first failed classes again, every launch waited for: a kernel fault then names its kernel, grid and block. */
    private void syncRerun(String name, JsonObject o, List<String> options) {
        if (o == null || o.getAsJsonArray("failed_classes").isEmpty()) {
            return;
        }
        List<String> classes = new ArrayList<>();
        o.getAsJsonArray("failed_classes").forEach(e -> classes.add(e.getAsString()));
        classes.subList(Math.min(3, classes.size()), classes.size()).clear();
        String key = name.replace(' ', '-') + "-sync";
        Path log = c.logs.resolve("tests-" + key + ".log");
        Path json = c.logs.resolve("junit-" + key + ".json");
        List<String> args = new ArrayList<>(List.of("--json", json.toString()));
        classes.forEach(k -> args.addAll(List.of("--class", k)));
        List<String> jvm = new ArrayList<>(options);
        jvm.addAll(List.of("-Dliftnet.gpu.syncLaunches=true", "-Xmx4g"));
        String step = "tests " + name + " sync";
        Optional<Child.Result> run = c.run(step, 120, 30, log, c.java(jvm, "liftnet.gpucheck.TestRun", args.toArray(String[]::new)));
        if (run.isEmpty()) {
            return;
        }
        Child.Result result = run.get();
        JsonObject s = read(json);
        Map<String, Integer> faults = new TreeMap<>();
        for (String l : GpuCheck.lines(log)) {
            Matcher m = KERNEL_FAULT.matcher(l);
            if (m.find()) {
                faults.merge(m.group(), 1, Integer::sum);
            }
        }
        faults.forEach((f, n) -> c.report.say(String.format("   %4d %s", n, f)));
        JsonObject entry = s == null ? new JsonObject() : s.deepCopy();
        entry.addProperty("exit_status", result.exit());
        entry.addProperty("seconds", result.seconds());
        c.report.put("tests", key, entry);
        String what = "rerun of " + String.join(",", classes.stream().map(k -> k.replaceAll(".*\\.", "")).toList())
                + " with -Dliftnet.gpu.syncLaunches=true: " + count(s, "failed") + " failed";
        if (result.timedOut()) {
            c.report.record(step, Report.Status.TIMEOUT, result.seconds(), what);
        } else {
            c.report.record(step, Report.Status.FAIL, result.seconds(), what + "; " + (faults.isEmpty()
                    ? "no kernel fault reported (see " + log + ")" : faults.keySet().iterator().next()));
        }
    }

    /** The failures and the reasons tests were skipped, most frequent first, at most 25 lines. */
    private void showOutcomes(JsonObject o) {
        if (o == null) {
            return;
        }
        List<String> shown = new ArrayList<>();
        for (JsonElement f : o.getAsJsonArray("failures")) {
            JsonObject e = f.getAsJsonObject();
            shown.add("   FAILED " + e.get("test").getAsString() + ": " + e.get("message").getAsString());
        }
        o.getAsJsonObject("skip_reasons").entrySet().stream()
                .sorted((a, b) -> b.getValue().getAsInt() - a.getValue().getAsInt())
                .forEach(e -> shown.add(String.format("   %4d skipped: %s", e.getValue().getAsInt(), e.getKey())));
        shown.stream().limit(25).forEach(c.report::say);
    }

    private static String firstReason(JsonObject o) {
        return o.getAsJsonObject("skip_reasons").entrySet().stream()
                .max((a, b) -> a.getValue().getAsInt() - b.getValue().getAsInt()).map(Map.Entry::getKey).orElse("(no reason given)");
    }

    private static long count(JsonObject o, String key) {
        return o == null || !o.has(key) ? 0 : o.get(key).getAsLong();
    }

    static JsonObject read(Path json) {
        try {
            return Files.isRegularFile(json) ? JsonParser.parseString(Files.readString(json)).getAsJsonObject() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
