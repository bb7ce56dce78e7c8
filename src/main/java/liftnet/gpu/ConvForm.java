package liftnet.gpu;

/**
 * Which kernels of {@code kernels/conv.cl} compute a convolution's products ({@link ConvProducts}); both compute the
 * same sums in different orders, so their results agree within float rounding.
 */
public enum ConvForm {
    /** {@code conv_forward}, {@code conv_transposed}, {@code conv_weight_grad}: one work-item per output, no tiling. */
    DIRECT,
    /**
     * {@code conv_gemm_*}: implicit GEMM, blocks of 64 filters (or channels) x 64 output positions per work-group with
     * the patches gathered into local memory; the weight gradient's reduction split into chunks when the gradient is
     * small, then {@code conv_grad_reduce}.
     */
    GEMM
}
