"""A 2-D grid of cells."""


def make_grid(width: int, height: int, fill: int = 0) -> list[list[int]]:
    return [[fill] * width] * height


def set_cell(grid: list[list[int]], x: int, y: int, value: int) -> None:
    grid[y][x] = value
