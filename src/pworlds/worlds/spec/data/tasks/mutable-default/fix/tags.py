"""Tag lists for notes."""


def add_tag(tag: str, tags: list[str] | None = None) -> list[str]:
    """Return ``tags`` with ``tag`` appended (once); a new list when none is given."""
    if tags is None:
        tags = []
    if tag not in tags:
        tags.append(tag)
    return tags
