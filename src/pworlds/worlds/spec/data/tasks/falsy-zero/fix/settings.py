"""Reading settings with defaults."""

DEFAULT_TIMEOUT = 30


def get_timeout(settings: dict) -> int:
    value = settings.get("timeout")
    if value is None:
        return DEFAULT_TIMEOUT
    return int(value)
