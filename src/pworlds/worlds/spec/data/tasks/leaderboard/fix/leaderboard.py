"""A game leaderboard."""


def top(players: dict[str, int], n: int) -> list[tuple[str, int]]:
    """The ``n`` best (name, score) pairs: highest score first, ties broken by name."""
    ranked = sorted(players.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]
