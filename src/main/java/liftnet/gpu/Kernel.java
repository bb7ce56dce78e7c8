package liftnet.gpu;

import java.util.Arrays;
import java.util.List;

/**
 * Every kernel the GPU engine launches: its name in {@code kernels/*.cl} (written only here), the file that
 * defines it, and its parameter list, which {@link KernelArgs} checks for both backends before a launch
 * ({@code KernelSourceTest} checks the lists against the sources).
 *
 * <p>Signature letters, one per parameter in order: {@code b} a buffer ({@code __global T*}), {@code i} an
 * {@code int}, {@code f} a {@code float}. {@link #dynamicLocal()} says whether the kernel declares dynamic local
 * memory ({@code DYN_LOCAL_PARAM}) after them.
 */
public enum Kernel {
    GEMM_NT("gemm_nt", "gemm.cl", "biiibiibibiibiibiiiff", false),
    GEMM_NT_BLOCKED("gemm_nt_blocked", "gemm.cl", "biiibiibibiibiibiiiff", false),
    GEMM_NN("gemm_nn", "gemm.cl", "biiibbiiibibiibiff", false),
    OUTER_ACC("outer_acc", "gemm.cl", "iiibbiiibiibiifi", false),
    GEMM_NN_BLOCKED("gemm_nn_blocked", "gemm.cl", "biiibbiiibibiibiff", false),
    OUTER_ACC_BLOCKED("outer_acc_blocked", "gemm.cl", "iiibbiiibiibiifi", false),
    JACOBI_PROPOSE("jacobi_propose", "solver.cl", "biiiibbbbifffb", false),
    LINE_SEARCH("line_search", "solver.cl", "biiiiibbbbbffbbb", true),
    APPLY_STEP("apply_step", "solver.cl", "biiiiiibbbbb", false),
    SET_TOP("set_top", "solver.cl", "iiiibbbibifb", false),
    ENERGY("energy", "solver.cl", "bifibbbbi", true),
    KKT("kkt", "solver.cl", "bifibbbffibb", true),
    SOLVE_INIT("solve_init", "solver.cl", "biifbbbbbb", false),
    CHECK_STOP("check_stop", "solver.cl", "biifbbbbb", false),
    FUSED_SOLVE("fused_solve", "fused.cl", "biiiibbbbbbbifffiifbbb", true),
    FUSED_STEP("fused_step", "fused.cl", "biiiiiiibibbbbbbbbbbbbbbbbfffiifbb", true),
    GATHER("gather", "train.cl", "iibibbbb", false),
    COL_NORMS("col_norms", "train.cl", "bibbi", false),
    DIFFERENCE("difference", "train.cl", "iibbiib", false),
    OUTPUT_DELTA("output_delta", "train.cl", "iiiibbb", false),
    GRAD_UPDATE("grad_update", "train.cl", "biibiibbbbbibfbbbbiifffbbbbbib", false),
    METRICS("metrics", "train.cl", "ibiibbffbibibb", true),
    SOLVER_STATS("solver_stats", "train.cl", "ibbbb", true),
    CONV_FORWARD("conv_forward", "conv.cl", "biiiiiiiiiibiibibiibiibiiiff", false),
    CONV_TRANSPOSED("conv_transposed", "conv.cl", "biiiiiiiiiibbiiibibiibiff", false),
    CONV_WEIGHT_GRAD("conv_weight_grad", "conv.cl", "iiiiiiiiiibbiiibiibiifi", false),
    CONV_COL_NORMS("conv_col_norms", "conv.cl", "iiiiiiiiibibi", false),
    CONV_GEMM_FORWARD("conv_gemm_forward", "conv.cl", "biiiiiiiiiibiibibiibiibiiiff", false),
    CONV_GEMM_TRANSPOSED("conv_gemm_transposed", "conv.cl", "biiiiiiiiiibbiiibibiibiff", false),
    CONV_GEMM_WEIGHT_GRAD("conv_gemm_weight_grad", "conv.cl", "iiiiiiiiiibbiiibiibiifibi", false),
    CONV_GRAD_REDUCE("conv_grad_reduce", "conv.cl", "iiibbiifi", false),
    POOL_AVG("pool_avg", "pool.cl", "biiiiibiibii", false),
    POOL_SPREAD("pool_spread", "pool.cl", "biiiiibiifbiibiff", false),
    DENSE_COL_NORMS("dense_col_norms", "pool.cl", "iibibi", false);

    private final String id;
    private final String file;
    private final String signature;
    private final boolean dynamicLocal;

    Kernel(String id, String file, String signature, boolean dynamicLocal) {
        this.id = id;
        this.file = file;
        this.signature = signature;
        this.dynamicLocal = dynamicLocal;
    }

    /** The kernel's name in the source (its CUDA entry point). */
    public String id() {
        return id;
    }

    /** The file under {@code kernels/} that defines it (its CUDA module). */
    public String file() {
        return file;
    }

    /** One letter per parameter: {@code b} buffer, {@code i} int, {@code f} float. */
    public String signature() {
        return signature;
    }

    /** Whether the kernel takes dynamic local memory after its parameters. */
    public boolean dynamicLocal() {
        return dynamicLocal;
    }

    /** An empty argument list for this kernel. */
    public KernelArgs args() {
        return new KernelArgs(this);
    }

    /** The names of all kernels. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Kernel::id).toList();
    }
}
