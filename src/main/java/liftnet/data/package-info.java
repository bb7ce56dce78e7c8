/**
 * Data sets: readers for IDX files (MNIST, Fashion-MNIST; raw or gzipped, SHA-256 checked in the same pass)
 * and for CIFAR-10 binary batches (converted to grayscale), a registry of the known data sets
 * ({@link liftnet.data.DatasetId}, {@link liftnet.data.DataSets#load}) and the in-memory
 * {@link liftnet.data.Dataset} every engine consumes. A leaf package: it depends on nothing else in liftnet.
 * Bad or missing files raise a {@link liftnet.data.DataException} whose message says how to fix them
 * ({@code scripts/fetch-data.sh}).
 */
package liftnet.data;
