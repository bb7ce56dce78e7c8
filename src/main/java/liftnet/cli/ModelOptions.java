package liftnet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import liftnet.data.DataSets;
import liftnet.data.Dataset;
import liftnet.data.DatasetId;
import liftnet.data.Split;
import liftnet.io.ModelFile;
import liftnet.io.ModelFileException;
import liftnet.train.RunFolder;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Options shared by the commands that read a saved model and a data set ({@link ModelCommand}: {@code evaluate},
 * {@code energy}, {@code score}): the model file, the data set and split, and the engine ({@link EngineOptions}).
 */
final class ModelOptions {

    @Option(names = "--model", paramLabel = "FILE", required = true,
            description = "A model file (safetensors) written by train or by numpy, or a run folder (its model.safetensors: the last finished epoch)")
    Path model;

    @Option(names = "--dataset", paramLabel = "D", converter = Converters.Dataset.class,
            description = "mnist, fashion-mnist or cifar10. Default: the model's metadata 'dataset', else mnist")
    DatasetId dataset;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder holding the data set's files. Default: data/<dataset>")
    Path data;

    @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "test", description = "test or train. Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "N samples only (0: all): evaluate and energy take the first N; score draws N of each set at random"
                    + " (--sample-seed). Default: ${DEFAULT-VALUE}")
    int limit;

    @Mixin
    EngineOptions engine;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "500", description = "Samples per engine batch. Default: ${DEFAULT-VALUE}")
    int batch;

    /** Checks the numeric options; a bad one is a usage error. */
    void validate(CommandLine cli) {
        if (limit < 0) {
            throw Errors.usage(cli, "--limit " + limit + ": must be at least 0 (0: all samples)");
        }
        if (batch < 1) {
            throw Errors.usage(cli, "--batch " + batch + ": must be at least 1, e.g. 500");
        }
        engine.validate(cli);
        splitOf(cli);
    }

    /** The split {@code --split} names. */
    Split splitOf(CommandLine cli) {
        return split(cli, "--split", split);
    }

    /** The split {@code text}, the value of {@code option}, names: {@code test} or {@code train}; else a usage error. */
    static Split split(CommandLine cli, String option, String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "test" -> Split.TEST;
            case "train" -> Split.TRAIN;
            default -> throw Errors.usage(cli, option + " " + text + ": expected test or train");
        };
    }

    /**
     * The model file {@code --model} names: the file itself, or a run folder's {@link RunFolder#MODEL}.
     *
     * @throws Errors.Failure for a folder that holds no model
     */
    Path modelFile() {
        if (!Files.isDirectory(model)) {
            return model;
        }
        Path file = model.resolve(RunFolder.MODEL);
        if (!Files.isRegularFile(file)) {
            throw new Errors.Failure(Errors.FAILURE, "--model " + model + ": a folder without " + RunFolder.MODEL
                    + "; pass a run folder of train (it holds " + RunFolder.MODEL + ") or a model file");
        }
        return file;
    }

    /** Reads and validates the model file ({@link #modelFile()}). */
    ModelFile.Model readModel() throws IOException {
        Path model = modelFile();
        if (!Files.isRegularFile(model)) {
            throw new Errors.Failure(Errors.FAILURE, "--model " + model + ": no such file; pass the model.safetensors of a run"
                    + " (e.g. runs/<name>/model.safetensors)");
        }
        try {
            return ModelFile.read(model);
        } catch (ModelFileException e) {
            throw new Errors.Failure(Errors.FAILURE, e.getMessage() + "; --model needs a liftnet model file"
                    + " (safetensors with F32 tensors W0.., b0.. and metadata net, units, gamma)");
        }
    }

    /** The data set to use: {@code --dataset}, else the model's metadata, else MNIST. */
    DatasetId datasetFor(ModelFile.Model m) {
        if (dataset != null) {
            return dataset;
        }
        String saved = m.metadata().get("dataset");
        if (saved != null) {
            try {
                return DatasetId.parse(saved);
            } catch (IllegalArgumentException e) {
                // fall through to the default
            }
        }
        return DatasetId.MNIST;
    }

    /**
     * Loads the split of the data set (the first {@code --limit} samples) and checks that the model fits it.
     *
     * @throws picocli.CommandLine.ParameterException when the model's input or output width does not match
     */
    Dataset load(CommandLine cli, ModelFile.Model m) {
        Dataset set = loadAll(cli, m);
        return limit > 0 ? set.head(limit) : set;
    }

    /** {@link #load} without {@code --limit}: the whole split. */
    Dataset loadAll(CommandLine cli, ModelFile.Model m) {
        DatasetId id = datasetFor(m);
        int inputs = m.config().net().inputs();
        int outputs = m.config().net().outputs();
        int channels = id.channelsOf(inputs);
        if (channels == 0 || outputs != id.classes()) {
            throw Errors.usage(cli, "--model " + model + ": net " + m.config().net() + " takes " + inputs + " inputs and "
                    + outputs + " classes, but " + id.key() + " has " + id.inputsText() + " and " + id.classes()
                    + " classes; pass the --dataset the model was trained on");
        }
        Path dir = data != null ? data : TrainCommand.defaultData(id);
        return DataSets.load(id, dir, splitOf(cli), channels);
    }
}
