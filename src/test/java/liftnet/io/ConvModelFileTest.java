package liftnet.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import liftnet.TestNets;
import liftnet.api.NetConfig;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.api.Units;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model-file contract for nets with convolutions: kernels as {@code [F, C, K, K]}, metadata {@code layers}; with
 * average pooling, a dense {@code W_k} after a pooled convolution of shape {@code [n_{k+1}, n_k / K^2]} and the metadata
 * {@code pooling}.
 */
class ConvModelFileTest {

    /** Convolutions after and before pooling, a stride, and a dense layer reading a pooled map. */
    private static final String POOLED = "2x8x8-c3k3-p2-c4k3s2-p2-5-3";
    /** Float forward pass against numpy's float64 one on the same float32 tensors. */
    private static final double TOL_FORWARD = 1e-5;

    @TempDir
    Path dir;

    @Test
    void convolutionsAreStoredWithTheKernelShapeAndNamedLayers() throws Exception {
        NetSpec net = NetSpec.parse("2x6x6-c4k3s2-c5k3-7-3");
        Parameters p = TestNets.random(net, 3, 1.0, 0.2);
        Path file = dir.resolve("conv.safetensors");
        ModelFile.write(file, new NetConfig(net, Units.RELU, 0.125), p, Map.of("method", "contrastive"));
        SafeTensors.Contents raw = SafeTensors.read(file);
        assertArrayEquals(new int[] {4, 2, 3, 3}, raw.tensors().get("W0").shape());
        assertArrayEquals(new int[] {4}, raw.tensors().get("b0").shape());
        assertArrayEquals(new int[] {5, 4, 3, 3}, raw.tensors().get("W1").shape());
        assertArrayEquals(new int[] {7, 5 * 3 * 3}, raw.tensors().get("W2").shape());
        assertEquals("2x6x6-c4k3s2-c5k3-7-3", raw.metadata().get(ModelFile.NET));
        assertEquals("conv,conv,dense,dense", raw.metadata().get(ModelFile.LAYERS));
        ModelFile.Model m = ModelFile.read(file);
        assertEquals(net, m.config().net());
        assertEquals(p, m.parameters());
    }

    @Test
    void denseFilesHaveNoLayersKey() throws Exception {
        NetSpec net = NetSpec.parse("1x4x4-5-3");
        Path file = dir.resolve("dense.safetensors");
        ModelFile.write(file, new NetConfig(net, Units.RELU, 0.125), TestNets.random(net, 4, 1.0, 0.2), null);
        SafeTensors.Contents raw = SafeTensors.read(file);
        assertFalse(raw.metadata().containsKey(ModelFile.LAYERS));
        assertEquals("16-5-3", raw.metadata().get(ModelFile.NET));
        assertArrayEquals(new int[] {5, 16}, raw.tensors().get("W0").shape());
    }

    @Test
    void wrongShapesAndContradictingLayersAreRefused() throws Exception {
        NetSpec net = NetSpec.parse("1x4x4-c2k3-3");
        Parameters p = TestNets.random(net, 5, 1.0, 0.2);
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        tensors.add(SafeTensors.Tensor.f32("W0", new int[] {2, 9}, p.weight(0)));
        tensors.add(SafeTensors.Tensor.f32("b0", new int[] {2}, p.bias(0)));
        tensors.add(SafeTensors.Tensor.f32("W1", new int[] {3, 32}, p.weight(1)));
        tensors.add(SafeTensors.Tensor.f32("b1", new int[] {3}, p.bias(1)));
        Map<String, String> meta = new LinkedHashMap<>(Map.of("net", net.toString(), "units", "relu", "gamma", "0.125"));
        Path flat = dir.resolve("flat.safetensors");
        SafeTensors.write(flat, tensors, meta);
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(flat));
        assertTrue(e.getMessage().contains("[2, 1, 3, 3]"), e.getMessage());

