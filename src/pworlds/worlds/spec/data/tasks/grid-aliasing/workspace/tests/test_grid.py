from grid import make_grid, set_cell


def test_shape():
    grid = make_grid(3, 2)
    assert len(grid) == 2 and all(len(row) == 3 for row in grid)


def test_cells_are_independent():
    grid = make_grid(3, 2)
    set_cell(grid, 1, 0, 5)
    assert grid == [[0, 5, 0], [0, 0, 0]]


def test_fill_value():
    assert make_grid(2, 1, fill=7) == [[7, 7]]
