"""The server's own CPU time per 100 reads, for one client: runs the client command RUNS
times and reads the server's utime + stime from /proc/PID/stat before and after.

    python3 bench/server_cpu.py PID RUNS READS_PER_RUN -- COMMAND [ARG ...]
    python3 bench/server_cpu.py PID 1 wrk -- wrk -t2 -c16 -d6s ... URL

READS_PER_RUN is the number of reads one run of COMMAND makes; `wrk` takes it from wrk's
"N requests in" line instead. The client's output is discarded (wrk's is parsed).
"""
import os
import re
import subprocess
import sys

pid, runs, reads = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if sys.argv[4] != "--":
    sys.exit("usage: server_cpu.py PID RUNS READS_PER_RUN -- COMMAND [ARG ...]")
command = sys.argv[5:]
tick = os.sysconf("SC_CLK_TCK")


def server_cpu() -> float:
    """Seconds of CPU the server has used so far (fields 14 and 15 of /proc/PID/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


total_reads = 0
before = server_cpu()
for _ in range(runs):
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True)
    if reads == "wrk":
        total_reads += int(re.search(r"(\d+) requests in", done.stdout).group(1))
    else:
        total_reads += int(reads)
used = server_cpu() - before
print(f"{used / total_reads * 100 * 1e3:.1f} ms of server CPU per 100 reads ({total_reads} reads)")
