#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")
    from django.core.management import execute_from_command_line
    from django.db import OperationalError, connection

    from smarketing.embedded_db import embedded_database_url
    from smarketing.env import SettingsError
    from smarketing.readiness import cannot_start

    try:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = embedded_database_url()
        execute_from_command_line(sys.argv)
    except SettingsError as error:
        sys.exit(cannot_start(error))
    except OperationalError as error:
        if connection.connection is not None:
            raise  # connected, then failed: a real error, with its traceback
        reason = " ".join(str(error).split())
        sys.exit(cannot_start(f"the database in DATABASE_URL cannot be reached: {reason}"))


if __name__ == "__main__":
    main()
