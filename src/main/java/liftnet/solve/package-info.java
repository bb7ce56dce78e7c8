/**
 * The CPU activation solver for the free and clamped problems (Gauss-Seidel and red-black Jacobi with exact
 * line search) and its stopping rules, written against weight layers as operators on blocks of rows
 * ({@link liftnet.solve.LayerOp}: padded dense, sparse-input dense, im2col convolution), and the Vector API
 * kernels they run on padded row-major arrays.
 */
package liftnet.solve;
