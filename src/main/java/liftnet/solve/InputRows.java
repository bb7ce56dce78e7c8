package liftnet.solve;

/**
 * The inputs of a batch's rows: row {@code r} is sample {@code sampleOfRow[r]} of the data set, in {@code dense}
 * (row-major {@code [count x width]}) and, where the first layer reads them that way, in {@code sparse} (else null).
 * Nothing is modified.
 */
public record InputRows(float[] dense, int width, SparseInputs sparse, int[] sampleOfRow) {
}
