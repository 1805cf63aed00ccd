"""Times whole commands interleaved: each round runs every command once, the order rotated
from round to round, so a slow minute on a shared machine falls on every command alike.
hyperfine runs all of one command's runs before the next command's, so there a slow
minute lands on one command only (bench/RESULTS.md shows two identical builds 21 % apart
that way, and equal when interleaved).

    python3 bench/interleave.py [--server-pid PID --reads N] [--rate-of NAME] ROUNDS NAME=COMMAND ...

COMMAND is split on spaces (no quoting); `COMMAND < FILE` gives the command FILE on stdin. Prints, per command, the median, quartiles and
minimum of the wall time, the median CPU time the command itself used (user + system,
from getrusage), and its median as a multiple of the first command's. With --server-pid,
also the CPU time that process (the server) used while each command ran, summed over the
rounds and given per 100 reads, each run of a command making N reads. With --rate-of, that
command is a load tool printing wrk's `N requests in` and `Requests/sec:` lines: its median
rate is printed instead of its times, and its server CPU is per 100 of the reads it says
it made. A command that exits non-zero stops the run.
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--server-pid", type=int)
parser.add_argument("--reads", type=int)
parser.add_argument("--rate-of", metavar="NAME")
parser.add_argument("rounds", type=int)
parser.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
args = parser.parse_args()
if (args.server_pid is None) != (args.reads is None):
    parser.error("--server-pid and --reads go together")
commands = dict(spec.split("=", 1) for spec in args.commands)
names = list(commands)
if args.rate_of is not None and args.rate_of not in commands:
    parser.error(f"--rate-of names no command: {args.rate_of}")
rates = []
load_reads = 0
wall = {name: [] for name in names}
cpu = {name: [] for name in names}
server = dict.fromkeys(names, 0.0)
tick = os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu() -> float:
    """Seconds of CPU the server has used so far (fields 14 and 15 of /proc/PID/stat)."""
    if args.server_pid is None:
        return 0.0
    with open(f"/proc/{args.server_pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


for turn in range(args.rounds):
    shift = turn % len(names)
    for name in names[shift:] + names[:shift]:
        server_before, cpu_before, start = server_cpu(), children_cpu(), time.perf_counter()
        load_tool = name == args.rate_of
        command, _, stdin = commands[name].partition(" < ")
        with open(stdin.strip() or os.devnull, "rb") as given:
            done = subprocess.run(
                command.split(),
                stdin=given,
                stdout=subprocess.PIPE if load_tool else subprocess.DEVNULL,
                text=True,
            )
        wall[name].append(time.perf_counter() - start)
        cpu[name].append(children_cpu() - cpu_before)
        server[name] += server_cpu() - server_before
        if done.returncode != 0:
            sys.exit(f"interleave: `{name}` exited with {done.returncode}")
        if load_tool:
            rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
            reads = re.search(r"(\d+) requests in", done.stdout)
            if rate is None or reads is None:
                sys.exit(f"interleave: `{name}` printed no wrk summary")
            rates.append(float(rate.group(1)))
            load_reads += int(reads.group(1))


def server_per_100(name: str, reads: int) -> str:
    return f"; server CPU {server[name] / reads * 100 * 1e3:.1f} ms per 100 reads"


if args.rate_of is not None:
    line = f"{args.rate_of}: median rate {statistics.median(rates):.0f} requests/s"
    if args.reads:
        line += server_per_100(args.rate_of, load_reads)
    print(line)
    names.remove(args.rate_of)
first = statistics.median(wall[names[0]])
for name in names:
    times = sorted(wall[name])
    quartiles = statistics.quantiles(times, n=4)
    median = statistics.median(times)
    line = (
        f"{name}: median {median * 1e3:.1f} ms (quartiles {quartiles[0] * 1e3:.1f} to "
        f"{quartiles[2] * 1e3:.1f}, min {times[0] * 1e3:.1f}), own CPU "
        f"{statistics.median(cpu[name]) * 1e3:.1f} ms, {median / first:.2f}x {names[0]}"
    )
    if args.reads:
        line += server_per_100(name, args.rounds * args.reads)
    print(line)
