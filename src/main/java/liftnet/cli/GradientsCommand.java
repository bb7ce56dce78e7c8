package liftnet.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import liftnet.api.DeviceData;
import liftnet.api.Engine;
import liftnet.api.Method;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Phase;
import liftnet.api.Solver;
import liftnet.api.SolverConfig;
import liftnet.api.StopRule;
import liftnet.data.Dataset;
import liftnet.io.ModelFile;
import liftnet.report.GradientAgreement;
import liftnet.train.ExactPhases;
import liftnet.train.ImplicitGradient;
import liftnet.train.NudgeBound;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gradients}: how well the contrastive estimates point, per weight layer, on the first N samples of the model's
 * data set. The estimates, as training computes them (the CPU engine, {@code --sweeps} Jacobi sweeps): one-sided and
 * symmetric nudging with a soft clamp of weight {@code beta}, the hard clamp's contrastive gradient and the standard
 * lifted one. The references: the exact gradient of {@code l(z_L^free, y)} at the free solution (converged, implicit
 * differentiation, {@link ImplicitGradient}) and back-propagation's at the forward pass. Per pair, the cosine and the
 * norm ratio {@code ||estimate|| / (s ||reference||)}, {@code s = beta} for the soft clamps and {@code g = gamma^(L-1)}
 * for the hard clamp and lifted (1: the estimate is that multiple of the reference).
 */
