package liftnet;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, once all tests have run, why tests were skipped: one line per reason with the number of tests it
 * skipped (a failed assumption, e.g. no CUDA device, or {@code @Disabled}). Surefire's summary counts skips
 * without saying why. Registered for the JUnit Platform launcher in
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}.
 */
public final class SkipReasons implements TestExecutionListener {

    private final Map<String, Integer> reasons = new TreeMap<>();
    /** The console of the test JVM, taken before tests may redirect {@code System.out}. */
    private final PrintStream out = System.out;

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        if (test.isTest() || test.isContainer()) {
            count(reason);
        }
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            count(result.getThrowable().map(Throwable::getMessage).orElse(null));
        }
    }

    private synchronized void count(String reason) {
        String text = reason == null || reason.isBlank() ? "(no reason given)"
                : reason.replaceFirst("^Assumption failed: ", "").strip().replaceAll("\\s*[\\r\\n]+\\s*", " | ");
        reasons.merge(text, 1, Integer::sum);
    }

    @Override
    public synchronized void testPlanExecutionFinished(TestPlan plan) {
        if (reasons.isEmpty()) {
            return;
        }
        int total = reasons.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder sb = new StringBuilder("[skipped] " + total + " tests or test classes, by reason:\n");
        reasons.forEach((reason, n) -> sb.append(String.format("[skipped] %4d  %s%n", n, reason)));
        out.print(sb);
        out.flush();
        reasons.clear();
    }
}
