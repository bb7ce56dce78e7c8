/**
 * Files: the safetensors format ({@link liftnet.io.SafeTensors}), the model file built on it
 * ({@link liftnet.io.ModelFile}, the contract that tools outside the project read and write) and atomic
 * writes ({@link liftnet.io.AtomicFiles}). A leaf package: it depends on {@code liftnet.api} only.
 */
package liftnet.io;