@Command(name = "gradients", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Per weight layer, the cosine and norm ratio of the contrastive gradients (one-sided and symmetric"
                + " nudging, the hard clamp's, standard lifted) against the exact gradient of the loss at the free solution"
                + " and against back-propagation's, on the first --samples samples; a table, or --json.")
final class GradientsCommand extends ModelCommand {

    /** The free solution the exact gradient is taken at: Jacobi until the KKT residual is below this. */
    static final double TOL_EXACT_KKT = 1e-6;
    /** Sweeps of that solve at most. */
    static final int MAX_EXACT_SWEEPS = 2000;
    /** The rows of {@code --exact-phases}. */
    static final String EXACT_ONE_SIDED = "one-sided*";
    static final String EXACT_SYMMETRIC = "symmetric*";
    /** Chunks of samples that {@code --exact-phases} solves in parallel. */
    private static final int EXACT_CHUNKS = 16;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "100", description = "Samples of the split, the first N. Default: ${DEFAULT-VALUE}")
    int samples;

    @Option(names = "--gamma", paramLabel = "G", description = "Feedback weight of the energy. Default: the model's")
    Double gamma;

    @Option(names = "--clamp-weight", paramLabel = "BETA",
            description = "beta of the soft clamps, below the convexity bound of E - beta l. Default: the model's soft"
                    + " clamp's, else half the bound")
    Double clampWeight;

    @Option(names = "--output-loss", paramLabel = "L",
            description = "The loss l: squared or cross-entropy. Default: the model's soft clamp's, else squared")
    String outputLoss;

    @Option(names = "--exact-phases",
            description = "Also the one-sided and symmetric estimates from phases solved exactly in double precision"
                    + " (squared loss only; slow: seconds per sample and phase on a conv net), to tell the estimates'"
                    + " own bias from the rounding of float phases")
    boolean exactPhases;

    @Option(names = "--json", description = "One JSON object on stdout instead of the table")
    boolean json;

    @Override
    void validate(CommandLine cli) {
        if (samples < 1) {
            throw Errors.usage(cli, "--samples " + samples + ": must be at least 1, e.g. 100");
        }
        if (gamma != null && !(gamma > 0 && gamma <= 1)) {
            throw Errors.usage(cli, "--gamma " + gamma + ": must be in (0, 1], e.g. 0.125");
        }
        if (clampWeight != null && !(clampWeight > 0 && Double.isFinite(clampWeight))) {
            throw Errors.usage(cli, "--clamp-weight " + clampWeight + ": must be a positive number below the convexity"
                    + " bound, e.g. 0.0005");
        }
        if (outputLoss != null) {
            try {
                OutputLoss.Kind.parse(outputLoss);
            } catch (IllegalArgumentException e) {
                throw Errors.usage(cli, "--output-loss " + outputLoss + ": expected squared or cross-entropy");
            }
        }
        options.engine.requireSweeps(cli, "the estimates' phases");
    }

    @Override
    int run(CommandLine cli, ModelFile.Model model) {
        Dataset data = options.loadAll(cli, model);
        data = data.head(Math.min(samples, data.count()));
        Parameters p = model.parameters();
        NetSpec net = p.net();
        OutputLoss modelLoss = model.config().outputLoss();
        OutputLoss.Kind kind = outputLoss != null ? OutputLoss.Kind.parse(outputLoss)
                : modelLoss.isHard() ? OutputLoss.Kind.SQUARED : modelLoss.kind();
        double gam = gamma != null ? gamma : model.config().gamma();
        NetConfig hard = new NetConfig(net, model.config().units(), gam);
        NudgeBound nudgeBound = new NudgeBound(hard.withOutputLoss(new OutputLoss(kind, 1)));
        double bound = nudgeBound.bound(p);
        double g = nudgeBound.g();
        double beta = clampWeight != null ? clampWeight
                : !modelLoss.isHard() && modelLoss.kind() == kind && modelLoss.weight() < bound ? modelLoss.weight() : bound / 2;
        if (!(beta < bound)) {
            throw new Errors.Failure(Errors.FAILURE, String.format(Locale.ROOT, "--clamp-weight %s: beta = %.4g g is not"
                    + " below the convexity bound %.4g = %.4g g of E - beta l at this model's weights (g = gamma^(L-1) ="
                    + " %.4g), so the symmetric estimate's negative phase has no minimiser; use e.g. --clamp-weight %.3g",
                    clampWeight, beta / g, bound, bound / g, g, bound / 2));
        }
        if (exactPhases && kind != OutputLoss.Kind.SQUARED) {
            throw new Errors.Failure(Errors.USAGE, "--exact-phases solves the squared loss's phases only; found --output-loss "
                    + kind.id() + "; use --output-loss squared or leave --exact-phases out");
        }
        NetConfig soft = hard.withOutputLoss(new OutputLoss(kind, beta));
        SolverConfig solver = options.engine.solverConfig();
        Map<String, Parameters> estimates = new LinkedHashMap<>();
        try (Engine e = prepared(soft, p, data, main.err)) {
            e.inferFree(solver);
            e.inferClamped(solver);
            e.computeGradient(Method.CONTRASTIVE);
            estimates.put("one-sided", e.gradient());
            e.inferNegative(solver);
            e.computeGradient(Method.CONTRASTIVE);
            estimates.put("symmetric", e.gradient());
        }
        double[][][] exact;
        double[][][] backprop;
        double cgIterations;
        try (Engine e = prepared(hard, p, data, new PrintStream(OutputStream.nullOutputStream()))) { // announced once
            e.inferFree(solver);
            e.inferClamped(solver);
            e.computeGradient(Method.CONTRASTIVE);
            estimates.put("hard clamp", e.gradient());
            e.computeGradient(Method.LIFTED);
            estimates.put("lifted", e.gradient());
            e.inferFree(new SolverConfig(Solver.JACOBI, MAX_EXACT_SWEEPS, StopRule.KKT, TOL_EXACT_KKT));
            ImplicitGradient implicit = new ImplicitGradient(hard, p, kind);
            exact = references(e, Phase.FREE, data, net, (z, y, gw, gb) -> implicit.addExact(z, y, 1.0 / samplesOf(e), gw, gb));
            backprop = references(e, Phase.FORWARD, data, net,
                    (z, y, gw, gb) -> implicit.addBackprop(z, y, 1.0 / samplesOf(e), gw, gb));
            cgIterations = implicit.meanIterations();
        }
        if (exactPhases) {
            estimates.putAll(exactEstimates(hard, p, data, beta));
        }
        Map<String, Double> scale = Map.of("one-sided", beta, "symmetric", beta, "hard clamp", g, "lifted", g,
                EXACT_ONE_SIDED, beta, EXACT_SYMMETRIC, beta);
        JsonObject o = new JsonObject();
        o.addProperty("model", options.model.toString());
        o.addProperty("dataset", data.name());
        o.addProperty("samples", data.count());
        o.addProperty("gamma", gam);
        o.addProperty("g", g);
        o.addProperty("output_loss", kind.id());
        o.addProperty("beta", beta);
        o.addProperty("bound", bound);
        o.addProperty("sweeps", solver.maxSweeps());
        o.addProperty("cg_iterations", cgIterations);
        JsonArray layers = new JsonArray();
        for (int k = 0; k < net.layers(); k++) {
            JsonObject layer = new JsonObject();
            layer.addProperty("layer", k);
            for (Map.Entry<String, Parameters> est : estimates.entrySet()) {
                double[][] a = pieces(est.getValue(), k);
                layer.add(est.getKey(), pair(GradientAgreement.agreement(a, exact[k], scale.get(est.getKey())),
                        GradientAgreement.agreement(a, backprop[k], scale.get(est.getKey()))));
            }
            JsonObject ex = new JsonObject();
            double[] eb = GradientAgreement.agreement(exact[k], backprop[k], 1);
            ex.addProperty("cos_backprop", eb[0]);
            ex.addProperty("ratio_backprop", eb[1]);
            layer.add("exact", ex);
            layers.add(layer);
        }
        o.add("layers", layers);
        if (json) {
            main.out.println(new GsonBuilder().create().toJson(o));
        } else {
            main.out.print(table(o, estimates.keySet()));
        }
        return Errors.OK;
    }

    /**
     * The one-sided and symmetric estimates, mean over the samples, from the free and both nudged phases solved exactly
     * ({@link ExactPhases}): {@link #EXACT_CHUNKS} chunks of consecutive samples in parallel, each summed in order, then
     * the chunks in order (the same sums whatever the threads).
     */
    private static Map<String, Parameters> exactEstimates(NetConfig config, Parameters p, Dataset data, double beta) {
        ExactPhases exact = new ExactPhases(config, p);
        NetSpec net = config.net();
        int n = data.count();
        double[][][][] chunks = IntStream.range(0, EXACT_CHUNKS).parallel().mapToObj(c -> {
            double[][][] g = { // one-sided W, b; symmetric W, b
                ExactPhases.zeroWeights(net), ExactPhases.zeroBiases(net),
                ExactPhases.zeroWeights(net), ExactPhases.zeroBiases(net)};
            for (int s = (int) ((long) n * c / EXACT_CHUNKS); s < (int) ((long) n * (c + 1) / EXACT_CHUNKS); s++) {
                int y = data.labels()[s];
                int o = s * data.width();
                double[][] plus = exact.solve(data.inputs(), o, y, beta);
                exact.addEnergyGradient(plus, 1.0 / n, g[0], g[1]);
                exact.addEnergyGradient(exact.solve(data.inputs(), o, y, 0), -1.0 / n, g[0], g[1]);
                exact.addEnergyGradient(plus, 0.5 / n, g[2], g[3]);
                exact.addEnergyGradient(exact.solve(data.inputs(), o, y, -beta), -0.5 / n, g[2], g[3]);
            }
            return g;
        }).toArray(double[][][][]::new);
        Map<String, Parameters> out = new LinkedHashMap<>();
        out.put(EXACT_ONE_SIDED, summed(net, chunks, 0));
        out.put(EXACT_SYMMETRIC, summed(net, chunks, 2));
        return out;
    }

    /** The chunks' gradients {@code chunks[c][w]} (weights) and {@code [w + 1]} (biases), summed in chunk order. */
    private static Parameters summed(NetSpec net, double[][][][] chunks, int w) {
        Parameters out = Parameters.zeros(net);
        for (int k = 0; k < net.layers(); k++) {
            for (int part = 0; part < 2; part++) {
                float[] to = part == 0 ? out.weight(k) : out.bias(k);
                for (int i = 0; i < to.length; i++) {
                    double sum = 0;
                    for (double[][][] g : chunks) {
                        sum += g[w + part][k][i];
                    }
                    to[i] = (float) sum;
                }
            }
        }
        return out;
    }

    private static int samplesOf(Engine e) {
        return e.batchSize();
    }

    private Engine prepared(NetConfig config, Parameters p, Dataset data, PrintStream announce) {
        Engine e = Devices.open("cpu", config, options.engine.threadCount(), announce);
        try {
            e.setParameters(p);
            DeviceData d = e.upload(data);
            int[] order = new int[data.count()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            e.selectBatch(d, order, 0, data.count());
            e.forward();
            return e;
        } catch (RuntimeException | Error ex) {
            e.close();
            throw ex;
        }
    }

    /** What a reference adds per sample: its gradient at activations {@code z[0..L]} with label {@code y}. */
    private interface PerSample {
        void add(double[][] z, int y, double[][] gw, double[][] gb);
    }

    /** The batch mean of a reference over the samples, at {@code phase}'s activations: per layer {weights, bias}. */
    private static double[][][] references(Engine e, Phase phase, Dataset data, NetSpec net, PerSample ref) {
        int layers = net.layers();
        float[][] act = new float[layers + 1][];
        for (int k = 0; k <= layers; k++) {
            act[k] = e.activations(phase, k);
        }
        double[][] gw = ExactPhases.zeroWeights(net);
        double[][] gb = ExactPhases.zeroBiases(net);
        for (int s = 0; s < data.count(); s++) {
            double[][] z = new double[layers + 1][];
            for (int k = 0; k <= layers; k++) {
                int n = net.width(k);
                z[k] = new double[n];
                for (int i = 0; i < n; i++) {
                    z[k][i] = act[k][s * n + i];
                }
            }
            ref.add(z, data.labels()[s], gw, gb);
        }
        double[][][] out = new double[layers][][];
        for (int k = 0; k < layers; k++) {
            out[k] = new double[][] {gw[k], gb[k]};
        }
        return out;
    }

    private static double[][] pieces(Parameters g, int k) {
        float[] w = g.weight(k);
        float[] b = g.bias(k);
        double[] wd = new double[w.length];
        double[] bd = new double[b.length];
        for (int i = 0; i < w.length; i++) {
            wd[i] = w[i];
        }
        for (int i = 0; i < b.length; i++) {
            bd[i] = b[i];
        }
        return new double[][] {wd, bd};
    }

    private static JsonObject pair(double[] exact, double[] backprop) {
        JsonObject o = new JsonObject();
        o.addProperty("cos_exact", exact[0]);
        o.addProperty("ratio_exact", exact[1]);
        o.addProperty("cos_backprop", backprop[0]);
        o.addProperty("ratio_backprop", backprop[1]);
        return o;
    }

    private static String table(JsonObject o, Iterable<String> names) {
        StringBuilder sb = new StringBuilder();
        double g = o.get("g").getAsDouble();
        sb.append(String.format(Locale.ROOT, "%s: %d %s samples, gamma %s (g = gamma^(L-1) = %.4g), %s loss, beta %.4g ="
                + " %.4g g (convexity bound of E - beta l: %.4g g), %d sweeps; exact: free phase to KKT %.0e, implicit"
                + " differentiation (%.0f CG iterations per sample)%n", o.get("model").getAsString(),
                o.get("samples").getAsInt(), o.get("dataset").getAsString(), o.get("gamma").getAsString(), g,
                o.get("output_loss").getAsString(), o.get("beta").getAsDouble(), o.get("beta").getAsDouble() / g,
                o.get("bound").getAsDouble() / g, o.get("sweeps").getAsInt(), TOL_EXACT_KKT,
                o.get("cg_iterations").getAsDouble()));
        sb.append("ratio: ||estimate|| / (s ||reference||), s = beta for the soft clamps, g for the hard clamp and lifted\n");
        if (o.getAsJsonArray("layers").get(0).getAsJsonObject().has(EXACT_SYMMETRIC)) {
            sb.append("*: from phases solved exactly in double precision (active sets, conjugate gradients)\n");
        }
        sb.append(String.format(Locale.ROOT, "%-6s %-11s %10s %12s %13s %15s%n", "layer", "estimate", "cos exact",
                "ratio exact", "cos backprop", "ratio backprop"));
        for (var e : o.getAsJsonArray("layers")) {
            JsonObject layer = e.getAsJsonObject();
            String name = "W" + layer.get("layer").getAsInt();
            for (String n : names) {
                JsonObject r = layer.getAsJsonObject(n);
                sb.append(String.format(Locale.ROOT, "%-6s %-11s %10.4f %12.4f %13.4f %15.4f%n", name, n,
                        r.get("cos_exact").getAsDouble(), r.get("ratio_exact").getAsDouble(),
                        r.get("cos_backprop").getAsDouble(), r.get("ratio_backprop").getAsDouble()));
            }
            JsonObject ex = layer.getAsJsonObject("exact");
            sb.append(String.format(Locale.ROOT, "%-6s %-11s %10s %12s %13.4f %15.4f%n", name, "exact", "-", "-",
                    ex.get("cos_backprop").getAsDouble(), ex.get("ratio_backprop").getAsDouble()));
        }
        return sb.toString();
    }
}
