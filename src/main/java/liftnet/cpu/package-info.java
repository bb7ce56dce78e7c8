/**
 * The pure-Java CPU engine: one engine for dense and convolutional nets, running the solver of {@code liftnet.solve}
 * over the net's layer operators on long-lived worker threads.
 */
package liftnet.cpu;
