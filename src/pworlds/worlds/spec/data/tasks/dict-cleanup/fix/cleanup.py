"""Remove empty values from settings."""


def drop_empty(settings: dict) -> dict:
    """Delete keys whose value is None, '' or an empty collection; return the same dict."""
    for key in list(settings):
        if settings[key] in (None, "") or settings[key] == [] or settings[key] == {}:
            del settings[key]
    return settings
