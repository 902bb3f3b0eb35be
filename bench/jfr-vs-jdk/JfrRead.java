// The JDK's own JFR reader on the same recordings as flamedb's (bench/jfr-vs-jdk): every event of
// the kinds flamedb converts is read with jdk.jfr.consumer.RecordingFile, and for each its stack
// is walked and its frames named "<class>.<method>", its value read, as flamedb's conversion
// does. Warmed up first; prints one JSON line per file with the best and median MB/s.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

public class JfrRead {
  static final Set<String> KINDS = Set.of("jdk.ExecutionSample", "profiler.WallClockSample",
      "jdk.ObjectAllocationInNewTLAB", "jdk.ObjectAllocationOutsideTLAB",
      "jdk.ObjectAllocationSample", "jdk.JavaMonitorEnter", "jdk.ThreadPark");

  static long sink;

  static long readOnce(Path file) throws Exception {
    long events = 0;
    Map<String, Long> perFrame = new HashMap<>();
    try (RecordingFile f = new RecordingFile(file)) {
      while (f.hasMoreEvents()) {
        RecordedEvent e = f.readEvent();
        if (!KINDS.contains(e.getEventType().getName())) continue;
        RecordedStackTrace st = e.getStackTrace();
        if (st == null) continue;
        long value = e.hasField("weight") ? e.getLong("weight") : 1;
        for (RecordedFrame frame : st.getFrames()) {
          if (frame.getMethod() == null) continue;
          String name = frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
          perFrame.merge(name, value, Long::sum);
        }
        events++;
      }
    }
    sink += perFrame.size();
    return events;
  }

  public static void main(String[] args) throws Exception {
    int seconds = Integer.parseInt(args[0]);
    for (int i = 1; i < args.length; i++) {
      Path file = Path.of(args[i]);
      long bytes = Files.size(file);
      long deadline = System.nanoTime() + seconds * 1_000_000_000L / 3;  // Warm-up: a third.
      while (System.nanoTime() < deadline) readOnce(file);
      double[] rates = new double[1000];
      int n = 0;
      long events = 0;
      deadline = System.nanoTime() + seconds * 2_000_000_000L / 3;
      while (System.nanoTime() < deadline && n < rates.length) {
        long start = System.nanoTime();
        events = readOnce(file);
        rates[n++] = bytes / ((System.nanoTime() - start) / 1e9) / 1e6;
      }
      double[] r = Arrays.copyOf(rates, n);
      Arrays.sort(r);
      System.out.printf("{\"file\":\"%s\",\"bytes\":%d,\"events\":%d,\"runs\":%d,\"best_mb_per_s\":%.1f,\"median_mb_per_s\":%.1f}%n",
          file.getFileName(), bytes, events, n, r[n - 1], r[n / 2]);
    }
  }
}
