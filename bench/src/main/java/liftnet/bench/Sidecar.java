package liftnet.bench;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * What JMH does not record about a trial (the engine's full name, the inputs, the validation errors, the
 * mean sweeps per inference, divergence), appended as one JSON line to the file named by the system property
 * {@code liftnet.bench.sidecar}; {@link StandardSet} reads it back. Without the property, printed to stderr.
 */
final class Sidecar {

    private Sidecar() {
    }

    static void record(BenchmarkParams bp, Workload w, String validation) {
        JsonObject o = new JsonObject();
        o.addProperty("benchmark", bp.getBenchmark());
        JsonObject params = new JsonObject();
        for (String key : bp.getParamsKeys()) {
            params.addProperty(key, bp.getParam(key));
        }
        o.add("params", params);
        o.addProperty("batch", w.batch);
        o.addProperty("engineName", w.engine.name());
        o.addProperty("inputs", w.dataset.name());
        o.addProperty("validation", validation);
        double sweeps = w.meanSweeps();
        if (!Double.isNaN(sweeps)) {
            o.addProperty("meanSweeps", sweeps);
        }
        o.addProperty("updates", w.updates());
        o.addProperty("diverged", w.diverged());
        o.addProperty("loadAverage", StandardSet.loadAverage());
        String line = new Gson().toJson(o);
        String file = System.getProperty("liftnet.bench.sidecar");
        if (file == null || file.isBlank()) {
            System.err.println("[bench] " + line);
            return;
        }
        try {
            Files.writeString(Path.of(file), line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("[bench] cannot append to " + file + ": " + e + "; " + line);
        }
    }
}
