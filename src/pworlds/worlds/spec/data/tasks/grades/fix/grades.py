"""Letter grades."""


def letter(score: int) -> str:
    if not 0 <= score <= 100:
        raise ValueError(f"score {score} outside 0..100")
    for bound, grade in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if score >= bound:
            return grade
    return "F"
