"""CPU seconds the `tocsin` command spends before it does anything useful.

Runs each command a few times as a child process and prints the median user+sys CPU of the
child (from ``os.wait4``), so a loaded machine changes the figure little. `incident list`
talks to a closed port, so it measures start-up plus a refused connection. Asserts nothing.

    python bench/cli_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
from pathlib import Path

COMMANDS = (["--help"], ["version"], ["incident", "list"], ["oncall", "--help"])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port  # closed again once the socket is: connections are refused


def _tocsin() -> str:
    beside = Path(sys.executable).parent / "tocsin"
    found = str(beside) if beside.exists() else shutil.which("tocsin")
    if found is None:
        sys.exit("no `tocsin` command found beside this Python or on PATH")
    return found


def cpu_seconds(argv: list[str], env: dict[str, str]) -> float:
    """User+sys CPU of one run of ``argv``, children of the child included."""
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0  # reaped by wait4 above; keep Popen from waiting again
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tocsin = _tocsin()
    env = os.environ | {
        "TOCSIN_URL": f"http://127.0.0.1:{_closed_port()}",
        "TOCSIN_TOKEN": "tcn_bench_not_a_real_token",
    }
    print(f"tocsin start-up, median CPU (user+sys) of {args.runs} runs: {tocsin}")
    for command in COMMANDS:
        runs = [cpu_seconds([tocsin, *command], env) for _ in range(args.runs)]
        print(f"  tocsin {' '.join(command):<16} {statistics.median(runs):.3f} s")


if __name__ == "__main__":
    main()
