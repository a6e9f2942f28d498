"""Demo background work of the assessments app."""


def demo_workers() -> list[list[str]]:
    # The server, not the browser, closes attempts at their deadline.
    return [["finalize_attempts", "--loop"]]
