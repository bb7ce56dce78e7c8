package liftnet.fingerprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The CPU engine trains bit for bit as the pinned commit did: every case of {@link Fingerprints#grid} against the
 * committed SHA-256 of each parameter tensor. Dense fingerprints must never change; conv ones change only with a
 * recorded reason (header of {@code conv.txt}).
 *
 * <p>The default run checks the whole dense grid (36 cases, the ones that must never change) and the
 * {@link #representative} conv cases (10 of 36); {@code -Dliftnet.fingerprints=all} checks the whole conv grid too
 * ({@code mvn -B -o -f core.xml test -Dtest=FingerprintTest -Dliftnet.fingerprints=all}). Where the
 * machine's lane count has no recorded values the tests are skipped, naming the command that records them.
 */
class FingerprintTest {

    /** {@code all}: the whole grid instead of the representative cases. */
    static final String SCOPE_PROPERTY = "liftnet.fingerprints";

    @TestFactory
    Stream<DynamicTest> dense() {
        return cases("dense");
    }

    @TestFactory
    Stream<DynamicTest> conv() {
        return cases("conv");
    }

    private static Stream<DynamicTest> cases(String net) {
        Map<String, Map<String, String>> recorded = recorded(net);
        boolean all = "all".equals(System.getProperty(SCOPE_PROPERTY));
        List<FingerprintCase> grid = Fingerprints.grid(net);
        assertEquals(grid.stream().map(FingerprintCase::id).collect(Collectors.toSet()), recorded.keySet(),
                net + ": the recorded cases are not the grid's; re-record with scripts/record-fingerprints.sh");
        return grid.stream().filter(c -> all || net.equals("dense") || representative(c))
                .map(c -> DynamicTest.dynamicTest(net + " " + c.id(), () -> check(c, recorded.get(c.id()))));
    }

    /**
     * The default run's conv cases: every method at 3 threads (rows split between threads), the lifted ones with
     * Gauss-Seidel at 15 sweeps, hard and soft, and Jacobi under the tolerance rule with the soft clamp; plus
     * Jacobi hard at 1 thread. The full grid adds the other stopping rule, clamp and thread count of each.
     */
    static boolean representative(FingerprintCase c) {
        if (!c.method().isLifted()) {
            return c.threads() == 3;
        }
        return switch (c.solver()) {
            case GAUSS_SEIDEL -> c.threads() == 3 && !c.tolerance();
            case JACOBI -> c.threads() == 3 ? c.softClamp() && c.tolerance() : !c.softClamp() && !c.tolerance();
        };
    }

    private static void check(FingerprintCase c, Map<String, String> expected) {
        Map<String, String> actual = Fingerprints.compute(c);
        List<String> differ = expected.keySet().stream().filter(name -> !expected.get(name).equals(actual.get(name)))
                .collect(Collectors.toList());
        assertEquals(expected.keySet(), actual.keySet(), c.id() + ": tensors");
        assertTrue(differ.isEmpty(), c.id() + ": " + String.join(", ", differ) + " differ from the values recorded at "
                + "the pinned commit for " + Fingerprints.lanes() + " lanes");
    }

    /** The committed values of {@code net} for this machine's lane count; skips the tests when there are none. */
    private static Map<String, Map<String, String>> recorded(String net) {
        String resource = Fingerprints.resource(net, Fingerprints.lanes());
        try (InputStream in = FingerprintTest.class.getClassLoader().getResourceAsStream(resource)) {
            Assumptions.assumeTrue(in != null, "no " + net + " fingerprints recorded for " + Fingerprints.lanes()
                    + " float lanes (src/test/resources/" + resource + "); record them with scripts/record-fingerprints.sh");
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                return Fingerprints.parse(r.lines().collect(Collectors.toList()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
