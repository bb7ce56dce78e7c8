package liftnet.io;

import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.OutputLoss;
import liftnet.api.Parameters;
import liftnet.api.Units;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The model file, a contract with tools outside the project (numpy, PyTorch): a {@link SafeTensors} file with
 *
 * <ul>
 *   <li>tensors {@code W0 .. W{L-1}}, F32, shape {@code [n_{k+1}, n_k]}, row-major, and {@code b0 .. b{L-1}}, F32,
 *       shape {@code [n_{k+1}]};</li>
 *   <li>{@code __metadata__} strings {@code net} (e.g. {@code "784-64-64-64-10"}), {@code units}
 *       ({@code relu | hardsigmoid | linear}) and {@code gamma} (e.g. {@code "0.125"}); further keys are allowed
 *       and kept.</li>
 *   <li>A net with convolutions ({@code net} e.g. {@code "1x28x28-c16k5s2-c32k3s2-64-10"}) stores a convolution's
 *       {@code W_k} as its kernel, shape {@code [F, C, K, K]}, and {@code b_k} with shape {@code [F]}, and adds the
 *       metadata {@code layers} naming each layer's kind ({@code conv,conv,dense,dense}). Dense nets have no
 *       {@code layers} key, so their files are as before.</li>
 *   <li>A net with average pooling ({@code net} e.g. {@code "1x28x28-c16k5s2-c32k3-p2-64-10"}) keeps its units
 *       unpooled ({@code n_k} is the convolution's output), and the weight layer after a pooled convolution acts on
 *       the pooled image: a dense {@code W_k} has shape {@code [n_{k+1}, n_k / K^2]} (the pooled size, flattened
 *       channel-major), a convolution's kernel reads the pooled channels. The metadata adds {@code pooling}, the
 *       window side applied to each weight layer's input ({@code 1,1,2,1}; 1: none).</li>
 * </ul>
 *
 * A file written by numpy with these names loads, and a file written here loads in numpy. Writes are atomic
 * ({@link AtomicFiles}). Reading checks that the three metadata keys exist and parse, and that every tensor
 * exists with dtype F32 and its expected shape, and no other tensor is present; any violation throws
 * {@link ModelFileException} naming the file, the tensor and the expected and found shape.
 */
public final class ModelFile {

    /** Metadata key of the layer widths, e.g. {@code "784-64-64-64-10"}. */
    public static final String NET = "net";
    /** Metadata key of the hidden units: {@code relu}, {@code hardsigmoid} or {@code linear}. */
    public static final String UNITS = "units";
    /** Metadata key of the feedback weight, e.g. {@code "0.125"}. */
    public static final String GAMMA = "gamma";
    /**
     * Metadata key of a soft clamp's output loss ({@code squared | cross-entropy}); written only for a soft clamp,
     * absent means the hard clamp.
     */
    public static final String OUTPUT_LOSS = "output_loss";
    /** Metadata key of a soft clamp's weight beta, e.g. {@code "10.0"}; written with {@link #OUTPUT_LOSS}. */
    public static final String CLAMP_WEIGHT = "clamp_weight";
    /** Metadata key of the layer kinds of a net with convolutions, e.g. {@code "conv,conv,dense,dense"}. */
    public static final String LAYERS = "layers";
    /**
     * Metadata key of a net with average pooling: per weight layer, the side of the pooling windows applied to its
     * input, e.g. {@code "1,1,2,1"} (1: none); absent for nets without pooling.
     */
    public static final String POOLING = "pooling";

    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    private ModelFile() {
    }

    /**
     * A loaded model.
     *
     * @param config     widths, units and gamma from the metadata
     * @param parameters weights and biases, freshly allocated
     * @param metadata   all metadata strings, {@code net}, {@code units} and {@code gamma} included; unmodifiable,
     *                   sorted by key
     */
    public record Model(NetConfig config, Parameters parameters, Map<String, String> metadata) {
        public Model {
            if (!config.net().equals(parameters.net())) {
                throw new IllegalArgumentException("parameters are for net " + parameters.net() + "; config says "
                        + config.net());
            }
            metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
        }
    }

    /** Tensor name of {@code W_k}. */
    public static String weightName(int k) {
        return "W" + k;
    }

    /** Tensor name of {@code b_k}. */
    public static String biasName(int k) {
        return "b" + k;
    }

    /**
     * Writes a model atomically: tensors in the order {@code W0, b0, W1, b1, ...}, metadata {@code net},
     * {@code units}, {@code gamma}, then {@code extraMetadata} sorted by key.
     *
     * @param extraMetadata further strings (may be null); it may repeat {@code net}, {@code units} or
     *                      {@code gamma} only with the value the config gives them
     * @throws IllegalArgumentException if {@code parameters} are for another net than {@code config}, or
     *                                  {@code extraMetadata} contradicts the config
     */
    public static void write(Path file, NetConfig config, Parameters parameters, Map<String, String> extraMetadata)
            throws IOException {
        NetSpec net = config.net();
        if (!net.equals(parameters.net())) {
            throw new IllegalArgumentException("parameters are for net " + parameters.net() + "; config says " + net);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(NET, net.toString());
        metadata.put(UNITS, config.units().id());
        metadata.put(GAMMA, Double.toString(config.gamma()));
        if (!config.outputLoss().isHard()) {
            metadata.put(OUTPUT_LOSS, config.outputLoss().kind().id());
            metadata.put(CLAMP_WEIGHT, config.outputLoss().weightText());
        }
        if (net.hasConv()) {
            metadata.put(LAYERS, net.layerKinds());
        }
        if (net.hasPooling()) {
            metadata.put(POOLING, net.poolSizes());
        }
        if (extraMetadata != null) {
            for (Map.Entry<String, String> e : new TreeMap<>(extraMetadata).entrySet()) {
                String own = metadata.get(e.getKey());
                if (own != null && !own.equals(e.getValue())) {
                    throw new IllegalArgumentException("extra metadata " + e.getKey() + " = " + e.getValue()
                            + " contradicts the config's " + own);
                }
                metadata.put(e.getKey(), e.getValue());
            }
        }
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        for (int k = 0; k < net.layers(); k++) {
            tensors.add(SafeTensors.Tensor.f32(weightName(k), net.weightShape(k), parameters.weight(k)));
            tensors.add(SafeTensors.Tensor.f32(biasName(k), new int[] {net.biasCount(k)}, parameters.bias(k)));
        }
        SafeTensors.write(file, tensors, metadata);
    }

    /**
     * Reads and validates a model file.
     *
     * @throws ModelFileException if it is not a valid safetensors file or does not follow the model contract
     * @throws IOException        if it cannot be read
     */
    public static Model read(Path file) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, String> metadata = contents.metadata();
        for (String key : List.of(NET, UNITS, GAMMA)) {
            if (!metadata.containsKey(key)) {
                throw ModelFileException.of(file, "metadata '" + key + "' is missing; a model file needs " + NET
                        + ", " + UNITS + " and " + GAMMA + " (found keys " + new TreeSet<>(metadata.keySet()) + ")");
            }
        }
        NetConfig config = parseConfig(file, metadata);
        NetSpec net = config.net();
        float[][] weights = new float[net.layers()][];
        float[][] biases = new float[net.layers()][];
        for (int k = 0; k < net.layers(); k++) {
            weights[k] = tensor(file, contents, net, weightName(k), net.weightShape(k));
            biases[k] = tensor(file, contents, net, biasName(k), net.biasCount(k));
        }
        Set<String> unexpected = new TreeSet<>(contents.tensors().keySet());
        for (int k = 0; k < net.layers(); k++) {
            unexpected.remove(weightName(k));
            unexpected.remove(biasName(k));
        }
        if (!unexpected.isEmpty()) {
            throw ModelFileException.of(file, "unexpected tensors " + unexpected + "; net " + net + " has W0..W"
                    + (net.layers() - 1) + " and b0..b" + (net.layers() - 1) + " only");
        }
        return new Model(config, Parameters.of(net, weights, biases), metadata);
    }

    private static NetConfig parseConfig(Path file, Map<String, String> metadata) {
        NetSpec net;
        Units units;
        try {
            net = NetSpec.parse(metadata.get(NET));
        } catch (IllegalArgumentException e) {
            throw ModelFileException.of(file, "metadata " + NET + ": " + e.getMessage(), e);
        }
        try {
            units = Units.parse(metadata.get(UNITS));
        } catch (IllegalArgumentException e) {
            throw ModelFileException.of(file, "metadata " + UNITS + ": " + e.getMessage(), e);
        }
        String gammaText = metadata.get(GAMMA).trim();
        if (!DECIMAL.matcher(gammaText).matches()) {
            throw ModelFileException.of(file, "metadata " + GAMMA + " '" + metadata.get(GAMMA)
                    + "' is not a decimal number, e.g. 0.125");
        }
        NetConfig config;
        try {
            config = new NetConfig(net, units, Double.parseDouble(gammaText));
        } catch (IllegalArgumentException e) {
            throw ModelFileException.of(file, "metadata " + GAMMA + ": " + e.getMessage(), e);
        }
        String kinds = metadata.get(LAYERS);
        if (kinds != null && !kinds.trim().equals(net.layerKinds())) {
            throw ModelFileException.of(file, "metadata " + LAYERS + " '" + kinds + "' contradicts " + NET + " " + net
                    + ", whose layers are " + net.layerKinds());
        }
        String pools = metadata.get(POOLING);
        if (pools != null && !pools.replace(" ", "").equals(net.poolSizes())) {
            throw ModelFileException.of(file, "metadata " + POOLING + " '" + pools + "' contradicts " + NET + " " + net
                    + ", whose pooling sizes are " + net.poolSizes());
        }
        return config.withOutputLoss(parseOutputLoss(file, metadata));
    }

    /** The soft clamp named by {@link #OUTPUT_LOSS} and {@link #CLAMP_WEIGHT}, or the hard clamp when both are absent. */
    private static OutputLoss parseOutputLoss(Path file, Map<String, String> metadata) {
        String kind = metadata.get(OUTPUT_LOSS);
        String weight = metadata.get(CLAMP_WEIGHT);
        if (kind == null && weight == null) {
            return OutputLoss.HARD;
        }
        if (kind == null || weight == null) {
            throw ModelFileException.of(file, "metadata has " + (kind == null ? CLAMP_WEIGHT : OUTPUT_LOSS) + " without "
                    + (kind == null ? OUTPUT_LOSS : CLAMP_WEIGHT) + "; a soft clamp needs both (or neither for the hard clamp)");
        }
        try {
            return new OutputLoss(OutputLoss.Kind.parse(kind), OutputLoss.parseWeight(weight));
        } catch (IllegalArgumentException e) {
            throw ModelFileException.of(file, "metadata " + OUTPUT_LOSS + "/" + CLAMP_WEIGHT + ": " + e.getMessage(), e);
        }
    }

    /** The values of tensor {@code name}, checked to be F32 of shape {@code expected}. */
    private static float[] tensor(Path file, SafeTensors.Contents contents, NetSpec net, String name, int... expected) {
        SafeTensors.Tensor t = contents.tensors().get(name);
        if (t == null) {
            throw ModelFileException.of(file, "tensor " + name + " is missing; net " + net + " needs it with shape "
                    + Arrays.toString(expected));
        }
        if (!t.hasShape(expected)) {
            throw ModelFileException.of(file, "tensor " + name + " has shape " + Arrays.toString(t.shape())
                    + "; net " + net + " needs " + Arrays.toString(expected));
        }
        if (t.dtype() != SafeTensors.DType.F32) {
            throw ModelFileException.of(file, "tensor " + name + " has dtype " + t.dtype() + "; the model file needs F32");
        }
        return t.toFloats();
    }
}
