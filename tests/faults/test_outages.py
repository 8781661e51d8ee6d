"""What people see while a dependency is down, through gunicorn with a real worker and beat
(the fast part of the fault suite, in every test run): Redis stopped, Redis dropped while tasks
run, PostgreSQL stopped, the worker killed in the middle of a task."""

import time
import uuid
from functools import partial

from tests.accounts.two_factor import code_now
from tests.faults.servers import wait_for
from tests.faults.stack import Stack

RECOVERY_TIMEOUT = 60


def _word() -> str:
    """A word found in one request's data only, to find its row and its email."""
    return f"w{uuid.uuid4().hex[:12]}"


def _received_more(stack: Stack, than: int) -> bool:
    return stack.worker.output().count(" received") > than


def _note(stack: Stack, lead: int, word: str) -> int:
    return stack.api("POST", f"leads/{lead}/notes/", body={"body": f"@sam {word}"}).status


def test_with_redis_stopped_the_api_and_captures_keep_serving_and_tasks_wait(
    stack: Stack,
) -> None:
    worker_pid = stack.worker.process.pid if stack.worker.process else None
    lead_id = stack.seeded["mqls"][0]
    stack.redis.stop()

    listed = stack.api("GET", "leads/")
    created = stack.api(
        "POST",
        "leads/",
        body={"full_name": "Ada Outage", "email": f"{_word()}@example.com", "source": "event"},
    )
    noted_word, captured_word = _word(), _word()
    noted = _note(stack, lead_id, noted_word)
    captured = stack.capture(f"{captured_word}@example.com", f"Grace {captured_word}")
    claimed = stack.api("POST", f"leads/{stack.seeded['mqls'][1]}/claim/", who="rep")
    health = stack.call("GET", "/healthz")

    assert listed.status == 200, "reads do not need Redis: the rate limit is skipped"
    assert created.status == 201
    assert stack.query("SELECT 1 FROM leads_lead WHERE id = %s", created.json()["id"])
    assert noted == 201
    assert captured.status == 200, "a saved capture is never answered as failed"
    assert stack.query("SELECT 1 FROM leads_lead WHERE email = %s", f"{captured_word}@example.com")
    assert claimed.status == 200
    assert stack.query(
        "SELECT 1 FROM leads_lead WHERE id = %s AND sales_owner_id = %s",
        stack.seeded["mqls"][1],
        stack.seeded["rep"]["id"],
    )
    assert health.status == 503
    assert health.json()["checks"]["broker"] == "unreachable"
    assert stack.outbox() >= 2, "the two emails wait in the database outbox"

    stack.redis.start()

    wait_for(
        lambda: (
            min(stack.emails_containing(noted_word), stack.emails_containing(captured_word)) > 0
        ),
        "the emails queued during the outage",
        RECOVERY_TIMEOUT,
    )
    wait_for(lambda: stack.outbox() == 0, "the outbox to empty", RECOVERY_TIMEOUT)
    assert stack.emails_containing(noted_word) == 1
    assert stack.emails_containing(captured_word) == 1
    assert stack.worker.process is not None
    assert stack.worker.process.pid == worker_pid, "the worker reconnected by itself"
    assert stack.call("GET", "/healthz").status == 200


def test_redis_dropping_while_tasks_run_leaves_worker_and_beat_running(stack: Stack) -> None:
    lead_id = stack.seeded["mqls"][2]
    in_flight = [_word() for _ in range(6)]
    assert [_note(stack, lead_id, word) for word in in_flight] == [201] * 6
    time.sleep(0.3)

    stack.redis.stop()
    time.sleep(3)
    stack.redis.start()
    after = _word()
    assert _note(stack, lead_id, after) == 201

    wait_for(lambda: stack.emails_containing(after) == 1, "work after the drop", RECOVERY_TIMEOUT)
    assert stack.worker.running(), stack.worker.output()[-4000:]
    assert stack.beat.running(), stack.beat.output()[-4000:]
    assert "Unrecoverable error" not in stack.worker.output()
    assert [
        stack.emails_containing(word) for word in in_flight if stack.emails_containing(word) > 1
    ] == []


