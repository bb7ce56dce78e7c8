package liftnet.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Phase;
import liftnet.api.SolverConfig;
import liftnet.data.Dataset;
import liftnet.io.ModelFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code energy}: the minimum free and clamped energy of each sample, printed as exactly one JSON object on
 * stdout, {@code {"free": [...], "clamped": [...]}}, in sample order.
 */
@Command(name = "energy", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prints {\"free\": [...], \"clamped\": [...]}: the minimum free and clamped energy of each sample.")
final class EnergyCommand extends ModelCommand {

    @Override
    void validate(CommandLine cli) {
        options.engine.requireSweeps(cli, "energy (the minimum free and clamped energies)");
    }

    @Override
    int run(CommandLine cli, ModelFile.Model model) {
        Dataset data = options.load(cli, model);
        SolverConfig solver = options.engine.solverConfig();
        JsonArray free = new JsonArray();
        JsonArray clamped = new JsonArray();
        int[] order = new int[data.count()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        try (Engine engine = open(model); DeviceData device = engine.upload(data)) {
            for (int from = 0; from < data.count(); from += options.batch) {
                int size = Math.min(options.batch, data.count() - from);
                engine.selectBatch(device, order, from, size);
                engine.forward();
                engine.inferFree(solver);
                for (double e : engine.energies(Phase.FREE)) {
                    free.add(e);
                }
                engine.inferClamped(solver);
                for (double e : engine.energies(Phase.CLAMPED)) {
                    clamped.add(e);
                }
            }
        }
        JsonObject o = new JsonObject();
        o.add("free", free);
        o.add("clamped", clamped);
        main.out.println(new Gson().toJson(o));
        return Errors.OK;
    }
}