        tensors.set(0, SafeTensors.Tensor.f32("W0", new int[] {2, 1, 3, 3}, p.weight(0)));
        meta.put(ModelFile.LAYERS, "dense,dense");
        Path contradicting = dir.resolve("contradicting.safetensors");
        SafeTensors.write(contradicting, tensors, meta);
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(contradicting));
        assertTrue(e.getMessage().contains("conv,dense"), e.getMessage());
    }

    @Test
    void poolingNetsStoreTheLayerAfterAPoolingAtThePooledSize() throws Exception {
        NetSpec net = NetSpec.parse(POOLED);
        Parameters p = TestNets.random(net, 6, 1.0, 0.2);
        Path file = dir.resolve("pooled.safetensors");
        ModelFile.write(file, new NetConfig(net, Units.RELU, 0.125), p, null);
        SafeTensors.Contents raw = SafeTensors.read(file);
        assertArrayEquals(new int[] {3, 2, 3, 3}, raw.tensors().get("W0").shape());
        // the second convolution reads the pooled 3x4x4 map; the dense layer the pooled 4x1x1 one
        assertArrayEquals(new int[] {4, 3, 3, 3}, raw.tensors().get("W1").shape());
        assertArrayEquals(new int[] {5, 4}, raw.tensors().get("W2").shape());
        assertArrayEquals(new int[] {3, 5}, raw.tensors().get("W3").shape());
        assertEquals(POOLED, raw.metadata().get(ModelFile.NET));
        assertEquals("conv,conv,dense,dense", raw.metadata().get(ModelFile.LAYERS));
        assertEquals("1,2,2,1", raw.metadata().get(ModelFile.POOLING));
        ModelFile.Model m = ModelFile.read(file);
        assertEquals(net, m.config().net());
        assertEquals(p, m.parameters());

        Map<String, String> meta = new LinkedHashMap<>(raw.metadata());
        meta.put(ModelFile.POOLING, "1,1,2,1");
        List<SafeTensors.Tensor> tensors = new ArrayList<>(raw.tensors().values());
        Path contradicting = dir.resolve("contradicting.safetensors");
        SafeTensors.write(contradicting, tensors, meta);
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(contradicting));
        assertTrue(e.getMessage().contains("pooling '1,1,2,1'") && e.getMessage().contains("1,2,2,1"), e.getMessage());
    }

    /**
     * The contract from outside: numpy reads a pooling net's file written here, computes the forward pass from the
     * file alone (the {@code net} string for strides, the tensors for everything else: 'same' convolutions, K x K
     * means, channel-major flattening, {@code W_k} at the pooled size), matches this engine's forward pass, and writes
     * the tensors back as its own safetensors file, which loads here to the same parameters.
     */
    @Test
    void numpyRunsAPoolingNetFromTheFileAndWritesOneThatLoads() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(pythonWithNumpy(), "python3 with numpy is not available; skipping");
        NetSpec net = NetSpec.parse(POOLED);
        NetConfig config = new NetConfig(net, Units.RELU, 0.125);
        Parameters p = TestNets.random(net, 8, 1.2, 0.3);
        Path file = dir.resolve("pooled.safetensors");
        ModelFile.write(file, config, p, Map.of("method", "contrastive"));
        liftnet.data.Dataset data = TestNets.randomData(net, 3, 9);
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(4 * data.inputs().length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : data.inputs()) {
            bytes.putFloat(v);
        }
        Path inputs = dir.resolve("inputs.f32");
        java.nio.file.Files.write(inputs, bytes.array());
        Path back = dir.resolve("from-numpy.safetensors");

        String script = String.join("\n",
                "import json, re, struct, sys",
                "import numpy as np",
                "buf = open(sys.argv[1], 'rb').read()",
                "n, = struct.unpack('<Q', buf[:8])",
                "header = json.loads(buf[8:8 + n])",
                "meta = header.pop('__metadata__')",
                "t = {k: np.frombuffer(buf[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]], '<f4')"
                        + ".reshape(v['shape']) for k, v in header.items()}",
                "parts = meta['net'].split('-')",
                "strides = [int(m.group(1) or 1) for m in (re.fullmatch(r'c\\d+k\\d+(?:s(\\d+))?', q) for q in parts) if m]",
                "pools = [int(s) for s in meta['pooling'].split(',')]",
                "kinds = meta['layers'].split(',')",
                "c, h, w = map(int, parts[0].split('x'))",
                "x = np.frombuffer(open(sys.argv[2], 'rb').read(), '<f4').astype(np.float64).reshape(-1, c, h, w)",
                "z = x",
                "for k, kind in enumerate(kinds):",
                "    if pools[k] > 1:",
                "        s = pools[k]; b_, c_, h_, w_ = z.shape",
                "        z = z.reshape(b_, c_, h_ // s, s, w_ // s, s).mean(axis=(3, 5))",
                "    W = t['W%d' % k].astype(np.float64); b = t['b%d' % k].astype(np.float64)",
                "    if kind == 'conv':",
                "        f, cin, kk, _ = W.shape; s = strides[k]; pad = kk // 2",
                "        hp = np.pad(z, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
                "        oh = -(-z.shape[2] // s); ow = -(-z.shape[3] // s)",
                "        a = np.zeros((z.shape[0], f, oh, ow))",
                "        for dy in range(kk):",
                "            for dx in range(kk):",
                "                patch = hp[:, :, dy:dy + (oh - 1) * s + 1:s, dx:dx + (ow - 1) * s + 1:s]",
                "                a += np.einsum('fc,bcyx->bfyx', W[:, :, dy, dx], patch)",
                "        a += b[None, :, None, None]",
                "    else:",
                "        a = z.reshape(z.shape[0], -1) @ W.T + b",
                "    z = np.maximum(a, 0) if k + 1 < len(kinds) else a",
                "print(' '.join(repr(float(v)) for v in z.ravel()))",
                "names = sorted(t)",
                "off = 0; info = {}; data = b''",
                "for k in names:",
                "    raw = np.ascontiguousarray(t[k], '<f4').tobytes()",
                "    info[k] = {'dtype': 'F32', 'shape': list(t[k].shape), 'data_offsets': [off, off + len(raw)]}",
                "    data += raw; off += len(raw)",
                "info['__metadata__'] = meta",
                "hb = json.dumps(info).encode(); hb += b' ' * (-len(hb) % 8)",
                "open(sys.argv[3], 'wb').write(struct.pack('<Q', len(hb)) + hb + data)");
        ProcessBuilder pb = new ProcessBuilder("python3", "-c", script, file.toString(), inputs.toString(), back.toString())
                .redirectErrorStream(true);
        Process proc = pb.start();
        String output;
        try (java.io.InputStream in = proc.getInputStream()) {
            output = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(proc.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "python timed out");
        assertEquals(0, proc.exitValue(), output);
        String[] numbers = output.trim().split(" ");
        float[] ours;
        try (liftnet.api.Engine e = new liftnet.cpu.CpuEngine(config, 1)) {
            e.setParameters(p);
            e.selectBatch(e.upload(data), TestNets.identity(data.count()), 0, data.count());
            e.forward();
            ours = e.activations(liftnet.api.Phase.FORWARD, net.layers());
        }
        assertEquals(ours.length, numbers.length, output);
        for (int i = 0; i < ours.length; i++) {
            double theirs = Double.parseDouble(numbers[i]);
            assertEquals(theirs, ours[i], TOL_FORWARD * (1 + Math.abs(theirs)), "output " + i + " of numpy's forward pass");
        }
        ModelFile.Model m = ModelFile.read(back);
        assertEquals(net, m.config().net());
        assertEquals(p, m.parameters());
    }

    private static boolean pythonWithNumpy() throws InterruptedException {
        try {
            Process proc = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!proc.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                return false;
            }
            return proc.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
