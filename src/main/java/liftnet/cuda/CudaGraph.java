package liftnet.cuda;

import static org.lwjgl.cuda.CU.CU_STREAM_CAPTURE_MODE_RELAXED;
import static org.lwjgl.cuda.CU.cuGraphDestroy;
import static org.lwjgl.cuda.CU.cuGraphExecDestroy;
import static org.lwjgl.cuda.CU.cuGraphInstantiateWithFlags;
import static org.lwjgl.cuda.CU.cuGraphLaunch;
import static org.lwjgl.cuda.CU.cuStreamBeginCapture_v2;
import static org.lwjgl.cuda.CU.cuStreamEndCapture;

import liftnet.api.EngineException;
import liftnet.gpu.GpuDevice;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

/**
 * A CUDA graph made by stream capture: the launches a callback issues on the device's stream are recorded,
 * not run ({@code cuStreamBeginCapture_v2 .. cuStreamEndCapture}), instantiated once
 * ({@code cuGraphInstantiateWithFlags}) and replayed by {@link #launch()} ({@code cuGraphLaunch}) with one call
 * however many kernels it holds. Kernel arguments are fixed at capture: what changes between replays must live
 * in device memory (the engine keeps the sample order and the learning rates there).
 *
 * <p>Capture mode RELAXED: the first launch of a kernel may set its shared-memory attribute inside the capture.
 */
final class CudaGraph implements GpuDevice.Replay {

    private static final System.Logger LOG = System.getLogger(CudaGraph.class.getName());

    private final CudaDevice device;
    private long graph;
    private long exec;

    private CudaGraph(CudaDevice device, long graph, long exec) {
        this.device = device;
        this.graph = graph;
        this.exec = exec;
    }

    /** Captures what {@code issue} launches on {@code device}'s stream; nothing of it runs until {@link #launch()}. */
    static CudaGraph capture(CudaDevice device, Runnable issue) {
        device.makeCurrent();
        long stream = device.stream();
        CudaCheck.check(cuStreamBeginCapture_v2(stream, CU_STREAM_CAPTURE_MODE_RELAXED), "cuStreamBeginCapture_v2");
        long graph = 0;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer g = stack.mallocPointer(1);
            Throwable failure = null;
            try {
                issue.run();
            } catch (RuntimeException | Error e) {
                failure = e;
                throw e;
            } finally {
                // Always end the capture (the stream is unusable otherwise); when issuing failed, its exception is the
                // one thrown and a failing end is added to it, not put in its place.
                int status = cuStreamEndCapture(stream, g);
                graph = status == 0 ? g.get(0) : 0;
                if (status != 0) {
                    EngineException end = new EngineException("CUDA: cuStreamEndCapture failed: " + CudaCheck.describe(status));
                    if (failure == null) {
                        throw end;
                    }
                    failure.addSuppressed(end);
                }
            }
            PointerBuffer e = stack.mallocPointer(1);
            CudaCheck.check(cuGraphInstantiateWithFlags(e, graph, 0), "cuGraphInstantiateWithFlags");
            return new CudaGraph(device, graph, e.get(0));
        } catch (RuntimeException | Error ex) {
            if (graph != 0) {
                logIfFailed(cuGraphDestroy(graph), "cuGraphDestroy");
            }
            throw ex;
        }
    }

    /** Enqueues one replay of the captured launches on the device's stream. */
    @Override
    public void launch() {
        device.makeCurrent();
        CudaCheck.check(cuGraphLaunch(exec, device.stream()), "cuGraphLaunch");
    }

    @Override
    public void close() {
        if (!device.makeCurrentQuietly()) {
            return;
        }
        if (exec != 0) {
            logIfFailed(cuGraphExecDestroy(exec), "cuGraphExecDestroy");
            exec = 0;
        }
        if (graph != 0) {
            logIfFailed(cuGraphDestroy(graph), "cuGraphDestroy");
            graph = 0;
        }
    }

    private static void logIfFailed(int status, String call) {
        if (status != 0) {
            LOG.log(System.Logger.Level.WARNING, "CUDA: " + call + " failed: " + CudaCheck.describe(status));
        }
    }
}
