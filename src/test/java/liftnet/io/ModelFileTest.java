package liftnet.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Units;
import liftnet.io.ModelFile.Model;
import liftnet.io.SafeTensors.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {

    /**
     * Golden file written outside Java by numpy. Regenerate from the repository root with
     * {@code python3 scripts/make-golden-model.py}; the script documents the values checked below.
     */
    private static final String GOLDEN = "/golden/tiny-model.safetensors";

    @TempDir
    Path dir;

    /** Seeded {@link Parameters#initial} with seeded non-zero biases, so that biases are tested too. */
    private static Parameters randomParameters(NetSpec net, long seed) {
        Parameters p = Parameters.initial(net, seed);
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int k = 0; k < net.layers(); k++) {
            float[] b = p.bias(k);
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) rnd.nextGaussian();
            }
        }
        return p;
    }

    private static ModelFileException assertRejected(Path file, String... fragments) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(file));
        String message = e.getMessage();
        assertTrue(message.startsWith(file + ": "), message);
        assertFalse(message.contains("\n"), "one line: " + message);
        for (String f : fragments) {
            assertTrue(message.contains(f), "message should contain '" + f + "': " + message);
        }
        return e;
    }

    /** The model tensors of {@code p}, W0, b0, W1, b1, ..., optionally leaving one out or reshaping one. */
    private static List<Tensor> tensors(Parameters p, String leaveOut, String reshape, int[] shape) {
        NetSpec net = p.net();
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < net.layers(); k++) {
            String w = ModelFile.weightName(k);
            String b = ModelFile.biasName(k);
            if (!w.equals(leaveOut)) {
                out.add(Tensor.f32(w, w.equals(reshape) ? shape : new int[] {net.width(k + 1), net.width(k)}, p.weight(k)));
            }
            if (!b.equals(leaveOut)) {
                out.add(Tensor.f32(b, b.equals(reshape) ? shape : new int[] {net.width(k + 1)}, p.bias(k)));
            }
        }
        return out;
    }

    private static Map<String, String> meta(String net, String units, String gamma) {
        Map<String, String> m = new HashMap<>();
        if (net != null) {
            m.put(ModelFile.NET, net);
        }
        if (units != null) {
            m.put(ModelFile.UNITS, units);
        }
        if (gamma != null) {
            m.put(ModelFile.GAMMA, gamma);
        }
        return m;
    }

    @Test
    void roundTripRestoresConfigParametersAndMetadata() throws IOException {
        String[][] cases = {{"784-64-10", "relu", "0.125"}, {"5-4-3-2", "hardsigmoid", "0.3333333333333333"},
            {"3-1", "linear", "1.0"}};
        long seed = 2019;
        for (String[] c : cases) {
            NetConfig config = new NetConfig(NetSpec.parse(c[0]), Units.parse(c[1]), Double.parseDouble(c[2]));
            Parameters p = randomParameters(config.net(), seed++);
            Path file = dir.resolve(c[0] + ".safetensors");
            ModelFile.write(file, config, p, Map.of("epoch", "7", "method", "contrastive", ModelFile.UNITS, c[1]));

            Model m = ModelFile.read(file);
            assertEquals(config, m.config());
            assertEquals(p, m.parameters());
            assertArrayEquals(p.flatten(), m.parameters().flatten());
            assertEquals(Map.of("net", c[0], "units", c[1], "gamma", c[2], "epoch", "7", "method", "contrastive"),
                    m.metadata());
        }
    }

    @Test
    void writeRejectsMismatchedParametersAndContradictingMetadata() {
        NetConfig config = new NetConfig(NetSpec.parse("5-4-3-2"), Units.RELU, 0.125);
        Path file = dir.resolve("bad.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFile.write(file, config, Parameters.zeros(NetSpec.parse("5-4-2")), null));
        assertTrue(e.getMessage().contains("5-4-2") && e.getMessage().contains("5-4-3-2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelFile.write(file, config, Parameters.zeros(config.net()), Map.of("gamma", "0.5")));
        assertTrue(e.getMessage().contains("gamma = 0.5"), e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void tensorsAreLaidOutAsTheContractSays() throws IOException {
        NetConfig config = new NetConfig(NetSpec.parse("5-4-3-2"), Units.HARDSIGMOID, 0.125);
        Parameters p = randomParameters(config.net(), 3);
        Path file = dir.resolve("layout.safetensors");
        ModelFile.write(file, config, p, null);
        SafeTensors.Contents c = SafeTensors.read(file);
        assertEquals(List.of("W0", "b0", "W1", "b1", "W2", "b2"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new int[] {4, 5}, c.tensors().get("W0").shape());
        assertArrayEquals(new int[] {3, 4}, c.tensors().get("W1").shape());
        assertArrayEquals(new int[] {2, 3}, c.tensors().get("W2").shape());
        assertArrayEquals(new int[] {2}, c.tensors().get("b2").shape());
        // row-major: element [i][j] of W1 is W_1[i][j]
        float[] w1 = c.tensors().get("W1").toFloats();
        assertEquals(p.weight(1, 2, 3), w1[2 * 4 + 3]);
        assertEquals(Map.of("net", "5-4-3-2", "units", "hardsigmoid", "gamma", "0.125"), c.metadata());
    }

    // ------------------------------------------------------------------ golden file

    @Test
    void readsTheGoldenFileWrittenByNumpy() throws IOException, URISyntaxException {
        Path golden = Path.of(ModelFileTest.class.getResource(GOLDEN).toURI());
        Model m = ModelFile.read(golden);
        assertEquals(new NetConfig(NetSpec.parse("3-2-2"), Units.RELU, 0.125), m.config());
        assertEquals("make-golden-model.py", m.metadata().get("source"));
        // W0 = arange(6).reshape(2, 3) / 10 - 0.2; W1 = arange(4).reshape(2, 2) * 0.75 - 1
        float[] w0 = new float[6];
        for (int i = 0; i < 6; i++) {
            w0[i] = (float) (i / 10.0 - 0.2);
        }
        assertArrayEquals(new float[] {-0.2f, -0.1f, 0f, 0.1f, 0.2f, 0.3f}, w0);
        assertArrayEquals(w0, m.parameters().weight(0));
        assertArrayEquals(new float[] {0.5f, -0.25f}, m.parameters().bias(0));
        assertArrayEquals(new float[] {-1f, -0.25f, 0.5f, 1.25f}, m.parameters().weight(1));
        assertArrayEquals(new float[] {0.0625f, -1.5f}, m.parameters().bias(1));
        assertEquals(0.3f, m.parameters().weight(0, 1, 2));
    }

    @Test
    void numpyReadsWhatJavaWrites() throws IOException, InterruptedException {
        Assumptions.assumeTrue(pythonWithNumpy(), "python3 with numpy is not available; skipping the interop check");
        NetConfig config = new NetConfig(NetSpec.parse("5-4-3-2"), Units.RELU, 0.125);
        Parameters p = randomParameters(config.net(), 42);
        p.weight(0)[0] = -0f;
        p.weight(0)[1] = Float.MIN_VALUE;
        p.bias(2)[1] = Float.MAX_VALUE;
        Path file = dir.resolve("for-numpy.safetensors");
        ModelFile.write(file, config, p, Map.of("note", "caf\u00e9"));

        String reader = String.join("\n",
                "import json, struct, sys",
                "import numpy as np",
                "buf = open(sys.argv[1], 'rb').read()",
                "n, = struct.unpack('<Q', buf[:8])",
                "assert (8 + n) % 8 == 0, 'data section not 8-byte aligned'",
                "header = json.loads(buf[8:8 + n].decode('utf-8'))",
                "meta = header.pop('__metadata__')",
                "out = [json.dumps(meta, sort_keys=True, ensure_ascii=True)]",
                "data = buf[8 + n:]",
                "for name in sorted(header):",
                "    info = header[name]",
                "    b, e = info['data_offsets']",
                "    a = np.frombuffer(data[b:e], dtype='<f4').reshape(info['shape'])",
                "    out.append(' '.join([name, info['dtype'], 'x'.join(map(str, a.shape))]"
                        + " + ['%08x' % v for v in a.view('<u4').ravel()]))",
                "sys.stdout.write('\\n'.join(out) + '\\n')");
        ProcessBuilder pb = new ProcessBuilder("python3", "-c", reader, file.toString()).redirectErrorStream(true);
        Process proc = pb.start();
        String output;
        try (InputStream in = proc.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "python reader timed out");
        assertEquals(0, proc.exitValue(), output);

        List<String> lines = output.lines().toList();
        assertEquals("{\"gamma\": \"0.125\", \"net\": \"5-4-3-2\", \"note\": \"caf\\u00e9\", \"units\": \"relu\"}",
                lines.get(0));
        Map<String, String> expected = new LinkedHashMap<>();
        NetSpec net = config.net();
        for (int k = 0; k < net.layers(); k++) {
            expected.put("W" + k, "W" + k + " F32 " + net.width(k + 1) + "x" + net.width(k) + hex(p.weight(k)));
            expected.put("b" + k, "b" + k + " F32 " + net.width(k + 1) + hex(p.bias(k)));
        }
        List<String> sortedNames = expected.keySet().stream().sorted().toList();
        assertEquals(sortedNames.size() + 1, lines.size(), output);
        for (int i = 0; i < sortedNames.size(); i++) {
            assertEquals(expected.get(sortedNames.get(i)), lines.get(i + 1));
        }
    }

    private static String hex(float[] values) {
        StringBuilder sb = new StringBuilder();
        for (float v : values) {
            sb.append(' ').append(String.format("%08x", Float.floatToRawIntBits(v)));
        }
        return sb.toString();
    }

    private static boolean pythonWithNumpy() throws InterruptedException {
        try {
            Process proc = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!proc.waitFor(30, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                return false;
            }
            return proc.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ contract violations

    @Test
    void rejectsMissingAndMisshapedTensors() throws IOException {
        Parameters p = randomParameters(NetSpec.parse("5-4-3-2"), 5);
        Map<String, String> metadata = meta("5-4-3-2", "relu", "0.125");

        Path missing = dir.resolve("missing-W1.safetensors");
        SafeTensors.write(missing, tensors(p, "W1", null, null), metadata);
        assertRejected(missing, "tensor W1 is missing", "[3, 4]");

        Path transposed = dir.resolve("transposed-W1.safetensors");
        SafeTensors.write(transposed, tensors(p, null, "W1", new int[] {4, 3}), metadata);
        assertRejected(transposed, "tensor W1 has shape [4, 3]", "needs [3, 4]");

        Path flat = dir.resolve("flat-b2.safetensors");
        SafeTensors.write(flat, tensors(p, null, "b2", new int[] {1, 2}), metadata);
        assertRejected(flat, "tensor b2 has shape [1, 2]", "needs [2]");

        Path extra = dir.resolve("extra.safetensors");
        List<Tensor> more = new ArrayList<>(tensors(p, null, null, null));
        more.add(Tensor.f32("W3", new int[] {1, 2}, new float[2]));
        SafeTensors.write(extra, more, metadata);
        assertRejected(extra, "unexpected tensors [W3]");

        Path f64 = dir.resolve("f64.safetensors");
        List<Tensor> doubles = new ArrayList<>(tensors(p, "b0", null, null));
        doubles.add(Tensor.of("b0", SafeTensors.DType.F64, new int[] {4}, new byte[32]));
        SafeTensors.write(f64, doubles, metadata);
        assertRejected(f64, "tensor b0 has dtype F64", "F32");

        Path smallerNet = dir.resolve("net-mismatch.safetensors");
        SafeTensors.write(smallerNet, tensors(p, null, null, null), meta("5-4-3-3", "relu", "0.125"));
        assertRejected(smallerNet, "tensor W2 has shape [2, 3]", "needs [3, 3]");
    }

    @Test
    void rejectsMissingOrUnparsableMetadata() throws IOException {
        Parameters p = randomParameters(NetSpec.parse("5-4-3-2"), 6);
        List<Tensor> tensors = tensors(p, null, null, null);
        Object[][] cases = {
            {meta(null, "relu", "0.125"), new String[] {"metadata 'net' is missing", "[gamma, units]"}},
            {meta("5-4-3-2", null, "0.125"), new String[] {"metadata 'units' is missing"}},
            {meta("5-4-3-2", "relu", null), new String[] {"metadata 'gamma' is missing"}},
            {Map.of(), new String[] {"metadata 'net' is missing", "found keys []"}},
            {meta("5-four-3-2", "relu", "0.125"), new String[] {"metadata net", "layer 1 ('four')"}},
            {meta("5-4-3-2", "tanh", "0.125"), new String[] {"metadata units", "unknown units 'tanh'"}},
            {meta("5-4-3-2", "relu", "one eighth"), new String[] {"metadata gamma 'one eighth'", "not a decimal"}},
            {meta("5-4-3-2", "relu", "NaN"), new String[] {"metadata gamma 'NaN'"}},
            {meta("5-4-3-2", "relu", "2"), new String[] {"metadata gamma", "(0, 1]"}},
        };
        for (int i = 0; i < cases.length; i++) {
            @SuppressWarnings("unchecked")
            Map<String, String> metadata = (Map<String, String>) cases[i][0];
            Path file = dir.resolve("meta" + i + ".safetensors");
            SafeTensors.write(file, tensors, metadata);
            assertRejected(file, (String[]) cases[i][1]);
        }
    }

    @Test
    void rejectsCorruptFilesThroughTheModelReader() throws IOException {
        NetConfig config = new NetConfig(NetSpec.parse("784-64-10"), Units.RELU, 0.125);
        Path good = dir.resolve("good.safetensors");
        ModelFile.write(good, config, randomParameters(config.net(), 8), null);
        byte[] bytes = Files.readAllBytes(good);

        Path truncated = Files.write(dir.resolve("truncated.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertRejected(truncated, "beyond the data section", "truncated");

        byte[] badJson = bytes.clone();
        badJson[8] = '[';
        assertRejected(Files.write(dir.resolve("bad-json.safetensors"), badJson), "does not start with '{'");
        byte[] badJson2 = bytes.clone();
        badJson2[9] = '!';
        assertRejected(Files.write(dir.resolve("bad-json2.safetensors"), badJson2), "not well-formed JSON");

        Path text = Files.writeString(dir.resolve("model.txt"), "W0 = [[0.1, 0.2], [0.3, 0.4]]\n");
        assertRejected(text, "not a safetensors file");
    }
}
