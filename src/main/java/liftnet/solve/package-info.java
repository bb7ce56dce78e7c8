/**
 * CPU activation solvers for the free and clamped problems (Gauss-Seidel and red-black Jacobi with exact
 * line search), their stopping rules, and the Vector API kernels they run on padded row-major arrays. For nets
 * with convolutions, {@link liftnet.solve.LinearOp} (dense and im2col convolution layers) and
 * {@link liftnet.solve.LayerSolver}, the same solvers written against a layer's products.
 */
package liftnet.solve;
