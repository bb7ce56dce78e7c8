package liftnet.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import liftnet.api.NetSpec;
import liftnet.api.Parameters;
import liftnet.io.SafeTensors;

/**
 * The optimizer's state after epoch {@code E} as {@code optimizer-E.safetensors} in the run folder: tensors
 * {@code s<i>.W<k>} and {@code s<i>.b<k>} (slot {@code i}, F32, shaped like the model's) and metadata
 * {@code optimizer}, {@code steps}, {@code epoch}, {@code net}.
 *
 * <p>Protocol with the model file, which stays the commit record: the state of epoch {@code E} is written before
 * the model of epoch {@code E}, and the state of epoch {@code E-1} is deleted only after it. A run killed at any
 * moment therefore keeps the state that matches its model.
 */
public final class OptimizerCheckpoint {

    private OptimizerCheckpoint() {
    }

    /** {@code dir/optimizer-<epoch>.safetensors}. */
    public static Path file(Path dir, int epoch) {
        return dir.resolve("optimizer-" + epoch + ".safetensors");
    }

    /** Writes {@code optimizer}'s state as that of epoch {@code epoch}, atomically; the optimizer is not modified. */
    public static void save(Path dir, int epoch, Optimizer optimizer) throws IOException {
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        NetSpec net = null;
        for (int i = 0; i < optimizer.slotCount(); i++) {
            Parameters slot = optimizer.slot(i);
            net = slot.net();
            for (int k = 0; k < net.layers(); k++) {
                tensors.add(SafeTensors.Tensor.f32(name(i, "W", k), net.weightShape(k), slot.weight(k)));
                tensors.add(SafeTensors.Tensor.f32(name(i, "b", k), new int[] {net.biasCount(k)}, slot.bias(k)));
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("optimizer", optimizer.id());
        metadata.put("steps", Long.toString(optimizer.steps()));
        metadata.put("epoch", Integer.toString(epoch));
        metadata.put("net", String.valueOf(net));
        SafeTensors.write(file(dir, epoch), tensors, metadata);
    }

    /** Deletes the state of epoch {@code epoch}, if any (after the model of a later epoch is saved). */
    public static void delete(Path dir, int epoch) throws IOException {
        Files.deleteIfExists(file(dir, epoch));
    }

    /**
     * Restores {@code optimizer} (modified) from the state of epoch {@code epoch}; epoch 0 is the fresh state.
     *
     * @throws IOException              if the file is missing or unreadable
     * @throws IllegalArgumentException if it belongs to another optimizer or net
     */
    public static void load(Path dir, int epoch, Optimizer optimizer) throws IOException {
        if (epoch == 0) {
            return;
        }
        Path file = file(dir, epoch);
        if (!Files.exists(file)) {
            throw new IOException(file + " is missing: the " + optimizer.id() + " optimizer's state of epoch " + epoch
                    + " is needed to resume exactly");
        }
        SafeTensors.Contents contents = SafeTensors.read(file);
        String id = contents.metadata().get("optimizer");
        if (!optimizer.id().equals(id)) {
            throw new IllegalArgumentException(file + " holds the state of optimizer " + id + ", not " + optimizer.id());
        }
        long steps = Long.parseLong(contents.metadata().getOrDefault("steps", "-1"));
        Parameters[] slots = new Parameters[optimizer.slotCount()];
        for (int i = 0; i < slots.length; i++) {
            Parameters shape = optimizer.slot(i);
            NetSpec net = shape.net();
            float[][] w = new float[net.layers()][];
            float[][] b = new float[net.layers()][];
            for (int k = 0; k < net.layers(); k++) {
                w[k] = tensor(contents, file, name(i, "W", k));
                b[k] = tensor(contents, file, name(i, "b", k));
            }
            slots[i] = Parameters.of(net, w, b);
        }
        optimizer.restore(steps, slots);
    }

    private static float[] tensor(SafeTensors.Contents contents, Path file, String name) {
        SafeTensors.Tensor t = contents.tensors().get(name);
        if (t == null) {
            throw new IllegalArgumentException(file + ": tensor " + name + " is missing");
        }
        return t.toFloats();
    }

    private static String name(int slot, String kind, int k) {
        return "s" + slot + "." + kind + k;
    }
}
