"""The wrk bench reads wrk's own report: a recorded one, as wrk 4.1 prints it."""

from __future__ import annotations

from bench.wrk_bench import parse_wrk

REPORT = """Running 5s test @ http://127.0.0.1:8001/candidates/?q=sen
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    36.21ms   10.12ms 100.00ms   85.50%
    Req/Sec   220.00     30.00   300.00     70.00%
  Latency Distribution
     50%   36.10ms
     75%   40.00ms
     90%   45.00ms
     99%  812.00us
  2201 requests in 5.00s, 17.60MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    440.12
Transfer/sec:      3.52MB
BYTES 18454528 REQUESTS 2201
"""


def test_the_latency_comes_from_the_distribution_not_the_thread_stats():
    """The thread stats' last column ends in "%" too ("85.50%"): the median is the
    distribution's 50 % line (a run once printed "p50 nan" from the line after it)."""
    found = parse_wrk(REPORT)
    assert found.rps == 440.12
    assert found.p50 == 36.1 and found.p99 == 0.812
    assert found.bad == 3
    assert round(found.size) == round(18454528 / 2201)
