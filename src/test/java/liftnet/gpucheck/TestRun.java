package liftnet.gpucheck;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * One test step of the GPU check, in its own JVM (a driver fault or a hung kernel then costs only this step):
 * runs JUnit tests through the JUnit Platform Launcher and writes their outcome as JSON.
 *
 * <pre>
 * java ... liftnet.gpucheck.TestRun --json FILE (--package P | --class C)... [--only REGEX | --except REGEX]
 * </pre>
 *
 * {@code --only}/{@code --except} keep or drop the tests whose unique id or display name (or a parent's) matches
 * {@code REGEX} (the conv tests: {@link #CONV}). The JSON: {@code found, successful, failed, aborted, skipped}
 * (counts of tests), {@code failed_classes}, {@code failures} (test and first line of its message) and
 * {@code skip_reasons} (reason: count, for aborted and skipped tests and containers). Exit status 0 when tests
 * ran and none failed, 1 otherwise, 2 for a usage error.
 */
public final class TestRun {

    /**
     * What marks a conv test: {@code conv} or {@code pool} in a class, method or display name, or a net spec with an
     * image input and a conv layer ({@code 1x28x28-c16k5}).
     */
    public static final String CONV = "(?i)conv|pool|\\d+x\\d+x\\d+-c\\d+k\\d+";

    private TestRun() {
    }

    public static void main(String[] args) throws IOException {
        List<DiscoverySelector> selectors = new ArrayList<>();
        Path json = null;
        Pattern pattern = null;
        boolean keep = true;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--json" -> json = Path.of(need(v, args[i++]));
                case "--package" -> selectors.add(selectPackage(need(v, args[i++])));
                case "--class" -> selectors.add(selectClass(need(v, args[i++])));
                case "--only", "--except" -> {
                    keep = args[i].equals("--only");
                    pattern = Pattern.compile(need(v, args[i++]));
                }
                default -> usage("unknown option " + args[i]);
            }
        }
        if (json == null || selectors.isEmpty()) {
            usage("--json and at least one --package or --class are required");
        }
        JsonObject result = run(selectors, pattern, keep);
        Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(result) + "\n", StandardCharsets.UTF_8);
        System.out.println(result.get("found") + " tests found, " + result.get("successful") + " successful, "
                + result.get("failed") + " failed, " + result.get("aborted") + " aborted, " + result.get("skipped") + " skipped");
        System.exit(result.get("failed").getAsLong() == 0 && result.get("found").getAsLong() > 0 ? 0 : 1);
    }

    /** Discovers and runs the tests; the outcome as described in the class comment. */
    static JsonObject run(List<DiscoverySelector> selectors, Pattern pattern, boolean keep) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request().selectors(selectors);
        if (pattern != null) {
            request.filters((PostDiscoveryFilter) d -> filter(d, pattern, keep));
        }
        LauncherDiscoveryRequest discovery = request.build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        Outcomes outcomes = new Outcomes();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(discovery, summary, outcomes);
        TestExecutionSummary s = summary.getSummary();
        JsonObject o = new JsonObject();
        o.addProperty("found", s.getTestsFoundCount());
        o.addProperty("successful", s.getTestsSucceededCount());
        o.addProperty("failed", s.getTestsFailedCount() + s.getContainersFailedCount());
        o.addProperty("aborted", s.getTestsAbortedCount());
        o.addProperty("skipped", s.getTestsSkippedCount());
        JsonArray classes = new JsonArray();
        outcomes.failedClasses.forEach(classes::add);
        o.add("failed_classes", classes);
        JsonArray failures = new JsonArray();
        for (String[] f : outcomes.failures) {
            JsonObject e = new JsonObject();
            e.addProperty("test", f[0]);
            e.addProperty("message", f[1]);
            failures.add(e);
        }
        o.add("failures", failures);
        JsonObject reasons = new JsonObject();
        outcomes.reasons.forEach(reasons::addProperty);
        o.add("skip_reasons", reasons);
        return o;
    }

    private static FilterResult filter(TestDescriptor d, Pattern pattern, boolean keep) {
        if (!d.isTest()) {
            return FilterResult.included("containers stay; empty ones are pruned");
        }
        boolean matches = false;
        for (Optional<TestDescriptor> t = Optional.of(d); t.isPresent() && !matches; t = t.get().getParent()) {
            matches = pattern.matcher(t.get().getUniqueId().toString()).find() || pattern.matcher(t.get().getDisplayName()).find();
        }
        return matches == keep ? FilterResult.included("matches") : FilterResult.excluded("filtered by " + pattern);
    }

    /** Failed classes and tests, and why tests did not run. */
    private static final class Outcomes implements TestExecutionListener {
        final TreeSet<String> failedClasses = new TreeSet<>();
        final List<String[]> failures = new ArrayList<>();
        final Map<String, Integer> reasons = new TreeMap<>();

        @Override
        public synchronized void executionFinished(TestIdentifier id, TestExecutionResult result) {
            switch (result.getStatus()) {
                case FAILED -> {
                    className(id).ifPresent(failedClasses::add);
                    String message = result.getThrowable().map(t -> t.getClass().getSimpleName() + ": " + t.getMessage()).orElse("failed");
                    failures.add(new String[] {name(id), message.lines().findFirst().orElse("")});
                }
                case ABORTED -> reasons.merge(reason(result.getThrowable().map(Throwable::getMessage).orElse(null)), 1, Integer::sum);
                default -> {
                }
            }
        }

        @Override
        public synchronized void executionSkipped(TestIdentifier id, String reason) {
            reasons.merge(reason(reason), 1, Integer::sum);
        }

        private static String reason(String text) {
            return text == null || text.isBlank() ? "(no reason given)"
                    : text.replaceFirst("^Assumption failed: ", "").strip().replaceAll("\\s*[\\r\\n]+\\s*", " | ");
        }

        private static String name(TestIdentifier id) {
            return id.getSource().map(s -> s instanceof MethodSource m ? m.getClassName().replaceAll(".*\\.", "") + "."
                    + m.getMethodName() + " " + id.getDisplayName() : id.getDisplayName()).orElse(id.getDisplayName());
        }

        private static Optional<String> className(TestIdentifier id) {
            return id.getSource().map(s -> s instanceof MethodSource m ? m.getClassName()
                    : s instanceof ClassSource c ? c.getClassName() : null);
        }
    }

    private static String need(String value, String option) {
        if (value == null) {
            usage(option + " needs a value");
        }
        return value;
    }

    private static void usage(String problem) {
        System.err.println("error: " + problem + "; usage: TestRun --json FILE (--package P | --class C)... [--only REGEX | --except REGEX]");
        System.exit(2);
    }
}
