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

/** The model-file contract for nets with convolutions: kernels as {@code [F, C, K, K]}, metadata {@code layers}. */
class ConvModelFileTest {

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
}
