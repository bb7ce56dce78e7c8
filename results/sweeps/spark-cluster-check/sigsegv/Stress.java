public class Stress {
    static volatile boolean stop;
    public static void main(String[] args) throws Exception {
        if (args[0].equals("probe")) {
            System.err.println("anyGpu: " + liftnet.api.Engines.anyGpu());
        }
        Thread[] ts = new Thread[Integer.parseInt(args[1])];
        long[] sums = new long[ts.length];
        for (int t = 0; t < ts.length; t++) {
            final int id = t;
            ts[t] = new Thread(() -> {   // hot loops with safepoint polls on their back-edges
                long s = 0;
                for (long i = 0; !stop; i++) { s += i ^ (s >>> 3); }
                sums[id] = s;
            });
            ts[t].start();
        }
        for (int i = 0; i < 200; i++) { System.gc(); Thread.sleep(5); }   // global safepoints: every thread hits its armed poll page
        stop = true;
        for (Thread t : ts) t.join();
        System.err.println("ok");
    }
}
