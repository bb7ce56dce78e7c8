package liftnet.fingerprint;

import java.nio.file.Path;

/**
 * Records the fingerprint grid: {@code FingerprintRecorder DIR COMMIT NET...} writes {@code DIR/lanes-N/NET.txt} for
 * each net ({@code dense}, {@code conv}). Run by {@code scripts/record-fingerprints.sh} on the classes of a pinned
 * commit; prints the files written.
 */
public final class FingerprintRecorder {

    private FingerprintRecorder() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("error: usage FingerprintRecorder DIR COMMIT NET...; run scripts/record-fingerprints.sh");
            System.exit(2);
        }
        for (int i = 2; i < args.length; i++) {
            if (!Fingerprints.NETS.containsKey(args[i])) {
                System.err.println("error: unknown net " + args[i] + "; use one of " + Fingerprints.NETS.keySet());
                System.exit(2);
            }
            System.out.println(Fingerprints.record(Path.of(args[0]), args[i], args[1]));
        }
    }
}
