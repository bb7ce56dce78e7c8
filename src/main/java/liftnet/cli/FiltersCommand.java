package liftnet.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import liftnet.api.ConvLayer;
import liftnet.io.ModelFile;
import liftnet.report.FilterImage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code filters}: draws the first-layer weights {@code W_0} of a model as image tiles ({@link FilterImage}). */
@Command(name = "filters", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draws the first-layer weights W0 of a model as a PNG of tiles, one per hidden unit of layer 1"
                + " (the paper's Figure 1); for a convolution, one tile per kernel and input channel, or one colour tile"
                + " per kernel on 3-channel (colour) inputs.")
final class FiltersCommand implements Callable<Integer> {

    /** Default pixels per weight for a convolution's kernels, which are a few weights wide. */
    private static final int KERNEL_SCALE = 8;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ParentCommand
    Main main;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "A model file (safetensors) or a run folder (its model.safetensors)")
    Path model;

    @Option(names = "--out", paramLabel = "FILE.png", required = true, description = "The PNG to write (replaced atomically)")
    Path out;

    @Option(names = "--scale", paramLabel = "N", description = "Pixels per weight. Default: 3, or 2 for wide images, 8 for kernels")
    Integer scale;

    @Option(names = "--gap", paramLabel = "N", defaultValue = "" + FilterImage.DEFAULT_GAP, description = "White pixels between tiles. Default: ${DEFAULT-VALUE}")
    int gap;

    @Override
    public Integer call() throws IOException {
        CommandLine cli = spec.commandLine();
        if (scale != null && scale < 1) {
            throw Errors.usage(cli, "--scale " + scale + ": must be at least 1, e.g. 3");
        }
        if (gap < 0) {
            throw Errors.usage(cli, "--gap " + gap + ": must be at least 0, e.g. 2");
        }
        Converters.requirePng(cli, "--out", out);
        ModelOptions source = new ModelOptions();
        source.model = model;
        ModelFile.Model m = source.readModel();
        ConvLayer conv = m.config().net().conv(0);
        if (conv != null) {
            int k = conv.kernel();
            int px = scale == null ? KERNEL_SCALE : scale;
            boolean colour = conv.channels() == 3;
            int tiles = colour ? conv.filters() : conv.filters() * conv.channels();
            java.awt.image.BufferedImage tilesImage = colour
                    ? FilterImage.renderImages(m.parameters().weight(0), conv.filters(), 3, k, k, px, gap)
                    : FilterImage.render(m.parameters().weight(0), tiles, k * k, px, gap);
            int columns = (int) Math.ceil(Math.sqrt(tiles));
            String layout = colour
                    ? "tile f (row-major, " + columns + " a row): filter f's " + k + "x" + k + " kernel, its red, green and blue"
                            + " weights as the pixel's colour"
                    : conv.channels() == 1
                    ? "tile f (row-major, " + columns + " a row): filter f's " + k + "x" + k + " kernel"
                    : "tile f x " + conv.channels() + " + c (row-major, " + columns + " a row): filter f's " + k + "x" + k
                            + " kernel on input channel c";
            Caption.write(Caption.below(tilesImage, List.of(
                    m.config().net().conv(0).token() + " of " + m.config().net() + ": " + conv.filters() + " filters x "
                            + conv.channels() + " channel" + (conv.channels() == 1 ? "" : "s") + ", " + px + " px a weight",
                    layout,
                    "each tile to its own scale: mid-grey 0, white +max|w|, black -max|w| of the tile; red: not finite")), out);
            main.err.println("wrote " + out + " (" + tiles + (colour ? " colour" : "") + " kernels of " + k + " x " + k
                    + (conv.channels() == 1 || colour ? "" : ", " + conv.filters() + " filters x " + conv.channels() + " channels")
                    + ", with a caption)");
            return Errors.OK;
        }
        int inputs = m.config().net().inputs();
        int[] shape;
        try {
            shape = FilterImage.imageShape(inputs);
        } catch (IllegalArgumentException e) {
            throw new Errors.Failure(Errors.FAILURE, "--model " + model + ": net " + m.config().net() + " has " + inputs
                    + " inputs, not a square image; filters draws nets on MNIST (784) or CIFAR-10 (1024, or 3072 in"
                    + " colour) inputs");
        }
        int side = shape[1];
        if (scale == null && gap == FilterImage.DEFAULT_GAP) {
            FilterImage.write(m.parameters(), out);
        } else {
            FilterImage.write(m.parameters(), out, scale == null ? 3 : scale, gap);
        }
        main.err.println("wrote " + out + " (" + m.config().net().width(1) + (shape[0] == 3 ? " colour" : "")
                + " filters of " + side + " x " + side + ")");
        return Errors.OK;
    }
}
