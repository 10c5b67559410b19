"""How long `optout` takes to start, as a whole process: `--version`, `--help` and `list`.

Usage: python benchmarks/startup_benchmark.py [--runs 15]
Prints the median and the slowest of each, in seconds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (["--version"], ["--help"], ["list", "--json"])


def optout_command() -> list[str]:
    beside = Path(sys.executable).parent / "optout"
    found = str(beside) if beside.exists() else shutil.which("optout")
    return [found] if found else [sys.executable, "-m", "optout"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    base = optout_command()
    print("| command | median (s) | slowest (s) |\n|---|---:|---:|")
    for args in COMMANDS:
        subprocess.run([*base, *args], capture_output=True, check=True)  # warm the file cache
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([*base, *args], capture_output=True, check=True)
            times.append(time.perf_counter() - started)
        print(f"| optout {' '.join(args)} | {statistics.median(times):.3f} | {max(times):.3f} |")


if __name__ == "__main__":
    main()
