"""The whole product on private dependencies, for the fault suite: PostgreSQL and Redis of its
own, gunicorn, a Celery worker and beat, email into files; and a small HTTP client that
records every answer, so a test can say "no 500, ever" about all the traffic it sent."""

import email
import email.policy
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg

from tests.faults.servers import (
    ROOT,
    WEB_PORT,
    Postgres,
    Process,
    Redis,
    listening,
    port_offset,
    python,
    wait_for,
)

DATABASE = "smk"
# Each email is written this long after the worker starts sending it: time to kill it mid-send.
MAIL_DELAY_SECONDS = 0.5
REQUEST_TIMEOUT = 15


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stack:
    folder: Path
    redis: Redis
    postgres: Postgres
    web: Process
    worker: Process
    beat: Process
    seeded: dict[str, Any] = field(default_factory=dict)
    answers: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{WEB_PORT + port_offset()}"

    @property
    def mail(self) -> Path:
        return self.folder / "mail"

    # Traffic -------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        form: dict[str, str] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        opener: urllib.request.OpenerDirector | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = self.base_url + path
        if token:
            sent["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=sent
        )
        try:
            with (opener or _no_redirects).open(request, timeout=REQUEST_TIMEOUT) as response:
                answer = Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, dict(error.headers), error.read())
        except OSError:
            # No answer at all (a timeout, a reset): status 0.
            answer = Answer(0, {}, b"")
        self.answers.append((method, path, answer.status))
        return answer

    def api(self, method: str, path: str, *, who: str = "marketer", body: Any = None) -> Answer:
        return self.call(method, f"/api/v1/{path}", body=body, token=self.seeded[who]["token"])

    def capture(self, email_address: str, name: str) -> Answer:
        return self.call(
            "POST",
            f"/capture/{self.seeded['form']}",
            body={"email": email_address, "full_name": name},
            headers={"Origin": self.seeded["origin"]},
        )

    def signed_in(self, username: str) -> urllib.request.OpenerDirector:
        """A browser of `username`, signed in through the login page."""
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = browser.open(f"{self.base_url}/accounts/login/", timeout=REQUEST_TIMEOUT)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
        assert token, "the login page has no CSRF token"
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": self.seeded["password"],
        }
        browser.open(
            urllib.request.Request(
                f"{self.base_url}/accounts/login/",
                data=urllib.parse.urlencode(form).encode(),
                headers={"Referer": f"{self.base_url}/"},
            ),
            timeout=REQUEST_TIMEOUT,
        )
        return browser

    def browser(self) -> urllib.request.OpenerDirector:
        """A browser that keeps its cookies and shows each answer as it is (no redirects)."""
        jar = http.cookiejar.CookieJar()
        return urllib.request.build_opener(_NoRedirects, urllib.request.HTTPCookieProcessor(jar))

    def post_page_form(
        self, browser: urllib.request.OpenerDirector, path: str, form: dict[str, str]
    ) -> Answer:
        """Open the page at `path` and send its form with `form`'s fields and its CSRF token."""
        page = self.call("GET", path, opener=browser)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert token, f"no CSRF token on {path}: {page.status}"
        return self.call(
            "POST",
            path,
            form={"csrfmiddlewaretoken": token.group(1).decode(), **form},
            opener=browser,
        )

    def server_errors(self) -> list[tuple[str, str, int]]:
        return [answer for answer in self.answers if answer[2] >= 500 and answer[2] != 503]

    # What the product stored and sent -------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.postgres.url(DATABASE), autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def emails(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.mail.glob("*.eml"))
        ]

    def email_subjects(self) -> Counter[str]:
        return Counter(str(message["Subject"]) for message in self.emails())

    def emails_containing(self, text: str) -> int:
        """How many emails were sent whose text holds `text` (a note's or a lead's unique
        word): 1 is right, 2 a duplicate."""
        return sum(text in path.read_text(errors="replace") for path in self.mail.glob("*.eml"))

    def outbox(self) -> int:
        return int(self.query("SELECT count(*) FROM smarketing_outboxtask")[0][0])

    # Dependencies ---------------------------------------------------------------------------

    def wait_until_serving(self) -> None:
        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2):
                    return True
            except urllib.error.HTTPError:
                return True
            except OSError:
                return False

        wait_for(lambda: listening(WEB_PORT + port_offset()) and answers(), "gunicorn to serve")

    def stop(self) -> None:
        for process in (self.beat, self.worker, self.web, self.redis):
            process.stop()
        self.postgres.destroy()
        shutil.rmtree(self.folder, ignore_errors=True)

    def logs(self) -> str:
        return "\n".join(
            f"--- {process.name} ---\n{process.output()[-6000:]}"
            for process in (self.web, self.worker, self.beat)
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Answers are recorded as they are: a 303 is a 303, not the page it points to."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_no_redirects = urllib.request.build_opener(_NoRedirects)


def start_stack(*, smtp_port: int | None = None) -> Stack:
    """The whole product, its email written to files, or sent over SMTP to `smtp_port`."""
    folder = Path(tempfile.mkdtemp(prefix="smk-faults-"))
    (folder / "mail").mkdir()
    redis, postgres = Redis(folder), Postgres()
    redis.start()
    postgres.start()
    postgres.create_database(DATABASE)
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "tests.faults.stack_settings",
        "DATABASE_URL": postgres.url(DATABASE),
        "REDIS_URL": redis.url,
        "DATA_DIR": str(folder),
        "DIGEST_MAIL_DIR": str(folder / "mail"),
        "DIGEST_MAIL_DELAY": str(MAIL_DELAY_SECONDS),
        "SECRET_KEY": "fault-suite-secret-key-long-enough-for-django-checks-0123456789",
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_RATE_PER_MINUTE": "100000",
        "LOG_LEVEL": "INFO",
        **({"FAULTS_SMTP_PORT": str(smtp_port)} if smtp_port else {}),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(python("manage.py", "migrate", "-v0"), cwd=ROOT, env=env, check=True)
    seed = subprocess.run(
        python("-m", "tests.faults.seed"),
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    port = WEB_PORT + port_offset()
    stack = Stack(
        folder=folder,
        redis=redis,
        postgres=postgres,
        web=Process(
            "web",
            python("-m", "gunicorn", "smarketing.wsgi", "--bind", f"127.0.0.1:{port}",
                   "--workers", "2", "--threads", "4", "--timeout", "30",
                   # Not the shared ~/.gunicorn socket: other servers on this machine use it.
                   "--no-control-socket"),
            log=folder / "web.log", env=env,
        ),
        worker=Process(
            "worker",
            python("-m", "celery", "-A", "smarketing", "worker", "--loglevel", "INFO",
                   "--concurrency", "2", "-n", f"faults-{port}@%h"),
            log=folder / "worker.log", env=env,
        ),
        beat=Process(
            "beat",
            python("-m", "celery", "-A", "smarketing", "beat", "--loglevel", "INFO"),
            log=folder / "beat.log", env=env,
        ),
        seeded=json.loads(seed.stdout),
    )  # fmt: skip
    try:
        for process in (stack.web, stack.worker, stack.beat):
            process.start()
        stack.wait_until_serving()
    except BaseException:
        print(stack.logs())  # noqa: T201 (why the stack did not start, in the test's output)
        stack.stop()
        raise
    return stack