def test_the_worker_rides_out_redis_killed_and_stopped_again_and_again(stack: Stack) -> None:
    """Redis crashes (SIGKILL) and stops (SIGTERM) in turn, four times, each time with mention
    emails running in the worker's prefork pool: the worker's main process lives through it
    and takes new tasks afterwards; every email running at the drop is sent, none twice."""
    worker_pid = stack.worker.process.pid if stack.worker.process else None
    lead_id = stack.seeded["mqls"][4]
    in_flight: list[str] = []
    for drop in (stack.redis.kill, stack.redis.stop, stack.redis.kill, stack.redis.stop):
        words = [_word() for _ in range(4)]
        received = stack.worker.output().count(" received")
        assert [_note(stack, lead_id, word) for word in words] == [201] * 4
        in_flight += words
        wait_for(partial(_received_more, stack, received), "a task to start")
        time.sleep(0.3)
        drop()
        time.sleep(2)
        stack.redis.start()
        time.sleep(2)
        assert stack.worker.running(), stack.worker.output()[-4000:]

    after = _word()
    assert _note(stack, lead_id, after) == 201
    wait_for(lambda: stack.emails_containing(after) == 1, "work after the drops", RECOVERY_TIMEOUT)
    # Not one lost: a task cancelled in the middle of its email would never send it.
    wait_for(
        lambda: all(stack.emails_containing(word) for word in in_flight),
        "the emails that were running when Redis went",
        RECOVERY_TIMEOUT,
    )
    assert stack.worker.process is not None
    assert stack.worker.process.pid == worker_pid, "the same worker, never restarted"
    assert "Unrecoverable error" not in stack.worker.output()
    assert [word for word in in_flight if stack.emails_containing(word) > 1] == []


def test_with_redis_stopped_a_two_factor_login_works_and_its_code_works_once(
    stack: Stack,
) -> None:
    """Used codes are kept in PostgreSQL: with Redis down the login by code goes through, and
    the same code is refused to a second browser (no replay while the cache is away)."""
    person = stack.seeded["two_factor"]
    laptop, phone = stack.browser(), stack.browser()
    credentials = {"username": person["username"], "password": stack.seeded["password"]}
    stack.redis.stop()
    try:
        to_code = stack.post_page_form(laptop, "/accounts/login/", credentials)
        code = code_now(person["secret"])
        logged_in = stack.post_page_form(laptop, "/accounts/2fa/authenticate/", {"code": code})
        leads = stack.call("GET", "/leads/", opener=laptop)
        stack.post_page_form(phone, "/accounts/login/", credentials)
        replayed = stack.post_page_form(phone, "/accounts/2fa/authenticate/", {"code": code})
        phone_leads = stack.call("GET", "/leads/", opener=phone)
    finally:
        stack.redis.start()

    assert to_code.status == 302
    assert to_code.headers["Location"].endswith("/accounts/2fa/authenticate/")
    assert logged_in.status == 302, logged_in.body.decode()[-2000:]
    assert leads.status == 200
    assert replayed.status == 200, "the code page again, with its error"
    assert "Incorrect code" in replayed.body.decode()
    assert phone_leads.status == 302, "the second browser is not logged in"


def test_with_postgres_stopped_requests_get_503_with_retry_after_then_recover(
    stack: Stack,
) -> None:
    browser = stack.signed_in("maria")
    stack.postgres.stop()

    api = stack.api("GET", "leads/")
    page = stack.call("GET", "/leads/", opener=browser)
    word = _word()
    captured = stack.capture(f"{word}@example.com", f"Nobody {word}")

    assert api.status == 503
    assert api.json()["code"] == "unavailable"
    assert int(api.headers["Retry-After"]) > 0
    assert page.status == 503
    assert "back in a moment" in page.body.decode()
    assert "Retry-After" in page.headers
    assert captured.status == 503
    assert captured.json()["code"] == "unavailable"

    stack.postgres.start()

    assert stack.api("GET", "leads/").status == 200, "no restart of the web server needed"
    assert stack.call("GET", "/leads/", opener=browser).status == 200
    assert stack.capture(f"{word}@example.com", f"Saved {word}").status == 200
    wait_for(lambda: stack.emails_containing(word) == 1, "the capture's email", RECOVERY_TIMEOUT)
    assert stack.worker.running()


def test_a_worker_killed_mid_task_sends_nothing_twice_and_a_new_one_takes_over(
    stack: Stack,
) -> None:
    lead_id = stack.seeded["mqls"][3]
    words = [_word() for _ in range(4)]
    assert [_note(stack, lead_id, word) for word in words] == [201] * 4
    wait_for(lambda: " received" in stack.worker.output()[-3000:], "a task to start")
    stack.worker.kill()

    while_down = _word()
    assert stack.capture(f"{while_down}@example.com", f"Kim {while_down}").status == 200
    stack.worker.start()

    wait_for(lambda: stack.emails_containing(while_down) == 1, "the new worker", RECOVERY_TIMEOUT)
    time.sleep(3)
    assert [
        stack.emails_containing(word) for word in words if stack.emails_containing(word) > 1
    ] == []
