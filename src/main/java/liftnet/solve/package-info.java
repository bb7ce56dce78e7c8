/**
 * CPU activation solvers for the free and clamped problems (Gauss-Seidel and red-black Jacobi with exact
 * line search), their stopping rules, and the Vector API kernels they run on padded row-major arrays.
 */
package liftnet.solve;
