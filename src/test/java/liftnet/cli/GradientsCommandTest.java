package liftnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import liftnet.TestNets;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.io.ModelFile;
import org.junit.jupiter.api.Test;

/**
 * {@code gradients} on a small MNIST model: at converged phases the symmetric estimate points along the exact gradient
 * and its size is closer to {@code beta} times it than the one-sided estimate's (linear units: with ReLUs, units that
 * cross zero between the free and the nudged solutions make both estimates differ from the derivative at the free one,
 * by a cosine of about 0.98 in the first layer of this model); a beta above the convexity bound gets
 * one error line naming the bound.
 */
class GradientsCommandTest extends Cli.MnistRuns {

    /** Cosine of the converged symmetric estimate to the exact gradient at beta = bound / 8. */
    private static final double MIN_COSINE = 0.999;
    /** Converged float phases against exact ones: the estimates' cosines and norm ratios to the exact gradient. */
    private static final double TOL_EXACT_ROWS = 1e-3;

    private Path model(Units units) throws IOException {
        NetSpec net = NetSpec.parse("784-16-12-10");
        Path file = tmp.resolve("model.safetensors");
        ModelFile.write(file, new NetConfig(net, units, 0.5), TestNets.random(net, 61, 1.5, 0.1), Map.of());
        return file;
    }

    @Test
    void symmetricEstimatePointsAlongTheExactGradient() throws IOException {
        Path file = model(Units.LINEAR);
        Cli.Result probe = Cli.run("gradients", "--model", file.toString(), "--samples", "10", "--sweeps", "2", "--json");
        assertEquals(0, probe.code(), probe::toString);
        double bound = JsonParser.parseString(probe.out()).getAsJsonObject().get("bound").getAsDouble();
        Cli.Result r = Cli.run("gradients", "--model", file.toString(), "--samples", "10", "--sweeps", "400", "--json",
                "--clamp-weight", Double.toString(bound / 8), "--threads", "1");
        assertEquals(0, r.code(), r::toString);
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(10, o.get("samples").getAsInt());
        for (var e : o.getAsJsonArray("layers")) {
            JsonObject layer = e.getAsJsonObject();
            JsonObject sym = layer.getAsJsonObject("symmetric");
            JsonObject one = layer.getAsJsonObject("one-sided");
            String what = "layer " + layer.get("layer") + ": " + layer;
            assertTrue(sym.get("cos_exact").getAsDouble() > MIN_COSINE, what);
            assertTrue(Math.abs(sym.get("ratio_exact").getAsDouble() - 1) < Math.abs(one.get("ratio_exact").getAsDouble() - 1),
                    what);
        }
        Cli.Result table = Cli.run("gradients", "--model", file.toString(), "--samples", "5", "--sweeps", "5");
        assertEquals(0, table.code(), table::toString);
        assertTrue(table.out().contains("W2     symmetric"), table.out());
        assertEquals(1, table.err().split("device: ", -1).length - 1, table::toString); // one engine line, not one per engine
    }

    /**
     * {@code --exact-phases} (ReLUs): the float estimates at converged phases are the exact phases' to float accuracy
     * (cosine between their cosines to the exact gradient within {@link #TOL_EXACT_ROWS}); cross-entropy is refused.
     */
    @Test
    void exactPhasesRowsAgreeWithConvergedFloatPhases() throws IOException {
        Path file = model(Units.RELU);
        Cli.Result r = Cli.run("gradients", "--model", file.toString(), "--samples", "10", "--sweeps", "400", "--json",
                "--exact-phases", "--threads", "1");
        assertEquals(0, r.code(), r::toString);
        for (var e : JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("layers")) {
            JsonObject layer = e.getAsJsonObject();
            for (String[] pair : new String[][] {{"one-sided", "one-sided*"}, {"symmetric", "symmetric*"}}) {
                for (String field : new String[] {"cos_exact", "ratio_exact"}) {
                    double f = layer.getAsJsonObject(pair[0]).get(field).getAsDouble();
                    double x = layer.getAsJsonObject(pair[1]).get(field).getAsDouble();
                    assertEquals(x, f, TOL_EXACT_ROWS * Math.max(1, Math.abs(x)), pair[0] + " " + field + ": " + layer);
                }
            }
        }
        Cli.Result ce = Cli.run("gradients", "--model", file.toString(), "--samples", "2", "--exact-phases",
                "--output-loss", "cross-entropy");
        assertEquals(Errors.USAGE, ce.code(), ce::toString);
        Cli.assertMessage(ce, "--exact-phases", "squared", "--output-loss squared");
    }

    @Test
    void betaAboveTheBoundIsOneErrorLine() throws IOException {
        Cli.Result r = Cli.run("gradients", "--model", model(Units.RELU).toString(), "--samples", "5", "--clamp-weight", "0.2");
        assertEquals(Errors.FAILURE, r.code(), r::toString);
        Cli.assertMessage(r, "--clamp-weight 0.2", "convexity bound", "g = gamma^(L-1) = 0.2500", "use e.g. --clamp-weight");
    }
}
