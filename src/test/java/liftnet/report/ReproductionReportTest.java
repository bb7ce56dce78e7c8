package liftnet.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReproductionReportTest {

    @TempDir
    Path dir;

    @Test
    void tablesHoldEveryRowWithItsStatusAndThePapersNumbers() throws Exception {
        PaperTables.Row row = PaperTables.rows().get(2);
        Path run = dir.resolve("runs").resolve(row.id());
        Files.createDirectories(run);
        Files.writeString(run.resolve("config.json"), "{\"epochs\": 2, \"lr\": 0.025, \"device\": \"cpu (2 threads)\"}");
        Path diverged = dir.resolve("runs").resolve(row.id() + ".diverged-lr0.05");
        Files.createDirectories(diverged);
        Files.writeString(diverged.resolve("metrics.jsonl"), "{\"epoch\":1,\"test_acc\":0.5}\n{\"epoch\":2,\"test_acc\":0.25}\n");
        Files.writeString(run.resolve("metrics.jsonl"),
                "{\"epoch\":1,\"train_acc\":0.9,\"test_acc\":0.91,\"linear_fraction\":[0.5,0.4,0.3],\"seconds\":1.5}\n"
                        + "{\"epoch\":2,\"train_acc\":0.95,\"test_acc\":0.96,\"linear_fraction\":[0.45,0.4,0.35],\"seconds\":1.25}\n");
        Path seeds = dir.resolve("seeds").resolve(row.id());
        Files.createDirectories(seeds);
        Files.writeString(seeds.resolve("sweep.json"), "{\"runs\": [], \"configurations\": [{\"configuration\": \"all\","
                + " \"seeds\": [\"1\", \"2\"], \"test_acc\": {\"n\": 2, \"mean\": 0.955, \"std\": 0.00707, \"min\": 0.95,"
                + " \"max\": 0.96}, \"train_acc\": {\"n\": 2, \"mean\": 0.94, \"std\": 0.01, \"min\": 0.93, \"max\": 0.95}}]}");
        ReproductionReport report = new ReproductionReport(dir.resolve("runs"), dir);
        List<ReproductionReport.Result> results = report.read(false);
        report.writeTables(results);
        report.writeReport(results, "scripts/reproduce.sh --quick", "test machine", "## Notes\n");
        report.writeCurves(results);

        JsonArray tables = JsonParser.parseString(Files.readString(dir.resolve("tables.json"))).getAsJsonArray();
        assertEquals(PaperTables.rows().size(), tables.size());
        JsonObject ours = tables.get(2).getAsJsonObject();
        assertEquals("contrastive", ours.get("method").getAsString());
        assertEquals("done", ours.get("status").getAsString());
        assertEquals(0.96, ours.get("test_acc").getAsDouble(), 1e-12);
        assertEquals(2.75, ours.get("seconds").getAsDouble(), 1e-12);
        assertEquals("cpu (2 threads)", ours.get("device").getAsString());
        assertEquals(0.025, ours.get("lr").getAsDouble(), 1e-15);
        assertEquals("--lr 0.05 diverged: 2 epochs, final test 25.0, best 50.0 (epoch 1)", ours.getAsJsonArray("diverged_attempts").get(0).getAsString());
        assertEquals(0.976, ours.getAsJsonObject("paper").get("test_acc").getAsDouble(), 1e-12);
        assertEquals(0.955, ours.getAsJsonObject("seeds").getAsJsonObject("test_acc").get("mean").getAsDouble(), 1e-12);
        assertEquals(2, ours.getAsJsonObject("seeds").getAsJsonArray("seeds").size());
        assertTrue(tables.get(0).getAsJsonObject().get("seeds") == null, "a row without a seed sweep has no seeds");
        JsonObject cifar = tables.get(PaperTables.rows().size() - 4).getAsJsonObject();
        assertEquals("cifar10", cifar.get("dataset").getAsString());
        assertEquals("not run: data not available", cifar.get("status").getAsString());

        String md = Files.readString(dir.resolve("REPORT.md"));
        assertTrue(md.contains("| ReLU contr. | 97.6 (99.8) | 96.0 (95.0) | -1.6 | 95.50 ± 0.71 (2 seeds) |"), md);
        assertTrue(md.contains("| 0.025 | done; --lr 0.05 diverged: 2 epochs, final test 25.0, best 50.0 (epoch 1) |"), md);
        assertTrue(md.contains("scripts/reproduce.sh --quick") && md.contains("## Notes"), md);
        assertTrue(Files.size(dir.resolve("curves-table1.png")) > 0);
    }

    @Test
    void rowIdsAreUniqueFolderNames() {
        long distinct = PaperTables.rows().stream().map(PaperTables.Row::id).distinct().count();
        assertEquals(PaperTables.rows().size(), distinct);
        assertTrue(PaperTables.rows().stream().allMatch(r -> r.id().matches("[a-z0-9-]+")));
    }
}
