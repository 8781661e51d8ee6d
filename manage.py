#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")
    from django.core.management import execute_from_command_line

    from smarketing.env import SettingsError

    try:
        execute_from_command_line(sys.argv)
    except SettingsError as error:
        sys.exit(f"smarketing cannot start: {error}")


if __name__ == "__main__":
    main()
