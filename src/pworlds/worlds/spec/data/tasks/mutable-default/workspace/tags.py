"""Tag lists for notes."""


def add_tag(tag: str, tags: list[str] = []) -> list[str]:  # noqa: B006
    """Return ``tags`` with ``tag`` appended (once); a new list when none is given."""
    if tag not in tags:
        tags.append(tag)
    return tags
