package liftnet.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SweepResults} from run folders written by hand: the mean and std over the finished seeds, and runs whose
 * epochs left the training accuracy out ({@code train --train-eval N}, {@code "train_acc": null}).
 */
class SweepResultsTest {

    @TempDir
    Path tmp;

    private SweepTask run(String seed, int epochs, String... metricsLines) throws IOException {
        Path dir = tmp.resolve("runs").resolve("seed-" + seed);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(RunFiles.CONFIG), "{\"epochs\": " + epochs + ", \"seed\": " + seed + "}\n");
        Files.writeString(dir.resolve(RunFiles.METRICS), String.join("\n", metricsLines) + "\n");
        return new SweepTask("seed-" + seed, Map.of("seed", seed), List.of(), dir.toString(),
                tmp.resolve("logs/seed-" + seed + ".log").toString(), epochs);
    }

    private static String line(int epoch, String trainAcc, double testAcc) {
        return "{\"epoch\": " + epoch + ", \"train_acc\": " + trainAcc + ", \"test_acc\": " + testAcc
                + ", \"linear_fraction\": [0.5], \"seconds\": 2.0}";
    }

    @Test
    void epochsWithoutTrainingAccuracyAreShownAsMissingAndLeftOutOfItsMean() throws IOException {
        List<SweepTask> tasks = List.of(
                run("1", 2, line(1, "null", 0.90), line(2, "0.96", 0.95)),
                run("2", 2, line(1, "null", 0.91), line(2, "0.98", 0.97)),
                run("3", 3, line(1, "0.5", 0.40), line(2, "null", 0.45)));

        int unfinished = SweepResults.write(tmp, tasks, Map.of(), "sweep ...", "local", 1.0);

        assertEquals(1, unfinished);
        String md = Files.readString(tmp.resolve(SweepResults.MARKDOWN));
        assertTrue(md.contains("| all | 2 | 96.00 ± 1.41 | 95.00 | 97.00 | 97.00 ± 1.41 | 1 |"), md);
        assertTrue(md.contains("| seed-3 | 2/3 | 45.00 | - | 4.0 |"), md);
        JsonObject json = JsonParser.parseString(Files.readString(tmp.resolve(SweepResults.JSON))).getAsJsonObject();
        JsonObject train = json.getAsJsonArray("configurations").get(0).getAsJsonObject().getAsJsonObject("train_acc");
        assertEquals(2, train.get("n").getAsInt());
        assertEquals(0.97, train.get("mean").getAsDouble(), 1e-12);
        assertTrue(json.getAsJsonArray("runs").get(2).getAsJsonObject().get("train_acc").isJsonNull());
    }
}
