package liftnet.gpu;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;
import liftnet.api.DeviceData;
import liftnet.api.EngineChecks;
import liftnet.data.Dataset;
import org.lwjgl.system.MemoryUtil;

/**
 * Data sets in device memory and the choice of a batch from them: the sample order of an epoch goes to the device
 * once (without waiting for the copy) and a batch is a slice of it, gathered on the device by the phases.
 */
final class DeviceBatches implements AutoCloseable {

    private final Workspace ws;
    private final Launcher l;
    /** Launches everything recorded (it reads the order and batch buffers as they are now). */
    private final Runnable flush;
    /** Frees the epoch recording (it reads buffers about to be replaced). */
    private final Runnable closeReplay;
    /** Called when a data set is closed, before its buffers are freed. */
    private final Consumer<Data> released;
    private int[] orderHost = new int[0];
    private ByteBuffer orderStaging;
    private long orderCopiedAt = -1;
    /** Set by the engine when it closes: data sets closed later free nothing (their device is gone). */
    boolean engineClosed;

    DeviceBatches(Workspace ws, Runnable flush, Runnable closeReplay, Consumer<Data> released) {
        this.ws = ws;
        this.l = ws.launcher;
        this.flush = flush;
        this.closeReplay = closeReplay;
        this.released = released;
    }

    /** Copies the inputs and labels of {@code data} to the device (after {@link EngineChecks#upload}). */
    Data upload(Dataset data) {
        GpuBuffer in = l.device().allocate(Math.max(4, 4L * data.inputs().length));
        GpuBuffer lab;
        try {
            lab = l.device().allocate(Math.max(4, 4L * data.count()));
            if (data.count() > 0) {
                l.writeFloats(in, data.inputs());
                l.writeInts(lab, data.labels());
            }
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
        return new Data(this, data, in, lab);
    }

    /**
     * Makes {@code s} the batch {@code order[from .. from+size)} of {@code data} with no phase asked for, after
     * checking it ({@link EngineChecks#batch}); puts {@code order} on the device when it differs from the last one.
     *
     * @throws IllegalArgumentException when {@code data} was not uploaded here
     */
    void select(BatchState s, DeviceData data, int[] order, int from, int size, String engineName) {
        if (!(data instanceof Data g) || g.owner != this) {
            throw new IllegalArgumentException("data was not uploaded to this engine (" + engineName + ")");
        }
        if (g.closed) {
            throw new IllegalStateException("data " + g.data.name() + " was closed");
        }
        EngineChecks.batch(g.data, order, from, size);
        boolean newOrder = !Arrays.equals(order, from, from + size, orderHost, Math.min(from, orderHost.length),
                Math.min(from + size, orderHost.length));
        if (newOrder || size > ws.capacity) {
            flush.run();
        }
        if (size > ws.capacity) {
            closeReplay.run();
        }
        ws.ensureCapacity(size);
        if (newOrder) {
            uploadOrder(order);
        }
        s.data = g;
        s.from = from;
        s.batch = size;
        s.gathered = false;
        s.invalidate();
    }

    /** Puts a copy of {@code order} on the device (once per epoch: the trainer's batches are its slices), without waiting. */
    private void uploadOrder(int[] order) {
        if (orderCopiedAt == l.syncs()) {
            l.finish(); // the staging memory of the previous copy is about to be reused
        }
        int bytes = Launcher.asyncBytes(4L * order.length);
        if (ws.order == null || ws.order.bytes() < bytes) {
            closeReplay.run();
        }
        ws.ensureOrder(bytes);
        if (orderStaging == null || orderStaging.capacity() < bytes) {
            if (orderStaging != null) {
                MemoryUtil.memFree(orderStaging);
            }
            orderStaging = MemoryUtil.memCalloc(bytes);
        }
        orderStaging.clear();
        orderStaging.asIntBuffer().put(order);
        orderStaging.limit(bytes);
        l.writeAsync(ws.order, orderStaging);
        orderCopiedAt = l.syncs();
        orderHost = order.clone();
    }

    /** Frees the staging memory of the order copy: call after the device has finished. */
    @Override
    public void close() {
        if (orderStaging != null) {
            MemoryUtil.memFree(orderStaging);
            orderStaging = null;
        }
    }

    /** A data set in device memory. */
    static final class Data implements DeviceData {
        private final DeviceBatches owner;
        private final Dataset data;
        final GpuBuffer inputs;
        final GpuBuffer labels;
        private boolean closed;

        Data(DeviceBatches owner, Dataset data, GpuBuffer inputs, GpuBuffer labels) {
            this.owner = owner;
            this.data = data;
            this.inputs = inputs;
            this.labels = labels;
        }

        @Override
        public Dataset dataset() {
            return data;
        }

        @Override
        public void close() {
            if (!closed) {
                if (!owner.engineClosed) {
                    owner.released.accept(this);
                    inputs.close();
                    labels.close();
                }
                closed = true;
            }
        }
    }
}
