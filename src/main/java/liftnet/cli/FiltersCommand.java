package liftnet.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code filters}: draws the first-layer weights of a model as tiles (placeholder until liftnet.report lands). */
@Command(name = "filters", mixinStandardHelpOptions = true, description = "Draws the first-layer weights of a model as image tiles.")
final class FiltersCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    Main main;

    @Override
    public Integer call() {
        throw new Errors.Failure(Errors.FAILURE, "filters is not available in this build");
    }
}
