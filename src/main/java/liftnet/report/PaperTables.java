package liftnet.report;

import java.util.List;
import java.util.Locale;

/**
 * The rows of the paper's Tables 1-4 and Figure 1 with the paper's numbers (DESIGN.md): test and train
 * accuracy in percent and the percentage of hidden units in the linear range, per layer.
 */
public final class PaperTables {

    /** Paper epochs for MNIST and Fashion-MNIST. */
    public static final int EPOCHS = 100;
    /** Paper epochs for CIFAR-10. */
    public static final int CIFAR_EPOCHS = 50;
    /** Table number used for the runs behind Figure 1. */
    public static final int FIGURE_1 = 0;

    private PaperTables() {
    }

    /**
     * One experiment.
     *
     * @param table       1-4, or {@link #FIGURE_1}
     * @param dataset     {@code mnist}, {@code fashion-mnist}, {@code cifar10}
     * @param net         e.g. {@code 784-64-64-64-10}
     * @param units       {@code relu}, {@code hardsigmoid}
     * @param method      {@code backprop}, {@code lifted}, {@code contrastive}, {@code linear}
     * @param epochs      the paper's epochs
     * @param paperTest   test accuracy in percent, NaN where the paper gives none
     * @param paperTrain  train accuracy in percent, NaN where none
     * @param paperLinear linear fraction in percent per hidden layer (empty where none)
     */
    public record Row(int table, String dataset, String net, String units, String method, int epochs, double paperTest,
                      double paperTrain, double[] paperLinear) {

        public Row {
            paperLinear = paperLinear.clone();
        }

        @Override
        public double[] paperLinear() {
            return paperLinear.clone();
        }

        /** Folder name of the row's run, e.g. {@code t1-mnist-784-64-64-64-10-relu-contrastive}. */
        public String id() {
            String t = table == FIGURE_1 ? "f1" : "t" + table;
            return String.join("-", t, dataset, net, units, method).toLowerCase(Locale.ROOT);
        }

        /** Label as in the paper, e.g. {@code ReLU contr.}. */
        public String label() {
            if (method.equals("linear")) {
                return "Linear regression";
            }
            String u = units.equals("relu") ? "ReLU" : "Hard sigm.";
            String m = switch (method) {
                case "backprop" -> "back-prop";
                case "contrastive" -> "contr.";
                default -> "lifted";
            };
            return u + " " + m;
        }
    }

    private static final double N = Double.NaN;
    private static final double[] NONE = {};
    private static final double[] LIN3 = {99.9, 99.9, 99.9};

    private static final List<Row> ROWS = List.of(
            new Row(1, "mnist", "784-64-64-64-10", "relu", "backprop", EPOCHS, 97.7, 99.8, new double[] {43.8, 39.3, 38.2}),
            new Row(1, "mnist", "784-64-64-64-10", "relu", "lifted", EPOCHS, 86.3, 85.2, LIN3),
            new Row(1, "mnist", "784-64-64-64-10", "relu", "contrastive", EPOCHS, 97.6, 99.8, new double[] {37.9, 43.6, 48.4}),
            new Row(1, "mnist", "784-64-64-64-10", "hardsigmoid", "backprop", EPOCHS, 97.0, 99.7, new double[] {53.5, 45.1, 34.6}),
            new Row(1, "mnist", "784-64-64-64-10", "hardsigmoid", "lifted", EPOCHS, 86.3, 85.4, LIN3),
            new Row(1, "mnist", "784-64-64-64-10", "hardsigmoid", "contrastive", EPOCHS, 97.4, 99.8, new double[] {47.0, 43.7, 50.7}),
            new Row(1, "mnist", "784-64-64-64-10", "relu", "linear", EPOCHS, 86.0, 85.3, NONE),
            new Row(2, "fashion-mnist", "784-64-64-64-10", "relu", "backprop", EPOCHS, 88.0, 95.6, new double[] {38.0, 39.6, 38.4}),
            new Row(2, "fashion-mnist", "784-64-64-64-10", "relu", "lifted", EPOCHS, 80.0, 81.4, LIN3),
            new Row(2, "fashion-mnist", "784-64-64-64-10", "relu", "contrastive", EPOCHS, 88.2, 94.2, new double[] {30.0, 48.2, 66.1}),
            new Row(2, "fashion-mnist", "784-64-64-64-10", "hardsigmoid", "backprop", EPOCHS, 88.1, 95.5, new double[] {46.7, 40.5, 41.7}),
            new Row(2, "fashion-mnist", "784-64-64-64-10", "hardsigmoid", "lifted", EPOCHS, 80.1, 81.6, LIN3),
            new Row(2, "fashion-mnist", "784-64-64-64-10", "hardsigmoid", "contrastive", EPOCHS, 88.2, 94.7, new double[] {44.9, 35.6, 66.3}),
            new Row(2, "fashion-mnist", "784-64-64-64-10", "relu", "linear", EPOCHS, 80.4, 82.3, NONE),
            new Row(3, "fashion-mnist", "784-128-64-64-32-10", "relu", "backprop", EPOCHS, 88.4, 96.2, new double[] {33.5, 42.0, 44.3, 40.3}),
            new Row(3, "fashion-mnist", "784-128-64-64-32-10", "relu", "lifted", EPOCHS, 72.3, 72.7, new double[] {99.9, 99.9, 99.9, 99.9}),
            new Row(3, "fashion-mnist", "784-128-64-64-32-10", "relu", "contrastive", EPOCHS, 88.6, 97.0, new double[] {36.1, 44.4, 45.5, 67.9}),
            new Row(4, "cifar10", "1024-512-512-10", "relu", "backprop", CIFAR_EPOCHS, 48.2, 71.1, new double[] {28.5, 28.9}),
            new Row(4, "cifar10", "1024-512-512-10", "relu", "lifted", CIFAR_EPOCHS, 27.7, 28.0, new double[] {99.9, 99.9}),
            new Row(4, "cifar10", "1024-512-512-10", "relu", "contrastive", CIFAR_EPOCHS, 43.1, 61.7, new double[] {15.2, 90.8}),
            new Row(4, "cifar10", "1024-512-512-10", "relu", "linear", CIFAR_EPOCHS, 21.8, 24.2, NONE),
            new Row(FIGURE_1, "mnist", "784-64-64-10", "relu", "backprop", EPOCHS, 97.5, 99.0, NONE),
            new Row(FIGURE_1, "mnist", "784-64-64-10", "relu", "contrastive", EPOCHS, 97.3, 99.0, NONE),
            new Row(FIGURE_1, "mnist", "784-64-64-10", "relu", "lifted", EPOCHS, 86.0, 85.0, NONE));

    /** All rows, tables 1-4 then Figure 1. */
    public static List<Row> rows() {
        return ROWS;
    }

    /** Title of table {@code t} as in the paper. */
    public static String title(int table) {
        return switch (table) {
            case 1 -> "Table 1: MNIST, 784-64-64-64-10";
            case 2 -> "Table 2: Fashion-MNIST, 784-64-64-64-10";
            case 3 -> "Table 3: Fashion-MNIST, 784-128-64-64-32-10";
            case 4 -> "Table 4: grayscale CIFAR-10, 1024-512-512-10";
            default -> "Figure 1: MNIST, 784-64-64-10 ReLU";
        };
    }
}
