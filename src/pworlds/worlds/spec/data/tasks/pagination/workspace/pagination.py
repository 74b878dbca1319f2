"""Split a list into pages for display."""


def page_count(total: int, per_page: int) -> int:
    """Number of pages needed for ``total`` items (at least 1)."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    return max(1, -(-total // per_page))


def page_items(items: list, page: int, per_page: int) -> list:
    """Items on 1-based ``page``; an out-of-range page is empty."""
    if page < 1:
        raise ValueError("pages start at 1")
    start = (page - 1) * per_page
    return items[start : start + per_page - 1]
