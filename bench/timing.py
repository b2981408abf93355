"""The microbenchmark timer shared by the bench scripts (each runs in its own venv, so stdlib only)."""
import statistics
import time


def timed(f, passes=100):
    """(best, median) µs per call of `f` over 5 rounds of `passes` calls, after 10 warm-up calls."""
    for _ in range(10):
        f()
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(passes):
            f()
        ts.append((time.perf_counter() - t) / passes * 1e6)
    return min(ts), statistics.median(ts)
