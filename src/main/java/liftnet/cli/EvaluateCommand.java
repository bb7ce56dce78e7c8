package liftnet.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.data.Dataset;
import liftnet.io.ModelFile;
import liftnet.train.Evaluation;
import liftnet.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code evaluate}: accuracy and linear fraction of a saved model, printed as one JSON object on stdout, e.g.
 * {@code {"test_acc":0.976,"linear_fraction":[0.38,0.44,0.48],"samples":10000,...}}.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prints the accuracy and linear fraction of a model as JSON: lifted inference (free phase) unless the"
                + " model's metadata says method backprop or linear, or --forward is given.")
final class EvaluateCommand extends ModelCommand {

    @Option(names = "--forward", description = "Predict with the forward pass instead of the free phase")
    boolean forward;

    @Override
    int run(CommandLine cli, ModelFile.Model model) {
        Dataset data = options.load(cli, model);
        boolean lifted = !forward && freePhase(model);
        if (lifted) {
            options.engine.requireSweeps(cli, "lifted inference (the free phase)");
        }
        Evaluation eval;
        try (Engine engine = open(model); DeviceData device = engine.upload(data)) {
            eval = Trainer.evaluate(engine, device, lifted, options.engine.solverConfig(), lifted, options.batch);
        }
        JsonObject o = new JsonObject();
        o.addProperty(options.splitOf(cli).key() + "_acc", eval.accuracy());
        JsonArray fractions = new JsonArray();
        for (double f : eval.linearFraction()) {
            fractions.add(f);
        }
        o.add("linear_fraction", fractions);
        o.addProperty("samples", eval.samples());
        o.addProperty("dataset", data.name());
        o.addProperty("inference", lifted ? "free" : "forward");
        liftnet.train.RunFolder.addNumber(o, "free_energy", eval.freeEnergy());
        liftnet.train.RunFolder.addNumber(o, "clamped_energy", eval.clampedEnergy());
        main.out.println(new com.google.gson.GsonBuilder().serializeNulls().create().toJson(o));
        return Errors.OK;
    }
}
