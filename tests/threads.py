"""Real threads, each on its own database connection, released together by a barrier: how the
concurrency tests race claims, moves, folds, captures and sends on real PostgreSQL."""

import threading
from collections.abc import Callable

from django.db import connection


def at_once[T](work: list[Callable[[], T]]) -> list[T | BaseException]:
    """Run every piece of `work` in its own thread, all started together; what each returned
    or raised, in the order of `work`."""
    outcomes: list[T | BaseException] = [RuntimeError("thread did not finish")] * len(work)
    start = threading.Barrier(len(work))

    def run(index: int) -> None:
        try:
            start.wait(timeout=20)
            outcomes[index] = work[index]()
        except BaseException as error:  # reported by the test, whatever it is
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes
