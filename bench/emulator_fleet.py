"""Run many emulated clocks in their own process, like real devices on the network.

    python -m bench.emulator_fleet COUNT RECORDS KBPS SEED_BASE
prints one free port per line, then "ready", and serves until stdin closes.
Keeping the clocks out of the poller's process keeps them off its GIL.
"""

import sys

from devices.zk.emulator import ZKEmulator


def main() -> None:
    count, records, kbps, seed = (int(a) for a in sys.argv[1:5])
    fleet = []
    for i in range(count):
        emu = ZKEmulator(port=0, record_size=40, chunking="firmware", bandwidth_kbps=kbps, serial=f"F{seed}-{i}")
        emu.generate(users=100, punches=records, seed=seed + i)
        emu.start()
        fleet.append(emu)
        print(emu.port, flush=True)
    print("ready", flush=True)
    sys.stdin.read()
    for emu in fleet:
        emu.stop()


if __name__ == "__main__":
    main()
