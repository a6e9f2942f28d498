"""Run the demo: the web server plus the demo's background workers, stopped together.

Each installed app may offer `demo_workers()` in its `demo` module (argv lists of
management commands, run with this Python); Ctrl-C or SIGTERM stops every child cleanly.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the demo web UI and its background workers until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-workers", action="store_true")

    def handle(self, *args, **options):
        commands = [["manage.py", "runserver", f"127.0.0.1:{options['port']}", "--noreload"]]
        if not options["no_workers"]:
            commands += [["manage.py", *argv] for argv in demo_workers()]
        children = [subprocess.Popen([sys.executable, *argv]) for argv in commands]
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping and all(c.poll() is None for c in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("Stopped.")


def demo_workers() -> list[list[str]]:
    """Background processes the demo runs beside the web server: every installed app
    may offer `demo_workers()` in its `demo` module (clocks, poller, recompute…)."""
    import importlib

    from django.apps import apps

    workers: list[list[str]] = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ImportError:
            continue
        workers += getattr(module, "demo_workers", list)()
    return workers
