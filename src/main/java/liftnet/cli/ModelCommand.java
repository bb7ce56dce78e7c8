package liftnet.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.io.ModelFile;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/**
 * A command that runs a saved model on a data set ({@code evaluate}, {@code energy}, {@code score}) with the options of
 * {@link ModelOptions}. {@link #call()}: checks {@link ModelOptions}, then the command's own options ({@link #validate}),
 * reads the model, then {@link #run}.
 */
abstract class ModelCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ParentCommand
    Main main;

    @Mixin
    ModelOptions options;

    @Override
    public final Integer call() throws IOException {
        CommandLine cli = spec.commandLine();
        options.validate(cli);
        validate(cli);
        return run(cli, options.readModel());
    }

    /** Checks the command's own options before the model is read; a bad one is a usage error. None by default. */
    void validate(CommandLine cli) {
    }

    /**
     * The command's work on the model read from {@code --model}.
     *
     * @return the exit status
     */
    abstract int run(CommandLine cli, ModelFile.Model model) throws IOException;

    /** Opens the engine of {@code --device} for the model's net, holding the model's parameters; stderr says which. */
    Engine open(ModelFile.Model model) {
        Engine engine = Devices.open(options.engine.device, model.config(), options.engine.threadCount(), options.engine.switches(), main.err);
        try {
            engine.setParameters(model.parameters());
            return engine;
        } catch (RuntimeException | Error e) {
            try {
                engine.close();
            } catch (RuntimeException | Error closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * Whether the model predicts with the free phase (lifted inference): unless its metadata's {@code method} is
     * {@code backprop} or {@code linear}, which predict with the forward pass; a model without it counts as contrastive.
     */
    static boolean freePhase(ModelFile.Model model) {
        String method = model.metadata().getOrDefault("method", Method.CONTRASTIVE.id());
        return !method.equals(Method.BACKPROP.id()) && !method.equals(Method.LINEAR.id());
    }
}
